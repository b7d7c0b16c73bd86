#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <cstdlib>
#include <sstream>

#include "service/sd_notify.h"
#include "service/service_control.h"

namespace cc::service {
namespace {

// What socket() says when the notifications go to the service control manager.
constexpr const char* kServiceControlManager = "service control manager";
// STOPPING=1 comes before the drain, which then extends the wait by its grace.
constexpr std::chrono::seconds kStoppingWaitHint{10};

}  // namespace

// Windows has no datagram protocol: under the SCM the notifier reports the service's state to
// it (service_control.h), otherwise it is disabled.
Notifier Notifier::fromEnvironment() {
  return runningAsService() ? Notifier(kServiceControlManager) : Notifier();
}

// The assignments that have an SCM state: READY=1 is SERVICE_RUNNING, STOPPING=1
// SERVICE_STOP_PENDING, EXTEND_TIMEOUT_USEC the wait hint of the pending state. The SCM has
// nothing for STATUS=, RELOADING=1 or WATCHDOG=1 (there is no watchdog interval here).
common::Status Notifier::notify(const std::string& message) const {
  if (socket_.empty()) return common::Ok{};
  std::istringstream lines(message);
  std::string line;
  bool sent = true;
  while (std::getline(lines, line)) {
    if (line == "READY=1") {
      sent = reportServiceState(ServiceState::kRunning, {}) && sent;
    } else if (line == "STOPPING=1") {
      sent = reportServiceState(ServiceState::kStopping, kStoppingWaitHint) && sent;
    } else if (line.rfind("EXTEND_TIMEOUT_USEC=", 0) == 0) {
      auto usec = std::strtoll(line.c_str() + 20, nullptr, 10);
      sent = extendServiceWait(std::chrono::milliseconds(usec / 1000)) && sent;
    }
  }
  if (!sent) return common::Error::badRequest("not running under the service control manager");
  return common::Ok{};
}

int64_t monotonicMicros() { return static_cast<int64_t>(GetTickCount64()) * 1000; }

}  // namespace cc::service
