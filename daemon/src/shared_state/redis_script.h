#pragma once
// A Lua script run on the Redis server, sent by its digest and only in full when Redis lacks it.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "shared_state/redis_pool.h"

namespace cc::shared_state {

/// A Lua script and its SHA-1, computed once. Immutable; thread-safe.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

/// Runs `script` with EVALSHA, and with EVAL when the server answers NOSCRIPT (it restarted, or
/// never saw the script): one round trip while the script is cached, two the first time. An
/// error reply of the script itself (or NOAUTH and the like) is a 503 dependency_unavailable,
/// as a failure to reach Redis is.
common::Result<RedisReply> evalScript(RedisPool& pool, const RedisScript& script,
                                      const std::vector<std::string>& keys,
                                      const std::vector<std::string>& args);

/// The integer at `index` of an array reply; nullopt when the reply is no array or the element
/// no integer.
std::optional<int64_t> replyInteger(const RedisReply& reply, std::size_t index);
/// The bulk string at `index` of an array reply; nullopt when there is none.
std::optional<std::string> replyString(const RedisReply& reply, std::size_t index);

}  // namespace cc::shared_state
