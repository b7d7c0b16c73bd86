// Repository batch inserts for bulk import: rows kept as given, refusals by index, dry runs that
// keep nothing, and the maintained counts exact afterwards.

#include <gtest/gtest.h>

#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

class ImportBatchTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped()) return;
    open();
  }

  static Agent record(int64_t id, const std::string& name, std::optional<int64_t> project = {}) {
    Agent a;
    a.id = id;
    a.name = name;
    a.level = AgentLevel::kL2;
    a.role = "imported";
    a.status = AgentStatus::kBusy;
    a.project_id = project;
    a.metadata = R"({"from":"old"})";
    a.last_heartbeat_ms = 1500000000000;
    a.created_at_ms = 1400000000000 + id;
    a.updated_at_ms = 1450000000000 + id;
    return a;
  }

  static Project projectRecord(int64_t id, const std::string& name) {
    Project p;
    p.id = id;
    p.name = name;
    p.description = "moved";
    p.status = ProjectStatus::kArchived;
    p.path = "/srv/" + name;
    p.created_at_ms = 1300000000000;
    p.updated_at_ms = 1300000000500;
    return p;
  }

  // stats() against a count of the rows themselves.
  void expectCountsExact() {
    auto stats = store_->agents().stats();
    ASSERT_TRUE(stats.ok());
    AgentFilter all;
    all.window.limit = 500;
    int64_t rows = 0;
    std::map<std::string, int64_t> by_status;
    while (true) {
      auto page = store_->agents().list(all);
      ASSERT_TRUE(page.ok());
      for (const auto& a : page->items) ++by_status[std::string(toString(a.status))];
      rows += static_cast<int64_t>(page->items.size());
      if (!page->has_more) break;
      all.window.cursor = cursorAfter(page->items.back(), "id");
    }
    EXPECT_EQ(stats->total, rows);
    for (const auto& [status, n] : stats->by_status) EXPECT_EQ(n, by_status[status]) << status;
  }
};

TEST_P(ImportBatchTest, RowsKeepTheirIdsStatusAndTimes) {
  auto p = store_->projects().create(project("target"));
  ASSERT_TRUE(p.ok());
  auto out = store_->agents().importBatch({record(1000, "a"), record(0, "b", p->id)}, false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->accepted, 2u);
  EXPECT_TRUE(out->refused.empty());

  auto a = store_->agents().get(1000);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, AgentStatus::kBusy);
  EXPECT_EQ(a->level, AgentLevel::kL2);
  EXPECT_EQ(a->metadata, R"({"from":"old"})");
  EXPECT_EQ(a->last_heartbeat_ms, 1500000000000);
  EXPECT_EQ(a->created_at_ms, 1400000001000);
  EXPECT_EQ(a->updated_at_ms, 1450000001000);
  // Id 0 got a new id past the imported one, and so does the next create.
  auto b = store_->agents().get(1001);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "b");
  EXPECT_EQ(b->project_id, p->id);
  auto next = store_->agents().create(agent("after"));
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->id, 1001);
  expectCountsExact();
}

TEST_P(ImportBatchTest, ATakenIdOrAMissingProjectIsRefusedAndTheRestGoIn) {
  auto existing = store_->agents().create(agent("existing"));
  ASSERT_TRUE(existing.ok());
  auto out = store_->agents().importBatch(
      {record(50, "ok-1"), record(existing->id, "clash"), record(51, "orphan", 999),
       record(50, "same-batch-twice"), record(52, "ok-2")},
      false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->accepted, 2u);
  ASSERT_EQ(out->refused.size(), 3u);
  EXPECT_EQ(out->refused[0].first, 1u);
  EXPECT_EQ(out->refused[0].second.field, "id");
  EXPECT_EQ(out->refused[0].second.code, common::ErrorCode::kConflict);
  EXPECT_EQ(out->refused[1].first, 2u);
  EXPECT_EQ(out->refused[1].second.field, "project_id");
  EXPECT_EQ(out->refused[1].second.message, "no project with id 999");
  EXPECT_EQ(out->refused[2].first, 3u);
  EXPECT_EQ(out->refused[2].second.field, "id");

  EXPECT_EQ(store_->agents().get(existing->id)->name, "existing") << "not overwritten";
  EXPECT_EQ(store_->agents().get(50)->name, "ok-1");
  EXPECT_EQ(store_->agents().get(51).error().code, common::ErrorCode::kNotFound);
  EXPECT_TRUE(store_->agents().get(52).ok());
  expectCountsExact();
  // Refused rows left nothing behind in the search index either.
  AgentFilter search;
  search.q = "orphan";
  auto found = store_->agents().list(search);
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->items.empty());
  search.q = "ok-";
  EXPECT_EQ(store_->agents().list(search)->items.size(), 2u);
}

// Agent names are unique within a project (migration 6): an import refuses a taken name as a
// create does, and keeps the rest of the batch.
TEST_P(ImportBatchTest, ANameTakenInItsProjectIsRefusedAsAConflict) {
  auto p = store_->projects().create(project("names"));
  ASSERT_TRUE(p.ok());
  AgentInput in = agent("taken");
  in.project_id = std::optional<int64_t>(p->id);
  ASSERT_TRUE(store_->agents().create(in).ok());
  auto out = store_->agents().importBatch({record(60, "taken", p->id), record(61, "taken"),
                                           record(62, "twice", p->id), record(63, "twice", p->id)},
                                          false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->accepted, 2u);
  ASSERT_EQ(out->refused.size(), 2u);
  EXPECT_EQ(out->refused[0].first, 0u);
  EXPECT_EQ(out->refused[0].second.code, common::ErrorCode::kConflict);
  EXPECT_EQ(out->refused[1].first, 3u);
  EXPECT_EQ(out->refused[1].second.code, common::ErrorCode::kConflict);
  EXPECT_TRUE(store_->agents().get(61).ok()) << "no project: another group";
  EXPECT_TRUE(store_->agents().get(62).ok());
  expectCountsExact();

  // Agents without a project are one group too, which the unique index cannot see (NULLs).
  auto again = store_->agents().importBatch(
      {record(70, "taken"), record(71, "fresh"), record(72, "fresh"), record(73, "other")}, false);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->accepted, 2u);
  ASSERT_EQ(again->refused.size(), 2u);
  EXPECT_EQ(again->refused[0].first, 0u);
  EXPECT_EQ(again->refused[0].second.code, common::ErrorCode::kConflict);
  EXPECT_EQ(again->refused[0].second.field, "name");
  EXPECT_EQ(again->refused[1].first, 2u);
  EXPECT_EQ(again->refused[1].second.code, common::ErrorCode::kConflict);
  EXPECT_TRUE(store_->agents().get(71).ok());
  EXPECT_TRUE(store_->agents().get(73).ok());
  EXPECT_EQ(store_->agents().get(72).error().code, common::ErrorCode::kNotFound);
  expectCountsExact();
}

TEST_P(ImportBatchTest, ADryRunReportsTheSameAndKeepsNothing) {
  auto p = store_->projects().create(project("target"));
  ASSERT_TRUE(p.ok());
  std::vector<Agent> rows = {record(10, "x", p->id), record(11, "y", 404), record(10, "x-again")};
  auto dry = store_->agents().importBatch(rows, true);
  ASSERT_TRUE(dry.ok()) << dry.error().message;
  EXPECT_EQ(dry->accepted, 1u);
  ASSERT_EQ(dry->refused.size(), 2u);
  EXPECT_EQ(dry->refused[0].second.field, "project_id");
  EXPECT_EQ(dry->refused[1].second.field, "id") << "a duplicate within the batch is found too";
  EXPECT_EQ(store_->agents().stats()->total, 0);
  EXPECT_EQ(store_->agents().get(10).error().code, common::ErrorCode::kNotFound);

  auto real = store_->agents().importBatch(rows, false);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(real->accepted, dry->accepted);
  EXPECT_EQ(real->refused.size(), dry->refused.size());
  EXPECT_EQ(store_->agents().stats()->total, 1);
  expectCountsExact();
}

TEST_P(ImportBatchTest, CountsStayExactOverManyBatches) {
  auto p = store_->projects().create(project("many"));
  ASSERT_TRUE(p.ok());
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<Agent> rows;
    for (int i = 0; i < 400; ++i) {
      Agent a = record(0, "agent-" + std::to_string(batch) + "-" + std::to_string(i),
                       i % 3 == 0 ? std::optional<int64_t>(p->id) : std::nullopt);
      a.status = allAgentStatuses()[static_cast<std::size_t>(i) % 4];
      a.level = allAgentLevels()[static_cast<std::size_t>(i) % 3];
      rows.push_back(a);
    }
    auto out = store_->agents().importBatch(rows, false);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->accepted, 400u);
  }
  auto stats = store_->agents().stats();
  EXPECT_EQ(stats->total, 1200);
  EXPECT_EQ(stats->by_level.at("L1"), 402);  // i % 3 == 0 in each batch of 400
  AgentFilter in_project;
  in_project.project_id = p->id;
  auto page = store_->agents().list(in_project);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 402) << "the per-project count is maintained too";
  EXPECT_FALSE(page->total_is_lower_bound);
  expectCountsExact();
}

TEST_P(ImportBatchTest, ProjectsRefuseATakenIdOrNameAndKeepTheRest) {
  auto taken = store_->projects().create(project("taken"));
  ASSERT_TRUE(taken.ok());
  auto out =
      store_->projects().importBatch({projectRecord(20, "fresh"), projectRecord(taken->id, "other"),
                                      projectRecord(21, "taken"), projectRecord(0, "auto")},
                                     false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->accepted, 2u);
  ASSERT_EQ(out->refused.size(), 2u);
  EXPECT_EQ(out->refused[0].second.field, "id");
  EXPECT_EQ(out->refused[1].second.field, "name");
  EXPECT_EQ(out->refused[1].second.code, common::ErrorCode::kConflict);
  auto fresh = store_->projects().get(20);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->status, ProjectStatus::kArchived);
  EXPECT_EQ(fresh->path, "/srv/fresh");
  EXPECT_EQ(fresh->created_at_ms, 1300000000000);
  ProjectFilter all;
  auto page = store_->projects().list(all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 3);
  // An agent can now refer to the imported project by its kept id.
  auto a = store_->agents().importBatch({record(0, "user", 20)}, false);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->accepted, 1u);
}

TEST_P(ImportBatchTest, AFailingStoreFailsTheWholeBatch) {
  store_->faults().set({0, 1.0});
  auto out = store_->agents().importBatch({record(7, "a"), record(8, "b")}, false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, common::ErrorCode::kDependencyUnavailable);
  store_->faults().set({0, 0.0});
  EXPECT_EQ(store_->agents().stats()->total, 0);
  EXPECT_EQ(store_->agents().get(7).error().code, common::ErrorCode::kNotFound);
}

INSTANTIATE_STORE_CONTRACT(ImportBatchTest);

}  // namespace
}  // namespace cc::store
