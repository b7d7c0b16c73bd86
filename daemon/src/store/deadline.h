#pragma once
// Request deadlines as the store sees them: a steady time point from the caller's Clock.

#include <algorithm>
#include <chrono>

#include "common/clock.h"

namespace cc::store {

/// The deadline of a caller that has no budget (start-up, maintenance jobs).
inline constexpr common::SteadyTime kNoDeadline = common::SteadyTime::max();

/// Time left until `deadline` by `clock`, never negative. Waits on this budget happen in real
/// time, so with a FakeClock the budget stays constant and a wait lasts exactly that long.
inline std::chrono::nanoseconds remainingBudget(const common::Clock& clock,
                                                common::SteadyTime deadline) {
  auto now = clock.now();
  if (deadline <= now) return std::chrono::nanoseconds(0);
  return deadline - now;
}

}  // namespace cc::store
