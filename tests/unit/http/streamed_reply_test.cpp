// Streamed replies through the real connection: chunked framing, a body cut short showing as
// one, a client that leaves stopping the producer, HEAD, server stop, and request metrics that
// wait for the body.

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/http_server.h"
#include "http/pipeline.h"
#include "http/router.h"
#include "metrics/registry.h"
#include "middleware/request_metrics.h"

namespace cc::http {
namespace {

using namespace std::chrono_literals;

// Hands out the given pieces, then ends as told; or, with `endless`, pieces forever.
class ScriptedStream final : public BodyStream {
 public:
  ScriptedStream(std::vector<std::string> pieces, Step last, std::function<void()> on_next = {})
      : pieces_(std::move(pieces)), last_(last), on_next_(std::move(on_next)) {}
  static std::shared_ptr<ScriptedStream> endless(std::atomic<int>& calls) {
    auto s = std::make_shared<ScriptedStream>(std::vector<std::string>{}, Step::kMore);
    s->endless_ = true;
    s->calls_ = &calls;
    return s;
  }

  Step next(std::string& out) override {
    if (on_next_) on_next_();
    if (endless_) {
      ++*calls_;
      out.append(64 * 1024, 'x');
      std::this_thread::sleep_for(1ms);
      return Step::kMore;
    }
    if (at_ < pieces_.size()) {
      out += pieces_[at_++];
      return at_ < pieces_.size() ? Step::kMore : last_;
    }
    return last_;
  }
  std::string failure() const override { return "the store went away"; }

 private:
  std::vector<std::string> pieces_;
  Step last_;
  std::function<void()> on_next_;
  std::size_t at_ = 0;
  bool endless_ = false;
  std::atomic<int>* calls_ = nullptr;
};

class StreamedReplyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop();
  }

  // Serves GET /s with whatever stream make() returns; records how each stream ended.
  void serve(std::function<std::shared_ptr<BodyStream>()> make, bool with_metrics = false) {
    auto router = std::make_shared<Router>();
    RouteOptions bulk;  // streams come from bulk routes, which workers serve
    bulk.bulk = true;
    router->add(
        "GET", "/s",
        [this, make](RequestContext&) {
          Reply reply = Reply::streamed(200, "application/x-ndjson", make());
          reply.on_stream_end.emplace_back([this](const StreamOutcome& outcome) {
            std::lock_guard<std::mutex> lock(mu_);
            outcomes_.push_back(outcome);
            cv_.notify_all();
          });
          return reply;
        },
        bulk);
    router->add("GET", "/plain", [](RequestContext&) { return Reply::json(200, "{}"); });
    auto pipeline = std::make_shared<Pipeline>(router);
    if (with_metrics) pipeline->use(std::make_shared<middleware::RequestMetrics>(registry_));
    auto settings = std::make_shared<ServerSettings>();
    settings->threads = 4;
    settings->access_log = false;
    settings->send_timeout_ms = 2000;  // how long a send may block on a client that stalls
    server_ = std::make_unique<HttpServer>(
        Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)), settings, pipeline);
    server_->start();
  }

  Poco::Net::StreamSocket connect() {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(server_->boundAddress()));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    return socket;
  }

  static void sendText(Poco::Net::StreamSocket& socket, const std::string& text) {
    socket.sendBytes(text.data(), static_cast<int>(text.size()));
  }

  // Reads until `until` has arrived after `from`, or the peer closes; returns all read.
  static std::string readUntil(Poco::Net::StreamSocket& socket, const std::string& until,
                               std::string got = {}) {
    char buf[65536];
    while (got.find(until) == std::string::npos) {
      int n = 0;
      try {
        n = socket.receiveBytes(buf, sizeof buf);
      } catch (const Poco::Exception&) {
        break;
      }
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

  StreamOutcome waitForOutcome() {
    std::unique_lock<std::mutex> lock(mu_);
    EXPECT_TRUE(cv_.wait_for(lock, 10s, [&] { return !outcomes_.empty(); }));
    return outcomes_.empty() ? StreamOutcome{} : outcomes_.front();
  }

  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<StreamOutcome> outcomes_;
};

const char* const kGet = "GET /s HTTP/1.1\r\nHost: t\r\n\r\n";

TEST_F(StreamedReplyTest, EachPieceIsAChunkAndTheLastChunkEndsTheBody) {
  serve([] {
    return std::make_shared<ScriptedStream>(std::vector<std::string>{"a\n", "", "bc\n"},
                                            BodyStream::Step::kDone);
  });
  auto socket = connect();
  sendText(socket, kGet);
  std::string got = readUntil(socket, "0\r\n\r\n");
  auto split = got.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos) << got;
  const std::string head = got.substr(0, split);
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: application/x-ndjson"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(got.substr(split + 4), "2\r\na\n\r\n3\r\nbc\n\r\n0\r\n\r\n");
  auto outcome = waitForOutcome();
  EXPECT_TRUE(outcome.complete);
  EXPECT_EQ(outcome.bytes, 5u);
  EXPECT_EQ(outcome.reason, "");
  // The framing was exact, so the connection serves the next request.
  sendText(socket, "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(readUntil(socket, "{}").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(StreamedReplyTest, AFailedStreamEndsWithoutTheLastChunkAndCloses) {
  serve([] {
    return std::make_shared<ScriptedStream>(std::vector<std::string>{"x\n"},
                                            BodyStream::Step::kFailed);
  });
  auto socket = connect();
  sendText(socket, kGet);
  std::string got = readUntil(socket, "never sent");  // until the daemon closes
  EXPECT_NE(got.find("HTTP/1.1 200"), std::string::npos) << got;
  EXPECT_NE(got.find("2\r\nx\n\r\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("0\r\n\r\n"), std::string::npos) << "a cut body must not look complete";
  auto outcome = waitForOutcome();
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.reason, "stream failed: the store went away");
  EXPECT_EQ(outcome.bytes, 2u);
}

TEST_F(StreamedReplyTest, AClientThatLeavesStopsTheProducer) {
  std::atomic<int> calls{0};
  serve([&] { return ScriptedStream::endless(calls); });
  {
    auto socket = connect();
    sendText(socket, kGet);
    std::string got = readUntil(socket, "\r\n\r\n");
    // Some of the body, then gone (a search of the growing text for a long run of 'x' would
    // take minutes: the body's chunks are 64 KiB apart).
    char buf[65536];
    while (got.size() < 200000) {
      const int n = socket.receiveBytes(buf, sizeof buf);
      ASSERT_GT(n, 0);
      got.append(buf, static_cast<std::size_t>(n));
    }
    ASSERT_NE(got.find("HTTP/1.1 200"), std::string::npos);
    socket.close();
  }
  auto outcome = waitForOutcome();
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.reason.rfind("client gone", 0), 0u) << outcome.reason;
  const int at_end = calls.load();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), at_end) << "nothing more is produced for a client that left";
  // The server goes on serving.
  auto again = connect();
  sendText(again, "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(readUntil(again, "{}").find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(StreamedReplyTest, HeadSendsTheHeadOnly) {
  std::atomic<int> produced{0};
  serve([&] {
    return std::make_shared<ScriptedStream>(std::vector<std::string>{"a\n"},
                                            BodyStream::Step::kDone, [&] { ++produced; });
  });
  auto socket = connect();
  sendText(socket, "HEAD /s HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string head = readUntil(socket, "\r\n\r\n");
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_TRUE(waitForOutcome().complete);
  EXPECT_EQ(produced.load(), 0);
  sendText(socket, "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string next = readUntil(socket, "{}", head.substr(head.find("\r\n\r\n") + 4));
  EXPECT_EQ(next.rfind("HTTP/1.1 200", 0), 0u) << "no body bytes came between: " << next;
}

TEST_F(StreamedReplyTest, StoppingTheServerEndsAStreamInFlight) {
  std::atomic<int> calls{0};
  serve([&] { return ScriptedStream::endless(calls); });
  auto socket = connect();
  sendText(socket, kGet);
  std::atomic<bool> reading{true};
  std::thread reader([&] {
    char buf[65536];
    try {
      while (reading && socket.receiveBytes(buf, sizeof buf) > 0) {
      }
    } catch (const Poco::Exception&) {
      // Closed by the server: done.
    }
  });
  while (calls.load() < 3) std::this_thread::sleep_for(1ms);
  server_->stop();  // returns only once the worker has let go of the stream
  reading = false;
  socket.shutdown();
  reader.join();
  auto outcome = waitForOutcome();
  EXPECT_FALSE(outcome.complete);
  EXPECT_EQ(outcome.reason, "server stopping");
}

TEST_F(StreamedReplyTest, MetricsCountAStreamedRequestWhenItsBodyEnds) {
  std::string during;
  serve(
      [&] {
        return std::make_shared<ScriptedStream>(std::vector<std::string>{"a\n", "b\n"},
                                                BodyStream::Step::kDone,
                                                [&] { during = registry_.render(); });
      },
      true);
  auto socket = connect();
  sendText(socket, kGet);
  readUntil(socket, "0\r\n\r\n");
  // The connection ends a stream's bookkeeping before it reads its next request.
  sendText(socket, "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
  readUntil(socket, "{}");
  const std::string counted =
      "controlcenter_http_requests_total{route=\"/s\",method=\"GET\",code=\"200\"} 1";
  EXPECT_NE(during.find("controlcenter_http_inflight_requests 1"), std::string::npos) << during;
  EXPECT_EQ(during.find(counted), std::string::npos) << "counted before its body was sent";
  const std::string after = registry_.render();
  EXPECT_NE(after.find("controlcenter_http_inflight_requests 0"), std::string::npos) << after;
  EXPECT_NE(after.find(counted), std::string::npos) << after;
}

}  // namespace
}  // namespace cc::http
