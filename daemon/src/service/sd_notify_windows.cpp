#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include "service/sd_notify.h"

namespace cc::service {

// Windows has no service-manager datagram protocol: the Service Control Manager learns about
// start and stop from ServerApplication, so the notifier is always disabled here.
Notifier Notifier::fromEnvironment() { return Notifier(); }

common::Status Notifier::notify(const std::string&) const {
  if (socket_.empty()) return common::Ok{};
  return common::Error::badRequest("NOTIFY_SOCKET is not supported on Windows");
}

int64_t monotonicMicros() { return static_cast<int64_t>(GetTickCount64()) * 1000; }

}  // namespace cc::service
