// No <windows.h> here: Poco's Net headers bring winsock2.h, which must come first.
#include "service/socket_activation.h"

#include <cstdlib>

namespace cc::service {

// Windows has neither socket activation nor exec-in-place: the daemon always binds its own
// listeners, and a restart is a service stop and start.
common::Result<Poco::Net::ServerSocket> adoptListeningSocket(int, const std::string& what) {
  return common::Error::badRequest(what + ": adopting sockets is not supported on Windows");
}

common::Result<ActivatedSockets> takeActivatedSockets() { return ActivatedSockets{}; }

common::Result<ExecHandoff> prepareExecHandoff(const std::vector<PassedFd>&, std::string,
                                               std::vector<std::string>,
                                               const std::vector<std::string>&) {
  return common::Error::badRequest("restart in place is not supported on Windows");
}

std::vector<std::string> currentEnvironment() {
  std::vector<std::string> env;
  for (char** e = _environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

common::Status execHandoff(const ExecHandoff&) {
  return common::Error::badRequest("restart in place is not supported on Windows");
}

}  // namespace cc::service
