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

  static DescriptorShedding of(const std::vector<http::ServerShedding>& listeners);
};

/// What every listener held and refused within its memory budgets, summed: request bodies
/// (overload.max_request_bytes) and answers not yet sent (overload.max_response_bytes). The
/// limits are one listener's (each has its own budgets of the same size).
struct MemoryShedding {
  http::BudgetStats requests;
  http::BudgetStats responses;

  static MemoryShedding of(const std::vector<http::ServerShedding>& listeners);
};

/// Warns while a listener ran out of file descriptors or of room for bodies or answers within
/// kOverloadWindow of `now`, saying what was shed since start; passes otherwise. It never
/// fails: shedding is the daemon protecting itself while it keeps serving, and a warning does
/// not take it out of readiness.
health::CheckResult overloadCheck(const DescriptorShedding& descriptors,
                                  const MemoryShedding& memory, common::SteadyTime now);

}  // namespace cc::app
