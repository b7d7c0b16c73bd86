#include "http/memory_budget.h"

#include <chrono>

namespace cc::http {

bool MemoryBudget::tryReserve(int64_t bytes, int64_t limit) {
  int64_t held = held_.load(std::memory_order_relaxed);
  do {
    if (held + bytes > limit) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      exhausted_at_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count(),
                             std::memory_order_relaxed);
      return false;
    }
  } while (!held_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  reserved_total_.fetch_add(bytes, std::memory_order_relaxed);
  return true;
}

BudgetStats MemoryBudget::stats(int64_t limit) const {
  BudgetStats s;
  s.held = held();
  s.limit = limit;
  s.refused = refused();
  s.reserved_total = reservedTotal();
  if (int64_t ns = exhausted_at_ns_.load(std::memory_order_relaxed); ns != 0) {
    s.exhausted_at = common::SteadyTime(
        std::chrono::duration_cast<common::SteadyTime::duration>(std::chrono::nanoseconds(ns)));
  }
  return s;
}

bool BudgetLease::holdUpTo(int64_t total) {
  if (total <= bytes_) return true;
  if (!budget_.tryReserve(total - bytes_, limit_)) return false;
  bytes_ = total;
  return true;
}

}  // namespace cc::http
