// Bulk loads: the first load of an empty agents table defers its non-unique indexes, refuses
// exactly what an ordinary import refuses, reads stay exact meanwhile, and the indexes come back
// at the load's end, at the next other write, or when the store next opens.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>
#include <set>

#include "store/sqlite/deferred_indexes.h"
#include "unit/store/store_fixture.h"

namespace cc::store::sqlite {
namespace {

class DeferredIndexesTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    open();
    indexes_before_ = indexes();
  }

  static Agent loaded(int64_t id, const std::string& name, std::optional<int64_t> project = {}) {
    Agent a;
    a.id = id;
    a.name = name;
    a.level = allAgentLevels()[static_cast<std::size_t>(id) % 3];
    a.role = "role-" + std::to_string(id % 5);
    a.status = allAgentStatuses()[static_cast<std::size_t>(id) % 4];
    a.project_id = project;
    a.created_at_ms = 1400000000000 + id;
    a.updated_at_ms = 1450000000000 + id;
    return a;
  }

  // What a second connection to the file sees: the committed schema, row by row.
  std::vector<std::string> column(const std::string& sql) {
    sqlite3* db = nullptr;
    std::vector<std::string> out;
    EXPECT_EQ(sqlite3_open_v2(options_.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
              SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out.emplace_back(text == nullptr ? "" : text);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }
  std::set<std::string> indexes() {
    auto names = column(
        "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = "
        "'agents' AND sql IS NOT NULL");
    return {names.begin(), names.end()};
  }
  // Every index agrees with its table, and the search index with the names.
  void expectIntact() {
    EXPECT_EQ(column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
    EXPECT_TRUE(column("INSERT INTO agents_fts (agents_fts) VALUES ('integrity-check')").empty());
    EXPECT_EQ(indexes(), indexes_before_);
    EXPECT_TRUE(column("SELECT name FROM deferred_indexes").empty());
  }
  std::size_t listed(AgentFilter filter) {
    filter.window.limit = 500;
    auto page = store_->agents().list(filter);
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->items.size() : 0;
  }

  std::set<std::string> indexes_before_;
};

TEST_F(DeferredIndexesTest, AFirstLoadDefersTheNonUniqueIndexesAndItsEndBuildsThemAll) {
  ASSERT_GT(indexes_before_.size(), 10u);
  std::vector<Agent> rows;
  for (int64_t i = 1; i <= 300; ++i) rows.push_back(loaded(i, "agent-" + std::to_string(i)));
  auto first = store_->agents().loadBatch(rows);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first->bulk_load);
  EXPECT_EQ(first->accepted, 300u);
  // Only the unique index that decides name conflicts is left on agents.
  auto during = indexes();
  ASSERT_EQ(during.size(), 1u);
  EXPECT_EQ(during.begin()->rfind("agents_project_name: CREATE UNIQUE", 0), 0u) << *during.begin();
  EXPECT_EQ(column("SELECT COUNT(*) FROM deferred_indexes")[0],
            std::to_string(indexes_before_.size() - 1));

  // Reads stay exact while the indexes are missing: filters, sorts, search, counts.
  AgentFilter busy;
  busy.status = AgentStatus::kBusy;
  EXPECT_EQ(listed(busy), 75u);
  AgentFilter search;
  search.q = "nt-29";
  EXPECT_EQ(listed(search), 11u);  // agent-29 and agent-290 .. agent-299
  AgentFilter by_name;
  by_name.sort = "-name";
  by_name.window.limit = 1;
  EXPECT_EQ(store_->agents().list(by_name)->items.at(0).name, "agent-99");
  EXPECT_EQ(store_->agents().stats()->total, 300);

  std::vector<Agent> more;
  for (int64_t i = 301; i <= 400; ++i) more.push_back(loaded(i, "agent-" + std::to_string(i)));
  auto second = store_->agents().loadBatch(more);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->bulk_load) << "the load goes on";

  auto built = store_->agents().endBulkLoad();
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(*built, static_cast<int64_t>(indexes_before_.size() - 1));
  expectIntact();
  EXPECT_EQ(store_->agents().stats()->total, 400);
  EXPECT_EQ(*store_->agents().endBulkLoad(), 0) << "no load any more";
}

TEST_F(DeferredIndexesTest, ALoadRefusesExactlyWhatAnImportRefuses) {
  auto p = store_->projects().create(project("p"));
  ASSERT_TRUE(p.ok());
  const std::vector<Agent> rows = {
      loaded(1, "a"),        loaded(1, "id-again"), loaded(2, "a"),     loaded(3, "b", p->id),
      loaded(4, "b", p->id), loaded(5, "c", 404),   loaded(0, "new-id")};
  auto load = store_->agents().loadBatch(rows);
  ASSERT_TRUE(load.ok()) << load.error().message;
  EXPECT_TRUE(load->bulk_load);
  // The same rows, an ordinary import, into another empty database.
  std::vector<std::pair<std::size_t, std::string>> loaded_refusals;
  for (const auto& [index, error] : load->refused) {
    loaded_refusals.emplace_back(index, error.field + ": " + error.message);
  }
  ASSERT_TRUE(store_->agents().endBulkLoad().ok());
  const int64_t total = store_->agents().stats()->total;

  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    Poco::File file(options_.path + suffix);
    if (file.exists()) file.remove();
  }
  open();
  ASSERT_TRUE(store_->projects().create(project("p")).ok());
  auto import = store_->agents().importBatch(rows, false);
  ASSERT_TRUE(import.ok());
  EXPECT_FALSE(import->bulk_load);
  std::vector<std::pair<std::size_t, std::string>> imported_refusals;
  for (const auto& [index, error] : import->refused) {
    imported_refusals.emplace_back(index, error.field + ": " + error.message);
  }
  EXPECT_EQ(loaded_refusals, imported_refusals);
  ASSERT_EQ(loaded_refusals.size(), 4u);  // the id twice, "a" twice, "b" twice, project 404
  EXPECT_EQ(load->accepted, import->accepted);
  EXPECT_EQ(store_->agents().stats()->total, total);
}

TEST_F(DeferredIndexesTest, ATableWithAgentsIsImportedAsEver) {
  ASSERT_TRUE(store_->agents().create(agent("there")).ok());
  auto out = store_->agents().loadBatch({loaded(10, "x")});
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->bulk_load);
  EXPECT_EQ(out->accepted, 1u);
  EXPECT_EQ(indexes(), indexes_before_);
}

TEST_F(DeferredIndexesTest, AnotherWriteOfAgentsEndsTheLoadFirst) {
  std::vector<Agent> rows;
  for (int64_t i = 1; i <= 50; ++i) rows.push_back(loaded(i, "agent-" + std::to_string(i)));
  ASSERT_TRUE(store_->agents().loadBatch(rows)->bulk_load);
  // A delete meets every index and a search index that has the row: nothing is left behind.
  ASSERT_TRUE(store_->agents().remove(7).ok());
  expectIntact();
  AgentFilter search;
  search.q = "agent-7";
  EXPECT_EQ(listed(search), 0u);

  // A load starts only into an empty table.
  EXPECT_FALSE(store_->agents().loadBatch({loaded(100, "late")})->bulk_load);
  expectIntact();
}

TEST_F(DeferredIndexesTest, EachOtherWriteEndsALoad) {
  using Write = std::function<bool(AgentRepository&)>;
  const AgentInput made = agent("n");
  AgentInput rename;
  rename.name = "renamed";
  const std::vector<std::pair<const char*, Write>> writes = {
      {"create", [&](AgentRepository& a) { return a.create(made).ok(); }},
      {"patch", [&](AgentRepository& a) { return a.patch(1, rename).ok(); }},
      {"heartbeat", [](AgentRepository& a) { return a.heartbeat(1).ok(); }},
      {"remove", [](AgentRepository& a) { return a.remove(1).ok(); }},
  };
  for (const auto& [name, write] : writes) {
    ASSERT_TRUE(store_->agents().loadBatch({loaded(1, "first"), loaded(2, "second")})->bulk_load)
        << name;
    ASSERT_TRUE(write(store_->agents())) << name;
    expectIntact();
    // Empty the table again for the next write's load.
    for (int64_t id : {1, 2, 3}) (void)store_->agents().remove(id);
    ASSERT_EQ(store_->agents().stats()->total, 0) << name;
  }
}

TEST_F(DeferredIndexesTest, AStoreReopenedMidLoadBuildsTheIndexesBeforeAnyRead) {
  std::vector<Agent> rows;
  for (int64_t i = 1; i <= 120; ++i) rows.push_back(loaded(i, "agent-" + std::to_string(i)));
  ASSERT_TRUE(store_->agents().loadBatch(rows)->bulk_load);
  ASSERT_LT(indexes().size(), indexes_before_.size());
  open();  // as a daemon killed mid-load starts again
  EXPECT_EQ(store_->indexesBuiltAtOpen(), static_cast<int64_t>(indexes_before_.size() - 1));
  expectIntact();
  EXPECT_EQ(store_->agents().stats()->total, 120);
  open();
  EXPECT_EQ(store_->indexesBuiltAtOpen(), 0);
}

}  // namespace
}  // namespace cc::store::sqlite
