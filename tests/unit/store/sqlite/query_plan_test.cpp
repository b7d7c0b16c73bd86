// Reads the plan of every statement the repositories issue: none may scan a table or sort in a
// temporary B-tree, whatever the data, so that every read costs the same at any table size.

#include <gtest/gtest.h>

#include <set>

#include "domain/agent.h"
#include "domain/project.h"
#include "store/sqlite/database.h"
#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store::sqlite {
namespace {

using std::chrono::seconds;

class QueryPlanTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    open();
    auto p = store_->projects().create(project("plans"));
    ASSERT_TRUE(p.ok());
    project_id_ = p->id;
    for (int i = 0; i < 30; ++i) {
      AgentInput in = agent("agent-" + std::to_string(i), i % 2 ? AgentLevel::kL2 : AgentLevel::kL1,
                            i % 3 ? "build" : "test");
      if (i % 4 == 0) {
        in.project_id = std::optional<int64_t>(project_id_);
      }
      auto a = store_->agents().create(in);
      ASSERT_TRUE(a.ok());
      ids_.push_back(a->id);
      if (i % 5 == 0) {
        ASSERT_TRUE(store_->agents().heartbeat(a->id).ok());
      }
    }
  }

  // Runs a list with the filter, then the page after its first row, so that both the first-page
  // and the cursor statements are logged.
  void listTwoPages(AgentFilter f) {
    f.window.limit = 1;
    auto page = store_->agents().list(f);
    ASSERT_TRUE(page.ok()) << f.sort << ": " << page.error().message;
    ASSERT_FALSE(page->items.empty()) << f.sort;
    f.window.cursor = domain::cursorAfter(page->items.front(), f.sort);
    ASSERT_TRUE(store_->agents().list(f).ok());
  }
  void listTwoPages(ProjectFilter f) {
    f.window.limit = 1;
    auto page = store_->projects().list(f);
    ASSERT_TRUE(page.ok()) << f.sort << ": " << page.error().message;
    ASSERT_FALSE(page->items.empty()) << f.sort;
    f.window.cursor = domain::cursorAfter(page->items.front(), f.sort);
    ASSERT_TRUE(store_->projects().list(f).ok());
  }

  // What the plan of `q` does that costs time in proportion to a table; empty when nothing.
  std::string unboundedSteps(Poco::Data::Session& s, const sql::PageQuery& q) {
    auto plan = sql::query(s, "EXPLAIN QUERY PLAN " + q.sql, q.params);
    const bool filtered = q.sql.find(" WHERE ") != std::string::npos;
    std::string bad;
    for (std::size_t r = 0; r < plan.rowCount(); ++r) {
      const std::string step = sql::textAt(plan, 3, r);
      const bool scan = step.rfind("SCAN ", 0) == 0;
      const bool harmless = step.find("VIRTUAL TABLE INDEX") != std::string::npos ||
                            step.find("CONSTANT ROW") != std::string::npos ||
                            step.rfind("SCAN (subquery", 0) == 0 ||
                            // the capped count's LIMITed subquery, by the name PostgreSQL needs
                            step == "SCAN capped";
      if (step.find("TEMP B-TREE") != std::string::npos) bad += step + "; ";
      // An index walked in order stops at the LIMIT; with a filter it would step over every
      // row that does not match, so a filtered statement must SEARCH.
      if (scan && !harmless && (filtered || step.find(" USING ") == std::string::npos)) {
        bad += step + "; ";
      }
    }
    return bad;
  }

  int64_t project_id_ = 0;
  std::vector<int64_t> ids_;
};

TEST_F(QueryPlanTest, NoRepositoryStatementScansATableOrSortsInATempBTree) {
  sql::StatementLog log;
  AgentRepository& agents = store_->agents();
  ProjectRepository& projects = store_->projects();

  // Agents: every sort, both directions, with and without a cursor.
  for (const auto& column : domain::agentSortColumns()) {
    for (const std::string& sort : {column, "-" + column}) {
      AgentFilter f;
      f.sort = sort;
      listTwoPages(f);
      f.window.offset = 3;
      ASSERT_TRUE(agents.list(f).ok());
    }
  }
  // Every filter in id order, the sorts indexed with a filter, combinations, search.
  auto filters = [&] {
    std::vector<AgentFilter> out(5);
    out[0].status = AgentStatus::kIdle;
    out[1].level = AgentLevel::kL2;
    out[2].role = "build";
    out[3].project_id = project_id_;
    out[4].active_within_s = 60;
    return out;
  }();
  for (AgentFilter f : filters) {
    for (const char* sort : {"id", "-id"}) {
      f.sort = sort;
      listTwoPages(f);
    }
  }
  for (const auto& [field, columns] : domain::agentFilteredSorts()) {
    for (const auto& column : columns) {
      for (const std::string& sort : {column, "-" + column}) {
        AgentFilter f;
        if (field == "status") f.status = AgentStatus::kActive;
        if (field == "level") f.level = AgentLevel::kL2;
        if (field == "project_id") f.project_id = project_id_;
        if (field == "active_within_s") f.active_within_s = 60;
        f.sort = sort;
        listTwoPages(f);
      }
    }
  }
  AgentFilter combined;
  combined.status = AgentStatus::kIdle;
  combined.level = AgentLevel::kL1;
  combined.role = "build";
  listTwoPages(combined);
  combined.sort = "-name";
  listTwoPages(combined);
  AgentFilter search;
  search.q = "agent-1";
  listTwoPages(search);
  search.sort = "-id";
  search.status = AgentStatus::kIdle;
  listTwoPages(search);
  ASSERT_TRUE(agents.list(*domain::parseActiveAgentsFilter({}, 60)).ok());

  // Every agent write, and the reads around it.
  ASSERT_TRUE(agents.stats().ok());
  ASSERT_TRUE(agents.get(ids_[1]).ok());
  AgentInput in = agent("fresh");
  in.project_id = std::optional<int64_t>(project_id_);
  auto fresh = agents.create(in);
  ASSERT_TRUE(fresh.ok());
  AgentInput change;
  change.name = "renamed";
  change.status = AgentStatus::kBusy;
  change.level = AgentLevel::kL3;
  change.role = "deploy";
  change.project_id = std::optional<int64_t>();
  change.metadata = R"({"k":1})";
  ASSERT_TRUE(agents.patch(fresh->id, change).ok());
  ASSERT_TRUE(agents.heartbeat(fresh->id).ok());
  ASSERT_TRUE(agents.heartbeat(ids_[0]).ok());
  ASSERT_TRUE(agents.remove(fresh->id).ok());

  // Projects: every sort, status with its indexed sort, search, writes, forced delete.
  for (const auto& column : domain::projectSortColumns()) {
    for (const std::string& sort : {column, "-" + column}) {
      ProjectFilter f;
      f.sort = sort;
      listTwoPages(f);
    }
  }
  for (const std::string sort : {"id", "-id", "name", "-name"}) {
    ProjectFilter f;
    f.status = ProjectStatus::kActive;
    f.sort = sort;
    ASSERT_TRUE(projects.create(project("p-" + sort)).ok());
    listTwoPages(f);
  }
  ProjectFilter psearch;
  psearch.q = "plan";
  listTwoPages(psearch);
  ProjectInput rename;
  rename.name = "plans-2";
  rename.status = ProjectStatus::kArchived;
  ASSERT_TRUE(projects.patch(project_id_, rename).ok());
  ASSERT_TRUE(projects.get(project_id_).ok());
  ASSERT_FALSE(projects.remove(project_id_, false).ok());
  ASSERT_TRUE(projects.remove(project_id_, true).ok());

  // Bulk import: the batch inserts, with their key and foreign-key checks.
  Project imported;
  imported.id = 900;
  imported.name = "imported";
  ASSERT_TRUE(projects.importBatch({imported}, false).ok());
  Agent moved;
  moved.name = "moved";
  moved.project_id = 900;
  ASSERT_TRUE(agents.importBatch({moved}, true).ok());

  // Tokens and sign-in: the request path of every authenticated call.
  UserRecord user{{"planner", Role::kViewer, clock_.wallMillis(), false}, "not-a-real-hash"};
  ASSERT_TRUE(store_->users().create(user).ok());
  ASSERT_TRUE(store_->users().find("planner").ok());
  TokenRecord token{"hash-1", "planner", Role::kViewer, clock_.wallMillis(),
                    clock_.wallMillis() + 1000};
  ASSERT_TRUE(store_->tokens().insert(token).ok());
  ASSERT_TRUE(store_->tokens().find("hash-1").ok());
  ASSERT_TRUE(store_->tokens().listForUser("planner", clock_.wallMillis()).ok());
  ASSERT_TRUE(store_->tokens().removeByPrefix("planner", "hash-").ok());
  ASSERT_TRUE(store_->users().update("planner", {Role::kAdmin, std::nullopt}).ok());

  auto statements = log.take();
  ASSERT_GT(statements.size(), 100u);
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto lease = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  std::set<std::string> checked;
  for (const auto& q : statements) {
    // Operator accounts are a handful, managed by hand; listing them all is their nature.
    if (q.sql.find("FROM users ORDER BY") != std::string::npos ||
        q.sql == "SELECT COUNT(*) FROM users") {
      continue;
    }
    if (!checked.insert(q.sql).second) continue;
    EXPECT_EQ(unboundedSteps(lease->session(), q), "") << q.sql;
  }
  EXPECT_GT(checked.size(), 40u);
}

// A page in id order and its capped total under two equality filters read one index range that
// both filters bound, so that a rare pair of common values costs no more than a common pair.
TEST_F(QueryPlanTest, EveryPairOfEqualityFiltersIsOneIndexRange) {
  const std::vector<std::string> fields = {"status", "level", "role", "project_id"};
  auto narrowed = [&](AgentFilter& f, const std::string& field) {
    if (field == "status") f.status = AgentStatus::kIdle;
    if (field == "level") f.level = AgentLevel::kL2;
    if (field == "role") f.role = "build";
    if (field == "project_id") f.project_id = project_id_;
  };
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto lease = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  for (std::size_t a = 0; a < fields.size(); ++a) {
    for (std::size_t b = a + 1; b < fields.size(); ++b) {
      AgentFilter f;
      narrowed(f, fields[a]);
      narrowed(f, fields[b]);
      sql::StatementLog log;
      ASSERT_TRUE(store_->agents().list(f).ok());
      auto statements = log.take();
      ASSERT_FALSE(statements.empty());
      for (const auto& q : statements) {
        auto plan = sql::query(lease->session(), "EXPLAIN QUERY PLAN " + q.sql, q.params);
        bool both = false;
        std::string steps;
        for (std::size_t r = 0; r < plan.rowCount(); ++r) {
          const std::string step = sql::textAt(plan, 3, r);
          steps += step + "; ";
          if (step.rfind("SEARCH agents ", 0) == 0 &&
              step.find(fields[a] + "=?") != std::string::npos &&
              step.find(fields[b] + "=?") != std::string::npos) {
            both = true;
          }
        }
        EXPECT_TRUE(both) << fields[a] << " and " << fields[b] << ": " << q.sql << " -> " << steps;
      }
    }
  }
}

}  // namespace
}  // namespace cc::store::sqlite
