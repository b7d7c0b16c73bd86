#pragma once
// The "overload" health check: whether the daemon is shedding load to protect itself.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "health/health_registry.h"
#include "http/http_server.h"

namespace cc::app {

/// How long after the last time a listener ran out of file descriptors the check still warns.
constexpr std::chrono::seconds kOverloadWindow{10};

/// What every listener shed at the file descriptor limit, summed: the limit is the process's,
/// whichever listener meets it. For the check, /metrics and /admin/status alike.
struct DescriptorShedding {
  int64_t accept_failures = 0;
  int64_t refused = 0;                     // answered 503 overloaded on the reserve descriptor
  int64_t idle_closed = 0;                 // idle keep-alive connections closed to make room
  std::optional<common::SteadyTime> last;  // the latest EMFILE/ENFILE of any listener

  static DescriptorShedding of(const std::vector<http::ServerStats>& listeners);
};

/// What every listener refused for want of room for request bodies (overload.max_request_bytes),
/// summed, with what they hold now.
struct MemoryShedding {
  int64_t held = 0;
  int64_t limit = 0;  // of one listener (each has its own budget of the same size)
  int64_t refused = 0;
  std::optional<common::SteadyTime> last;

  static MemoryShedding of(const std::vector<http::ServerStats>& listeners);
};

/// Warns while a listener ran out of file descriptors or of room for request bodies within
/// kOverloadWindow of `now`, saying what was shed since start; passes otherwise. It never
/// fails: shedding is the daemon protecting itself while it keeps serving, and a warning does
/// not take it out of readiness.
health::CheckResult overloadCheck(const DescriptorShedding& descriptors,
                                  const MemoryShedding& memory, common::SteadyTime now);

}  // namespace cc::app
