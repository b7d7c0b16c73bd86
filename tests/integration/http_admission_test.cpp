#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <memory>
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
  // The only worker waits for the rest of this connection's head (a connection that has sent
  // nothing waits on an event loop, holding no worker and no place in the queue); the next one
  // fills the queue.
  const std::string begun = "GET /health HTTP/1.1\r\n";
  Poco::Net::StreamSocket busy{Poco::Net::SocketAddress(d.httpAddress())};
  busy.sendBytes(begun.data(), static_cast<int>(begun.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Poco::Net::StreamSocket queued{Poco::Net::SocketAddress(d.httpAddress())};
  queued.sendBytes(begun.data(), static_cast<int>(begun.size()));
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

namespace cc::testing {
namespace {

// One GET on an open keep-alive session; the status, or 0 when the connection failed.
int getOn(Poco::Net::HTTPClientSession& s, const std::string& path) {
  try {
    Poco::Net::HTTPRequest req("GET", path, "HTTP/1.1");
    req.setKeepAlive(true);
    s.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::string body;
    Poco::StreamCopier::copyToString(s.receiveResponse(resp), body);
    return resp.getStatus();
  } catch (const Poco::Exception&) {
    return 0;
  }
}

// Keep-alive clients between requests hold no worker: 20 idle connections on a 2-thread
// server leave both threads free for a newcomer, and each idle connection is served again on
// the same connection when it asks.
TEST(HttpAdmissionTest, IdleKeepAliveConnectionsHoldNoWorker) {
  DaemonProcess d(
      {"-D", "http.threads=2", "-D", "http.keepalive_timeout_s=30", "-D", "log.access=off"});
  ASSERT_TRUE(d.start()) << d.log();
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(
        std::make_unique<Poco::Net::HTTPClientSession>(Poco::Net::SocketAddress(d.httpAddress())));
    idle.back()->setKeepAlive(true);
    idle.back()->setTimeout(Poco::Timespan(5, 0));
    ASSERT_EQ(getOn(*idle.back(), "/health/live"), 200) << "connection " << i;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the busy slice
  EXPECT_EQ(httpRequest(d.httpAddress(), "GET", "/health", {}, {}, 5000).status, 200);
  EXPECT_NE(
      d.admin("GET", "/metrics").body.find("controlcenter_http_connections{state=\"idle\"} 20"),
      std::string::npos);
  auto status = d.admin("GET", "/admin/status");  // the admin listener: counts apart
  EXPECT_EQ(jsonField(status.body, "http.connections_idle"), "20") << status.body;
  EXPECT_EQ(jsonField(status.body, "http.threads_busy"), "0") << "both workers free";
  for (std::size_t i = 0; i < idle.size(); ++i) {
    EXPECT_EQ(getOn(*idle[i], "/health/live"), 200) << "connection " << i << " again";
  }
  auto again = d.admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(again.body, "http.connections_total"),
            jsonField(status.body, "http.connections_total"))
      << "the second requests reused their connections";
}

// A parked keep-alive connection is closed once it has been idle for http.keepalive_timeout_s.
TEST(HttpAdmissionTest, IdleKeepAliveConnectionClosesAfterTheKeepAliveTimeout) {
  DaemonProcess d({"-D", "http.keepalive_timeout_s=1", "-D", "log.access=off"});
  ASSERT_TRUE(d.start()) << d.log();
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string req = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  s.sendBytes(req.data(), static_cast<int>(req.size()));
  s.setReceiveTimeout(Poco::Timespan(5, 0));
  char buf[4096];
  ASSERT_GT(s.receiveBytes(buf, sizeof buf), 0);
  auto start = std::chrono::steady_clock::now();
  int n = 1;
  try {
    while (n > 0) n = s.receiveBytes(buf, sizeof buf);
  } catch (const Poco::Exception&) {
    n = -1;
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(n, 0) << "closed cleanly by the server";
  EXPECT_GE(took, std::chrono::milliseconds(700));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
}

}  // namespace
}  // namespace cc::testing
