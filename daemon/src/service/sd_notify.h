#pragma once
// systemd's readiness and watchdog protocol (sd_notify(3)), spoken directly over NOTIFY_SOCKET.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"

namespace cc::service {

/// Sends state changes to the service manager: one datagram per call on a fresh non-blocking
/// AF_UNIX SOCK_DGRAM socket to NOTIFY_SOCKET (an absolute path, or '@name' for an abstract
/// socket). When NOTIFY_SOCKET is unset (not under systemd) every call does nothing and returns
/// Ok. A send never blocks: a full receive queue is reported as an error. On Windows, under the
/// service control manager, the same calls report the service's state to it instead
/// (service_control.h: READY=1 is SERVICE_RUNNING, STOPPING=1 SERVICE_STOP_PENDING,
/// EXTEND_TIMEOUT_USEC the pending state's wait hint); otherwise there it is disabled.
/// NOTIFY_SOCKET is left in the environment so that a re-exec of the daemon (same PID) keeps
/// notifying. Immutable after construction; every method is thread-safe.
///
/// There is no status reporter thread: the application calls status() itself when something
/// worth showing in `systemctl status` changes (e.g. once a minute from its main loop).
class Notifier {
 public:
  /// A disabled notifier.
  Notifier() = default;
  /// `socket` as NOTIFY_SOCKET would say it; `watchdog` 0 when the watchdog is off.
  explicit Notifier(std::string socket, std::chrono::microseconds watchdog = {})
      : socket_(std::move(socket)), watchdog_(watchdog) {}

  /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is on only when
  /// WATCHDOG_PID is unset or names this process).
  static Notifier fromEnvironment();

  bool enabled() const { return !socket_.empty(); }
  const std::string& socket() const { return socket_; }
  /// The watchdog timeout systemd expects pings within; zero when there is no watchdog.
  std::chrono::microseconds watchdogInterval() const { return watchdog_; }

  /// READY=1 (and STATUS=`status` unless empty).
  common::Status ready(const std::string& status = {}) const;
  /// STATUS=`text`: one line shown by `systemctl status` (newlines become spaces).
  common::Status status(const std::string& text) const;
  /// RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>; send ready() when done.
  common::Status reloading(const std::string& status = {}) const;
  /// STOPPING=1.
  common::Status stopping(const std::string& status = {}) const;
  /// EXTEND_TIMEOUT_USEC=`usec`: the current start/stop/reload may take that much longer.
  common::Status extendTimeout(std::chrono::microseconds usec) const;
  /// WATCHDOG=1.
  common::Status watchdog() const;
  /// Sends `message` (newline-separated VAR=value assignments) as one datagram.
  common::Status notify(const std::string& message) const;

 private:
  std::string socket_;
  std::chrono::microseconds watchdog_{0};
};

/// CLOCK_MONOTONIC in microseconds, the clock systemd compares MONOTONIC_USEC with.
int64_t monotonicMicros();

/// Keeps systemd's watchdog fed only while the daemon is healthy: a thread calls `alive()` every
/// `period` (by default half of WATCHDOG_USEC) and sends WATCHDOG=1 only when it returns true.
/// A wedged daemon therefore stops pinging and systemd restarts it; a liveness check that hangs
/// has the same effect. start() does nothing when the notifier has no watchdog interval.
/// stop() (and the destructor) wakes the thread and joins it without waiting for the period,
/// unless `alive()` itself is blocked. All methods are thread-safe.
class Watchdog {
 public:
  using LivenessCheck = std::function<bool()>;

  Watchdog(Notifier notifier, LivenessCheck alive);
  Watchdog(Notifier notifier, std::chrono::microseconds period, LivenessCheck alive);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// Starts the thread; false (and no thread) when the period is zero or the notifier disabled.
  bool start();
  void stop();
  bool running() const;
  std::chrono::microseconds period() const { return period_; }

  /// One round, as the thread does it: check, then ping if alive. True when a ping was sent.
  bool tick();

  struct Stats {
    int64_t pings = 0;          // WATCHDOG=1 sent
    int64_t missed = 0;         // rounds where alive() said no
    int64_t send_failures = 0;  // rounds where the datagram could not be sent
    std::string last_error;     // of the last send failure
  };
  Stats stats() const;

 private:
  void run();

  Notifier notifier_;
  std::chrono::microseconds period_;
  LivenessCheck alive_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::thread thread_;
  Stats stats_;
};

}  // namespace cc::service
