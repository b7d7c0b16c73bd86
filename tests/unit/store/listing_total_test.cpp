// The `total` of a listing: exact from the page itself when the page holds every match, counted
// in the trigram index alone for a search with no other filter, and equal to the rows whatever
// the writes before it.

#include <gtest/gtest.h>

#include <algorithm>

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

}  // namespace
}  // namespace cc::store
