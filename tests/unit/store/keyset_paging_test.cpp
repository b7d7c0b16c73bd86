// Cursor pages: every sort walks every row exactly once, ties included, and a walk that meets
// inserts and deletes between pages never repeats a row nor skips one that stayed.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "domain/agent.h"
#include "domain/project.h"
#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

using std::chrono::seconds;

class KeysetPagingTest : public StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped()) return;
    open();
    auto p = store_->projects().create(project("paging"));
    ASSERT_TRUE(p.ok());
    project_id_ = p->id;
    // Few distinct statuses, levels and roles, so that pages end inside runs of ties.
    for (int i = 0; i < 47; ++i) {
      AgentInput in = agent("agent-" + std::to_string((i * 7) % 47),
                            domain::allAgentLevels()[i % 3], i % 2 ? "build" : "test");
      in.status = domain::allAgentStatuses()[i % 4];
      if (i % 3 == 0) in.project_id = std::optional<int64_t>(project_id_);
      auto a = store_->agents().create(in);
      ASSERT_TRUE(a.ok());
      if (i % 5 == 0) {
        ASSERT_TRUE(store_->agents().heartbeat(a->id).ok());
      }
      clock_.advance(seconds(i % 2));  // equal created_at for neighbours
    }
  }

  // Every page of `f` from the first, following next cursors.
  std::vector<int64_t> walk(
      AgentFilter f, int64_t limit,
      const std::function<void(int, const std::vector<int64_t>&)>& between = {}) {
    f.window.limit = limit;
    std::vector<int64_t> ids;
    for (int page = 0; page < 1000; ++page) {
      auto got = store_->agents().list(f);
      EXPECT_TRUE(got.ok()) << f.sort << ": " << got.error().message;
      if (!got.ok()) break;
      for (const auto& a : got->items) ids.push_back(a.id);
      if (!got->has_more) break;
      EXPECT_EQ(static_cast<int64_t>(got->items.size()), limit) << "a short page that has more";
      f.window.cursor = domain::cursorAfter(got->items.back(), f.sort);
      if (between) between(page, ids);
    }
    return ids;
  }

  // The ids of every agent in `f` order, by a full read and a sort here.
  std::vector<int64_t> expected(AgentFilter f) {
    f.window.limit = domain::kMaxLimit;
    const std::string sort = f.sort;
    f.sort = "id";
    auto all = store_->agents().list(f);
    EXPECT_TRUE(all.ok());
    std::vector<domain::Agent> rows = all->items;
    const bool desc = sort[0] == '-';
    const std::string column = desc ? sort.substr(1) : sort;
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
      auto ka = domain::sortKey(a, column);
      auto kb = domain::sortKey(b, column);
      if (ka != kb) return desc ? kb < ka : ka < kb;
      return desc ? b.id < a.id : a.id < b.id;
    });
    std::vector<int64_t> ids;
    for (const auto& a : rows) ids.push_back(a.id);
    return ids;
  }

  int64_t project_id_ = 0;
};

TEST_P(KeysetPagingTest, EverySortWalksEveryRowOnceInOrder) {
  for (const auto& column : domain::agentSortColumns()) {
    for (const std::string& sort : {column, "-" + column}) {
      for (int64_t limit : {1, 4, 10, 50}) {
        AgentFilter f;
        f.sort = sort;
        EXPECT_EQ(walk(f, limit), expected(f)) << sort << " limit " << limit;
      }
    }
  }
}

TEST_P(KeysetPagingTest, FilteredSortsAndSearchWalkTheirMatches) {
  std::vector<AgentFilter> filters(6);
  filters[0].status = AgentStatus::kBusy;
  filters[1].status = AgentStatus::kIdle;
  filters[1].sort = "-name";
  filters[2].project_id = project_id_;
  filters[2].sort = "-last_heartbeat";
  filters[3].level = AgentLevel::kL2;
  filters[3].role = "build";
  filters[3].sort = "-id";
  filters[4].q = "nt-1";
  filters[5].active_within_s = 60;
  filters[5].sort = "-last_heartbeat";
  for (const auto& f : filters) {
    auto want = expected(f);
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(walk(f, 3), want) << f.sort;
  }
}

TEST_P(KeysetPagingTest, InsertsAndDeletesBetweenPagesNeitherRepeatNorSkipRows) {
  for (const std::string sort : {"id", "-id", "status", "-name", "level", "-created_at"}) {
    AgentFilter f;
    f.sort = sort;
    const auto before = expected(f);
    std::set<int64_t> removed;
    std::set<int64_t> added;
    const std::set<int64_t> original(before.begin(), before.end());
    auto ids = walk(f, 5, [&](int page, const std::vector<int64_t>& so_far) {
      // Delete an original row the walk has not reached yet (the last one in the order), and
      // on even pages one it has already passed; add a row.
      std::set<int64_t> passed(so_far.begin(), so_far.end());
      auto order = expected(f);
      for (auto it = order.rbegin(); it != order.rend(); ++it) {
        if (original.count(*it) != 0 && passed.count(*it) == 0) {
          ASSERT_TRUE(store_->agents().remove(*it).ok());
          removed.insert(*it);
          break;
        }
      }
      if (page % 2 == 0) {
        ASSERT_TRUE(store_->agents().remove(so_far[static_cast<std::size_t>(page)]).ok());
      }
      AgentInput in = agent("late-" + std::to_string(page));
      auto a = store_->agents().create(in);
      ASSERT_TRUE(a.ok());
      added.insert(a->id);
    });
    std::set<int64_t> seen;
    for (int64_t id : ids) EXPECT_TRUE(seen.insert(id).second) << sort << ": id " << id << " twice";
    for (int64_t id : before) {
      if (removed.count(id) == 0) {
        EXPECT_EQ(seen.count(id), 1u) << sort << ": skipped " << id;
      }
    }
    // The victims lay ahead of the walk when they were deleted.
    EXPECT_FALSE(removed.empty());
    for (int64_t id : removed) EXPECT_EQ(seen.count(id), 0u) << sort << ": deleted " << id;
    // Later sorts walk what is left, with more deletions.
    for (int64_t id : added) ASSERT_TRUE(store_->agents().remove(id).ok());
  }
}

TEST_P(KeysetPagingTest, ProjectsPageByCursorToo) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(store_->projects().create(project("proj-" + std::to_string((i * 5) % 12))).ok());
  }
  for (const std::string sort : {"id", "-name", "status", "-updated_at"}) {
    ProjectFilter f;
    f.sort = sort;
    f.window.limit = 4;
    std::vector<int64_t> ids;
    for (;;) {
      auto page = store_->projects().list(f);
      ASSERT_TRUE(page.ok()) << page.error().message;
      EXPECT_EQ(page->total, 13);
      for (const auto& p : page->items) ids.push_back(p.id);
      if (!page->has_more) break;
      f.window.cursor = domain::cursorAfter(page->items.back(), sort);
    }
    std::set<int64_t> unique(ids.begin(), ids.end());
    EXPECT_EQ(ids.size(), 13u) << sort;
    EXPECT_EQ(unique.size(), 13u) << sort;
  }
}

TEST_P(KeysetPagingTest, CursorsAndOffsetsAreChecked) {
  AgentFilter f;
  f.sort = "name";
  f.window.limit = 2;
  auto page = store_->agents().list(f);
  ASSERT_TRUE(page.ok());
  f.window.cursor = domain::cursorAfter(page->items.back(), "name");
  f.sort = "-name";
  EXPECT_EQ(store_->agents().list(f).error().field, "cursor") << "issued for another sort";
  f.sort = "name";
  f.window.offset_given = true;
  EXPECT_EQ(store_->agents().list(f).error().field, "cursor") << "with an offset";
  AgentFilter deep;
  deep.window.offset = domain::kMaxOffset + 1;
  auto refused = store_->agents().list(deep);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "offset");
  EXPECT_NE(refused.error().message.find("cursor"), std::string::npos);
  deep.window.offset = domain::kMaxOffset;
  EXPECT_TRUE(store_->agents().list(deep).ok());
  AgentFilter unserved;
  unserved.role = "build";
  unserved.sort = "name";
  EXPECT_EQ(store_->agents().list(unserved).error().field, "sort");
  AgentFilter search;
  search.q = "agent";
  search.sort = "name";
  EXPECT_EQ(store_->agents().list(search).error().field, "sort");
}

TEST_P(KeysetPagingTest, TotalsAreMaintainedCountsOrCappedLowerBounds) {
  AgentFilter all;
  all.window.limit = 1;
  EXPECT_EQ(store_->agents().list(all)->total, 47);
  EXPECT_FALSE(store_->agents().list(all)->total_is_lower_bound);
  AgentFilter busy;
  busy.status = AgentStatus::kBusy;
  EXPECT_EQ(store_->agents().list(busy)->total, 12);  // i % 4 == 2 for i < 47
  AgentFilter in_project;
  in_project.project_id = project_id_;
  EXPECT_EQ(store_->agents().list(in_project)->total, 16);
  AgentFilter role;
  role.role = "test";
  auto counted = store_->agents().list(role);
  EXPECT_EQ(counted->total, 24);
  EXPECT_FALSE(counted->total_is_lower_bound);
  for (int i = 0; i < domain::kCountCap; ++i) {
    ASSERT_TRUE(
        store_->agents().create(agent("bulk-" + std::to_string(i), AgentLevel::kL1, "test")).ok());
  }
  counted = store_->agents().list(role);
  EXPECT_EQ(counted->total, domain::kCountCap);
  EXPECT_TRUE(counted->total_is_lower_bound);
  EXPECT_EQ(store_->agents().list(all)->total, 47 + domain::kCountCap) << "maintained: exact";
}

INSTANTIATE_STORE_CONTRACT(KeysetPagingTest);

}  // namespace
}  // namespace cc::store
