#include <gtest/gtest.h>

#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class DaemonLifecycleTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string state() const { return dir_.path() + "/state"; }
};

TEST_F(DaemonLifecycleTest, WritesPidFileAndRemovesItOnCleanExit) {
  DaemonProcess d({}, state());
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(slurp(state() + "/controlcenterd.pid"), std::to_string(d.pid()) + "\n");
  d.signal(SIGTERM);
  EXPECT_EQ(d.waitExit(std::chrono::seconds(10)), 0);
  EXPECT_FALSE(Poco::File(state() + "/controlcenterd.pid").exists());
  EXPECT_FALSE(Poco::File(state() + "/listeners.json").exists());
}

TEST_F(DaemonLifecycleTest, SecondInstanceIsRefusedNamingTheRunningPid) {
  DaemonProcess first({}, state());
  ASSERT_TRUE(first.start()) << first.log();
  auto started = std::chrono::steady_clock::now();
  auto r = runProgram({CC_DAEMON_PATH, "-D", "daemon.state_dir=" + state(), "-D", "http.port=0",
                       "-D", "admin.port=0"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pid " + std::to_string(first.pid())), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kill " + std::to_string(first.pid())), std::string::npos) << r.err;
  EXPECT_EQ(first.get("/health").status, 200) << "the first instance keeps serving";
  EXPECT_EQ(slurp(state() + "/controlcenterd.pid"), std::to_string(first.pid()) + "\n");
}

TEST_F(DaemonLifecycleTest, StalePidFileOfACrashedInstanceIsTakenOver) {
  Poco::File(state()).createDirectories();
  std::ofstream(state() + "/controlcenterd.pid") << "999999\n";
  DaemonProcess d({}, state());
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(slurp(state() + "/controlcenterd.pid"), std::to_string(d.pid()) + "\n");
}

TEST_F(DaemonLifecycleTest, GarbagePidFileIsOverwritten) {
  Poco::File(state()).createDirectories();
  std::ofstream(state() + "/controlcenterd.pid")
      << "not a pid at all\n\0\x01garbage" << std::string(500, 'x');
  DaemonProcess d({}, state());
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(slurp(state() + "/controlcenterd.pid"), std::to_string(d.pid()) + "\n");
}

TEST_F(DaemonLifecycleTest, KilledInstanceLeavesAFileTheNextOneTakesOver) {
  {
    DaemonProcess d({}, state());
    ASSERT_TRUE(d.start()) << d.log();
    d.signal(SIGKILL);
    d.waitExit(std::chrono::seconds(5));
    EXPECT_TRUE(Poco::File(state() + "/controlcenterd.pid").exists());
  }
  DaemonProcess next({}, state());
  ASSERT_TRUE(next.start()) << next.log();
  EXPECT_EQ(slurp(state() + "/controlcenterd.pid"), std::to_string(next.pid()) + "\n");
}

TEST_F(DaemonLifecycleTest, PidFileDirectoryIsCreated) {
  std::string pidfile = dir_.path() + "/run/deeper/cc.pid";
  DaemonProcess d({"-D", "daemon.pidfile=" + pidfile}, state());
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(slurp(pidfile), std::to_string(d.pid()) + "\n");
}

TEST_F(DaemonLifecycleTest, SigtermDrainsAnInFlightRequestAndExitsZero) {
  DaemonProcess d({}, state());
  ASSERT_TRUE(d.start()) << d.log();
  // A request whose body is still arriving is in flight when SIGTERM lands.
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
  std::string head = "PUT /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab";
  s.sendBytes(head.data(), static_cast<int>(head.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  d.signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(d.waitExit(std::chrono::milliseconds(1)).has_value()) << "exited before draining";
  s.sendBytes("cd", 2);
  s.setReceiveTimeout(Poco::Timespan(5, 0));
  std::string answer;
  char buf[4096];
  int n;
  try {
    while ((n = s.receiveBytes(buf, sizeof buf)) > 0)
      answer.append(buf, static_cast<std::size_t>(n));
  } catch (const Poco::Exception&) {
  }
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 405") << answer;
  EXPECT_NE(answer.find("Connection: Close"), std::string::npos);
  EXPECT_EQ(d.waitExit(std::chrono::seconds(10)), 0);
  EXPECT_NE(d.log().find("draining"), std::string::npos);
}

TEST_F(DaemonLifecycleTest, ReadinessTurns503WhileDraining) {
  DaemonProcess d({"-D", "daemon.shutdown_grace_ms=3000"}, state());
  ASSERT_TRUE(d.start()) << d.log();
  Poco::Net::StreamSocket holder{Poco::Net::SocketAddress(d.httpAddress())};
  std::string head = "PUT /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab";
  holder.sendBytes(head.data(), static_cast<int>(head.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Keep-alive connection opened before the signal; it still gets answers while draining.
  Poco::Net::StreamSocket probe{Poco::Net::SocketAddress(d.httpAddress())};
  // Let the acceptor take it first: connections still in the kernel backlog at SIGTERM are
  // never accepted.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  d.signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string req = "GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n";
  probe.sendBytes(req.data(), static_cast<int>(req.size()));
  probe.setReceiveTimeout(Poco::Timespan(5, 0));
  char buf[4096];
  int n = probe.receiveBytes(buf, sizeof buf);
  std::string answer(buf, static_cast<std::size_t>(std::max(n, 0)));
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 503") << answer;
  EXPECT_NE(answer.find("draining"), std::string::npos);
}

// Clients hammering the daemon while it is reloaded five times, each reload changing what it
// can change at run time (limits, timeouts, log level): not one request may fail.
TEST_F(DaemonLifecycleTest, ReloadUnderLoadFailsNoRequest) {
  std::string conf = dir_.path() + "/cc.properties";
  auto write_conf = [&](int round) {
    std::ofstream(conf, std::ios::trunc)
        << "log.level = " << (round % 2 ? "debug" : "info") << "\n"
        << "log.access = off\n"
        << "http.request_timeout_ms = " << 5000 + round << "\n"
        << "http.max_connections_per_client = " << 500 + round << "\n"
        << "ratelimit.rule.api.rate = " << 100000 + round << "/s\n"
        << "ratelimit.rule.api.burst = 100000\n";
  };
  write_conf(0);
  DaemonProcess d({"--config", conf}, state());
  ASSERT_TRUE(d.start()) << d.log();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::string last_failure;
  std::mutex failure_mutex;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      const std::string path = t % 2 ? "/health" : "/api/system/info";
      while (!stop) {
        auto r = httpRequest(d.httpAddress(), "GET", path, {}, {}, 5000);
        if (r.status == 200 || (path == "/api/system/info" && r.status == 401)) {
          ++ok;
        } else {
          ++failed;
          std::lock_guard<std::mutex> lock(failure_mutex);
          last_failure = path + " -> " + std::to_string(r.status) + " " + r.body;
        }
      }
    });
  }
  for (int round = 1; round <= 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    write_conf(round);
    d.signal(SIGHUP);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0) << last_failure;
  EXPECT_GT(ok.load(), 100);
  auto status = d.admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(status.body, "http.max_connections_per_client"), "505") << status.body;
  EXPECT_NE(d.log().find("reload: http.request_timeout_ms = 5005"), std::string::npos) << d.log();
}

// After heavy traffic, SIGTERM ends the process within seconds: no worker may sleep out an idle
// timer before it notices the stop (seen once, after a load run, to take a minute).
TEST_F(DaemonLifecycleTest, SigtermAfterLoadExitsPromptly) {
  DaemonProcess d({"-D", "log.access=off", "-D", "ratelimit.enabled=false"}, state());
  ASSERT_TRUE(d.start()) << d.log();
  std::vector<std::thread> clients;
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 200; ++i) httpRequest(d.httpAddress(), "GET", "/health", {}, {}, 3000);
    });
  }
  for (auto& c : clients) c.join();
  auto start = std::chrono::steady_clock::now();
  d.signal(SIGTERM);
  EXPECT_EQ(d.waitExit(std::chrono::seconds(20)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(DaemonLifecycleTest, SighupReloadsTheLogLevel) {
  std::string conf = dir_.path() + "/cc.properties";
  std::ofstream(conf) << "log.level = info\n";
  DaemonProcess d({"--config", conf}, state());
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(jsonField(d.admin("GET", "/admin/log-level").body, "level"), "info");
  std::ofstream(conf, std::ios::trunc) << "log.level = debug\n";
  d.signal(SIGHUP);
  std::string level;
  for (int i = 0; i < 100 && level != "debug"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    level = jsonField(d.admin("GET", "/admin/log-level").body, "level");
  }
  EXPECT_EQ(level, "debug");
  EXPECT_NE(d.log().find("reload: log.level = debug (was info)"), std::string::npos);
  EXPECT_EQ(d.get("/health").status, 200) << "still serving after reload";
}

TEST_F(DaemonLifecycleTest, ReloadRejectsAnInvalidConfigAsAWhole) {
  std::string conf = dir_.path() + "/cc.properties";
  std::ofstream(conf) << "log.level = info\n";
  DaemonProcess d({"--config", conf}, state());
  ASSERT_TRUE(d.start()) << d.log();
  std::ofstream(conf, std::ios::trunc) << "log.level = debug\nhttp.threads = lots\n";
  auto r = d.admin("POST", "/admin/reload");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(jsonField(r.body, "error.message").find("http.threads"), std::string::npos);
  EXPECT_EQ(jsonField(d.admin("GET", "/admin/log-level").body, "level"), "info");

  std::ofstream(conf, std::ios::trunc) << "log.level = warn\nhttp.threads = 8\n";
  r = d.admin("POST", "/admin/reload");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(jsonField(r.body, "applied").find("log.level"), std::string::npos) << r.body;
  EXPECT_NE(jsonField(r.body, "needs_restart").find("http.threads"), std::string::npos) << r.body;
}

TEST_F(DaemonLifecycleTest, SecondListenerOnABusyPortFailsNamingTheAddress) {
  DaemonProcess first({}, state());
  ASSERT_TRUE(first.start());
  std::string port = first.httpAddress().substr(first.httpAddress().rfind(':') + 1);
  TempDir other;
  auto r = runProgram({CC_DAEMON_PATH, "-D", "daemon.state_dir=" + other.path(), "-D",
                       "http.port=" + port, "-D", "admin.port=0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << r.err;
}

TEST_F(DaemonLifecycleTest, AdminTokenIsCreatedWithMode0600) {
  DaemonProcess d({}, state());
  ASSERT_TRUE(d.start());
  struct stat st {};
  ASSERT_EQ(::stat((state() + "/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(d.adminToken().size(), 64u);
}

}  // namespace
}  // namespace cc::testing
