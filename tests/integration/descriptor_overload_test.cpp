// Out of file descriptors: the daemon sheds load, answers newcomers and says so in a few lines.
#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

// Low enough that a few hundred loopback connections exhaust it, high enough for the daemon's
// own files (store, log, listeners, epoll sets) with room to serve.
constexpr int kOpenFileLimit = 96;

class DescriptorOverloadTest : public ::testing::Test {
 protected:
  void startDaemon() {
    daemon_.emplace(std::vector<std::string>{
        "-D", "http.max_connections_per_client=0", "-D", "http.header_timeout_ms=60000", "-D",
        "http.keepalive_timeout_s=60", "-D", "log.access=off"});
    daemon_->setOpenFileLimit(kOpenFileLimit);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
  }

  // A connection from its own 127.0.0.x address, as from many clients.
  Poco::Net::StreamSocket connectFrom(int n) {
    Poco::Net::StreamSocket s;
    s.impl()->bind(Poco::Net::SocketAddress("127.0.0." + std::to_string(2 + n % 250), 0), false);
    s.connect(Poco::Net::SocketAddress(daemon_->httpAddress()), Poco::Timespan(5, 0));
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    return s;
  }

  // Everything the server sends until it closes the connection (or 5 s pass).
  static std::string readAll(Poco::Net::StreamSocket& s) {
    std::string out;
    char buf[4096];
    try {
      int n;
      while ((n = s.receiveBytes(buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
    } catch (const Poco::Exception&) {
      // Reset or timed out: what arrived is the answer.
    }
    return out;
  }

  // Whether the server closed `s` (within 2 s), whatever it still had to read.
  static bool closedByServer(Poco::Net::StreamSocket& s) {
    s.setReceiveTimeout(Poco::Timespan(2, 0));
    char buf[4096];
    try {
      while (s.receiveBytes(buf, sizeof buf) > 0) {
      }
      return true;
    } catch (const Poco::TimeoutException&) {
      return false;
    } catch (const Poco::Exception&) {
      return true;  // reset: closed too
    }
  }

  // Descriptors the daemon holds now.
  int openDescriptors() const {
    int n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/" + std::to_string(daemon_->pid()) + "/fd")) {
      ++n;
    }
    return n;
  }

  static int countOf(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  // Waits until the public listener serves again (holders closed, descriptors free).
  void waitUntilServing() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until) {
      if (httpRequest(daemon_->httpAddress(), "GET", "/health/live", {}, {}, 2000).status == 200) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "never served again: " << daemon_->log();
  }

  std::optional<DaemonProcess> daemon_;
};

TEST_F(DescriptorOverloadTest, WarnsAtStartWhenTheLimitIsBelowWhatTheConnectionsNeed) {
  startDaemon();
  auto log = daemon_->log();
  EXPECT_NE(log.find("RLIMIT_NOFILE is " + std::to_string(kOpenFileLimit)), std::string::npos)
      << log;
  EXPECT_NE(log.find("http.queue 1024"), std::string::npos) << log;
  EXPECT_EQ(countOf(log, "RLIMIT_NOFILE is"), 1) << "once";
}

// Connections that hold their descriptor (headers never finished) fill the table: every
// newcomer past it is accepted on the reserved descriptor, answered 503 overloaded and closed,
// and the log says so in a line or two, not one a failed accept.
TEST_F(DescriptorOverloadTest, ANewcomerPastTheLimitGets503OverloadedAndTheDaemonRecovers) {
  startDaemon();
  std::vector<Poco::Net::StreamSocket> holders;
  for (int i = 0; i < 2 * kOpenFileLimit; ++i) {
    holders.push_back(connectFrom(i));
    holders.back().sendBytes("GET /health/live HTTP/1.1\r\n", 27);
  }
  Poco::Net::StreamSocket newcomer = connectFrom(2 * kOpenFileLimit);
  const std::string request = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  newcomer.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string answer = readAll(newcomer);
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 503") << answer;
  EXPECT_NE(answer.find("\"code\":\"overloaded\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  int refused_holders = 0;
  for (auto& h : holders) {
    h.setReceiveTimeout(Poco::Timespan(0, 1000));
    if (readAll(h).find("\"code\":\"overloaded\"") != std::string::npos) ++refused_holders;
  }
  EXPECT_GT(refused_holders, 0) << "the holders past the limit were answered too";

  for (auto& h : holders) h.close();
  holders.clear();
  waitUntilServing();
  auto log = daemon_->log();
  EXPECT_GE(countOf(log, "accept failed"), 1) << log;
  EXPECT_LE(countOf(log, "accept failed"), 3) << log;
  EXPECT_NE(log.find("Too many open files"), std::string::npos) << log;

  // Within the health window the overload check warns, without taking the daemon out of
  // readiness; the counters show what was shed.
  auto health = daemon_->get("/health");
  EXPECT_EQ(jsonField(health.body, "checks.overload.status"), "warn") << health.body;
  EXPECT_EQ(daemon_->get("/health/ready").status, 200);
  auto metrics = daemon_->admin("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string refused_sample =
      "controlcenter_overload_shed_total{action=\"refused\",resource=\"descriptors\"} ";
  auto at = metrics.body.find(refused_sample);
  ASSERT_NE(at, std::string::npos) << metrics.body;
  EXPECT_GE(std::stod(metrics.body.substr(at + refused_sample.size())), 1.0 + refused_holders);
  auto status = daemon_->admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(status.body, "overload.descriptors.limit"), std::to_string(kOpenFileLimit))
      << status.body;
  EXPECT_NE(jsonField(status.body, "overload.descriptors.refused"), "0") << status.body;
  auto ctl = runProgram({CC_CTL_PATH, "--admin", "http://" + daemon_->adminAddress(),
                         "--token-file", daemon_->stateDir() + "/admin.token", "status"});
  EXPECT_EQ(ctl.exit_code, 0) << ctl.err;
  EXPECT_NE(ctl.out.find("limit " + std::to_string(kOpenFileLimit) + ", needs"), std::string::npos)
      << ctl.out;
  EXPECT_EQ(daemon_->get("/health/live").status, 200) << "serving normally again";
}

// Idle keep-alive connections are the cheapest to shed: at the limit the oldest are closed to
// make room, and newcomers are served as usual.
TEST_F(DescriptorOverloadTest, AtTheLimitTheOldestIdleKeepAliveConnectionsMakeRoom) {
  startDaemon();
  // Idle connections up to ten descriptors short of the limit, each served once and parked.
  const int idle_count = kOpenFileLimit - openDescriptors() - 10;
  ASSERT_GT(idle_count, 20) << "the daemon alone holds " << openDescriptors();
  const std::string request = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<Poco::Net::StreamSocket> idle;
  for (int i = 0; i < idle_count; ++i) {
    idle.push_back(connectFrom(i));
    idle.back().sendBytes(request.data(), static_cast<int>(request.size()));
    char buf[1024];
    ASSERT_GT(idle.back().receiveBytes(buf, sizeof buf), 0) << i;
    ASSERT_EQ(std::string(buf, 12), "HTTP/1.1 200") << i;
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (jsonField(daemon_->admin("GET", "/admin/status").body, "http.connections_idle") !=
         std::to_string(idle_count)) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "never all parked";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Twenty busy connections (headers unfinished): ten fit, the other ten take idle ones' room.
  std::vector<Poco::Net::StreamSocket> busy;
  for (int i = 0; i < 20; ++i) {
    busy.push_back(connectFrom(idle_count + i));
    busy.back().sendBytes("GET /health/live HTTP/1.1\r\n", 27);
  }
  Poco::Net::StreamSocket newcomer = connectFrom(idle_count + 20);
  newcomer.sendBytes(request.data(), static_cast<int>(request.size()));
  char buf[1024];
  ASSERT_GT(newcomer.receiveBytes(buf, sizeof buf), 12);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 200") << "served on a descriptor an idle one freed";
  EXPECT_TRUE(closedByServer(idle.front())) << "the oldest was closed to make room";
  EXPECT_FALSE(closedByServer(idle.back())) << "the newest is still open";
  for (auto& b : busy) {
    b.setReceiveTimeout(Poco::Timespan(0, 1000));
    EXPECT_EQ(readAll(b), "") << "no busy connection was refused while idle ones could go";
  }
  auto metrics = daemon_->admin("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200) << "the admin listener finds room too";
  const std::string closed_sample =
      "controlcenter_overload_shed_total{action=\"idle_closed\",resource=\"descriptors\"} ";
  auto at = metrics.body.find(closed_sample);
  ASSERT_NE(at, std::string::npos) << metrics.body;
  EXPECT_GE(std::stod(metrics.body.substr(at + closed_sample.size())), 10.0);
  EXPECT_EQ(jsonField(daemon_->get("/health").body, "checks.overload.status"), "warn");
}

}  // namespace
}  // namespace cc::testing
