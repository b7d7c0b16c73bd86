// The `total` of a listing: exact from the page itself when the page holds every match, counted
// in the trigram index alone for a search with no other filter (once between two changes of the
// index), and equal to the rows whatever the writes before it.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "domain/agent.h"
#include "domain/project.h"
#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

namespace sql = sqlite::sql;

bool anyCount(const std::vector<sql::PageQuery>& statements) {
  return std::any_of(statements.begin(), statements.end(), [](const sql::PageQuery& q) {
    return q.sql.find("COUNT(") != std::string::npos;
  });
}

class ListingTotalTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    open();
    for (int i = 0; i < 12; ++i) {
      auto a = store_->agents().create(agent("node-" + std::to_string(i) + (i % 3 ? "-eu" : "-us"),
                                             i % 2 ? AgentLevel::kL2 : AgentLevel::kL1));
      ASSERT_TRUE(a.ok()) << a.error().message;
      ids_.push_back(a->id);
    }
  }
  std::vector<int64_t> ids_;
};

TEST_F(ListingTotalTest, AFirstPageThatHoldsEveryMatchRunsNoCount) {
  AgentFilter f;
  f.q = "-us";  // nodes 0, 3, 6 and 9
  f.level = AgentLevel::kL2;
  sql::StatementLog log;
  auto page = store_->agents().list(f);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->items.size(), 2u);  // nodes 3 and 9
  EXPECT_EQ(page->total, 2);
  EXPECT_FALSE(page->total_is_lower_bound);
  EXPECT_FALSE(anyCount(log.take()));

  ProjectFilter pf;
  pf.q = "nothing-matches";
  auto projects = store_->projects().list(pf);
  ASSERT_TRUE(projects.ok()) << projects.error().message;
  EXPECT_EQ(projects->total, 0);
  EXPECT_FALSE(anyCount(log.take()));
}

TEST_F(ListingTotalTest, APartialPageOrALaterPageStillCountsEveryMatch) {
  AgentFilter f;
  f.q = "-eu";  // 8 of the 12
  f.window.limit = 3;
  auto first = store_->agents().list(f);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->total, 8);
  EXPECT_TRUE(first->has_more);

  // The last page: no next page, but it does not start at the first match.
  f.window.limit = 5;
  f.window.offset = 5;
  auto last = store_->agents().list(f);
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(last->items.size(), 3u);
  EXPECT_EQ(last->total, 8);
  f.window.offset = 0;
  f.window.cursor = domain::cursorAfter(first->items.back(), f.sort);
  auto after = store_->agents().list(f);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->items.size(), 5u);
  EXPECT_EQ(after->total, 8);
}

TEST_F(ListingTotalTest, ASearchCountedInTheIndexFollowsRenamesAndDeletes) {
  AgentFilter f;
  f.q = "-eu";
  f.window.limit = 1;
  auto total = [&] {
    auto page = store_->agents().list(f);
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? page->total : -1;
  };
  ASSERT_EQ(total(), 8);
  ASSERT_TRUE(store_->agents().remove(ids_[1]).ok());  // node-1-eu
  EXPECT_EQ(total(), 7);
  AgentInput rename;
  rename.name = "node-2-us";  // was node-2-eu
  ASSERT_TRUE(store_->agents().patch(ids_[2], rename).ok());
  EXPECT_EQ(total(), 6);
  rename.name = "node-0-eu";  // was node-0-us
  ASSERT_TRUE(store_->agents().patch(ids_[0], rename).ok());
  EXPECT_EQ(total(), 7);

  ProjectFilter pf;
  pf.window.limit = 1;
  pf.q = "alpha";
  for (const char* name : {"alpha-1", "alpha-2", "beta-1"}) {
    ASSERT_TRUE(store_->projects().create(project(name)).ok());
  }
  auto projects = store_->projects().list(pf);
  ASSERT_TRUE(projects.ok()) << projects.error().message;
  EXPECT_EQ(projects->total, 2);
}

TEST_F(ListingTotalTest, EveryPageOfASearchCountsItsMatchesOnceUntilTheIndexChanges) {
  AgentFilter f;
  f.q = "-eu";  // 8 of the 12
  f.window.limit = 3;
  sql::StatementLog log;
  auto list = [&] {
    auto page = store_->agents().list(f);
    EXPECT_TRUE(page.ok()) << page.error().message;
    return page.ok() ? *page : Page<Agent>{};
  };
  // Every page, each with the total of the whole search; only the first counts.
  std::set<std::string> seen;
  bool first = true;
  while (true) {
    auto page = list();
    EXPECT_EQ(page.total, 8);
    EXPECT_FALSE(page.total_is_lower_bound);
    EXPECT_EQ(anyCount(log.take()), first);
    first = false;
    for (const auto& a : page.items) EXPECT_TRUE(seen.insert(a.name).second) << a.name;
    if (!page.has_more) break;
    f.window.cursor = domain::cursorAfter(page.items.back(), f.sort);
  }
  EXPECT_EQ(seen.size(), 8u);
  f.window.cursor.reset();
  EXPECT_EQ(list().total, 8);
  EXPECT_FALSE(anyCount(log.take()));

  // What leaves the names as they are leaves the index as it is: the count stands.
  ASSERT_TRUE(store_->agents().heartbeat(ids_[1]).ok());
  AgentInput busy;
  busy.status = AgentStatus::kBusy;
  ASSERT_TRUE(store_->agents().patch(ids_[2], busy).ok());
  EXPECT_EQ(list().total, 8);
  EXPECT_FALSE(anyCount(log.take()));

  // Every change of a name counts again, once: a create, a rename, a delete, an import.
  ASSERT_TRUE(store_->agents().create(agent("node-20-eu")).ok());
  EXPECT_EQ(list().total, 9);
  EXPECT_TRUE(anyCount(log.take()));
  EXPECT_EQ(list().total, 9);
  EXPECT_FALSE(anyCount(log.take()));
  AgentInput rename;
  rename.name = "node-1-us";  // was node-1-eu
  ASSERT_TRUE(store_->agents().patch(ids_[1], rename).ok());
  EXPECT_EQ(list().total, 8);
  EXPECT_TRUE(anyCount(log.take()));
  ASSERT_TRUE(store_->agents().remove(ids_[2]).ok());  // node-2-eu
  EXPECT_EQ(list().total, 7);
  EXPECT_TRUE(anyCount(log.take()));
  Agent imported;
  imported.name = "node-21-eu";
  imported.role = "worker";
  imported.created_at_ms = imported.updated_at_ms = 1300000000000;
  auto out = store_->agents().importBatch({imported}, false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(list().total, 8);
  EXPECT_TRUE(anyCount(log.take()));

  // Another search is another count; a project search is kept apart from an agent one.
  f.q = "node-1";  // node-1-us, node-10-eu, node-11-eu
  f.window.limit = 2;
  EXPECT_EQ(list().total, 3);
  EXPECT_TRUE(anyCount(log.take()));
  for (const char* name : {"node-1-a", "node-1-b", "node-1-c", "node-1-d"}) {
    ASSERT_TRUE(store_->projects().create(project(name)).ok());
  }
  ProjectFilter pf;
  pf.q = "node-1";
  pf.window.limit = 1;
  for (int i = 0; i < 2; ++i) {
    auto projects = store_->projects().list(pf);
    ASSERT_TRUE(projects.ok()) << projects.error().message;
    EXPECT_EQ(projects->total, 4);
    EXPECT_EQ(anyCount(log.take()), i == 0);
  }
  EXPECT_EQ(list().total, 3);
  EXPECT_FALSE(anyCount(log.take()));
}

TEST_F(ListingTotalTest, ASearchPastTheCapStaysALowerBoundOnEveryPageUntilItFallsBelow) {
  std::vector<Agent> rows;
  for (int i = 0; i < 1005; ++i) {
    Agent a;
    a.name = "bulk-" + std::to_string(i) + "-ap";
    a.role = "worker";
    a.created_at_ms = a.updated_at_ms = 1300000000000;
    rows.push_back(a);
  }
  auto out = store_->agents().importBatch(rows, false);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->accepted, 1005u);
  AgentFilter f;
  f.q = "-ap";
  f.window.limit = 400;
  sql::StatementLog log;
  std::vector<int64_t> ids;
  for (int page_no = 0;; ++page_no) {
    auto page = store_->agents().list(f);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->total, domain::kCountCap);
    EXPECT_TRUE(page->total_is_lower_bound);
    EXPECT_EQ(anyCount(log.take()), page_no == 0);
    for (const auto& a : page->items) ids.push_back(a.id);
    if (!page->has_more) break;
    f.window.cursor = domain::cursorAfter(page->items.back(), f.sort);
  }
  EXPECT_EQ(ids.size(), 1005u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store_->agents().remove(ids[i]).ok());
  f.window.cursor.reset();
  auto below = store_->agents().list(f);
  ASSERT_TRUE(below.ok()) << below.error().message;
  EXPECT_EQ(below->total, 995);
  EXPECT_FALSE(below->total_is_lower_bound);
  EXPECT_TRUE(anyCount(log.take()));
}

}  // namespace
}  // namespace cc::store
