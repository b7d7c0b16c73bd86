#include "shared_state/bus_message.h"

#include <array>
#include <charconv>

namespace cc::shared_state {

namespace {

constexpr const char* kVersion = "cc1";

struct KindName {
  BusMessage::Kind kind;
  const char* name;
};
constexpr std::array<KindName, 5> kKinds{{{BusMessage::Kind::kTokenRevoked, "token"},
                                          {BusMessage::Kind::kTokenIdRevoked, "token-id"},
                                          {BusMessage::Kind::kUserRevoked, "user"},
                                          {BusMessage::Kind::kCacheInvalidated, "invalidate"},
                                          {BusMessage::Kind::kEvent, "event"}}};

const char* kindName(BusMessage::Kind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

// Splits off the text up to the next newline; false when there is none.
bool takeLine(std::string_view& rest, std::string_view& line) {
  const auto end = rest.find('\n');
  if (end == std::string_view::npos) return false;
  line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return true;
}

}  // namespace

std::string encodeBusMessages(const std::string& from, const std::vector<BusMessage>& messages) {
  std::string out = std::string(kVersion) + "\n" + from + "\n";
  for (const auto& m : messages) {
    out += kindName(m.kind);
    out += '\n';
    if (m.kind == BusMessage::Kind::kEvent) out += m.topic + "\n";
    out += std::to_string(m.value.size()) + "\n";
    out += m.value;
  }
  return out;
}

bool sentBy(std::string_view payload, const std::string& from) {
  const std::string head = std::string(kVersion) + "\n" + from + "\n";
  return payload.substr(0, head.size()) == head;
}

std::optional<std::pair<std::string, std::vector<BusMessage>>> decodeBusMessages(
    std::string_view payload) {
  std::string_view rest(payload), version, from;
  if (!takeLine(rest, version) || version != kVersion) return std::nullopt;
  if (!takeLine(rest, from) || from.empty()) return std::nullopt;
  std::vector<BusMessage> messages;
  while (!rest.empty()) {
    std::string_view kind, length;
    if (!takeLine(rest, kind)) return std::nullopt;
    BusMessage m;
    bool known = false;
    for (const auto& k : kKinds) {
      if (kind == k.name) {
        m.kind = k.kind;
        known = true;
      }
    }
    if (!known) return std::nullopt;
    if (m.kind == BusMessage::Kind::kEvent) {
      std::string_view topic;
      if (!takeLine(rest, topic) || topic.empty()) return std::nullopt;
      m.topic = std::string(topic);
    }
    std::size_t size = 0;
    if (!takeLine(rest, length)) return std::nullopt;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), size);
    if (ec != std::errc() || end != length.data() + length.size() || length.empty() ||
        size > rest.size()) {
      return std::nullopt;
    }
    m.value = std::string(rest.substr(0, size));
    rest.remove_prefix(size);
    messages.push_back(std::move(m));
  }
  if (messages.empty()) return std::nullopt;
  return std::make_pair(std::string(from), std::move(messages));
}

}  // namespace cc::shared_state
