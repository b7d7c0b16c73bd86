#include "http/memory_budget.h"

namespace cc::http {

bool MemoryBudget::tryReserve(int64_t bytes, int64_t limit) {
  int64_t held = held_.load(std::memory_order_relaxed);
  do {
    if (held + bytes > limit) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!held_.compare_exchange_weak(held, held + bytes, std::memory_order_relaxed));
  return true;
}

bool BudgetLease::holdUpTo(int64_t total) {
  if (total <= bytes_) return true;
  if (!budget_.tryReserve(total - bytes_, limit_)) return false;
  bytes_ = total;
  return true;
}

}  // namespace cc::http
