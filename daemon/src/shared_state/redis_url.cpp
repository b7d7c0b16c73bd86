#include "shared_state/redis_url.h"

#include "common/url_authority.h"

namespace cc::shared_state {
namespace {

constexpr int kMaxDb = 1023;

common::Error redisUrlError(const std::string& what) {
  return common::Error::invalid("redis.url", what);
}

}  // namespace

std::string RedisUrl::display() const {
  if (isSocket()) return "unix:" + socket_path + (db != 0 ? "?db=" + std::to_string(db) : "");
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "redis://" + (user.empty() ? "" : user + "@") + h + ":" + std::to_string(port) + "/" +
         std::to_string(db);
}

common::Result<RedisUrl> parseRedisUrl(std::string_view text) {
  RedisUrl url;
  if (text.rfind("unix:", 0) == 0) {
    std::string_view rest = text.substr(5);
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (rest.empty() || rest.front() != '/') {
      return redisUrlError(
          "a unix: URL needs an absolute socket path, e.g. unix:/run/redis/redis.sock");
    }
    url.socket_path = std::string(rest);
    if (!query.empty()) {
      if (query.rfind("db=", 0) != 0) return redisUrlError("a unix: URL takes only ?db=N");
      auto db = common::parseBoundedNumber(query.substr(3), 0, kMaxDb);
      if (!db) return redisUrlError("db must be a number from 0 to 1023");
      url.db = *db;
    }
    return url;
  }
  if (text.rfind("redis://", 0) != 0) {
    return redisUrlError("must start with redis:// or unix:, e.g. redis://127.0.0.1:6379/0");
  }
  std::string_view rest = text.substr(8);
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  auto authority = common::splitUrlAuthority(rest, "redis.url");
  if (!authority) return authority.error();
  if (authority->has_password && !authority->password_empty) {
    return redisUrlError("holds a password; put it in redis.password_file instead");
  }
  if (authority->user) url.user = std::string(*authority->user);
  url.host = std::string(authority->host);
  if (url.host.empty()) return redisUrlError("names no host");
  if (authority->port) url.port = *authority->port;
  if (!path.empty()) {
    auto db = common::parseBoundedNumber(path, 0, kMaxDb);
    if (!db) return redisUrlError("db must be a number from 0 to 1023");
    url.db = *db;
  }
  return url;
}

}  // namespace cc::shared_state
