#pragma once
// What the main thread waits for: OS signals (SIGHUP, SIGTERM, ...), on Windows Ctrl+C and
// ServerApplication::terminate() (a service stop), and requests posted by other threads (an
// admin restart).

#include <atomic>
#include <chrono>

namespace cc::app {

enum class LifecycleEvent { kNone = 0, kReload, kTerminate, kRestart };

/// Constructed in the main thread before any other thread starts: on POSIX it blocks SIGHUP,
/// SIGTERM, SIGINT and SIGQUIT there, so every later thread inherits the mask and the signals
/// are only ever taken by wait(). SIGPIPE is ignored. post() is thread-safe.
class SignalWaiter {
 public:
  SignalWaiter();
  /// The next event, or kNone after `timeout`.
  LifecycleEvent wait(std::chrono::milliseconds timeout);
  void post(LifecycleEvent event) { posted_.store(static_cast<int>(event)); }

 private:
  LifecycleEvent takePosted() { return static_cast<LifecycleEvent>(posted_.exchange(0)); }
  std::atomic<int> posted_{0};
};

}  // namespace cc::app
