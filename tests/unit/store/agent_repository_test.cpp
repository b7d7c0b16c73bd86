#include "store/agent_repository.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

using common::ErrorCode;
using std::chrono::seconds;

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

class AgentRepositoryTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped()) return;
    repo_ = &open().agents();
  }
  Agent mustCreate(AgentInput in) {
    auto a = repo_->create(in);
    EXPECT_TRUE(a.ok()) << a.error().message;
    return *a;
  }
  std::vector<std::string> names(const AgentFilter& f) {
    auto page = repo_->list(f);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::string> out;
    for (const auto& a : page->items) out.push_back(a.name);
    return out;
  }
  AgentRepository* repo_ = nullptr;
};

TEST_P(AgentRepositoryTest, CreateGetPatchRemove) {
  AgentInput in = agent("builder", AgentLevel::kL2, "compiler");
  in.metadata = R"({"zone":"eu"})";
  Agent a = mustCreate(in);
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.status, AgentStatus::kIdle);
  EXPECT_EQ(a.level, AgentLevel::kL2);
  EXPECT_FALSE(a.project_id);
  EXPECT_FALSE(a.last_heartbeat_ms);
  EXPECT_EQ(a.created_at_ms, clock_.wallMillis());

  auto got = repo_->get(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "builder");
  EXPECT_EQ(got->metadata, R"({"zone":"eu"})");

  clock_.advance(seconds(5));
  AgentInput change;
  change.status = AgentStatus::kBusy;
  auto patched = repo_->patch(a.id, change);
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(patched->status, AgentStatus::kBusy);
  EXPECT_EQ(patched->name, "builder");  // untouched
  EXPECT_EQ(patched->role, "compiler");
  EXPECT_EQ(patched->updated_at_ms, a.created_at_ms + 5000);

  ASSERT_TRUE(repo_->remove(a.id).ok());
  EXPECT_EQ(repo_->get(a.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(repo_->remove(a.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(repo_->patch(a.id, change).error().code, ErrorCode::kNotFound);
}

// The check must count the rows its SELECT found, not what the session's last statement changed:
// on SQLite those are the rows of the write just before, so an unknown project_id once passed the
// check whenever the previous write had changed a row, and met the foreign key as a 503.
TEST_P(AgentRepositoryTest, AnUnknownProjectIsRefusedRightAfterAnotherWrite) {
  Agent first = mustCreate(agent("first"));
  AgentInput in = agent("second");
  in.project_id = std::optional<int64_t>(42);
  auto refused = repo_->create(in);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kValidation) << refused.error().message;
  EXPECT_EQ(refused.error().field, "project_id");

  ASSERT_TRUE(repo_->heartbeat(first.id).ok());
  AgentInput move;
  move.project_id = std::optional<int64_t>(42);
  auto moved = repo_->patch(first.id, move);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, ErrorCode::kValidation) << moved.error().message;
  EXPECT_EQ(moved.error().field, "project_id");
}

TEST_P(AgentRepositoryTest, ProjectIdMustExistAndCanBeCleared) {
  AgentInput in = agent("a");
  in.project_id = std::optional<int64_t>(42);
  auto refused = repo_->create(in);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kValidation);
  EXPECT_EQ(refused.error().field, "project_id");

  auto p = store_->projects().create(project("p"));
  ASSERT_TRUE(p.ok());
  in.project_id = std::optional<int64_t>(p->id);
  Agent a = mustCreate(in);
  EXPECT_EQ(a.project_id, p->id);

  AgentInput clear;
  clear.project_id = std::optional<int64_t>();
  auto cleared = repo_->patch(a.id, clear);
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->project_id);
}

TEST_P(AgentRepositoryTest, NamesAreUniqueWithinAProject) {
  auto p1 = store_->projects().create(project("p1"));
  auto p2 = store_->projects().create(project("p2"));
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto in = [&](const std::string& name, std::optional<int64_t> project_id) {
    AgentInput a = agent(name);
    a.project_id = project_id;
    return a;
  };
  Agent first = mustCreate(in("worker", p1->id));
  auto taken = repo_->create(in("worker", p1->id));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
  EXPECT_NE(taken.error().message.find("'worker'"), std::string::npos) << taken.error().message;
  Agent other = mustCreate(in("worker", p2->id));  // another project
  Agent loose = mustCreate(in("worker", std::nullopt));
  EXPECT_EQ(repo_->create(in("worker", std::nullopt)).error().code, ErrorCode::kConflict);

  // A patch may keep its own name, but not rename or move onto a taken one.
  AgentInput same;
  same.name = "worker";
  EXPECT_TRUE(repo_->patch(first.id, same).ok());
  AgentInput move;
  move.project_id = std::optional<int64_t>(p1->id);
  EXPECT_EQ(repo_->patch(other.id, move).error().code, ErrorCode::kConflict);
  AgentInput detach;
  detach.project_id = std::optional<int64_t>();
  EXPECT_EQ(repo_->patch(first.id, detach).error().code, ErrorCode::kConflict);
  Agent spare = mustCreate(in("spare", p1->id));
  AgentInput rename;
  rename.name = "worker";
  EXPECT_EQ(repo_->patch(spare.id, rename).error().code, ErrorCode::kConflict);
  EXPECT_EQ(repo_->get(spare.id)->name, "spare");
  EXPECT_TRUE(repo_->remove(loose.id).ok());
  EXPECT_TRUE(repo_->patch(first.id, detach).ok());  // the name is free there now
}

TEST_P(AgentRepositoryTest, InvalidInputIsRejectedBeforeStorage) {
  AgentInput in = agent(std::string(129, 'x'));
  auto refused = repo_->create(in);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "name");
  AgentInput missing;
  missing.name = "n";
  EXPECT_EQ(repo_->create(missing).error().field, "level");
}

TEST_P(AgentRepositoryTest, FiltersByStatusLevelRoleProjectAndName) {
  auto p = store_->projects().create(project("p"));
  mustCreate(agent("alpha", AgentLevel::kL1, "build"));
  Agent beta = mustCreate(agent("beta", AgentLevel::kL2, "build"));
  AgentInput gamma = agent("gamma", AgentLevel::kL2, "test");
  gamma.project_id = std::optional<int64_t>(p->id);
  gamma.status = AgentStatus::kOffline;
  mustCreate(gamma);
  AgentInput busy;
  busy.status = AgentStatus::kBusy;
  ASSERT_TRUE(repo_->patch(beta.id, busy).ok());

  AgentFilter f;
  f.level = AgentLevel::kL2;
  EXPECT_EQ(names(f), (std::vector<std::string>{"beta", "gamma"}));
  f.role = "build";
  EXPECT_EQ(names(f), (std::vector<std::string>{"beta"}));
  AgentFilter by_status;
  by_status.status = AgentStatus::kOffline;
  EXPECT_EQ(names(by_status), (std::vector<std::string>{"gamma"}));
  AgentFilter by_project;
  by_project.project_id = p->id;
  EXPECT_EQ(names(by_project), (std::vector<std::string>{"gamma"}));
  AgentFilter by_name;
  by_name.q = "AMM";  // a substring, case-insensitively
  EXPECT_EQ(names(by_name), (std::vector<std::string>{"gamma"}));
  by_name.q = "lph";
  EXPECT_EQ(names(by_name), (std::vector<std::string>{"alpha"}));
  by_name.q = "ph";
  EXPECT_EQ(repo_->list(by_name).error().field, "q") << "shorter than a trigram";
}

TEST_P(AgentRepositoryTest, NameSearchTreatsLikeWildcardsLiterally) {
  mustCreate(agent("100%_done"));
  mustCreate(agent("100x-done"));
  mustCreate(agent(R"(back\slash)"));
  AgentFilter f;
  mustCreate(agent(R"(say "hi" now)"));
  f.q = "0%_";
  EXPECT_EQ(names(f), (std::vector<std::string>{"100%_done"}));
  f.q = "%_d";
  EXPECT_EQ(names(f), (std::vector<std::string>{"100%_done"}));
  f.q = R"(k\s)";
  EXPECT_EQ(names(f), (std::vector<std::string>{R"(back\slash)"}));
  f.q = R"("hi")";
  EXPECT_EQ(names(f), (std::vector<std::string>{R"(say "hi" now)"}));
}

TEST_P(AgentRepositoryTest, SortAndPaginationWithTotal) {
  for (const char* n : {"delta", "alpha", "charlie", "bravo", "echo"}) mustCreate(agent(n));
  AgentFilter f;
  f.sort = "name";
  f.window.limit = 2;
  auto page = repo_->list(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].name, "alpha");
  EXPECT_EQ(page->items[1].name, "bravo");
  f.window.offset = 4;
  EXPECT_EQ(names(f), (std::vector<std::string>{"echo"}));
  f.window.offset = 0;
  f.window.limit = 50;
  f.sort = "-name";
  EXPECT_EQ(names(f).front(), "echo");
  f.sort = "-id";
  EXPECT_EQ(names(f).front(), "echo");  // created last
  f.sort = "id";
  EXPECT_EQ(names(f).front(), "delta");
}

TEST_P(AgentRepositoryTest, BadListParametersNameTheirField) {
  AgentFilter f;
  f.sort = "password; DROP TABLE agents";
  EXPECT_EQ(repo_->list(f).error().field, "sort");
  f = AgentFilter{};
  f.window.limit = 0;
  EXPECT_EQ(repo_->list(f).error().field, "limit");
  f.window.limit = 501;
  EXPECT_EQ(repo_->list(f).error().field, "limit");
  f.window.limit = 10;
  f.window.offset = -1;
  EXPECT_EQ(repo_->list(f).error().field, "offset");
}

TEST_P(AgentRepositoryTest, HeartbeatWakesIdleAndOfflineButKeepsBusy) {
  Agent idle = mustCreate(agent("idle"));
  AgentInput off = agent("off");
  off.status = AgentStatus::kOffline;
  Agent offline = mustCreate(off);
  AgentInput b = agent("busy");
  b.status = AgentStatus::kBusy;
  Agent busy = mustCreate(b);

  clock_.advance(seconds(10));
  for (const Agent* a : {&idle, &offline}) {
    auto beat = repo_->heartbeat(a->id);
    ASSERT_TRUE(beat.ok());
    EXPECT_EQ(beat->status, AgentStatus::kActive) << a->name;
    EXPECT_EQ(beat->last_heartbeat_ms, clock_.wallMillis());
    EXPECT_EQ(beat->updated_at_ms, clock_.wallMillis());
    // The answer is what is stored.
    EXPECT_EQ(domain::toJson(*repo_->get(a->id)), domain::toJson(*beat));
  }
  auto beat = repo_->heartbeat(busy.id);
  ASSERT_TRUE(beat.ok());
  EXPECT_EQ(beat->status, AgentStatus::kBusy);
  EXPECT_EQ(beat->last_heartbeat_ms, clock_.wallMillis());
  EXPECT_EQ(beat->updated_at_ms, busy.updated_at_ms);
  EXPECT_EQ(domain::toJson(*repo_->get(busy.id)), domain::toJson(*beat));
  EXPECT_EQ(repo_->heartbeat(9999).error().code, ErrorCode::kNotFound);
}

TEST_P(AgentRepositoryTest, ActiveMeansAHeartbeatWithinTheWindowMostRecentFirst) {
  Agent early = mustCreate(agent("early"));
  Agent late = mustCreate(agent("late"));
  mustCreate(agent("silent"));
  ASSERT_TRUE(repo_->heartbeat(early.id).ok());
  clock_.advance(seconds(45));
  ASSERT_TRUE(repo_->heartbeat(late.id).ok());

  auto active = [&](int64_t window_s) {
    auto f = domain::parseActiveAgentsFilter({}, window_s);
    EXPECT_TRUE(f.ok());
    return repo_->list(*f);
  };
  auto within = active(60);
  ASSERT_TRUE(within.ok());
  EXPECT_EQ(within->total, 2);
  ASSERT_EQ(within->items.size(), 2u);
  EXPECT_EQ(within->items[0].name, "late");
  EXPECT_EQ(within->items[1].name, "early");
  clock_.advance(seconds(30));  // early is now 75 s old, late 30 s
  within = active(60);
  ASSERT_EQ(within->items.size(), 1u);
  EXPECT_EQ(within->items.front().name, "late");
  EXPECT_EQ(domain::parseActiveAgentsFilter({}, 0).error().field, "window_s");
}

TEST_P(AgentRepositoryTest, StatsCountEveryStatusAndLevelIncludingZeros) {
  mustCreate(agent("a", AgentLevel::kL1));
  Agent b = mustCreate(agent("b", AgentLevel::kL3));
  mustCreate(agent("c", AgentLevel::kL3));
  ASSERT_TRUE(repo_->heartbeat(b.id).ok());

  auto stats = repo_->stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total, 3);
  EXPECT_EQ(stats->by_status.at("idle"), 2);
  EXPECT_EQ(stats->by_status.at("active"), 1);
  EXPECT_EQ(stats->by_status.at("busy"), 0);
  EXPECT_EQ(stats->by_status.at("offline"), 0);
  EXPECT_EQ(stats->by_level.at("L1"), 1);
  EXPECT_EQ(stats->by_level.at("L2"), 0);
  EXPECT_EQ(stats->by_level.at("L3"), 2);
  auto json = parseObject(toJson(*stats));
  EXPECT_EQ(json->getObject("by_status")->size(), 4u);
  EXPECT_EQ(json->getObject("by_level")->getValue<int>("L2"), 0);
}

TEST_P(AgentRepositoryTest, JsonViewUsesIsoTimesAndNulls) {
  AgentInput in = agent("j");
  in.metadata = R"({"k":[1,2]})";
  Agent a = mustCreate(in);
  auto json = parseObject(toJson(a));
  EXPECT_EQ(json->getValue<std::string>("created_at"), common::formatIsoTime(clock_.wallMillis()));
  EXPECT_TRUE(json->isNull("project_id"));
  EXPECT_TRUE(json->isNull("last_heartbeat"));
  EXPECT_EQ(json->getValue<std::string>("level"), "L1");
  EXPECT_EQ(json->getObject("metadata")->getArray("k")->size(), 2u);
}

TEST_P(AgentRepositoryTest, WritesSurviveReopening) {
  Agent a = mustCreate(agent("durable"));
  Store& reopened = open();
  auto got = reopened.agents().get(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "durable");
}

INSTANTIATE_STORE_CONTRACT(AgentRepositoryTest);

}  // namespace
}  // namespace cc::store
