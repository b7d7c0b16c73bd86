#pragma once
// A dependency probed in the background at a fixed interval, its latest outcome kept for checks.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "health/health_registry.h"

namespace cc::health {

/// What PeriodicProbe has seen so far.
struct ProbeStats {
  bool up = true;  ///< the latest probe succeeded (or none has ended yet)
  uint64_t probes_total = 0;
  uint64_t failures_total = 0;
};

/// Runs `probe` on a thread of its own, at once and then once per `interval` (measured from the
/// start of one probe to the next, so the dependency is asked at most once an interval however
/// slow it answers), and keeps the outcome. check() reads it: asking costs no I/O and never
/// waits for a probe, so a load balancer that polls readiness many times a second costs the
/// dependency nothing more. The probe gets a deadline `timeout` after its start and must keep it;
/// one still running past it counts as failed from then on, without waiting for its end.
/// Thread-safe; stop() (or the destructor) joins the thread.
class PeriodicProbe {
 public:
  struct Options {
    common::Millis interval{1000};
    common::Millis timeout{1000};
  };
  using Probe = std::function<common::Status(common::SteadyTime deadline)>;

  /// `what` names the probe in check()'s output ("SELECT 1 on postgresql://…").
  PeriodicProbe(std::string what, Probe probe, const common::Clock& clock, Options options);
  ~PeriodicProbe();
  PeriodicProbe(const PeriodicProbe&) = delete;
  PeriodicProbe& operator=(const PeriodicProbe&) = delete;

  /// Called on the probing thread when the outcome turns from success to failure or back (not
  /// for each failure), with the probe's status; set it before start(). For the log.
  using Transition = std::function<void(const common::Status& status)>;
  void setTransitionCallback(Transition callback) { on_transition_ = std::move(callback); }

  /// Starts the thread (once; a second call is harmless).
  void start();
  /// Wakes the thread and joins it; a probe in progress ends by its deadline first.
  void stop();
  /// Runs one probe on the calling thread, serialised with the thread's (tests).
  void probeOnce();

  /// pass while the latest probe succeeded (also before the first has ended); fail with the
  /// probe's error and since when it fails, or when a probe has run past its timeout.
  CheckResult check(common::SteadyTime now) const;
  ProbeStats stats() const;

 private:
  void run();

  const std::string what_;
  const Probe probe_;
  const common::Clock& clock_;
  const Options options_;
  Transition on_transition_;
  std::mutex probe_mu_;  // one probe at a time

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  bool stopping_ = false;
  bool running_ = false;  // a probe is in progress, started at started_
  common::SteadyTime started_{};
  common::SteadyTime last_end_{};
  bool ended_once_ = false;
  common::Status last_ = common::Ok{};
  int64_t failing_since_ms_ = 0;  // wall time of the first failure of the current run of them
  uint64_t failing_probes_ = 0;
  uint64_t probes_total_ = 0;
  uint64_t failures_total_ = 0;
  std::thread thread_;
};

}  // namespace cc::health
