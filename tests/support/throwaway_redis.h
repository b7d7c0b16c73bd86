#pragma once
// A Redis server of a test's own, for the fault cases (stopped, restarted) that must not touch the
// run's shared server (scripts/redis-server.sh, CC_TEST_REDIS_*).

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace cc::testing {

/// A redis-server in a temporary directory: password required, a Unix socket only (no TCP port),
/// nothing persisted. stop() and start() again keep the socket path and the password, so a client
/// configured once sees "Redis stopped" and "Redis back". The destructor stops it and removes the
/// directory. Not thread-safe.
class ThrowawayRedis {
 public:
  ThrowawayRedis() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cc-redis-test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::random_device random;
    password_ = "pw" + std::to_string(random()) + std::to_string(random());
    std::ofstream(dir_ + "/password") << password_ << "\n";
    std::ofstream(dir_ + "/redis.conf")
        << "requirepass " << password_ << "\nport 0\nunixsocket " << socketPath()
        << "\nunixsocketperm 700\nsave \"\"\nappendonly no\ndaemonize yes\npidfile " << dir_
        << "/redis.pid\nlogfile " << dir_ << "/server.log\ndir " << dir_ << "\n";
    // Owner only, as redis.password_file demands (and the config holds the password too).
    for (const char* name : {"/password", "/redis.conf"}) {
      std::filesystem::permissions(
          dir_ + name, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
  }
  ~ThrowawayRedis() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ThrowawayRedis(const ThrowawayRedis&) = delete;
  ThrowawayRedis& operator=(const ThrowawayRedis&) = delete;

  static bool available() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

  /// Starts the server and waits (up to 5 s) for its socket; false if it did not come up.
  bool start() {
    std::filesystem::remove(dir_ + "/redis.pid");
    std::string command = "redis-server " + dir_ + "/redis.conf >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) return false;
    for (int i = 0; i < 500; ++i) {
      if (std::filesystem::exists(socketPath()) && readPid() > 0) {
        pid_ = readPid();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  /// Stops the server (SIGTERM, SIGKILL after 5 s) and waits until it is gone.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 1000 && alive(); ++i) {
      if (i == 500) ::kill(pid_, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    std::error_code ignored;
    std::filesystem::remove(socketPath(), ignored);
  }

  std::string socketPath() const { return dir_ + "/redis.sock"; }
  std::string url() const { return "unix:" + socketPath(); }
  std::string passwordFile() const { return dir_ + "/password"; }
  const std::string& password() const { return password_; }

 private:
  pid_t readPid() const {
    std::ifstream in(dir_ + "/redis.pid");
    pid_t pid = -1;
    in >> pid;
    return in ? pid : -1;
  }
  // Redis removes its pidfile as it exits; a zombie nobody reaped yet counts as gone.
  bool alive() const {
    return std::filesystem::exists(dir_ + "/redis.pid") && (::kill(pid_, 0) == 0 || errno != ESRCH);
  }

  std::string dir_;
  std::string password_;
  pid_t pid_ = -1;
};

/// A test with its own Redis, started; skipped where redis-server is not installed.
class ThrowawayRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ThrowawayRedis::available()) GTEST_SKIP() << "no redis-server installed";
    ASSERT_TRUE(redis_.start());
  }
  ThrowawayRedis redis_;
};

}  // namespace cc::testing
