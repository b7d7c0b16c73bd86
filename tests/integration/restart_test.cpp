// `controlcenterctl restart` re-executes the daemon in place: same PID, same listening sockets,
// and a client opening a fresh connection for every request never sees one fail.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

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

// GET /health over a new TCP connection each time until told to stop; counts every answer.
class FreshConnectionProbe {
 public:
  explicit FreshConnectionProbe(std::string address)
      : address_(std::move(address)), thread_([this] { loop(); }) {}
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
      // 0 is no answer at all: refused, reset or timed out.
      HttpResult r = httpRequest(address_, "GET", "/health", {}, {{"Connection", "close"}}, 10000);
      if (r.status == 200) {
        ++ok_;
      } else {
        ++failed_;
        if (failures_.size() < 2000) failures_ += std::to_string(r.status) + " " + r.body + "\n";
      }
    }
  }

  std::string address_;
  std::atomic<bool> running_{true};
  std::atomic<int> ok_{0};
  std::atomic<int> failed_{0};
  std::string failures_;  // written by the probe thread only; read after stop()
  std::thread thread_;
};

class RestartTest : public ::testing::Test {
 protected:
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
  DaemonProcess daemon_{{"-D", "ratelimit.enabled=false"}};
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

}  // namespace
}  // namespace cc::testing
