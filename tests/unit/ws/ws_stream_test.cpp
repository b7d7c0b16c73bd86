// In-process: an http::HttpServer on 127.0.0.1:0 with the WebSocket routes and real clients.

#include <Poco/Buffer.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "http/http_server.h"
#include "http/reactor.h"
#include "metrics/registry.h"
#include "system/host_probe.h"
#include "system/system_sampler.h"
#include "unit/eventually.h"
#include "ws/hub.h"
#include "ws/ws_routes.h"

namespace cc::ws {
namespace {

using Poco::Net::WebSocket;
using std::chrono::milliseconds;

struct Received {
  int opcode = 0;
  std::string payload;
  int closeCode() const {
    return payload.size() < 2
               ? 0
               : (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]);
  }
  Poco::JSON::Object::Ptr json() const {
    return Poco::JSON::Parser().parse(payload).extract<Poco::JSON::Object::Ptr>();
  }
};

// The next frame other than a ping; throws Poco::TimeoutException after the receive timeout.
Received nextFrame(WebSocket& ws) {
  while (true) {
    Poco::Buffer<char> buffer(0);
    int flags = 0;
    int n = ws.receiveFrame(buffer, flags);
    Received r;
    r.opcode = flags & WebSocket::FRAME_OP_BITMASK;
    r.payload.assign(buffer.begin(), static_cast<std::size_t>(std::max(n, 0)));
    if (n == 0 && flags == 0) r.opcode = WebSocket::FRAME_OP_CLOSE;  // the peer hung up
    if (r.opcode != WebSocket::FRAME_OP_PING) return r;
  }
}

// Reads until the close frame (or hang-up) and returns its code; 0 for a hang-up.
int closeCodeOf(WebSocket& ws) {
  for (int i = 0; i < 10000; ++i) {
    Received r = nextFrame(ws);
    if (r.opcode == WebSocket::FRAME_OP_CLOSE) return r.closeCode();
  }
  return -1;
}

void sendText(WebSocket& ws, const std::string& text) {
  ws.sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
}

using cc::testing::eventually;

class WsStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.metrics_interval = milliseconds(50);
    settings_.auth_timeout = milliseconds(2000);
    settings_.close_grace = milliseconds(1000);
  }

  void TearDown() override {
    if (hub_) hub_->shutdown();
    if (server_) server_->stop();
    reactor_.stop();
  }

  void start(int http_threads = 4, Hub::SnapshotSource source = {}) {
    if (!source) {
      source = [this] {
        std::lock_guard<std::mutex> lock(snapshot_mutex_);
        return snapshot_;
      };
    }
    hub_ = std::make_unique<Hub>(
        settings_, std::move(source),
        [](const std::string& token) -> std::optional<http::Identity> {
          if (token == "secret") return http::Identity{"ops", "admin"};
          return std::nullopt;
        },
        reactor_);
    ASSERT_TRUE(reactor_.start());
    hub_->start();
    auto router = std::make_shared<http::Router>();
    addWebSocketRoutes(*router, *hub_);
    router->add("GET", "/plain",
                [](http::RequestContext&) { return http::Reply::json(200, R"({"ok":true})"); });
    auto server_settings = std::make_shared<http::ServerSettings>();
    server_settings->threads = http_threads;
    server_settings->access_log = false;
    server_ = std::make_unique<http::HttpServer>(
        Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)), server_settings,
        std::make_shared<http::Pipeline>(router), &reactor_);
    server_->start();
    port_ = server_->socket().address().port();
  }

  void setMetrics(int64_t sampled_at, const std::string& json) {
    auto snap = std::make_shared<system::SystemSnapshot>();
    snap->sampled_at_ms = sampled_at;
    snap->metrics_frame_json = json;
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_ = snap;
  }

  std::unique_ptr<WebSocket> connect(const std::string& path, const std::string& bearer = "",
                                     int receive_buffer = 0) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    if (receive_buffer > 0) socket.setReceiveBufferSize(receive_buffer);
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", port_));
    Poco::Net::HTTPClientSession session(socket);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
    Poco::Net::HTTPResponse response;
    auto ws = std::make_unique<WebSocket>(session, request, response);
    ws->setReceiveTimeout(Poco::Timespan(5, 0));
    return ws;
  }

  // An upgrade request over plain HTTP, for the answers refused before the 101.
  std::pair<int, Poco::JSON::Object::Ptr> refusedUpgrade(const std::string& path,
                                                         const std::string& bearer = "",
                                                         bool upgrade_headers = true) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(5, 0));
    session.setKeepAlive(true);  // otherwise Poco replaces Connection: Upgrade with close
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    if (upgrade_headers) {
      request.set("Upgrade", "websocket");
      request.set("Connection", "Upgrade");
      request.set("Sec-WebSocket-Version", "13");
      request.set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    }
    if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string body;
    Poco::StreamCopier::copyToString(in, body);
    Poco::JSON::Object::Ptr json;
    if (!body.empty()) json = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    return {static_cast<int>(response.getStatus()), json};
  }

  static std::string errorCode(const Poco::JSON::Object::Ptr& envelope) {
    return envelope->getObject("error")->getValue<std::string>("code");
  }

  int64_t closed(CloseReason reason) const {
    return hub_->stats().closed[static_cast<int>(reason)];
  }
  int64_t refused(RefuseReason reason) const {
    return hub_->stats().refused[static_cast<int>(reason)];
  }

  // Subscribes and waits for the acknowledgement, so later publishes are certain to be seen.
  void subscribe(WebSocket& ws, const std::string& topics) {
    sendText(ws, R"({"type":"subscribe","topics":)" + topics + "}");
    Received ack = nextFrame(ws);
    ASSERT_EQ(ack.json()->getValue<std::string>("type"), "subscribed") << ack.payload;
  }

  HubSettings settings_;
  http::Reactor reactor_{http::Reactor::Options{2, 0, "test"}};  // outlives the hub and server
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
  std::mutex snapshot_mutex_;
  std::shared_ptr<const system::SystemSnapshot> snapshot_;
};

TEST_F(WsStreamTest, MetricsStreamPushesEachNewSampleWithTheFrameShape) {
  common::Millis interval(100);
  system::SystemSampler sampler(system::makeHostProbe("/"), common::Clock::system(), interval);
  sampler.start();
  ASSERT_TRUE(sampler.waitForRounds(1, common::Millis(5000)));
  settings_.metrics_interval = milliseconds(100);
  start(4, snapshotsOf(sampler));

  auto ws = connect("/api/system/metrics");
  std::string previous;
  for (int i = 0; i < 3; ++i) {
    Received r = nextFrame(*ws);
    ASSERT_EQ(r.opcode, WebSocket::FRAME_OP_TEXT);
    auto frame = r.json();
    EXPECT_EQ(frame->getValue<std::string>("type"), "metrics");
    for (const char* field : {"sampled_at", "cpu", "memory", "load", "network"}) {
      EXPECT_TRUE(frame->has(field)) << field << " missing in " << r.payload;
    }
    // Only a new sample is pushed: each frame comes from a later round than the one before.
    std::string sampled_at = frame->get("sampled_at").toString();
    EXPECT_NE(sampled_at, previous);
    previous = sampled_at;
  }
  EXPECT_EQ(hub_->stats().connections_metrics, 1);
  EXPECT_EQ(hub_->stats().accepted_total, 1);
  ws.reset();
  hub_->shutdown();
  sampler.stop();
}

TEST_F(WsStreamTest, MetricsFramesGoOutOncePerSampleAndAtOnceOnConnect) {
  setMetrics(1, R"({"type":"metrics","n":1})");
  start();
  auto ws = connect("/api/system/metrics");
  EXPECT_EQ(nextFrame(*ws).payload, R"({"type":"metrics","n":1})");  // the latest, at once
  setMetrics(2, R"({"type":"metrics","n":2})");
  EXPECT_EQ(nextFrame(*ws).payload, R"({"type":"metrics","n":2})");
  // The same sample is not sent again: the next frame is the next sample.
  std::this_thread::sleep_for(milliseconds(150));
  setMetrics(3, R"({"type":"metrics","n":3})");
  EXPECT_EQ(nextFrame(*ws).payload, R"({"type":"metrics","n":3})");
}

TEST_F(WsStreamTest, EventsStreamAuthenticatesByHeaderQueryOrFirstMessage) {
  start();
  auto by_header = connect("/api/system/ws", "secret");
  auto by_query = connect("/api/system/ws?token=secret");
  auto by_message = connect("/api/system/ws");
  sendText(*by_message, R"({"type":"auth","token":"secret"})");
  auto hello = nextFrame(*by_message).json();
  EXPECT_EQ(hello->getValue<std::string>("type"), "authenticated");
  EXPECT_EQ(hello->getValue<std::string>("username"), "ops");

  for (auto* ws : {by_header.get(), by_query.get(), by_message.get()})
    subscribe(*ws, R"(["agents"])");
  hub_->publish(kTopicAgents, R"({"type":"agent.created","id":7})");
  for (auto* ws : {by_header.get(), by_query.get(), by_message.get()}) {
    EXPECT_EQ(nextFrame(*ws).payload, R"({"type":"agent.created","id":7})");
  }
  EXPECT_EQ(hub_->stats().connections_ws, 3);
}

TEST_F(WsStreamTest, BadTokenInHeaderOrQueryIs401BeforeTheUpgrade) {
  start();
  auto [status, body] = refusedUpgrade("/api/system/ws", "wrong");
  EXPECT_EQ(status, 401);
  EXPECT_EQ(errorCode(body), "unauthorized");
  auto [qstatus, qbody] = refusedUpgrade("/api/system/ws?token=wrong");
  EXPECT_EQ(qstatus, 401);
  EXPECT_EQ(errorCode(qbody), "unauthorized");
  EXPECT_EQ(refused(RefuseReason::kUnauthorized), 2);
  EXPECT_EQ(hub_->stats().accepted_total, 0);
}

TEST_F(WsStreamTest, NoAuthMessageInTimeCloses1008) {
  settings_.auth_timeout = milliseconds(200);
  start();
  auto ws = connect("/api/system/ws");
  EXPECT_EQ(closeCodeOf(*ws), 1008);
  EXPECT_TRUE(eventually([&] { return closed(CloseReason::kAuthTimeout) == 1; }));
}

TEST_F(WsStreamTest, PlainRequestToAStreamIs400) {
  start();
  auto [status, body] = refusedUpgrade("/api/system/metrics", "", false);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(errorCode(body), "bad_request");
  EXPECT_EQ(refused(RefuseReason::kBadRequest), 1);
}

TEST_F(WsStreamTest, UnsubscribedTopicsAreNotDeliveredAndBadMessagesKeepTheConnection) {
  start();
  auto ws = connect("/api/system/ws", "secret");
  sendText(*ws, "not json");
  EXPECT_EQ(nextFrame(*ws).json()->getValue<std::string>("type"), "error");
  sendText(*ws, R"({"type":"subscribe","topics":["weather"]})");
  auto err = nextFrame(*ws).json();
  EXPECT_EQ(err->getValue<std::string>("type"), "error");
  EXPECT_NE(err->getValue<std::string>("message").find("weather"), std::string::npos);

  subscribe(*ws, R"(["agents","projects"])");
  sendText(*ws, R"({"type":"unsubscribe","topics":["agents"]})");
  EXPECT_EQ(nextFrame(*ws).json()->getValue<std::string>("type"), "unsubscribed");
  hub_->publish(kTopicAgents, R"({"type":"agent.deleted"})");
  hub_->publish(kTopicProjects, R"({"type":"project.updated"})");
  EXPECT_EQ(nextFrame(*ws).payload, R"({"type":"project.updated"})");
}

TEST_F(WsStreamTest, PerClientCapIs429BeforeTheUpgradeAndTheSlotReturnsOnClose) {
  settings_.max_connections_per_client = 2;
  settings_.max_connections = 3;
  start();
  auto a = connect("/api/system/metrics");
  auto b = connect("/api/system/ws", "secret");
  auto [status, body] = refusedUpgrade("/api/system/metrics");
  EXPECT_EQ(status, 429);
  EXPECT_EQ(errorCode(body), "rate_limited");
  EXPECT_EQ(refused(RefuseReason::kPerClient), 1);
  a.reset();  // its slot comes back once the hub has seen the close
  EXPECT_TRUE(eventually([&] { return hub_->stats().connections_metrics == 0; }));
  auto c = connect("/api/system/metrics");
  // Counted when the hub adopts the socket, just after the 101 the client has seen.
  EXPECT_TRUE(eventually([&] { return hub_->stats().accepted_total == 3; }));
}

TEST_F(WsStreamTest, TotalCapIs503) {
  settings_.max_connections = 1;
  start();
  auto a = connect("/api/system/metrics");
  auto [status, body] = refusedUpgrade("/api/system/metrics");
  EXPECT_EQ(status, 503);
  EXPECT_EQ(errorCode(body), "unavailable");
  EXPECT_EQ(refused(RefuseReason::kCapacity), 1);
}

TEST_F(WsStreamTest, OversizedMessageCloses1009) {
  settings_.max_message_bytes = 1024;
  start();
  auto ws = connect("/api/system/ws", "secret");
  sendText(*ws, std::string(2000, 'x'));
  EXPECT_EQ(closeCodeOf(*ws), 1009);
  EXPECT_TRUE(eventually([&] { return closed(CloseReason::kTooBig) == 1; }));
}

TEST_F(WsStreamTest, MessageFloodCloses1008) {
  settings_.max_messages_per_s = 5;
  start();
  auto ws = connect("/api/system/ws", "secret");
  for (int i = 0; i < 30; ++i) sendText(*ws, R"({"type":"subscribe","topics":[]})");
  EXPECT_EQ(closeCodeOf(*ws), 1008);
  EXPECT_TRUE(eventually([&] { return closed(CloseReason::kRateLimited) == 1; }));
}

TEST_F(WsStreamTest, SilentClientIsPingedThenClosed1001) {
  settings_.ping_interval = milliseconds(50);
  settings_.idle_timeout = milliseconds(250);
  start();
  auto ws = connect("/api/system/ws", "secret");
  int pings = 0;
  while (true) {
    Poco::Buffer<char> buffer(0);
    int flags = 0;
    int n = ws->receiveFrame(buffer, flags);
    int op = flags & WebSocket::FRAME_OP_BITMASK;
    if (op == WebSocket::FRAME_OP_PING) {
      ++pings;
      continue;
    }
    ASSERT_EQ(op, WebSocket::FRAME_OP_CLOSE);
    ASSERT_GE(n, 2);
    EXPECT_EQ((static_cast<uint8_t>(buffer[0]) << 8) | static_cast<uint8_t>(buffer[1]), 1001);
    break;
  }
  EXPECT_GE(pings, 1);
  EXPECT_TRUE(eventually([&] { return closed(CloseReason::kIdle) == 1; }));
}

TEST_F(WsStreamTest, SlowConsumerIsClosedWhileOthersKeepReceiving) {
  settings_.max_send_queue = 4;
  start();
  auto slow = connect("/api/system/ws", "secret", 4096);
  auto fast = connect("/api/system/ws", "secret");
  subscribe(*slow, R"(["projects"])");
  subscribe(*fast, R"(["projects"])");
  const std::string big = R"({"type":"project.updated","blob":")" + std::string(60000, 'b') + "\"}";
  int published = 0;
  // The slow client never reads: its kernel buffers fill, then its queue, then it is closed.
  while (closed(CloseReason::kSlowConsumer) == 0 && published < 2000) {
    hub_->publish(kTopicProjects, big);
    ++published;
    Received r = nextFrame(*fast);  // the fast one keeps up, one frame at a time
    ASSERT_EQ(r.payload.size(), big.size());
  }
  EXPECT_EQ(closed(CloseReason::kSlowConsumer), 1);
  hub_->publish(kTopicProjects, R"({"type":"project.deleted"})");
  EXPECT_EQ(nextFrame(*fast).payload, R"({"type":"project.deleted"})");
  // The slow client finds, after what reached it, the 1008 close.
  EXPECT_EQ(closeCodeOf(*slow), 1008);
  slow.reset();
  EXPECT_TRUE(eventually([&] { return hub_->stats().connections_ws == 1; }));
  EXPECT_LT(published, 2000);
}

TEST_F(WsStreamTest, FiftyOpenStreamsLeaveTheTwoHttpWorkersFree) {
  settings_.max_connections_per_client = 100;
  setMetrics(1, R"({"type":"metrics"})");
  start(2);
  std::vector<std::unique_ptr<WebSocket>> streams;
  for (int i = 0; i < 50; ++i) streams.push_back(connect("/api/system/metrics"));
  EXPECT_EQ(hub_->stats().connections_metrics, 50);
  for (int i = 0; i < 5; ++i) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(3, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/plain",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_EQ(response.getStatus(), 200);
    EXPECT_EQ(body, R"({"ok":true})");
  }
  // Every stream is still served.
  setMetrics(2, R"({"type":"metrics","n":2})");
  for (auto& ws : streams) {
    Received r = nextFrame(*ws);
    if (r.payload == R"({"type":"metrics"})") r = nextFrame(*ws);
    EXPECT_EQ(r.payload, R"({"type":"metrics","n":2})");
  }
}

TEST_F(WsStreamTest, ShutdownSendsGoingAwayAndRefusesNewUpgrades) {
  start();
  auto a = connect("/api/system/metrics");
  auto b = connect("/api/system/ws", "secret");
  // Both handed to their loops (one adopted after its set left its loop gets 1001 too:
  // ConnectionSetTest).
  ASSERT_TRUE(eventually([&] { return hub_->stats().accepted_total == 2; }));
  hub_->shutdown();
  EXPECT_EQ(closeCodeOf(*a), 1001);
  EXPECT_EQ(closeCodeOf(*b), 1001);
  EXPECT_EQ(closed(CloseReason::kShutdown), 2);
  auto [status, body] = refusedUpgrade("/api/system/metrics");
  EXPECT_EQ(status, 503);
  EXPECT_EQ(refused(RefuseReason::kShuttingDown), 1);
}

TEST_F(WsStreamTest, CountsAppearInStatusAndPrometheus) {
  start();
  auto ws = connect("/api/system/metrics");
  refusedUpgrade("/api/system/ws", "wrong");
  metrics::Registry registry;
  hub_->registerMetrics(registry);
  std::string text = registry.render();
  EXPECT_NE(text.find("controlcenter_ws_connections{endpoint=\"metrics\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("controlcenter_ws_connections{endpoint=\"ws\"} 0"), std::string::npos);
  EXPECT_NE(text.find("controlcenter_ws_refused_total{reason=\"unauthorized\"} 1"),
            std::string::npos);
  ASSERT_TRUE(eventually([&] { return hub_->stats().accepted_total == 1; }));
  auto status = hub_->statusJson();
  EXPECT_EQ(status->getObject("connections")->getValue<int>("metrics"), 1);
  EXPECT_EQ(status->getValue<int64_t>("accepted_total"), 1);
  EXPECT_EQ(status->getObject("refused")->getValue<int64_t>("unauthorized"), 1);
  EXPECT_EQ(status->getObject("limits")->getValue<int>("io_threads"), 2);
}

}  // namespace
}  // namespace cc::ws
