#include "common/unix_address.h"

namespace cc::common {

bool unixSocketsSupported() { return true; }

bool isUnixAddress(const Poco::Net::SocketAddress& address) {
  return address.family() == Poco::Net::SocketAddress::UNIX_LOCAL;
}

Result<Poco::Net::SocketAddress> unixAddress(const std::string& path) {
  return Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path);
}

}  // namespace cc::common
