// `controlcenterctl restart` re-executes the daemon in place: same PID, same listening sockets
// (admin.socket too), and a client opening a fresh connection for every request never sees one
// fail.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "client/http_client.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The last lines of the daemon's log: enough to see a failed restart, without every access line.
std::string logTail(const DaemonProcess& daemon) {
  const std::string log = daemon.log();
  std::size_t from = log.size();
  for (int lines = 0; lines < 30 && from > 0; ++lines) from = log.rfind('\n', from - 1);
  return log.substr(from == std::string::npos ? 0 : from);
}

// The state letter of /proc/<pid>/stat ("R", "S", "Z", ...); "" when the process is gone.
std::string processState(pid_t pid) {
  const std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return "";
  return stat.substr(paren + 2, 1);
}

// Calls `call` (one request on a new connection; "" when it succeeded, else what went wrong)
// until told to stop; counts every outcome.
class FreshConnectionProbe {
 public:
  explicit FreshConnectionProbe(std::function<std::string()> call)
      : call_(std::move(call)), thread_([this] { loop(); }) {}
  // GET /health over TCP.
  explicit FreshConnectionProbe(std::string address)
      : FreshConnectionProbe([address = std::move(address)] {
          // 0 is no answer at all: refused, reset or timed out.
          HttpResult r =
              httpRequest(address, "GET", "/health", {}, {{"Connection", "close"}}, 10000);
          return r.status == 200 ? std::string() : std::to_string(r.status) + " " + r.body;
        }) {}
  ~FreshConnectionProbe() { stop(); }
  FreshConnectionProbe(const FreshConnectionProbe&) = delete;
  FreshConnectionProbe& operator=(const FreshConnectionProbe&) = delete;

  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }
  int ok() const { return ok_; }
  int failed() const { return failed_; }
  const std::string& failures() const { return failures_; }

 private:
  void loop() {
    while (running_) {
      std::string failure = call_();
      if (failure.empty()) {
        ++ok_;
      } else {
        ++failed_;
        if (failures_.size() < 2000) failures_ += failure + "\n";
      }
    }
  }

  std::function<std::string()> call_;
  std::atomic<bool> running_{true};
  std::atomic<int> ok_{0};
  std::atomic<int> failed_{0};
  std::string failures_;  // written by the probe thread only; read after stop()
  std::thread thread_;
};

class RestartTest : public ::testing::Test {
 protected:
  RestartTest() : RestartTest("") {}
  // `admin_socket` (a file name in the test's directory) sets admin.socket when not empty.
  explicit RestartTest(const std::string& admin_socket)
      : admin_socket_(admin_socket.empty() ? "" : dir_.path() + "/" + admin_socket),
        daemon_(admin_socket_.empty()
                    ? std::vector<std::string>{"-D", "ratelimit.enabled=false"}
                    : std::vector<std::string>{"-D", "ratelimit.enabled=false", "-D",
                                               "admin.socket=" + admin_socket_}) {}

  void SetUp() override {
    ASSERT_TRUE(daemon_.start()) << logTail(daemon_);
    config_ = dir_.path() + "/ctl.properties";
    std::ofstream(config_) << "daemon.state_dir = " << daemon_.stateDir() << "\n";
  }
  RunResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {CC_CTL_PATH, "--config", config_});
    return runProgram(args);
  }
  std::string startedAt() {
    return jsonField(daemon_.admin("GET", "/admin/status").body, "started_at");
  }
  // Bounded wait for the re-executed daemon to report a start time other than `before`.
  std::string waitForNewStart(const std::string& before) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
      std::string now = startedAt();
      if (!now.empty() && now != before) return now;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return before;
  }
  void expectSameLiveProcess() {
    const std::string pid = std::to_string(daemon_.pid());
    EXPECT_FALSE(daemon_.waitExit(std::chrono::milliseconds(0)).has_value()) << logTail(daemon_);
    const std::string state = processState(daemon_.pid());
    EXPECT_TRUE(!state.empty() && state != "Z") << "state '" << state << "'\n" << logTail(daemon_);
    EXPECT_EQ(jsonField(readText(daemon_.stateDir() + "/listeners.json"), "pid"), pid);
    std::string pidfile = readText(daemon_.stateDir() + "/controlcenterd.pid");
    EXPECT_EQ(pidfile.substr(0, pidfile.find_first_of("\r\n")), pid);
    EXPECT_EQ(jsonField(daemon_.admin("GET", "/admin/status").body, "pid"), pid);
  }

  TempDir dir_;
  std::string admin_socket_;
  DaemonProcess daemon_;
  std::string config_;
};

TEST_F(RestartTest, RestartWaitKeepsThePidAndDropsNoRequest) {
  const std::string before = startedAt();
  ASSERT_FALSE(before.empty()) << logTail(daemon_);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // started_at has ms resolution

  const auto begun = std::chrono::steady_clock::now();
  FreshConnectionProbe probe(daemon_.httpAddress());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto restart = ctl({"restart", "--wait", "--wait-timeout", "30"});
  // Keep probing the new image for a while, and for about 3 s in all.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::this_thread::sleep_until(
      std::max(begun + std::chrono::seconds(3), std::chrono::steady_clock::now()));
  probe.stop();

  EXPECT_EQ(restart.exit_code, 0) << restart.out << restart.err << logTail(daemon_);
  EXPECT_NE(restart.out.find("controlcenterd is ready again after"), std::string::npos)
      << restart.out;
  EXPECT_EQ(probe.failed(), 0) << probe.failures() << logTail(daemon_);
  EXPECT_GT(probe.ok(), 10);
  expectSameLiveProcess();
  const std::string after = startedAt();
  EXPECT_NE(after, before) << logTail(daemon_);
  EXPECT_NE(daemon_.log().find("re-executing"), std::string::npos) << logTail(daemon_);
}

TEST_F(RestartTest, RestartWithoutWaitAndJsonOutput) {
  const std::string first = startedAt();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto plain = ctl({"restart"});
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_EQ(plain.out, "restart requested\n");
  const std::string second = waitForNewStart(first);
  ASSERT_NE(second, first) << logTail(daemon_);
  expectSameLiveProcess();

  // A second restart of the re-executed image works as the first did.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto json = ctl({"-o", "json", "restart", "--wait", "--wait-timeout", "30"});
  ASSERT_EQ(json.exit_code, 0) << json.out << json.err << logTail(daemon_);
  EXPECT_EQ(jsonField(json.out, "status"), "ready") << json.out;
  EXPECT_EQ(jsonField(json.out, "poll_interval_ms"), "100") << json.out;
  EXPECT_NE(startedAt(), second) << logTail(daemon_);
  expectSameLiveProcess();

  // The restarted daemon still stops cleanly on SIGTERM.
  daemon_.signal(SIGTERM);
  auto code = daemon_.waitExit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << logTail(daemon_);
  EXPECT_EQ(*code, 0) << logTail(daemon_);
}

class RestartWithAdminSocketTest : public RestartTest {
 protected:
  RestartWithAdminSocketTest() : RestartTest("run/admin.sock") {}

  // GET /admin/status over the Unix socket, as `controlcenterctl --admin unix:...` sends it.
  std::function<std::string()> unixStatusCall() {
    auto endpoint = ctl::client::Endpoint::parse("unix:" + admin_socket_);
    EXPECT_TRUE(endpoint.ok());
    ctl::client::HttpClient client(*endpoint, std::chrono::seconds(10));
    return [client, auth = "Bearer " + daemon_.adminToken()] {
      auto r = client.send("GET", "/admin/status", {}, {{"Authorization", auth}});
      if (r.answered() && r.status == 200) return std::string();
      return r.answered() ? std::to_string(r.status) + " " + r.body : "no answer: " + r.detail;
    };
  }
  static struct stat statOf(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) st.st_ino = 0;
    return st;
  }
};

TEST_F(RestartWithAdminSocketTest, TheAdminSocketIsHandedOverAndNoCallOnItFails) {
  const struct stat before = statOf(admin_socket_);
  ASSERT_NE(before.st_ino, 0u) << logTail(daemon_);
  const std::string started = startedAt();
  ASSERT_FALSE(started.empty()) << logTail(daemon_);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // started_at has ms resolution

  const auto begun = std::chrono::steady_clock::now();
  FreshConnectionProbe probe(unixStatusCall());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // The restart itself is asked for, and waited on, over the Unix socket too.
  auto restart =
      ctl({"--admin", "unix:" + admin_socket_, "restart", "--wait", "--wait-timeout", "30"});
  const int ok_at_restart = probe.ok();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::this_thread::sleep_until(
      std::max(begun + std::chrono::seconds(3), std::chrono::steady_clock::now()));
  probe.stop();

  EXPECT_EQ(restart.exit_code, 0) << restart.out << restart.err << logTail(daemon_);
  EXPECT_EQ(probe.failed(), 0) << probe.failures() << logTail(daemon_);
  EXPECT_GT(ok_at_restart, 5) << logTail(daemon_);
  EXPECT_GT(probe.ok(), ok_at_restart) << "the new image must answer on the socket";
  EXPECT_NE(startedAt(), started) << logTail(daemon_);
  expectSameLiveProcess();
  // The same socket file: handed over, not removed and bound again.
  const struct stat after = statOf(admin_socket_);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_dev, before.st_dev);
  EXPECT_EQ(after.st_mode & 0777, 0660u);
  EXPECT_EQ(daemon_.log().find("not using the passed admin-unix socket"), std::string::npos)
      << logTail(daemon_);

  // The file is still the daemon's own after the restart: a real shutdown removes it.
  daemon_.signal(SIGTERM);
  auto code = daemon_.waitExit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << logTail(daemon_);
  EXPECT_EQ(*code, 0) << logTail(daemon_);
  EXPECT_EQ(statOf(admin_socket_).st_ino, 0u) << "admin.socket was left behind at shutdown";
}

// admin.socket names another file after the restart: the handed-over socket is closed, its file
// (the daemon's own) removed, and the new path bound.
TEST(RestartAdminSocketMovedTest, TheOldFileGoesAndTheNewPathIsBound) {
  TempDir dir;
  const std::string conf = dir.path() + "/controlcenterd.properties";
  const std::string old_path = dir.path() + "/old.sock";
  const std::string new_path = dir.path() + "/new.sock";
  std::ofstream(conf) << "admin.socket = " << old_path << "\n";
  DaemonProcess d({"--config", conf});
  ASSERT_TRUE(d.start()) << logTail(d);
  struct stat st {};
  ASSERT_EQ(::lstat(old_path.c_str(), &st), 0);
  const std::string started = jsonField(d.admin("GET", "/admin/status").body, "started_at");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // started_at has ms resolution

  std::ofstream(conf, std::ios::trunc) << "admin.socket = " << new_path << "\n";
  ASSERT_EQ(d.admin("POST", "/admin/restart").status, 202) << logTail(d);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string now = started;
  while ((now.empty() || now == started) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    now = jsonField(d.admin("GET", "/admin/status").body, "started_at");
  }
  ASSERT_NE(now, started) << logTail(d);
  EXPECT_NE(
      d.log().find("not using the passed admin-unix socket: it is bound to " + old_path +
                   ", not to admin.socket " + new_path + "; closed it and removed " + old_path),
      std::string::npos)
      << logTail(d);
  EXPECT_NE(::lstat(old_path.c_str(), &st), 0) << "the old socket file was left behind";
  ASSERT_EQ(::lstat(new_path.c_str(), &st), 0) << logTail(d);
  auto status = runProgram({CC_CTL_PATH, "--admin", "unix:" + new_path, "--token-file",
                            d.stateDir() + "/admin.token", "-o", "json", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err << logTail(d);
  EXPECT_EQ(jsonField(status.out, "pid"), std::to_string(d.pid()));
}

}  // namespace
}  // namespace cc::testing
