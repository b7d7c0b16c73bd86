#include "shared_state/redis_url.h"

#include <algorithm>
#include <cctype>

namespace cc::shared_state {
namespace {

// A whole decimal number in [low, high], or -1.
int redisUrlNumber(std::string_view s, int low, int high) {
  if (s.empty() || s.size() > 6) return -1;
  if (!std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return -1;
  }
  int n = std::stoi(std::string(s));
  return n < low || n > high ? -1 : n;
}

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
      url.db = redisUrlNumber(query.substr(3), 0, kMaxDb);
      if (url.db < 0) return redisUrlError("db must be a number from 0 to 1023");
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
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      if (colon + 1 != userinfo.size()) {
        return redisUrlError("holds a password; put it in redis.password_file instead");
      }
      userinfo = userinfo.substr(0, colon);
    }
    url.user = std::string(userinfo);
  }
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return redisUrlError("an IPv6 host lacks its ']'");
    url.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return redisUrlError("unexpected text after the IPv6 host");
      port = rest.substr(1);
      if (port.empty()) return redisUrlError("the port is empty");
    }
  } else {
    if (auto colon = rest.find(':'); colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
      if (port.empty()) return redisUrlError("the port is empty");
    }
    url.host = std::string(rest);
  }
  if (url.host.empty()) return redisUrlError("names no host");
  if (!port.empty()) {
    url.port = redisUrlNumber(port, 1, 65535);
    if (url.port < 0) return redisUrlError("port must be a number from 1 to 65535");
  }
  if (!path.empty()) {
    url.db = redisUrlNumber(path, 0, kMaxDb);
    if (url.db < 0) return redisUrlError("db must be a number from 0 to 1023");
  }
  return url;
}

}  // namespace cc::shared_state
