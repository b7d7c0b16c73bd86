// The WebSocket routes wired into the real daemon: streams, events, limits and the admin view.

#include <Poco/Buffer.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/WebSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "support/daemon_process.h"
#include "support/ws_client.h"

namespace cc::testing {
namespace {

using Poco::Net::WebSocket;

class WsApiTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"-D", "ratelimit.enabled=false",
                                  "-D", "ws.metrics_interval_ms=200",
                                  "-D", "system.sample_interval_ms=200"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<DaemonProcess>(args);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
  }

  std::string mint(const std::string& role) {
    auto r = daemon_->admin("POST", "/admin/tokens", R"({"role":")" + role + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return jsonField(r.body, "token");
  }

  std::unique_ptr<WebSocket> connect(const std::string& path) {
    return connectWebSocket(daemon_->httpAddress(), path);
  }

  // An upgrade refused before the 101: the status and the body.
  HttpResult upgradeAttempt(const std::string& path) {
    // Raw bytes: Poco's client replaces "Connection: Upgrade" unless it keeps the session alive.
    std::string raw = rawExchange(daemon_->httpAddress(),
                                  "GET " + path +
                                      " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                                  3000);
    HttpResult r;
    if (raw.size() > 12) r.status = std::atoi(raw.substr(9, 3).c_str());
    auto body = raw.find("\r\n\r\n");
    if (body != std::string::npos) r.body = raw.substr(body + 4);
    return r;
  }

  std::string status() { return daemon_->admin("GET", "/admin/status").body; }

  // Polls /admin/status until `path` reads `value` (the hub counts asynchronously).
  bool statusReaches(const std::string& path, const std::string& value) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
      if (jsonField(status(), path) == value) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(WsApiTest, MetricsStreamDeliversAMetricsFrame) {
  start();
  auto ws = connect("/api/system/metrics");
  Frame f = frameOfType(*ws, "metrics");
  ASSERT_EQ(f.opcode, WebSocket::FRAME_OP_TEXT) << f.payload;
  EXPECT_EQ(f.type(), "metrics");
  EXPECT_FALSE(jsonField(f.payload, "sampled_at").empty());
  EXPECT_FALSE(jsonField(f.payload, "memory.total_bytes").empty()) << f.payload;
  EXPECT_FALSE(jsonField(f.payload, "cpu").empty());
  EXPECT_TRUE(statusReaches("websockets.connections.metrics", "1")) << status();
  ws->shutdown();
}

TEST_F(WsApiTest, EventsStreamDeliversAgentCreated) {
  start();
  std::string viewer = mint("viewer");
  std::string admin = mint("admin");
  auto ws = connect("/api/system/ws?token=" + viewer);
  sendText(*ws, R"({"type":"subscribe","topics":["agents"]})");
  Frame ack = frameOfType(*ws, "subscribed");
  ASSERT_EQ(ack.type(), "subscribed") << ack.payload;

  auto created = daemon_->request(
      "POST", "/api/agents", R"({"name":"ws-probe","level":"L1","role":"builder"})",
      {{"Authorization", "Bearer " + admin}, {"Content-Type", "application/json"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = jsonField(created.body, "id");

  Frame event = frameOfType(*ws, "agent.created");
  ASSERT_EQ(event.type(), "agent.created") << event.payload;
  EXPECT_EQ(jsonField(event.payload, "id"), id);
  EXPECT_EQ(jsonField(event.payload, "agent.name"), "ws-probe");
  EXPECT_TRUE(statusReaches("websockets.connections.ws", "1")) << status();
  ws->shutdown();
}

TEST_F(WsApiTest, EventsStreamWithoutTokenOrWithBadTokenIsRefusedBeforeUpgrade) {
  start();
  auto bad = upgradeAttempt("/api/system/ws?token=" + std::string(64, '0'));
  EXPECT_EQ(bad.status, 401) << bad.body;
  EXPECT_EQ(jsonField(bad.body, "error.code"), "unauthorized");
  // Without any token the upgrade is only allowed when the first message authenticates; a
  // client that never sends it is closed with 1008 (policy) after ws.auth_timeout_ms.
  daemon_.reset();
  start({"-D", "ws.auth_timeout_ms=300"});
  auto ws = connect("/api/system/ws");
  Frame f = frameOfType(*ws, "never");
  EXPECT_EQ(f.opcode, WebSocket::FRAME_OP_CLOSE);
  EXPECT_EQ(f.closeCode(), 1008);
}

TEST_F(WsApiTest, ThirdConnectionFromOneClientGets429WithTheEnvelope) {
  start({"-D", "ws.max_connections_per_client=2"});
  auto one = connect("/api/system/metrics");
  auto two = connect("/api/system/metrics");
  auto third = upgradeAttempt("/api/system/metrics");
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_EQ(jsonField(third.body, "error.status"), "429");
  EXPECT_EQ(jsonField(third.body, "error.code"), "rate_limited") << third.body;
  EXPECT_FALSE(jsonField(third.body, "error.request_id").empty());
  EXPECT_TRUE(statusReaches("websockets.connections.metrics", "2")) << status();
  EXPECT_EQ(jsonField(status(), "websockets.limits.max_connections_per_client"), "2");
  EXPECT_EQ(jsonField(status(), "websockets.refused.per_client"), "1");
  // A slot freed is a slot available again.
  one->shutdown();
  EXPECT_EQ(frameOfType(*one, "never").opcode, WebSocket::FRAME_OP_CLOSE);
  ASSERT_TRUE(statusReaches("websockets.connections.metrics", "1")) << status();
  auto again = connect("/api/system/metrics");
  EXPECT_EQ(frameOfType(*again, "metrics").type(), "metrics");
}

TEST_F(WsApiTest, OversizedMessageIsClosedWith1009) {
  start({"-D", "ws.max_message_bytes=1024"});
  auto ws = connect("/api/system/ws?token=" + mint("viewer"));
  std::string big(4096, 'x');
  ws->sendFrame(big.data(), static_cast<int>(big.size()), WebSocket::FRAME_TEXT);
  Frame f = frameOfType(*ws, "never");
  EXPECT_EQ(f.opcode, WebSocket::FRAME_OP_CLOSE);
  EXPECT_EQ(f.closeCode(), 1009);
  EXPECT_TRUE(statusReaches("websockets.connections.ws", "0")) << status();
  std::string s = status();
  EXPECT_EQ(jsonField(s, "websockets.limits.max_message_bytes"), "1024");
  EXPECT_GE(std::stoi(jsonField(s, "websockets.accepted_total")), 1);
}

TEST_F(WsApiTest, AdminStatusCountsTheConnections) {
  start();
  auto before = status();
  ASSERT_FALSE(jsonField(before, "websockets").empty()) << before;
  EXPECT_EQ(jsonField(before, "websockets.connections.metrics"), "0");
  EXPECT_EQ(jsonField(before, "websockets.connections.ws"), "0");
  EXPECT_EQ(jsonField(before, "websockets.accepted_total"), "0");
  auto metrics = connect("/api/system/metrics");
  auto events = connect("/api/system/ws?token=" + mint("viewer"));
  EXPECT_TRUE(statusReaches("websockets.connections.metrics", "1")) << status();
  EXPECT_TRUE(statusReaches("websockets.connections.ws", "1")) << status();
  EXPECT_EQ(jsonField(status(), "websockets.accepted_total"), "2");
  EXPECT_EQ(upgradeAttempt("/api/system/ws?token=bad").status, 401);
  EXPECT_TRUE(statusReaches("websockets.refused.unauthorized", "1")) << status();
}

}  // namespace
}  // namespace cc::testing
