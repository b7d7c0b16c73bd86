#include "shared_state/redis_wire.h"

#include <Poco/Exception.h>

#include "common/unix_address.h"

namespace cc::shared_state {

namespace {

using Clock = std::chrono::steady_clock;

Poco::Timespan timespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(std::chrono::microseconds(ms).count());
}

}  // namespace

common::Result<Poco::Net::SocketAddress> redisAddress(const RedisUrl& url) {
  if (url.isSocket()) return common::unixAddress(url.socket_path);
  return Poco::Net::SocketAddress(url.host, static_cast<Poco::UInt16>(url.port));
}

std::vector<std::string> redisAuthCommand(const RedisSettings& settings) {
  if (settings.password.empty()) return {};
  std::vector<std::string> auth{"AUTH"};
  if (!settings.url.user.empty()) auth.push_back(settings.url.user);
  auth.push_back(settings.password);
  return auth;
}

RedisWire RedisWire::open(const RedisSettings& settings, std::chrono::milliseconds wait) {
  auto address = redisAddress(settings.url);
  if (!address) throw Poco::IOException(address.error().message);
  RedisWire wire;
  wire.socket_.connect(*address, timespan(wait));
  wire.socket_.setSendTimeout(timespan(wait));
  if (!settings.url.isSocket()) wire.socket_.setNoDelay(true);
  if (auto auth = redisAuthCommand(settings); !auth.empty()) {
    wire.send(auth);
    wire.expect(wait, "AUTH");
  }
  if (settings.url.db != 0) {
    wire.send({"SELECT", std::to_string(settings.url.db)});
    wire.expect(wait, "SELECT");
  }
  return wire;
}

void RedisWire::send(const std::vector<std::string>& command) {
  const std::string bytes = encodeCommand(command);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    int n = socket_.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
    if (n <= 0) throw Poco::IOException("the connection closed while sending");
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<RespValue> RedisWire::next(std::chrono::milliseconds wait) {
  const auto until = Clock::now() + wait;
  while (true) {
    if (auto value = reader_.next()) return value;
    if (!reader_.failed().empty()) throw Poco::ProtocolException(reader_.failed());
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (!socket_.poll(timespan(left), Poco::Net::Socket::SELECT_READ)) return std::nullopt;
    char buffer[16384];
    int n = socket_.receiveBytes(buffer, sizeof buffer);
    if (n <= 0) throw Poco::IOException("the server closed the connection");
    reader_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

RespValue RedisWire::expect(std::chrono::milliseconds wait, const char* what) {
  auto reply = next(wait);
  if (!reply) throw Poco::TimeoutException(std::string("no reply to ") + what);
  if (reply->type == RespValue::Type::kError) {
    throw Poco::ProtocolException(std::string(what) + " refused: " + reply->text);
  }
  return *reply;
}

}  // namespace cc::shared_state
