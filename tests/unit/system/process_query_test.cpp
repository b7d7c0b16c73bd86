#include "system/process_query.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace cc::system {
namespace {

class ProcessQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    snapshot_.sampled_at_ms = 1700000000123;
    add(1, "systemd", "root", 0.5, 4000, "/sbin/init");
    add(42, "tmux: server", "alice", 12.0, 2000, "tmux new-session");
    add(7, "bash", "alice", 12.0, 9000, "-bash");
    add(300, "Postgres", "postgres", 80.0, 500, "postgres: checkpointer");
    add(55, "worker", "bob", 3.0, 9000, "/usr/bin/worker --tmux-socket x");
  }
  void add(int pid, std::string name, std::string user, double cpu, uint64_t rss,
           std::string cmdline) {
    ProcessInfo p;
    p.pid = pid;
    p.ppid = 1;
    p.name = std::move(name);
    p.user = std::move(user);
    p.cpu_percent = cpu;
    p.rss_bytes = rss;
    p.cmdline = std::move(cmdline);
    p.state = 'S';
    p.started_at_ms = 1700000000000;
    snapshot_.processes.push_back(std::move(p));
  }
  static ProcessQuery query(const std::map<std::string, std::string>& params) {
    auto q = ProcessQuery::parse(params);
    EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message);
    return q.ok() ? *q : ProcessQuery{};
  }
  std::vector<int> pids(const ProcessQuery& q) const {
    std::vector<int> out;
    for (const ProcessInfo* p : selectProcesses(snapshot_, q).processes) out.push_back(p->pid);
    return out;
  }
  static void expectInvalid(const std::map<std::string, std::string>& params,
                            const std::string& field) {
    auto q = ProcessQuery::parse(params);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().code, common::ErrorCode::kValidation);
    EXPECT_EQ(common::httpStatus(q.error().code), 400);
    EXPECT_EQ(q.error().field, field);
  }
  SystemSnapshot snapshot_;
};

TEST_F(ProcessQueryTest, DefaultsAreCpuDescendingLimit100) {
  ProcessQuery q = query({});
  EXPECT_EQ(q.sort, ProcessQuery::Sort::kCpu);
  EXPECT_TRUE(q.descending);
  EXPECT_EQ(q.limit, 100);
  // Equal cpu (7 and 42) falls back to pid order.
  EXPECT_EQ(pids(q), (std::vector<int>{300, 7, 42, 55, 1}));
}

TEST_F(ProcessQueryTest, DefaultOrderDependsOnSortKey) {
  EXPECT_TRUE(query({{"sort", "memory"}}).descending);
  EXPECT_FALSE(query({{"sort", "pid"}}).descending);
  EXPECT_FALSE(query({{"sort", "name"}}).descending);
  EXPECT_EQ(pids(query({{"sort", "pid"}})), (std::vector<int>{1, 7, 42, 55, 300}));
  EXPECT_EQ(pids(query({{"sort", "pid"}, {"order", "desc"}})),
            (std::vector<int>{300, 55, 42, 7, 1}));
  EXPECT_EQ(pids(query({{"sort", "memory"}})), (std::vector<int>{7, 55, 1, 42, 300}));
  EXPECT_EQ(pids(query({{"sort", "memory"}, {"order", "asc"}})),
            (std::vector<int>{300, 42, 1, 7, 55}));
  // Byte order: upper case sorts first.
  EXPECT_EQ(pids(query({{"sort", "name"}})), (std::vector<int>{300, 7, 1, 42, 55}));
}

TEST_F(ProcessQueryTest, RejectsBadParameters) {
  expectInvalid({{"sort", "rss"}}, "sort");
  expectInvalid({{"sort", ""}}, "sort");
  expectInvalid({{"order", "up"}}, "order");
  expectInvalid({{"limit", "0"}}, "limit");
  expectInvalid({{"limit", "1001"}}, "limit");
  expectInvalid({{"limit", "-5"}}, "limit");
  expectInvalid({{"limit", "10x"}}, "limit");
  expectInvalid({{"limit", ""}}, "limit");
  expectInvalid({{"limit", "99999999999999999999"}}, "limit");
  EXPECT_EQ(query({{"limit", "1"}}).limit, 1);
  EXPECT_EQ(query({{"limit", "1000"}}).limit, 1000);
  expectInvalid({{"page", "2"}}, "page");  // a typo must not silently return everything
  auto typo = ProcessQuery::parse({{"sotr", "cpu"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().message, "unknown query parameter (did you mean 'sort'?)");
}

TEST_F(ProcessQueryTest, FiltersThenCountsThenLimits) {
  ProcessQuery by_user = query({{"user", "alice"}, {"limit", "1"}});
  ProcessSelection sel = selectProcesses(snapshot_, by_user);
  EXPECT_EQ(sel.total, 2u);
  ASSERT_EQ(sel.processes.size(), 1u);
  EXPECT_EQ(sel.processes[0]->pid, 7);

  EXPECT_TRUE(pids(query({{"user", "Alice"}})).empty());  // user is exact
  // q matches name or cmdline, ignoring case.
  EXPECT_EQ(pids(query({{"q", "TMUX"}, {"sort", "pid"}})), (std::vector<int>{42, 55}));
  EXPECT_EQ(pids(query({{"q", "postgres"}})), (std::vector<int>{300}));
  EXPECT_EQ(pids(query({{"q", "tmux"}, {"user", "bob"}})), (std::vector<int>{55}));
  EXPECT_EQ(selectProcesses(snapshot_, query({{"q", "nothing-like-this"}})).total, 0u);
}

TEST_F(ProcessQueryTest, JsonCarriesTotalAndFields) {
  std::string json = processesJson(snapshot_, query({{"user", "alice"}, {"limit", "1"}}));
  auto root = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(root->getValue<std::string>("sampled_at"), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(root->getValue<int>("total"), 2);
  auto list = root->getArray("processes");
  ASSERT_EQ(list->size(), 1u);
  auto p = list->getObject(0);
  EXPECT_EQ(p->getValue<int>("pid"), 7);
  EXPECT_EQ(p->getValue<int>("ppid"), 1);
  EXPECT_EQ(p->getValue<std::string>("name"), "bash");
  EXPECT_EQ(p->getValue<std::string>("user"), "alice");
  EXPECT_EQ(p->getValue<std::string>("state"), "S");
  EXPECT_DOUBLE_EQ(p->getValue<double>("cpu_percent"), 12.0);
  EXPECT_EQ(p->getValue<int>("rss_bytes"), 9000);
  EXPECT_EQ(p->getValue<std::string>("started_at"), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(p->getValue<std::string>("cmdline"), "-bash");
  EXPECT_TRUE(p->has("memory_percent"));
  EXPECT_TRUE(p->has("threads"));
}

}  // namespace
}  // namespace cc::system
