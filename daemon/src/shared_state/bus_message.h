#pragma once
// A message of the bus between daemons (shared_state::MessageBus), and its bytes on Redis.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cc::shared_state {

/// One message on the bus. A plain value.
struct BusMessage {
  enum class Kind {
    kTokenRevoked,      ///< `value`: the SHA-256 hex of a revoked token
    kTokenIdRevoked,    ///< `value`: a token id (hash prefix) whose tokens may be revoked
    kUserRevoked,       ///< `value`: a username whose every token is revoked
    kCacheInvalidated,  ///< `value`: a path prefix of cached GET answers to drop
    kEvent,             ///< `topic` ("agents", "projects") and `value`, the event's JSON
  };
  Kind kind = Kind::kEvent;
  std::string topic;
  std::string value;
};

/// The payload of `messages` from instance `from`: "cc1" and the instance, a line each, then per
/// message its kind (and topic) a line each, the value's length in bytes on a line and the value.
std::string encodeBusMessages(const std::string& from, const std::vector<BusMessage>& messages);
/// Whether `payload` came from instance `from` (read from its head, without decoding the rest).
bool sentBy(std::string_view payload, const std::string& from);
/// The instance and messages of a payload; nothing for a payload this version cannot read.
std::optional<std::pair<std::string, std::vector<BusMessage>>> decodeBusMessages(
    std::string_view payload);

}  // namespace cc::shared_state
