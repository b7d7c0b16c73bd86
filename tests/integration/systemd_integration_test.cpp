// Plays systemd around the real daemon: NOTIFY_SOCKET readiness/watchdog and socket activation.
// These need the wiring in daemon/src/app/daemon_app.cpp (Notifier, Watchdog,
// takeActivatedSockets).
#include <gtest/gtest.h>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "support/daemon_process.h"
#include "support/notify_receiver.h"

namespace cc::testing {
namespace {

class SystemdNotifyTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string socketPath() const { return dir_.path() + "/notify.sock"; }
};

TEST_F(SystemdNotifyTest, ReadyWithStatusOnceListening) {
  NotifyReceiver systemd(socketPath());
  DaemonProcess d;
  d.setEnv("NOTIFY_SOCKET", socketPath());
  ASSERT_TRUE(d.start()) << d.log();
  auto ready = systemd.waitFor("READY=1");
  ASSERT_TRUE(ready.has_value()) << d.log();
  EXPECT_FALSE(ready->value("STATUS").empty()) << ready->text;
  EXPECT_EQ(ready->sender, d.pid()) << "NotifyAccess=main accepts only the main process";
  EXPECT_EQ(d.get("/health").status, 200);
}

TEST_F(SystemdNotifyTest, AbstractNotifySocket) {
  std::string name = "@cc-it-notify-" + std::to_string(::getpid());
  NotifyReceiver systemd(name);
  DaemonProcess d;
  d.setEnv("NOTIFY_SOCKET", name);
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_TRUE(systemd.waitFor("READY=1").has_value()) << d.log();
}

TEST_F(SystemdNotifyTest, WatchdogPingsWhileHealthy) {
  NotifyReceiver systemd(socketPath());
  DaemonProcess d;
  d.setEnv("NOTIFY_SOCKET", socketPath());
  d.setEnv("WATCHDOG_USEC", "200000");
  ASSERT_TRUE(d.start()) << d.log();
  int pings = 0;
  for (int i = 0; i < 3; ++i) {
    auto ping = systemd.waitFor("WATCHDOG=1");
    ASSERT_TRUE(ping.has_value()) << "no WATCHDOG=1 within 15 s (pings so far: " << pings << ")\n"
                                  << d.log();
    EXPECT_EQ(ping->sender, d.pid());
    ++pings;
  }
  EXPECT_EQ(pings, 3);
}

TEST_F(SystemdNotifyTest, WatchdogMeantForAnotherPidIsNotFed) {
  NotifyReceiver systemd(socketPath());
  DaemonProcess d;
  d.setEnv("NOTIFY_SOCKET", socketPath());
  d.setEnv("WATCHDOG_USEC", "200000");
  d.setEnv("WATCHDOG_PID", "1");
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(systemd.waitFor("READY=1").has_value()) << d.log();
  // At 200 ms a ping would be due every 100 ms; a second of silence is conclusive.
  EXPECT_FALSE(systemd.waitFor("WATCHDOG=1", std::chrono::seconds(1)).has_value());
}

TEST_F(SystemdNotifyTest, SighupReportsReloadingThenReady) {
  NotifyReceiver systemd(socketPath());
  DaemonProcess d;
  d.setEnv("NOTIFY_SOCKET", socketPath());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(systemd.waitFor("READY=1").has_value()) << d.log();
  d.signal(SIGHUP);
  auto reloading = systemd.waitFor("RELOADING=1");
  ASSERT_TRUE(reloading.has_value()) << d.log();
  EXPECT_FALSE(reloading->value("MONOTONIC_USEC").empty()) << reloading->text;
  EXPECT_GT(std::stoll("0" + reloading->value("MONOTONIC_USEC")), 0);
  EXPECT_TRUE(systemd.waitFor("READY=1").has_value()) << d.log();
  EXPECT_EQ(d.get("/health").status, 200);
}

TEST_F(SystemdNotifyTest, SigtermReportsStopping) {
  NotifyReceiver systemd(socketPath());
  DaemonProcess d;
  d.setEnv("NOTIFY_SOCKET", socketPath());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(systemd.waitFor("READY=1").has_value()) << d.log();
  d.signal(SIGTERM);
  EXPECT_TRUE(systemd.waitFor("STOPPING=1").has_value()) << d.log();
  EXPECT_EQ(d.waitExit(std::chrono::seconds(15)), 0);
}

TEST_F(SystemdNotifyTest, DrainExtendsTheStopTimeoutByItsGrace) {
  NotifyReceiver systemd(socketPath());
  // A grace past the unit's TimeoutStopSec (30 s) must not be cut short by systemd's SIGKILL.
  DaemonProcess d({"-D", "daemon.shutdown_grace_ms=45000"});
  d.setEnv("NOTIFY_SOCKET", socketPath());
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_TRUE(systemd.waitFor("READY=1").has_value()) << d.log();
  d.signal(SIGTERM);
  ASSERT_TRUE(systemd.waitFor("STOPPING=1").has_value()) << d.log();
  std::optional<Notification> extend;
  while (auto note = systemd.next(15000)) {
    if (!note->value("EXTEND_TIMEOUT_USEC").empty()) {
      extend = note;
      break;
    }
  }
  ASSERT_TRUE(extend.has_value()) << d.log();
  EXPECT_EQ(extend->value("EXTEND_TIMEOUT_USEC"), "50000000") << "the grace and 5 s for the rest";
  EXPECT_EQ(d.waitExit(std::chrono::seconds(15)), 0);
}

/// A listening socket made without SO_REUSEADDR/SO_REUSEPORT (unlike Poco's), so that nobody
/// else can bind its port while it is open.
class ExclusiveListener {
 public:
  ExclusiveListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1:0");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ExclusiveListener() { ::close(fd_); }
  ExclusiveListener(const ExclusiveListener&) = delete;
  ExclusiveListener& operator=(const ExclusiveListener&) = delete;
  int fd() const { return fd_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class SocketActivationIntegrationTest : public ::testing::Test {
 protected:
  /// A listening Unix socket at `path`, as a systemd socket unit with ListenStream=PATH holds it.
  static Poco::Net::ServerSocket unixListener(const std::string& path) {
    Poco::Net::ServerSocket s;
    s.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path));
    s.listen(64);
    return s;
  }
  static ino_t inode(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  static RunResult ctlStatus(const DaemonProcess& d, const std::string& socket) {
    return runProgram({CC_CTL_PATH, "--admin", "unix:" + socket, "--token-file",
                       d.stateDir() + "/admin.token", "-o", "json", "status"});
  }
};

TEST_F(SocketActivationIntegrationTest, ServesOnThePassedSocketWithoutBindingHttpPort) {
  ExclusiveListener http;
  // http.port names the port we already hold: binding it again would fail the start-up.
  DaemonProcess d({"-D", "http.port=" + std::to_string(http.port())});
  d.passListenFds({{http.fd(), "http"}});
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(d.httpAddress(), http.address());
  EXPECT_EQ(httpRequest(http.address(), "GET", "/health").status, 200) << d.log();
  EXPECT_EQ(d.admin("GET", "/admin/status").status, 200) << "admin is bound from the config";
}

TEST_F(SocketActivationIntegrationTest, BothListenersAreTakenByName) {
  ExclusiveListener http;
  ExclusiveListener admin;
  DaemonProcess d({"-D", "http.port=" + std::to_string(http.port()), "-D",
                   "admin.port=" + std::to_string(admin.port())});
  d.passListenFds({{admin.fd(), "admin"}, {http.fd(), "http"}});
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(d.httpAddress(), http.address());
  EXPECT_EQ(d.adminAddress(), admin.address());
  EXPECT_EQ(d.get("/health").status, 200);
  EXPECT_EQ(d.admin("GET", "/admin/status").status, 200);
}

TEST_F(SocketActivationIntegrationTest, NonListeningDescriptorFailsTheStartNamingIt) {
  Poco::Net::StreamSocket not_listening(Poco::Net::SocketAddress::IPv4);
  DaemonProcess d;
  d.passListenFds({{not_listening.impl()->sockfd(), "http"}});
  EXPECT_NE(d.startExpectingExit(std::chrono::seconds(15)), 0);
  EXPECT_NE(d.log().find("not a listening stream socket"), std::string::npos) << d.log();
}

TEST_F(SocketActivationIntegrationTest, TheAdminUnixSocketIsTakenByNameAndItsFileLeftAlone) {
  TempDir dir;
  const std::string path = dir.path() + "/admin.sock";
  Poco::Net::ServerSocket passed = unixListener(path);
  const ino_t before = inode(path);
  DaemonProcess d({"-D", "admin.socket=" + path});
  d.passListenFds({{passed.impl()->sockfd(), "admin-unix"}});
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(inode(path), before) << "the daemon bound admin.socket itself";
  auto status = ctlStatus(d, path);
  EXPECT_EQ(status.exit_code, 0) << status.err << d.log();
  EXPECT_EQ(jsonField(status.out, "pid"), std::to_string(d.pid()));
  EXPECT_EQ(d.log().find("not using the passed admin-unix socket"), std::string::npos) << d.log();
  EXPECT_EQ(d.admin("GET", "/admin/status").status, 200) << "admin TCP is bound from the config";

  d.signal(SIGTERM);
  EXPECT_EQ(d.waitExit(std::chrono::seconds(15)), 0) << d.log();
  EXPECT_EQ(inode(path), before) << "the socket unit's file was removed at shutdown";
}

TEST_F(SocketActivationIntegrationTest,
       AnAdminUnixSocketForAnotherPathIsClosedAndAdminSocketBound) {
  TempDir dir;
  const std::string unit_path = dir.path() + "/unit.sock";
  const std::string path = dir.path() + "/admin.sock";
  Poco::Net::ServerSocket passed = unixListener(unit_path);
  DaemonProcess d({"-D", "admin.socket=" + path});
  d.passListenFds({{passed.impl()->sockfd(), "admin-unix"}});
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_NE(d.log().find("not using the passed admin-unix socket: it is bound to " + unit_path +
                         ", not to admin.socket " + path),
            std::string::npos)
      << d.log();
  auto status = ctlStatus(d, path);
  EXPECT_EQ(status.exit_code, 0) << status.err << d.log();
  EXPECT_NE(inode(unit_path), 0u) << "a file the daemon did not create is left alone";
}

TEST_F(SocketActivationIntegrationTest, AnAdminUnixDescriptorThatIsNotUnixFailsTheStart) {
  ExclusiveListener tcp;
  DaemonProcess d;
  d.passListenFds({{tcp.fd(), "admin-unix"}});
  EXPECT_NE(d.startExpectingExit(std::chrono::seconds(15)), 0);
  EXPECT_NE(d.log().find("(admin-unix) is not a Unix-domain socket"), std::string::npos) << d.log();
}

}  // namespace
}  // namespace cc::testing
