// The maintained counts (row_counts) equal what COUNT(*) finds after every kind of write.

#include <gtest/gtest.h>

#include <map>

#include "domain/agent.h"
#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

// COUNT(*) is read from the SQLite file underneath the store.
using sqlite::builtinMigrations;
using sqlite::Database;
using sqlite::migrate;
namespace sql = sqlite::sql;

using Counts = std::map<std::string, int64_t>;  // "tbl/dimension/value" -> n, zeros left out

Counts readCounts(Poco::Data::Session& s, const std::string& sql) {
  Counts out;
  auto rows = sql::query(s, sql);
  for (std::size_t r = 0; r < rows.rowCount(); ++r) {
    int64_t n = sql::intAt(rows, 3, r);
    if (n != 0) {
      out[sql::textAt(rows, 0, r) + "/" + sql::textAt(rows, 1, r) + "/" + sql::textAt(rows, 2, r)] =
          n;
    }
  }
  return out;
}

// What the maintained counts should be, counted from the tables themselves.
const char* const kCounted =
    "SELECT 'agents', 'total', '', COUNT(*) FROM agents"
    " UNION ALL SELECT 'agents', 'status', status, COUNT(*) FROM agents GROUP BY status"
    " UNION ALL SELECT 'agents', 'level', level, COUNT(*) FROM agents GROUP BY level"
    " UNION ALL SELECT 'agents', 'project_id', CAST(project_id AS TEXT), COUNT(*) FROM agents"
    "  WHERE project_id IS NOT NULL GROUP BY project_id"
    " UNION ALL SELECT 'projects', 'total', '', COUNT(*) FROM projects"
    " UNION ALL SELECT 'projects', 'status', status, COUNT(*) FROM projects GROUP BY status";
const char* const kMaintained = "SELECT tbl, dimension, value, n FROM row_counts";

class RowCountsTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    open();
  }
  void expectCountsMatch(const std::string& after) {
    auto db = Database::open(options_, clock_);
    ASSERT_TRUE(db.ok());
    auto lease = (*db)->pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok());
    Counts counted = readCounts(lease->session(), kCounted);
    EXPECT_EQ(readCounts(lease->session(), kMaintained), counted) << "after " << after;
    EXPECT_FALSE(counted.empty());
  }
  Agent mustCreate(AgentInput in) {
    auto a = store_->agents().create(in);
    EXPECT_TRUE(a.ok()) << a.error().message;
    return *a;
  }
};

TEST_F(RowCountsTest, EveryKindOfWriteKeepsTheCountsExact) {
  auto p1 = store_->projects().create(project("one"));
  auto p2 = store_->projects().create(project("two"));
  ASSERT_TRUE(p1.ok() && p2.ok());
  expectCountsMatch("project creates");
  std::vector<Agent> agents;
  for (int i = 0; i < 12; ++i) {
    AgentInput in = agent("a" + std::to_string(i), domain::allAgentLevels()[i % 3]);
    in.status = domain::allAgentStatuses()[i % 4];
    if (i % 2 == 0) in.project_id = std::optional<int64_t>(i % 4 == 0 ? p1->id : p2->id);
    agents.push_back(mustCreate(in));
  }
  expectCountsMatch("agent creates");

  AgentInput status;
  status.status = AgentStatus::kBusy;
  ASSERT_TRUE(store_->agents().patch(agents[0].id, status).ok());
  AgentInput level;
  level.level = AgentLevel::kL3;
  ASSERT_TRUE(store_->agents().patch(agents[1].id, level).ok());
  AgentInput move;
  move.project_id = std::optional<int64_t>(p2->id);
  ASSERT_TRUE(store_->agents().patch(agents[0].id, move).ok());
  ASSERT_TRUE(store_->agents().patch(agents[1].id, move).ok());  // from none to a project
  AgentInput detach;
  detach.project_id = std::optional<int64_t>();
  ASSERT_TRUE(store_->agents().patch(agents[2].id, detach).ok());
  AgentInput same;
  same.status = agents[3].status;
  same.name = "renamed";
  ASSERT_TRUE(store_->agents().patch(agents[3].id, same).ok());
  expectCountsMatch("patches of status, level, project and name");

  for (const auto& a : agents) ASSERT_TRUE(store_->agents().heartbeat(a.id).ok());
  expectCountsMatch("heartbeats (idle and offline agents become active)");

  ASSERT_TRUE(store_->agents().remove(agents[4].id).ok());
  ASSERT_TRUE(store_->agents().remove(agents[5].id).ok());
  expectCountsMatch("deletes");

  ProjectInput archive;
  archive.status = ProjectStatus::kArchived;
  ASSERT_TRUE(store_->projects().patch(p1->id, archive).ok());
  ASSERT_FALSE(store_->projects().remove(p2->id, false).ok());
  expectCountsMatch("a refused project delete");
  ASSERT_TRUE(store_->projects().remove(p2->id, true).ok());
  expectCountsMatch("a forced project delete");

  auto stats = store_->agents().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total, 10);
}

// An import does in one statement a batch what the count and search triggers do a row: the
// counts must come out the same, refused rows and dry runs included, and the search index must
// hold exactly the rows.
TEST_F(RowCountsTest, ImportsWithRefusedRowsAndDryRunsKeepTheCountsExact) {
  auto p = store_->projects().create(project("home"));
  ASSERT_TRUE(p.ok());
  auto existing = mustCreate(agent("existing"));
  std::vector<Agent> rows;
  for (int i = 0; i < 40; ++i) {
    Agent a;
    a.id = i == 7 ? existing.id : 100 + i;  // one taken id
    a.name = "imported-" + std::to_string(i);
    a.level = domain::allAgentLevels()[static_cast<std::size_t>(i) % 3];
    a.status = domain::allAgentStatuses()[static_cast<std::size_t>(i) % 4];
    a.role = "r";
    if (i % 3 == 0) a.project_id = i == 9 ? p->id + 50 : p->id;  // one missing project
    a.created_at_ms = a.updated_at_ms = 1600000000000;
    rows.push_back(a);
  }
  auto dry = store_->agents().importBatch(rows, true);
  ASSERT_TRUE(dry.ok()) << dry.error().message;
  EXPECT_EQ(dry->refused.size(), 2u);
  expectCountsMatch("a dry-run import");
  auto real = store_->agents().importBatch(rows, false);
  ASSERT_TRUE(real.ok()) << real.error().message;
  EXPECT_EQ(real->accepted, 38u);
  expectCountsMatch("an import with refused rows");
  auto again = store_->agents().importBatch(rows, false);  // every id taken now
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 0u);
  expectCountsMatch("an import of only refused rows");
  std::vector<Project> projects(2);
  projects[0].name = "home";  // taken
  projects[1].name = "second";
  projects[1].status = ProjectStatus::kArchived;
  ASSERT_EQ(store_->projects().importBatch(projects, false)->accepted, 1u);
  expectCountsMatch("a project import with a taken name");
  ASSERT_TRUE(store_->agents().remove(101).ok());
  expectCountsMatch("a delete after the import (the triggers are back)");

  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto lease = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  for (const char* check : {"INSERT INTO agents_fts (agents_fts) VALUES ('integrity-check')",
                            "INSERT INTO projects_fts (projects_fts) VALUES ('integrity-check')"}) {
    EXPECT_NO_THROW(sql::exec(lease->session(), check)) << check;
  }
  EXPECT_EQ(sql::scalar(lease->session(),
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
                        " AND name IN ('agents_fts_insert', 'agents_count_insert',"
                        " 'projects_fts_insert', 'projects_count_insert')"),
            4);
}

TEST_F(RowCountsTest, ARolledBackWriteLeavesTheCountsAlone) {
  auto p = store_->projects().create(project("p"));
  ASSERT_TRUE(p.ok());
  AgentInput in = agent("x");
  in.project_id = std::optional<int64_t>(p->id + 100);  // refused inside the transaction
  EXPECT_FALSE(store_->agents().create(in).ok());
  auto taken = store_->projects().create(project("p"));
  EXPECT_FALSE(taken.ok());
  expectCountsMatch("refused writes");
  EXPECT_EQ(store_->agents().stats()->total, 0);
}

TEST_F(RowCountsTest, AnUpgradedDatabaseKeepsEveryRowAndCountsThem) {
  store_.reset();
  Poco::File(options_.path).remove();
  for (const char* suffix : {"-wal", "-shm"}) {
    Poco::File f(options_.path + suffix);
    if (f.exists()) f.remove();
  }
  // A database as the previous release wrote it: schema version 3, with rows.
  std::vector<Migration> previous(builtinMigrations().begin(), builtinMigrations().begin() + 3);
  ASSERT_EQ(previous.back().version, 3);
  {
    auto db = Database::open(options_, clock_);
    ASSERT_TRUE(db.ok());
    auto lease = (*db)->pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok());
    auto& s = lease->session();
    ASSERT_EQ(*migrate(s, clock_, previous), 3);
    sql::exec(s,
              "INSERT INTO projects (name, status, created_at, updated_at) VALUES "
              "('legacy', 'active', 1, 1), ('old', 'archived', 2, 2)");
    for (int i = 0; i < 200; ++i) {
      sql::exec(
          s,
          "INSERT INTO agents (name, level, role, status, project_id, metadata, "
          "last_heartbeat, created_at, updated_at) VALUES (?, ?, 'r', ?, ?, '{\"i\":1}', ?, ?, ?)",
          {"legacy-" + std::to_string(i), std::string(i % 2 ? "L1" : "L3"),
           std::string(i % 3 ? "idle" : "busy"),
           i % 4 ? sql::Value(int64_t{1 + i % 2}) : sql::Value(std::monostate{}),
           i % 5 ? sql::Value(int64_t{1000 + i}) : sql::Value(std::monostate{}), int64_t{i},
           int64_t{i}});
    }
  }
  Store& upgraded = open();
  EXPECT_EQ(upgraded.schemaVersion(), builtinMigrations().back().version);
  expectCountsMatch("the upgrade");

  AgentFilter all;
  all.window.limit = domain::kMaxLimit;
  auto page = upgraded.agents().list(all);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 200u);
  EXPECT_EQ(page->total, 200);
  for (int i = 0; i < 200; ++i) {
    const Agent& a = page->items[static_cast<std::size_t>(i)];
    EXPECT_EQ(a.name, "legacy-" + std::to_string(i));
    EXPECT_EQ(a.metadata, R"({"i":1})");
    EXPECT_EQ(a.created_at_ms, i);
    EXPECT_EQ(a.project_id.has_value(), i % 4 != 0);
    EXPECT_EQ(a.last_heartbeat_ms.has_value(), i % 5 != 0);
  }
  AgentFilter search;
  search.q = "acy-19";  // legacy-19, legacy-190..199: the search index covers old rows
  EXPECT_EQ(upgraded.agents().list(search)->items.size(), 11u);
  ProjectFilter projects;
  projects.q = "leg";
  EXPECT_EQ(upgraded.projects().list(projects)->items.size(), 1u);
  EXPECT_EQ(upgraded.projects().list(ProjectFilter{})->total, 2);
  auto stats = upgraded.agents().stats();
  EXPECT_EQ(stats->by_status.at("busy"), 67);
  EXPECT_EQ(stats->by_level.at("L3"), 100);

  // And writes after the upgrade keep them.
  AgentInput in = agent("new");
  ASSERT_TRUE(upgraded.agents().create(in).ok());
  expectCountsMatch("a write after the upgrade");
}

}  // namespace
}  // namespace cc::store
