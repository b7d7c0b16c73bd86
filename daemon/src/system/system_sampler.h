#pragma once
// The background sampler: probes the host every interval and publishes immutable snapshots.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "config/config.h"
#include "system/host_probe.h"
#include "system/snapshot_builder.h"
#include "system/system_snapshot.h"

namespace cc::system {

/// The sampler's settings as the config table holds them.
struct SamplerSettings {
  common::Millis interval{1000};              // system.sample_interval_ms (reloadable)
  std::string proc_root = "/";                // system.proc_root
  common::Millis connections_interval{5000};  // system.connections_interval_ms
  static SamplerSettings fromConfig(const config::Config& config);
};

/// The sampler's own health, for readiness and the admin view.
struct SamplerHealth {
  enum class Status { kPass, kWarn };
  Status status = Status::kWarn;
  std::string message;  // "ok" or why it warns
  common::Millis last_round_duration{0};
  int64_t last_success_ms = 0;  // Unix ms of the last published snapshot; 0: none
  uint64_t rounds = 0;
  std::map<std::string, std::string> errors;  // the last round's failed sections
};

/// Runs one probe per interval on its own thread and publishes each round's SystemSnapshot by
/// swapping a shared_ptr: readers get the latest complete snapshot without waiting for a round
/// in progress. Nothing a probe does escapes the thread: a failing section is recorded in the
/// snapshot and in health(), an exception out of the probe is caught and reported.
/// All public methods are thread-safe.
class SystemSampler {
 public:
  SystemSampler(std::unique_ptr<HostProbe> probe, const common::Clock& clock,
                common::Millis interval);
  ~SystemSampler();
  SystemSampler(const SystemSampler&) = delete;
  SystemSampler& operator=(const SystemSampler&) = delete;

  /// Starts the thread; its first round runs at once and the second, which has the first CPU
  /// percentages and rates (they are deltas), after kPrimingInterval (or the interval when that
  /// is shorter); then one round per interval. Calling start() twice is harmless.
  void start();

  /// The gap between the first two rounds: long enough for a CPU figure (10 clock ticks at
  /// 100 Hz), short enough for start-up to wait for it before the daemon says it is ready.
  static constexpr common::Millis kPrimingInterval{100};
  /// Stops the thread promptly (it waits on a condition variable, never sleeps) and joins it.
  void stop();
  /// Changes the interval (config reload); a running wait is re-timed immediately.
  void setInterval(common::Millis interval);
  common::Millis interval() const;

  /// Runs one round on the calling thread (tests, or a caller that wants fresh data).
  /// Serialised with the thread's rounds.
  void sampleOnce();

  /// The latest snapshot; nullptr before the first round.
  std::shared_ptr<const SystemSnapshot> snapshot() const;

  /// Waits until at least `rounds` rounds have completed; false on timeout. For start-up
  /// readiness and tests.
  bool waitForRounds(uint64_t rounds, common::Millis timeout) const;

  /// pass, or warn when a section failed in the last round, the last round is older than three
  /// intervals (or there was none), or the last round took longer than the interval.
  SamplerHealth health(common::SteadyTime now) const;

 private:
  void run();

  std::unique_ptr<HostProbe> probe_;
  const common::Clock& clock_;
  SnapshotBuilder builder_;  // guarded by round_mutex_
  std::mutex round_mutex_;   // one round at a time

  mutable std::mutex mutex_;                  // guards everything below
  mutable std::condition_variable wake_;      // stop or interval change
  mutable std::condition_variable finished_;  // a round completed
  std::shared_ptr<const SystemSnapshot> snapshot_;
  common::Millis interval_;
  bool stopping_ = false;
  bool interval_changed_ = false;
  uint64_t rounds_ = 0;
  common::SteadyTime last_round_end_{};
  common::Millis last_round_duration_{0};
  int64_t last_success_ms_ = 0;
  std::map<std::string, std::string> last_errors_;
  std::thread thread_;
};

}  // namespace cc::system
