#include "service/unix_listener.h"

namespace cc::service {

common::Result<Poco::Net::ServerSocket> bindUnixListener(const std::string& path) {
  return common::Error::badRequest("admin.socket (" + path +
                                   ") is not supported on Windows; use admin.address/admin.port");
}

std::string boundUnixPath(const Poco::Net::ServerSocket&) { return {}; }

common::Result<UnixListenerChoice> chooseUnixListener(const std::string& path,
                                                      std::optional<Poco::Net::ServerSocket> passed,
                                                      const std::string&) {
  UnixListenerChoice choice;
  if (passed) {
    passed->close();
    choice.dropped = "Unix sockets are not supported on Windows";
  }
  if (path.empty()) return choice;
  auto bound = bindUnixListener(path);
  if (!bound) return bound.error();
  choice.socket = std::move(*bound);
  return choice;
}

void removeUnixListener(const std::string&) {}

}  // namespace cc::service
