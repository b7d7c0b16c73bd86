#pragma once
// Unix-domain socket addresses, where the platform has them (Poco 1.11 on Windows has no AF_UNIX).

#include <Poco/Net/SocketAddress.h>

#include <string>

#include "common/result.h"

namespace cc::common {

/// True where Unix-domain sockets can be listened on and connected to (not on Windows).
bool unixSocketsSupported();

/// True when `address` is a Unix-domain one (never on Windows). Thread-safe.
bool isUnixAddress(const Poco::Net::SocketAddress& address);

/// The address of the Unix-domain socket at `path`; an error saying so where unsupported.
Result<Poco::Net::SocketAddress> unixAddress(const std::string& path);

}  // namespace cc::common
