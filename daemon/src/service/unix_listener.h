#pragma once
// A listening Unix-domain socket for the admin API (admin.socket).

#include <Poco/Net/ServerSocket.h>

#include <string>

#include "common/result.h"

namespace cc::service {

/// Listens on `path` with mode 0660, creating its directory. A stale socket file (left by a
/// crash) is replaced; anything else at the path is left alone and reported. Unsupported on
/// Windows (an error saying so).
common::Result<Poco::Net::ServerSocket> bindUnixListener(const std::string& path);

/// Removes the socket file at shutdown.
void removeUnixListener(const std::string& path);

}  // namespace cc::service
