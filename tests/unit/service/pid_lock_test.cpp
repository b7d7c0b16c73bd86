#include "service/pid_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace cc::service {
namespace {

class PidLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cc-pidlock-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/sub/dir/cc.pid";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string content() {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Runs acquire() in a child process; its exit code is 0 when it got the lock, 1 when refused.
  int acquireInChild() {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto lock = PidLock::acquire(path_);
      ::_exit(lock ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string dir_;
  std::string path_;
};

TEST_F(PidLockTest, ThePidFileIsOwnerOnlyUnderAPermissiveUmask) {
  const mode_t saved = ::umask(0);
  auto lock = PidLock::acquire(path_);
  ::umask(saved);
  ASSERT_TRUE(lock.ok()) << lock.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(PidLockTest, WritesOurPidCreatingTheDirectoryAndRemovesTheFileOnRelease) {
  {
    auto lock = PidLock::acquire(path_);
    ASSERT_TRUE(lock) << lock.error().message;
    EXPECT_EQ(content(), std::to_string(::getpid()) + "\n");
  }
  EXPECT_FALSE(std::ifstream(path_).good());
}

TEST_F(PidLockTest, AnotherProcessIsRefusedWhileWeHoldIt) {
  auto lock = PidLock::acquire(path_);
  ASSERT_TRUE(lock);
  EXPECT_EQ(acquireInChild(), 1);
  EXPECT_EQ(content(), std::to_string(::getpid()) + "\n") << "the refused process wrote nothing";
}

TEST_F(PidLockTest, RefusalNamesTheHolderAndHowToStopIt) {
  // The holder is a child process, so that the refusal names a PID other than ours.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t holder = ::fork();
  if (holder == 0) {
    auto lock = PidLock::acquire(path_);
    char c = lock ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto refused = PidLock::acquire(path_);
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("pid " + std::to_string(holder)), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("kill " + std::to_string(holder)), std::string::npos);
  // The holder died without cleaning up; its lock died with it, so the file is taken over.
  auto next = PidLock::acquire(path_);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(content(), std::to_string(::getpid()) + "\n");
}

TEST_F(PidLockTest, GarbageAndStaleFilesAreTakenOver) {
  ASSERT_EQ(acquireInChild(), 0);  // creates the directory; the child exits without cleanup
  std::ofstream(path_) << "garbage\x01 not a pid " << std::string(300, 'x');
  auto lock = PidLock::acquire(path_);
  ASSERT_TRUE(lock) << lock.error().message;
  EXPECT_EQ(content(), std::to_string(::getpid()) + "\n");
}

}  // namespace
}  // namespace cc::service
