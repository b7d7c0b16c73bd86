#include <windows.h>

#include <thread>

#include "app/signal_waiter.h"

namespace cc::app {
namespace {

std::atomic<bool> g_console_stop{false};

BOOL WINAPI onConsoleControl(DWORD type) {
  if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT || type == CTRL_CLOSE_EVENT) {
    g_console_stop = true;
    return TRUE;
  }
  return FALSE;
}

}  // namespace

// Service stops arrive through ServerApplication, which the application forwards with post().
SignalWaiter::SignalWaiter() { SetConsoleCtrlHandler(onConsoleControl, TRUE); }

LifecycleEvent SignalWaiter::wait(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto posted = takePosted(); posted != LifecycleEvent::kNone) return posted;
    if (g_console_stop.exchange(false)) return LifecycleEvent::kTerminate;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return LifecycleEvent::kNone;
}

}  // namespace cc::app
