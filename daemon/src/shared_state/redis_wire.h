#pragma once
// A Redis connection of our own on a plain socket, for the bus (pub/sub and its publisher):
// Poco's client cannot set TCP_NODELAY, so a command longer than its stream buffer goes out in
// two writes and the second waits for the server's delayed ACK (about 40 ms on Linux).

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "shared_state/redis_settings.h"
#include "shared_state/resp.h"

namespace cc::shared_state {

/// Where the Redis of `url` listens: its TCP address, or its Unix socket.
common::Result<Poco::Net::SocketAddress> redisAddress(const RedisUrl& url);
/// AUTH [user] password for `settings`; empty when it has no password.
std::vector<std::string> redisAuthCommand(const RedisSettings& settings);

/// One connection to the Redis of a RedisSettings: connected with a timeout, TCP_NODELAY on
/// (TCP), authenticated (AUTH [user] password) and switched to the URL's database (SELECT) by
/// open(). Every failure throws a Poco::Exception whose text says what failed; after one the
/// connection is out of step with the server and must be dropped. Not thread-safe.
class RedisWire {
 public:
  /// Connects and prepares a connection, each step waiting at most `wait`.
  static RedisWire open(const RedisSettings& settings, std::chrono::milliseconds wait);

  void send(const std::vector<std::string>& command);
  /// The next complete reply, waiting at most `wait` for it; nothing when none came by then.
  std::optional<RespValue> next(std::chrono::milliseconds wait);
  /// The next reply, which must come within `wait` and not be an error reply.
  RespValue expect(std::chrono::milliseconds wait, const char* what);

 private:
  RedisWire() = default;

  Poco::Net::StreamSocket socket_;
  RespReader reader_;
};

}  // namespace cc::shared_state
