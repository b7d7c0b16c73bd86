#pragma once
// Waiting, in a test, for another thread's work that no fake clock can stand in for.

#include <chrono>
#include <thread>

namespace cc::testing {

/// Polls `pred` every 5 ms until it holds or `limit` has passed; whether it held. A bound, not a
/// timing: tests assert on what happened, never on how long it took.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace cc::testing
