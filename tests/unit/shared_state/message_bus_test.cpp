#include "shared_state/message_bus.h"

#include <gtest/gtest.h>

namespace cc::shared_state {
namespace {

using Kind = BusMessage::Kind;

TEST(MessageBusCodecTest, EveryKindGoesThereAndBack) {
  const std::vector<BusMessage> messages{
      {Kind::kTokenRevoked, "", std::string(64, 'a')},
      {Kind::kTokenIdRevoked, "", std::string(16, 'b')},
      {Kind::kUserRevoked, "", "carol.ops"},
      {Kind::kCacheInvalidated, "", "/api/agents"},
      {Kind::kEvent, "agents", R"({"type":"agent.created","id":7,"agent":{"name":"a\nb"}})"},
      {Kind::kEvent, "projects", ""},
  };
  for (const auto& m : messages) {
    auto decoded = decodeBusMessage(encodeBusMessage("0123abcd", m));
    ASSERT_TRUE(decoded) << m.value;
    EXPECT_EQ(decoded->first, "0123abcd");
    EXPECT_EQ(decoded->second.kind, m.kind);
    EXPECT_EQ(decoded->second.topic, m.topic);
    EXPECT_EQ(decoded->second.value, m.value);
  }
}

TEST(MessageBusCodecTest, APayloadOfAnotherVersionOrKindIsIgnored) {
  for (const std::string payload :
       {"", "cc1", "cc1\n", "cc1\nid\n", "cc2\nid\ntoken\nabc", "cc1\n\ntoken\nabc",
        "cc1\nid\nsomething\nabc", "cc1\nid\nevent\n", "cc1\nid\nevent\n\n{}"}) {
    EXPECT_FALSE(decodeBusMessage(payload)) << payload;
  }
}

}  // namespace
}  // namespace cc::shared_state
