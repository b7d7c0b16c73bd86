#include "service/unix_listener.h"

namespace cc::service {

common::Result<Poco::Net::ServerSocket> bindUnixListener(const std::string& path) {
  return common::Error::badRequest("admin.socket (" + path +
                                   ") is not supported on Windows; use admin.address/admin.port");
}

void removeUnixListener(const std::string&) {}

}  // namespace cc::service
