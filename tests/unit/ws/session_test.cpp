#include "ws/session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cc::ws {
namespace {

using std::chrono::milliseconds;

struct Sent {
  Opcode opcode;
  std::string payload;
  uint16_t closeCode() const {
    return static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                 static_cast<uint8_t>(payload[1]));
  }
};

// Takes every queued server frame out of the outbox and decodes it (server frames are unmasked).
std::vector<Sent> drain(Outbox& out) {
  std::vector<Sent> sent;
  while (!out.empty()) {
    std::string bytes(out.data(), out.remaining());
    out.advance(out.remaining());
    auto b = reinterpret_cast<const uint8_t*>(bytes.data());
    std::size_t len = b[1] & 0x7F, header = 2;
    if (len == 126) {
      len = (std::size_t{b[2]} << 8) | b[3];
      header = 4;
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
      header = 10;
    }
    sent.push_back({static_cast<Opcode>(b[0] & 0x0F), bytes.substr(header, len)});
  }
  return sent;
}

class WsSessionTest : public ::testing::Test {
 protected:
  WsSessionTest() {
    settings_.max_messages_per_s = 5;
    settings_.max_send_queue = 4;
    settings_.ping_interval = milliseconds(1000);
    settings_.idle_timeout = milliseconds(2500);
    settings_.auth_timeout = milliseconds(500);
    validator_ = [this](const std::string& token) -> std::optional<http::Identity> {
      ++validations_;
      if (token == "good") return http::Identity{"alice", "viewer"};
      return std::nullopt;
    };
  }

  Session make(Endpoint endpoint, bool needs_auth, std::optional<http::Identity> who = {}) {
    return Session(settings_, endpoint, needs_auth, std::move(who), &validator_, clock_.now());
  }
  void text(Session& s, const std::string& json) { s.onFrame(Opcode::kText, json, clock_.now()); }

  HubSettings settings_;
  TokenValidator validator_;
  int validations_ = 0;
  common::FakeClock clock_;
  const http::Identity alice_{"alice", "viewer"};
};

TEST_F(WsSessionTest, FirstMessageAuthenticates) {
  Session s = make(Endpoint::kEvents, true);
  EXPECT_FALSE(s.authenticated());
  text(s, R"({"type":"auth","token":"good"})");
  EXPECT_TRUE(s.authenticated());
  EXPECT_EQ(s.identity()->username, "alice");
  EXPECT_EQ(validations_, 1);
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload, R"({"type":"authenticated","username":"alice","role":"viewer"})");
}

TEST_F(WsSessionTest, BadTokenInFirstMessageCloses1008) {
  Session s = make(Endpoint::kEvents, true);
  text(s, R"({"type":"auth","token":"bad"})");
  ASSERT_TRUE(s.closing());
  EXPECT_EQ(*s.closeReason(), CloseReason::kAuthFailed);
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].opcode, Opcode::kClose);
  EXPECT_EQ(sent[0].closeCode(), 1008);
}

TEST_F(WsSessionTest, AnyOtherFirstMessageCloses1008) {
  Session s = make(Endpoint::kEvents, true);
  text(s, R"({"type":"subscribe","topics":["agents"]})");
  EXPECT_EQ(s.closeReason(), CloseReason::kAuthFailed);
  EXPECT_EQ(validations_, 0);
  EXPECT_FALSE(s.wants(kTopicAgents));
}

TEST_F(WsSessionTest, NoAuthWithinTheTimeoutCloses1008) {
  Session s = make(Endpoint::kEvents, true);
  clock_.advance(milliseconds(499));
  s.onTick(clock_.now());
  EXPECT_FALSE(s.closing());
  clock_.advance(milliseconds(1));
  s.onTick(clock_.now());
  EXPECT_EQ(s.closeReason(), CloseReason::kAuthTimeout);
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].closeCode(), 1008);
}

TEST_F(WsSessionTest, SubscribeAndUnsubscribeChangeWhatIsDelivered) {
  Session s = make(Endpoint::kEvents, true, alice_);
  text(s, R"({"type":"subscribe","topics":["agents","metrics"]})");
  EXPECT_EQ(s.takeNewTopics(), unsigned{kTopicAgents | kTopicMetrics});
  EXPECT_EQ(s.takeNewTopics(), 0u);
  FramePtr event = textFrame(R"({"type":"agent.created"})");
  s.deliver(kTopicAgents, event);
  s.deliver(kTopicProjects, textFrame("{}"));
  text(s, R"({"type":"unsubscribe","topics":["agents"]})");
  s.deliver(kTopicAgents, event);
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].payload, R"({"type":"subscribed","topics":["metrics","agents"]})");
  EXPECT_EQ(sent[1].payload, R"({"type":"agent.created"})");
  EXPECT_EQ(sent[2].payload, R"({"type":"unsubscribed","topics":["metrics"]})");
}

TEST_F(WsSessionTest, BadMessagesGetAnErrorAndKeepTheConnection) {
  Session s = make(Endpoint::kEvents, true, alice_);
  std::vector<std::string> answers;
  auto send = [&](Opcode opcode, const std::string& payload) {
    s.onFrame(opcode, payload, clock_.now());
    for (auto& m : drain(s.outbox())) answers.push_back(m.payload);
    clock_.advance(milliseconds(200));  // stay within the message rate
  };
  send(Opcode::kText, "{not json");
  send(Opcode::kText, R"({"type":"dance"})");
  send(Opcode::kText, R"({"type":"subscribe","topics":["agents","weather"]})");
  send(Opcode::kText, R"({"type":"subscribe","topics":"agents"})");
  send(Opcode::kText, "[1,2]");
  send(Opcode::kBinary, "\x01");
  EXPECT_FALSE(s.closing());
  EXPECT_EQ(s.topics(), 0u);  // the list with an unknown topic changed nothing
  ASSERT_EQ(answers.size(), 6u);
  for (const auto& a : answers) EXPECT_NE(a.find(R"("type":"error")"), std::string::npos) << a;
  EXPECT_NE(answers[0].find("malformed JSON"), std::string::npos);
  EXPECT_NE(answers[1].find("unknown message type 'dance'"), std::string::npos);
  EXPECT_NE(answers[2].find("unknown topic 'weather'"), std::string::npos);
  EXPECT_NE(answers[3].find("\\\"topics\\\" must be an array"), std::string::npos);
  EXPECT_NE(answers[5].find("binary messages are not supported"), std::string::npos);
}

TEST_F(WsSessionTest, MessagesPastTheRateClose1008) {
  Session s = make(Endpoint::kEvents, true, alice_);
  for (int i = 0; i < 5; ++i) {
    text(s, R"({"type":"subscribe","topics":[]})");
    drain(s.outbox());
  }
  EXPECT_FALSE(s.closing());
  clock_.advance(milliseconds(100));  // half a token: still empty
  text(s, R"({"type":"subscribe","topics":[]})");
  EXPECT_EQ(s.closeReason(), CloseReason::kRateLimited);
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].closeCode(), 1008);
}

TEST_F(WsSessionTest, TheBucketRefillsOverTime) {
  Session s = make(Endpoint::kEvents, true, alice_);
  for (int i = 0; i < 20; ++i) {
    text(s, R"({"type":"subscribe","topics":[]})");
    drain(s.outbox());
    clock_.advance(milliseconds(200));  // 5 per second: one token each time
  }
  EXPECT_FALSE(s.closing());
}

TEST_F(WsSessionTest, PingsAtTheIntervalAndClosesIdleClients1001) {
  Session s = make(Endpoint::kMetrics, false);
  clock_.advance(milliseconds(1000));
  s.onTick(clock_.now());
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].opcode, Opcode::kPing);
  clock_.advance(milliseconds(1000));
  s.onFrame(Opcode::kPong, "", clock_.now());  // traffic resets the idle clock
  clock_.advance(milliseconds(2499));
  s.onTick(clock_.now());
  EXPECT_FALSE(s.closing());
  clock_.advance(milliseconds(1));
  s.onTick(clock_.now());
  EXPECT_EQ(s.closeReason(), CloseReason::kIdle);
  sent = drain(s.outbox());
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().opcode, Opcode::kClose);
  EXPECT_EQ(sent.back().closeCode(), 1001);
}

TEST_F(WsSessionTest, ASlowConsumerIsClosedAndItsQueueDropped) {
  Session s = make(Endpoint::kMetrics, false);
  FramePtr frame = textFrame(std::string(1000, 'm'));
  for (int i = 0; i < 4; ++i) s.deliver(kTopicMetrics, frame);
  EXPECT_FALSE(s.closing());
  EXPECT_EQ(s.outbox().size(), 4u);
  s.outbox().advance(10);  // the first frame is half written: it must be finished
  s.deliver(kTopicMetrics, frame);
  EXPECT_EQ(s.closeReason(), CloseReason::kSlowConsumer);
  ASSERT_EQ(s.outbox().size(), 2u);
  EXPECT_EQ(s.outbox().remaining(), frame->size() - 10);
  s.outbox().advance(s.outbox().remaining());
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].closeCode(), 1008);
  // Nothing more is queued once closing.
  s.deliver(kTopicMetrics, frame);
  EXPECT_TRUE(s.outbox().empty());
}

TEST_F(WsSessionTest, MetricsEndpointIsSubscribedOnceAuthenticated) {
  Session open = make(Endpoint::kMetrics, false);
  EXPECT_TRUE(open.wants(kTopicMetrics));
  EXPECT_EQ(open.takeNewTopics(), unsigned{kTopicMetrics});

  Session guarded = make(Endpoint::kMetrics, true);
  EXPECT_FALSE(guarded.wants(kTopicMetrics));
  text(guarded, R"({"type":"auth","token":"good"})");
  EXPECT_TRUE(guarded.wants(kTopicMetrics));
  drain(guarded.outbox());
  text(guarded, R"({"type":"subscribe","topics":["agents"]})");
  auto sent = drain(guarded.outbox());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].payload.find("unknown message type 'subscribe'"), std::string::npos);
}

TEST_F(WsSessionTest, ClientCloseIsAnsweredAndPingsArePonged) {
  Session s = make(Endpoint::kEvents, true, alice_);
  s.onFrame(Opcode::kPing, "hb", clock_.now());
  s.onFrame(Opcode::kClose, std::string("\x03\xe8", 2), clock_.now());
  EXPECT_TRUE(s.peerClosed());
  EXPECT_EQ(s.closeReason(), CloseReason::kClient);
  auto sent = drain(s.outbox());
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].opcode, Opcode::kPong);
  EXPECT_EQ(sent[0].payload, "hb");
  EXPECT_EQ(sent[1].closeCode(), 1000);
}

TEST_F(WsSessionTest, ParseErrorsMapToTheirCloseReasons) {
  Session big = make(Endpoint::kEvents, true, alice_);
  big.onParseError(close_code::kMessageTooBig, "too big");
  EXPECT_EQ(big.closeReason(), CloseReason::kTooBig);
  EXPECT_EQ(drain(big.outbox()).back().closeCode(), 1009);
  Session bad = make(Endpoint::kEvents, true, alice_);
  bad.onParseError(close_code::kProtocolError, "unmasked");
  EXPECT_EQ(bad.closeReason(), CloseReason::kProtocolError);
  EXPECT_EQ(drain(bad.outbox()).back().closeCode(), 1002);
}

}  // namespace
}  // namespace cc::ws
