#pragma once
// A listening Unix-domain socket for the admin API (admin.socket).

#include <Poco/Net/ServerSocket.h>

#include <optional>
#include <string>

#include "common/result.h"

namespace cc::service {

/// Listens on `path` with mode 0660, creating its directory. A stale socket file (left by a
/// crash) is replaced; anything else at the path is left alone and reported. Unsupported on
/// Windows (an error saying so).
common::Result<Poco::Net::ServerSocket> bindUnixListener(const std::string& path);

/// The file path a listening Unix-domain socket is bound to (getsockname); "" for another
/// family, an abstract or unnamed socket, or an invalid descriptor.
std::string boundUnixPath(const Poco::Net::ServerSocket& socket);

/// The admin Unix listener chosen at start-up.
struct UnixListenerChoice {
  std::optional<Poco::Net::ServerSocket> socket;  // absent when admin.socket is empty
  bool adopted = false;                           // `socket` is the passed one
  std::string dropped;       // why a passed socket was closed instead of used; "" otherwise
  std::string dropped_path;  // the file that closed socket was bound to ("" if none)
  bool dropped_file_removed = false;
};

/// Chooses the listener for admin.socket `path`: `passed` (handed over by a restart in place, or
/// by systemd) when the file at `path` is the socket file it is bound to, so clients keep the
/// same socket; otherwise a new one from bindUnixListener. A passed socket that is not used is
/// closed; its file is removed (before binding) only when it is `owned_file`, the file a previous
/// image of this daemon created, and otherwise left alone (it may belong to systemd). `dropped`
/// says why. `path` empty: no listener. Fails only as bindUnixListener does.
common::Result<UnixListenerChoice> chooseUnixListener(const std::string& path,
                                                      std::optional<Poco::Net::ServerSocket> passed,
                                                      const std::string& owned_file);

/// Removes the socket file at shutdown.
void removeUnixListener(const std::string& path);

}  // namespace cc::service
