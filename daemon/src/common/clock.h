#pragma once
// Time sources. Everything that measures time takes a Clock so that tests can use FakeClock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cc::common {

using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

/// A monotonic time source plus wall-clock time for timestamps shown to people.
/// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;
  /// Milliseconds since the Unix epoch, for timestamps in answers and logs.
  virtual int64_t wallMillis() const = 0;

  /// The process-wide real clock.
  static const Clock& system();
};

/// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t wall_ms = 1700000000000) : wall_ms_(wall_ms) {}
  SteadyTime now() const override {
    return SteadyTime(std::chrono::nanoseconds(steady_ns_.load()));
  }
  int64_t wallMillis() const override { return wall_ms_.load(); }
  void advance(std::chrono::nanoseconds by) {
    steady_ns_ += by.count();
    wall_ms_ += std::chrono::duration_cast<Millis>(by).count();
  }

 private:
  std::atomic<int64_t> steady_ns_{1'000'000'000'000};
  std::atomic<int64_t> wall_ms_;
};

/// ISO-8601 UTC text ("2026-11-27T00:42:13.123Z") for a Unix time in milliseconds.
std::string formatIsoTime(int64_t unix_ms);
/// formatIsoTime's text appended to `out`.
void appendIsoTime(std::string& out, int64_t unix_ms);

/// The Unix time in milliseconds of ISO-8601 text: a date, 'T', a time to the second with an
/// optional fraction (digits past milliseconds are dropped), and 'Z' or an offset (+02:00).
/// formatIsoTime's text reads back exactly. nullopt for anything else, including impossible
/// dates (Feb 30) and times before 1970, which formatIsoTime cannot show.
std::optional<int64_t> parseIsoTime(std::string_view text);

}  // namespace cc::common
