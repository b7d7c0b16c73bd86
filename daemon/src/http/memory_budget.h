#pragma once
// A bound on the bytes held in memory for requests in flight (their bodies, and the answers not
// yet sent).

#include <atomic>
#include <cstdint>
#include <optional>

#include "common/clock.h"

namespace cc::http {

/// What a MemoryBudget holds and has refused, for /admin/status, /metrics and the overload check.
struct BudgetStats {
  int64_t held = 0;
  int64_t limit = 0;  // the setting it is reserved against
  int64_t refused = 0;
  std::optional<common::SteadyTime> exhausted_at;  // the latest refusal
  int64_t reserved_total = 0;                      // every byte ever reserved
};

/// Counts bytes reserved against a limit given with each reservation (the setting, which a
/// reload may change). tryReserve never blocks: past the limit the caller answers at once
/// (503 overloaded) instead of waiting for room. Thread-safe.
class MemoryBudget {
 public:
  /// Reserves `bytes` when that keeps the total within `limit`; false (and nothing reserved,
  /// the refusal counted) otherwise.
  bool tryReserve(int64_t bytes, int64_t limit);
  void release(int64_t bytes) { held_.fetch_sub(bytes, std::memory_order_relaxed); }

  int64_t held() const { return held_.load(std::memory_order_relaxed); }
  int64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  /// Every byte ever reserved: how much has passed through, for deciding when to give memory
  /// back to the system.
  int64_t reservedTotal() const { return reserved_total_.load(std::memory_order_relaxed); }
  /// A consistent-enough view for reporting, with `limit` the current setting.
  BudgetStats stats(int64_t limit) const;

 private:
  std::atomic<int64_t> held_{0};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> reserved_total_{0};
  std::atomic<int64_t> exhausted_at_ns_{0};  // steady clock; 0: never
};

/// What one request holds of a MemoryBudget, grown as its body arrives and given back when the
/// lease ends. Used by one thread.
class BudgetLease {
 public:
  BudgetLease(MemoryBudget& budget, int64_t limit) : budget_(budget), limit_(limit) {}
  ~BudgetLease() { budget_.release(bytes_); }
  BudgetLease(const BudgetLease&) = delete;
  BudgetLease& operator=(const BudgetLease&) = delete;

  /// Holds `total` bytes in all (growing only); false when the budget has no room for the rest.
  bool holdUpTo(int64_t total);
  int64_t bytes() const { return bytes_; }
  int64_t limit() const { return limit_; }

 private:
  MemoryBudget& budget_;
  const int64_t limit_;
  int64_t bytes_ = 0;
};

}  // namespace cc::http
