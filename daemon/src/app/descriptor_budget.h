#pragma once
// How many file descriptors the configured connections may hold at once.

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"

namespace cc::app {

/// The descriptors a daemon with this configuration may need at its busiest: every public
/// connection being served or queued (http.threads + http.queue), every WebSocket
/// (ws.max_connections), the admin workers (admin.threads), two per database session
/// (db.pool.max: the database and its WAL) and a fixed margin for the listeners, the log, the
/// PID lock, the epoll sets and the admin queue. Idle keep-alive connections are not counted:
/// at the limit they are closed to make room.
struct DescriptorBudget {
  static constexpr int64_t kMargin = 64;

  int64_t needed = 0;
  /// "http.threads 256 + http.queue 1024 + ...": what `needed` is made of, for the warning.
  std::string breakdown;

  static DescriptorBudget of(const config::Config& config);
};

/// The start-up warning when `soft_limit` (RLIMIT_NOFILE in force) is below the budget, naming
/// the keys and what to raise; nullopt when it is enough or unknown.
std::optional<std::string> descriptorLimitWarning(const DescriptorBudget& budget,
                                                  std::optional<int64_t> soft_limit);

}  // namespace cc::app
