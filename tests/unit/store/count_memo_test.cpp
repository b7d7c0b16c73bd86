#include "store/count_memo.h"

#include <gtest/gtest.h>

namespace cc::store {
namespace {

TEST(CountMemoTest, GivesACountOnlyForTheVersionItWasCountedIn) {
  CountMemo memo;
  EXPECT_FALSE(memo.find("agents_fts|\"eu\"", "v1"));
  memo.keep("agents_fts|\"eu\"", "v1", 8);
  EXPECT_EQ(memo.find("agents_fts|\"eu\"", "v1"), 8);
  EXPECT_FALSE(memo.find("agents_fts|\"eu\"", "v2"));
  EXPECT_FALSE(memo.find("agents_fts|\"us\"", "v1"));
  // A count made in an older snapshot after a newer one replaces it: the newer misses, then.
  memo.keep("agents_fts|\"eu\"", "v2", 9);
  memo.keep("agents_fts|\"eu\"", "v1", 8);
  EXPECT_FALSE(memo.find("agents_fts|\"eu\"", "v2"));
  EXPECT_EQ(memo.size(), 1u);
}

TEST(CountMemoTest, KeepsAtMostItsCapacityLeastRecentlyUsedOutFirst) {
  CountMemo memo(2);
  memo.keep("a", "v", 1);
  memo.keep("b", "v", 2);
  EXPECT_EQ(memo.find("a", "v"), 1);  // b is now the least recently used
  memo.keep("c", "v", 3);
  EXPECT_EQ(memo.size(), 2u);
  EXPECT_EQ(memo.find("a", "v"), 1);
  EXPECT_FALSE(memo.find("b", "v"));
  EXPECT_EQ(memo.find("c", "v"), 3);

  CountMemo none(0);
  none.keep("a", "v", 1);
  EXPECT_FALSE(none.find("a", "v"));
}

}  // namespace
}  // namespace cc::store
