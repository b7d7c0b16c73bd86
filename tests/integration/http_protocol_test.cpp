#include <gtest/gtest.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

class HttpProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.start()) << daemon_.log(); }
  std::string statusLine(const std::string& raw) { return raw.substr(0, raw.find("\r\n")); }
  std::string bodyOf(const std::string& raw) {
    auto pos = raw.find("\r\n\r\n");
    return pos == std::string::npos ? "" : raw.substr(pos + 4);
  }
  DaemonProcess daemon_{{"-D", "http.max_body_bytes=1024", "-D", "http.header_timeout_ms=1500"}};
};

TEST_F(HttpProtocolTest, GarbageGets400Envelope) {
  auto raw = rawExchange(daemon_.httpAddress(), "GET /health HTTX/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(statusLine(raw), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(jsonField(bodyOf(raw), "error.code"), "bad_request");
}

TEST_F(HttpProtocolTest, VeryLongUriGets414) {
  auto raw = rawExchange(daemon_.httpAddress(),
                         "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(statusLine(raw).substr(0, 12), "HTTP/1.1 414");
  EXPECT_EQ(jsonField(bodyOf(raw), "error.code"), "uri_too_long");
}

TEST_F(HttpProtocolTest, TooManyHeadersGet431) {
  std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) req += "X-H" + std::to_string(i) + ": v\r\n";
  auto raw = rawExchange(daemon_.httpAddress(), req + "\r\n");
  EXPECT_EQ(statusLine(raw).substr(0, 12), "HTTP/1.1 431");
  EXPECT_EQ(jsonField(bodyOf(raw), "error.code"), "headers_too_large");
}

TEST_F(HttpProtocolTest, ConflictingContentLengthAndTransferEncodingGet400) {
  auto raw = rawExchange(daemon_.httpAddress(),
                         "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n");
  EXPECT_EQ(statusLine(raw), "HTTP/1.1 400 Bad Request");
  EXPECT_NE(bodyOf(raw).find("Transfer-Encoding"), std::string::npos);
}

TEST_F(HttpProtocolTest, OversizedBodyGets413WithoutBeingRead) {
  auto raw = rawExchange(daemon_.httpAddress(),
                         "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(statusLine(raw), "HTTP/1.1 413 Request Entity Too Large");
  EXPECT_EQ(jsonField(bodyOf(raw), "error.code"), "payload_too_large");
}

// A client that keeps uploading a body past the limit still reads its 413: the server stops
// sending, then reads and discards what is in flight for a moment before it closes, instead of
// closing with unread bytes, which would reset the connection and could destroy the answer.
TEST_F(HttpProtocolTest, ClientStillUploadingReadsIts413) {
  for (int round = 0; round < 5; ++round) {
    Poco::Net::StreamSocket s{Poco::Net::SocketAddress(daemon_.httpAddress())};
    const std::string head = "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 8000000\r\n\r\n";
    s.sendBytes(head.data(), static_cast<int>(head.size()));
    const std::string chunk(64 * 1024, 'x');
    std::string answer;
    s.setReceiveTimeout(Poco::Timespan(0, 20 * 1000));
    s.setSendTimeout(Poco::Timespan(2, 0));
    bool reset = false;
    // Upload 4 MB as a browser would, reading whatever comes back in between.
    for (int i = 0; i < 64 && !reset; ++i) {
      try {
        s.sendBytes(chunk.data(), static_cast<int>(chunk.size()));
      } catch (const Poco::Exception&) {
        break;  // the server stopped reading: time to read the answer
      }
      char buf[4096];
      try {
        int n = s.receiveBytes(buf, sizeof buf);
        if (n > 0) answer.append(buf, static_cast<std::size_t>(n));
      } catch (const Poco::TimeoutException&) {
      } catch (const Poco::Exception&) {
        reset = true;
      }
    }
    s.setReceiveTimeout(Poco::Timespan(3, 0));
    try {
      char buf[4096];
      int n;
      while ((n = s.receiveBytes(buf, sizeof buf)) > 0) answer.append(buf, std::size_t(n));
    } catch (const Poco::Exception&) {
    }
    EXPECT_EQ(statusLine(answer), "HTTP/1.1 413 Request Entity Too Large") << "round " << round;
  }
}

// As Python's http.client and most SDKs do without Expect: 100-continue: write the whole
// request, body and all, and only then read. Closing on the unread body used to reset the
// connection: the client's write failed, or the reset destroyed the 413 before it was read.
TEST_F(HttpProtocolTest, ClientThatSendsTheWholeBodyBeforeReadingGetsIts413) {
  const std::string body(4 * 1024 * 1024, 'x');
  const std::string request =
      "POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(daemon_.httpAddress())};
  s.setSendTimeout(Poco::Timespan(10, 0));
  s.setReceiveTimeout(Poco::Timespan(10, 0));
  std::size_t sent = 0;
  try {
    while (sent < request.size()) {
      int n = s.sendBytes(request.data() + sent,
                          static_cast<int>(std::min<std::size_t>(request.size() - sent, 65536)),
                          MSG_NOSIGNAL);  // a reset must fail the test, not kill it
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "writing the request failed after " << sent << " bytes: " << e.displayText();
  }
  std::string answer;
  try {
    char buf[4096];
    int n;
    while ((n = s.receiveBytes(buf, sizeof buf)) > 0) answer.append(buf, std::size_t(n));
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "reading the answer failed: " << e.displayText();
  }
  EXPECT_EQ(statusLine(answer), "HTTP/1.1 413 Request Entity Too Large");
  EXPECT_EQ(jsonField(bodyOf(answer), "error.code"), "payload_too_large") << answer;
}

TEST_F(HttpProtocolTest, OversizedChunkedBodyGets413) {
  std::string chunk(2000, 'x');
  auto raw = rawExchange(daemon_.httpAddress(),
                         "POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "7d0\r\n" +
                             chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(statusLine(raw), "HTTP/1.1 413 Request Entity Too Large");
}

TEST_F(HttpProtocolTest, SilentConnectionGets408AfterHeaderTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto raw = rawExchange(daemon_.httpAddress(), "GET /health HTTP/1.1\r\n", 8000);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(statusLine(raw).substr(0, 12), "HTTP/1.1 408");
  EXPECT_LT(took, std::chrono::seconds(6));
}

TEST_F(HttpProtocolTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::string one = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  auto raw =
      rawExchange(daemon_.httpAddress(),
                  one + one + "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::size_t count = 0;
  for (std::size_t pos = 0; (pos = raw.find("HTTP/1.1 200 OK", pos)) != std::string::npos; ++pos) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << "pipelined requests on one connection are all answered";
}

}  // namespace
}  // namespace cc::testing
