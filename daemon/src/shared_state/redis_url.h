#pragma once
// redis.url: the Redis server the shared state lives on, a TCP address or a Unix socket.

#include <string>
#include <string_view>

#include "common/result.h"

namespace cc::shared_state {

/// A Redis server as redis.url names it, checked. Holds no password (the URL may not carry one;
/// redis.password_file does). A plain value.
struct RedisUrl {
  std::string user;         ///< ACL user for AUTH; empty: the default user (AUTH password)
  std::string host;         ///< a name or an address (IPv6 without brackets); empty for a socket
  int port = 6379;          ///< TCP port; unused for a socket
  std::string socket_path;  ///< absolute path of a Unix socket; empty for TCP
  int db = 0;               ///< the database SELECTed on every new connection

  bool isSocket() const { return !socket_path.empty(); }
  /// redis://user@host:port/db or unix:/path?db=N: for logs, status and error messages.
  std::string display() const;
};

/// Parses `redis://[user[:]@]host[:port][/db]` or `unix:/absolute/path[?db=N]`. The host may be an
/// IPv6 address in brackets; port 1-65535 (default 6379); db 0-1023 (default 0). A password in the
/// URL (`user:secret@`) is refused, so it never lands in a config file, a log or ps.
/// kValidation with a message that names the offending part (never the password).
common::Result<RedisUrl> parseRedisUrl(std::string_view text);

}  // namespace cc::shared_state
