#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <Poco/Process.h>
#include <Poco/UnicodeConverter.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "app/signal_waiter.h"

namespace cc::app {
namespace {

// The event behind Poco's ServerApplication::terminate(), which a service stop calls
// (service/service_control.h): Poco sets the auto-reset event named for the process
// (Process::requestTermination). The main thread waits on it itself: no thread has to wait in
// ServerApplication::waitForTerminationRequest() to forward it, a thread nobody could join, and
// Poco's console handler, which that wait registers and which holds Wine's console lock until
// such a thread has run, stays out.
HANDLE terminationEvent() {
  static const HANDLE event = [] {
    std::wstring name;
    Poco::UnicodeConverter::toUTF16(Poco::ProcessImpl::terminationEventName(Poco::Process::id()),
                                    name);
    return CreateEventW(nullptr, FALSE, FALSE, name.c_str());
  }();
  return event;
}

// Ctrl+C, Ctrl+Break and closing the console: a stop like a service stop. It returns at once:
// the thread the system runs it on does not wait for the shutdown.
BOOL WINAPI onConsoleControl(DWORD type) {
  if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT || type == CTRL_CLOSE_EVENT) {
    SetEvent(terminationEvent());
    return TRUE;
  }
  return FALSE;
}

}  // namespace

SignalWaiter::SignalWaiter() {
  terminationEvent();
  SetConsoleCtrlHandler(onConsoleControl, TRUE);
}

LifecycleEvent SignalWaiter::wait(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto posted = takePosted(); posted != LifecycleEvent::kNone) return posted;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return LifecycleEvent::kNone;
    // Posted events are looked for every 50 ms.
    auto step = static_cast<DWORD>(std::min<int64_t>(left.count(), 50));
    if (WaitForSingleObject(terminationEvent(), step) == WAIT_OBJECT_0) {
      return LifecycleEvent::kTerminate;
    }
  }
}

}  // namespace cc::app
