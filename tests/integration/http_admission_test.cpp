#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

// With more busy keep-alive clients than worker threads, a newcomer must still be served
// promptly (Poco's own server lets the busy clients keep their threads forever).
TEST(HttpAdmissionTest, NewClientIsServedWhileBusyKeepAliveClientsOutnumberThreads) {
  DaemonProcess d({"-D", "http.threads=4", "-D", "log.access=off"});
  ASSERT_TRUE(d.start()) << d.log();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> served{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 24; ++i) {
    clients.emplace_back([&] {
      while (!stop) {
        try {
          Poco::Net::HTTPClientSession s{Poco::Net::SocketAddress(d.httpAddress())};
          s.setKeepAlive(true);
          s.setTimeout(Poco::Timespan(10, 0));
          while (!stop) {
            Poco::Net::HTTPRequest req("GET", "/health/live", "HTTP/1.1");
            req.setKeepAlive(true);
            s.sendRequest(req);
            Poco::Net::HTTPResponse resp;
            std::string body;
            Poco::StreamCopier::copyToString(s.receiveResponse(resp), body);
            ++served;
          }
        } catch (const Poco::Exception&) {
          // The server closed this connection to let others in; reconnect.
        }
      }
    });
  }
  while (served < 500) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = httpRequest(d.httpAddress(), "GET", "/health", {}, {}, 5000);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(took, std::chrono::seconds(1))
        << "newcomer waited " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
        << " ms";
  }
  stop = true;
  for (auto& t : clients) t.join();
}

// Past http.queue waiting connections, a new one is answered at once with a 503 envelope and
// counted, instead of being dropped silently.
TEST(HttpAdmissionTest, ConnectionsPastTheQueueGet503AndAreCounted) {
  DaemonProcess d(
      {"-D", "http.threads=1", "-D", "http.queue=1", "-D", "http.header_timeout_ms=5000"});
  ASSERT_TRUE(d.start()) << d.log();
  // The only worker waits for this connection's headers; the next connection fills the queue.
  Poco::Net::StreamSocket busy{Poco::Net::SocketAddress(d.httpAddress())};
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Poco::Net::StreamSocket queued{Poco::Net::SocketAddress(d.httpAddress())};
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto start = std::chrono::steady_clock::now();
  auto raw = rawExchange(d.httpAddress(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 503") << raw;
  EXPECT_NE(raw.find("Retry-After: 1"), std::string::npos);
  EXPECT_NE(raw.find("\"code\":\"unavailable\""), std::string::npos);
  busy.close();
  queued.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto status = d.admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(status.body, "http.connections_refused"), "1") << status.body;
}

TEST(HttpAdmissionTest, KeepAliveConnectionIsClosedAfterTheRequestCap) {
  DaemonProcess d({"-D", "http.max_keepalive_requests=2"});
  ASSERT_TRUE(d.start()) << d.log();
  std::string one = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  auto raw = rawExchange(d.httpAddress(), one + one + one, 3000);
  std::size_t count = 0;
  for (std::size_t pos = 0; (pos = raw.find("HTTP/1.1 200", pos)) != std::string::npos; ++pos) {
    ++count;
  }
  EXPECT_EQ(count, 2u);
  EXPECT_NE(raw.find("Connection: Close"), std::string::npos);
}

}  // namespace
}  // namespace cc::testing
