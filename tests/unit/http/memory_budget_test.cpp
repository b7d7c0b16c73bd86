#include "http/memory_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace cc::http {
namespace {

TEST(MemoryBudgetTest, ReservesUpToTheLimitAndCountsRefusals) {
  MemoryBudget budget;
  EXPECT_TRUE(budget.tryReserve(60, 100));
  EXPECT_FALSE(budget.tryReserve(41, 100)) << "60 + 41 would pass 100";
  EXPECT_TRUE(budget.tryReserve(40, 100));
  EXPECT_EQ(budget.held(), 100);
  EXPECT_EQ(budget.refused(), 1);
  budget.release(100);
  EXPECT_EQ(budget.held(), 0);
}

TEST(MemoryBudgetTest, ALeaseGrowsAndGivesEverythingBack) {
  MemoryBudget budget;
  {
    BudgetLease lease(budget, 100);
    EXPECT_TRUE(lease.holdUpTo(30));
    EXPECT_TRUE(lease.holdUpTo(20)) << "never shrinks";
    EXPECT_EQ(lease.bytes(), 30);
    EXPECT_TRUE(lease.holdUpTo(90));
    EXPECT_FALSE(lease.holdUpTo(101));
    EXPECT_EQ(lease.bytes(), 90) << "a refused growth keeps what it had";
    EXPECT_EQ(budget.held(), 90);
  }
  EXPECT_EQ(budget.held(), 0);
}

TEST(MemoryBudgetTest, ALowerLimitRefusesNewReservationsOnly) {
  MemoryBudget budget;
  BudgetLease lease(budget, 100);
  ASSERT_TRUE(lease.holdUpTo(80));
  EXPECT_FALSE(budget.tryReserve(1, 50)) << "a reload lowered the limit under what is held";
  EXPECT_EQ(budget.held(), 80) << "what is held stays until its request ends";
}

TEST(MemoryBudgetTest, ConcurrentReservationsNeverPassTheLimit) {
  MemoryBudget budget;
  std::vector<std::thread> threads;
  std::atomic<int> granted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (budget.tryReserve(7, 1000)) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 1000 / 7);
  EXPECT_EQ(budget.held(), granted.load() * 7);
}

}  // namespace
}  // namespace cc::http
