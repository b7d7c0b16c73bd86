// `controlcenterctl wait` against the real daemon: it passes once the daemon serves, keeps
// polling through the connection refusals of a daemon still starting, and gives up with exit 5.

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

std::string waitOutcome(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A loopback port nobody listens on now: bound once, then closed.
uint16_t unusedPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const uint16_t port = socket.address().port();
  socket.close();
  return port;
}

TEST(WaitTest, PassesForARunningDaemon) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  const std::string url = "http://" + daemon.httpAddress();
  for (const char* condition : {"ready", "live"}) {
    auto r = runProgram(
        {CC_CTL_PATH, "--url", url, "wait", std::string("--for=") + condition, "--timeout", "30s"});
    EXPECT_EQ(r.exit_code, 0) << waitOutcome(r);
    EXPECT_NE(r.out.find(std::string("controlcenterd is ") + condition), std::string::npos)
        << r.out;
  }
}

// Runs a program in the background with stdout and stderr going to `output`. Not runProgram:
// its pipes would be inherited by a daemon forked meanwhile, which then holds them open.
pid_t spawnToFile(std::vector<std::string> argv, const std::string& output) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  return pid;
}

TEST(WaitTest, KeepsPollingWhileTheDaemonStarts) {
  const uint16_t port = unusedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  TempDir dir;
  const std::string output = dir.path() + "/wait.out";
  // The ctl starts first and meets refused connections until the daemon listens on the port.
  const pid_t waiting = spawnToFile(
      {CC_CTL_PATH, "--url", url, "-o", "json", "wait", "--for=ready", "--timeout", "60s"}, output);
  ASSERT_GT(waiting, 0);
  auto early = runProgram({CC_CTL_PATH, "--url", url, "health", "--live"});
  EXPECT_EQ(early.exit_code, 2) << "nothing listens yet: " << waitOutcome(early);
  DaemonProcess daemon({"-D", "http.port=" + std::to_string(port)});
  ASSERT_TRUE(daemon.start()) << daemon.log();
  int status = 0;
  ASSERT_EQ(::waitpid(waiting, &status, 0), waiting);  // bounded by the ctl's own --timeout
  std::ifstream in(output);
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_EQ(jsonField(out, "status"), "pass") << out;
  EXPECT_EQ(jsonField(out, "condition"), "ready") << out;
}

TEST(WaitTest, GivesUpWithExit5) {
  const std::string url = "http://127.0.0.1:" + std::to_string(unusedPort());
  auto r = runProgram({CC_CTL_PATH, "--url", url, "wait", "--for=ready", "--timeout", "300ms"});
  EXPECT_EQ(r.exit_code, 5) << waitOutcome(r);
  EXPECT_TRUE(r.out.empty()) << waitOutcome(r);
  EXPECT_NE(r.err.find("controlcenterd was not ready within 300ms"), std::string::npos)
      << waitOutcome(r);
  EXPECT_NE(r.err.find("connection refused"), std::string::npos) << waitOutcome(r);
  auto usage = runProgram({CC_CTL_PATH, "--url", url, "wait", "--for=ready", "--timeout", "30"});
  EXPECT_EQ(usage.exit_code, 3) << waitOutcome(usage);
}

}  // namespace
}  // namespace cc::testing
