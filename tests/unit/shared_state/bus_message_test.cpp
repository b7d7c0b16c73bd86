#include "shared_state/bus_message.h"

#include <gtest/gtest.h>

namespace cc::shared_state {
namespace {

using Kind = BusMessage::Kind;

TEST(MessageBusCodecTest, EveryKindGoesThereAndBackAloneAndInABatch) {
  const std::vector<BusMessage> messages{
      {Kind::kTokenRevoked, "", std::string(64, 'a')},
      {Kind::kTokenIdRevoked, "", std::string(16, 'b')},
      {Kind::kUserRevoked, "", "carol.ops"},
      {Kind::kCacheInvalidated, "", "/api/agents"},
      {Kind::kEvent, "agents", "{\"type\":\"agent.created\",\"agent\":{\"name\":\"a\\nb\"}}\n7\n"},
      {Kind::kEvent, "projects", ""},
  };
  auto same = [](const BusMessage& a, const BusMessage& b) {
    return a.kind == b.kind && a.topic == b.topic && a.value == b.value;
  };
  for (const auto& m : messages) {
    auto decoded = decodeBusMessages(encodeBusMessages("0123abcd", {m}));
    ASSERT_TRUE(decoded) << m.value;
    EXPECT_EQ(decoded->first, "0123abcd");
    ASSERT_EQ(decoded->second.size(), 1u);
    EXPECT_TRUE(same(decoded->second[0], m)) << m.value;
  }
  EXPECT_TRUE(sentBy(encodeBusMessages("0123abcd", messages), "0123abcd"));
  EXPECT_FALSE(sentBy(encodeBusMessages("0123abcd", messages), "0123abc"));
  EXPECT_FALSE(sentBy(encodeBusMessages("0123abcd", messages), "0123abcde"));
  auto batch = decodeBusMessages(encodeBusMessages("0123abcd", messages));
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->second.size(), messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_TRUE(same(batch->second[i], messages[i])) << "in order: " << i;
  }
}

TEST(MessageBusCodecTest, APayloadOfAnotherVersionOrKindOrCutShortIsIgnored) {
  const std::string good = encodeBusMessages("id", {{Kind::kUserRevoked, "", "alice"}});
  for (const std::string& payload :
       {std::string(), std::string("cc1"), std::string("cc1\n"), std::string("cc1\nid\n"),
        std::string("cc2\nid\nuser\n5\nalice"), std::string("cc1\n\nuser\n5\nalice"),
        std::string("cc1\nid\nsomething\n5\nalice"), std::string("cc1\nid\nuser\n6\nalice"),
        std::string("cc1\nid\nuser\n-1\nalice"), std::string("cc1\nid\nuser\nx\nalice"),
        std::string("cc1\nid\nevent\n\n2\n{}"), good.substr(0, good.size() - 1)}) {
    EXPECT_FALSE(decodeBusMessages(payload)) << payload;
  }
  EXPECT_TRUE(decodeBusMessages(good));
}

}  // namespace
}  // namespace cc::shared_state
