#include "common/unix_address.h"

namespace cc::common {

// Windows 10 has AF_UNIX, but Poco 1.11's SocketAddress does not: TCP on loopback it is.
bool unixSocketsSupported() { return false; }

bool isUnixAddress(const Poco::Net::SocketAddress&) { return false; }

Result<Poco::Net::SocketAddress> unixAddress(const std::string& path) {
  return Error::badRequest("Unix-domain sockets (" + path + ") are not supported on Windows");
}

}  // namespace cc::common
