#include "service/service_control.h"

#include "common/logging.h"

namespace cc::service {

// No service control manager on POSIX: systemd learns the daemon's state through sd_notify.
std::optional<int> runAsService(const std::function<int()>&, const std::function<void()>&) {
  return std::nullopt;
}

bool runningAsService() { return false; }

bool reportServiceState(ServiceState, std::chrono::milliseconds) { return false; }

bool extendServiceWait(std::chrono::milliseconds) { return false; }

int finishProcess(int code) {
  common::drainAccessLog();
  return code;
}

}  // namespace cc::service
