#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "app/signal_waiter.h"

namespace cc::app {
namespace {

sigset_t daemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGQUIT);
  return set;
}

}  // namespace

SignalWaiter::SignalWaiter() {
  sigset_t set = daemonSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

LifecycleEvent SignalWaiter::wait(std::chrono::milliseconds timeout) {
  sigset_t set = daemonSignals();
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto posted = takePosted(); posted != LifecycleEvent::kNone) return posted;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return LifecycleEvent::kNone;
    // Short slices so that posted events are seen promptly.
    auto slice = std::min<int64_t>(left.count(), 50);
    timespec ts{0, static_cast<long>(slice) * 1000000L};
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGHUP) return LifecycleEvent::kReload;
    if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) return LifecycleEvent::kTerminate;
  }
}

}  // namespace cc::app
