#pragma once
// A small pool of Redis connections of our own: Poco's validates nothing and knows no timeouts.

#include <Poco/JSON/Object.h>
#include <Poco/Redis/Array.h>
#include <Poco/Redis/Type.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "shared_state/redis_settings.h"

namespace cc::shared_state {

/// A reply as Redis sent it: a simple string, an error (-ERR ...), an integer, a bulk string or
/// an array.
using RedisReply = Poco::Redis::RedisType::Ptr;

/// The message of an error reply ("NOSCRIPT No matching script..."); "" when `reply` is none.
std::string redisErrorText(const RedisReply& reply);

/// The pool's counters since it was built, and its state now. A plain value.
struct RedisPoolStats {
  uint64_t connections = 0;  ///< connections opened (connect, AUTH and SELECT succeeded)
  uint64_t borrows = 0;      ///< commands sent (each borrows a connection)
  uint64_t failures = 0;     ///< commands that got no reply: connect, AUTH, I/O or timeout
  uint64_t discards = 0;     ///< connections dropped after such a failure (or a failed PING)
  std::size_t idle = 0;
  std::size_t in_use = 0;
  std::size_t max = 0;
  bool down = false;          ///< within the fail-fast window after the latest failure
  std::string last_error;     ///< empty until the first failure
  int64_t last_error_ms = 0;  ///< wall time of the latest failure; 0 without one
};

/// Connections to the Redis server of RedisSettings, reused across commands. Each connection is
/// opened with redis.timeout_ms as connect timeout and as the timeout of every read, then
/// authenticated (AUTH [user] password, with a password file) and switched to the URL's database
/// (SELECT). A connection that idled longer than `idle_check` answers a PING before it is used
/// again. After any failure to connect, write or read (a timeout included) the connection it
/// happened on is closed, never reused: Poco's client is out of step with the server after a
/// partial reply. A Redis error reply (-ERR, NOSCRIPT, ...) is a reply; the connection stays.
///
/// Bounded: at most `max_connections` connections; a command that finds them all busy waits for
/// one at most redis.timeout_ms. After a failure, commands fail at once for `retry_interval`
/// (a dead Redis costs one timeout a second, not one per request), then the next command tries
/// again. Writes carry no timeout of their own (Poco's client offers none): commands are small,
/// so a write fits the socket buffer and a server that stops answering is caught by the read.
/// Thread-safe.
class RedisPool {
 public:
  struct Options {
    std::size_t max_connections = 8;
    std::chrono::milliseconds idle_check{std::chrono::seconds(5)};
    std::chrono::milliseconds retry_interval{std::chrono::seconds(1)};
  };

  RedisPool(RedisSettings settings, const common::Clock& clock, Options options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  /// Sends one command and reads its reply. Without a reply (no connection, AUTH or SELECT
  /// refused, an I/O error, a timeout, every connection busy, within the fail-fast window): 503
  /// dependency_unavailable whose message says why.
  common::Result<RedisReply> execute(const Poco::Redis::Array& command);

  RedisPoolStats stats() const;
  /// The /admin/status view: the server (never the password), the stats and the limits.
  Poco::JSON::Object::Ptr toJson() const;
  const RedisSettings& settings() const { return settings_; }

 private:
  struct Connection;
  using ConnectionPtr = std::unique_ptr<Connection>;

  common::Result<ConnectionPtr> borrow();
  void giveBack(ConnectionPtr connection);
  /// Records a failure (and the discard of the connection, if there was one) and opens the
  /// fail-fast window.
  common::Error fail(const std::string& what, bool discarded);
  common::Result<ConnectionPtr> connect();
  bool stillAlive(Connection& connection);

  const RedisSettings settings_;
  const common::Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<ConnectionPtr> idle_;  // most recently returned last
  std::size_t open_ = 0;             // idle, in use and being connected
  common::SteadyTime down_until_{};
  RedisPoolStats counts_;  // connections .. discards, last_error, last_error_ms
};

}  // namespace cc::shared_state
