#include "app/memory_trimmer.h"

#include <gtest/gtest.h>

namespace cc::app {
namespace {

TEST(MemoryTrimmerTest, ReleasesOnceEnoughHasPassedSinceTheLastRelease) {
  int released = 0;
  MemoryTrimmer trimmer(1000, [&] { return ++released, true; });
  EXPECT_FALSE(trimmer.tick(0));
  EXPECT_FALSE(trimmer.tick(999)) << "not enough yet";
  EXPECT_TRUE(trimmer.tick(1500));
  EXPECT_FALSE(trimmer.tick(1500)) << "nothing new passed";
  EXPECT_FALSE(trimmer.tick(2400)) << "900 since the last release";
  EXPECT_TRUE(trimmer.tick(2500));
  EXPECT_EQ(released, 2);
  EXPECT_EQ(trimmer.releases(), 2);
}

TEST(MemoryTrimmerTest, ZeroNeverReleasesAndAnAllocatorWithoutTheCallIsNotCounted) {
  int released = 0;
  MemoryTrimmer never(0, [&] { return ++released, true; });
  EXPECT_FALSE(never.tick(int64_t{1} << 40));
  EXPECT_EQ(released, 0);

  MemoryTrimmer unsupported(10, [] { return false; });
  EXPECT_FALSE(unsupported.tick(100));
  EXPECT_EQ(unsupported.releases(), 0);
}

}  // namespace
}  // namespace cc::app
