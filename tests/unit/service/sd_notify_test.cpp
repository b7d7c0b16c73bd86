#include "service/sd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <Poco/File.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "support/notify_receiver.h"

namespace cc::service {
namespace {

using cc::testing::NotifyReceiver;

std::string nextText(NotifyReceiver& manager) {
  auto note = manager.next();
  return note ? note->text : "<nothing received>";
}

class SdNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/cc-notify-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/notify.sock";
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v == nullptr ? std::optional<std::string>() : std::string(v));
    }
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
    Poco::File(dir_).remove(true);
  }

  std::string dir_;
  std::string path_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(SdNotifyTest, DisabledNotifierSendsNothingAndSucceeds) {
  Notifier n;
  EXPECT_FALSE(n.enabled());
  EXPECT_TRUE(n.ready("up").ok());
  EXPECT_TRUE(n.watchdog().ok());
  EXPECT_EQ(n.watchdogInterval().count(), 0);
}

TEST_F(SdNotifyTest, ReadyCarriesStatusInTheSameDatagram) {
  NotifyReceiver manager(path_);
  Notifier n(path_);
  ASSERT_TRUE(n.ready("serving on 127.0.0.1:8080").ok());
  auto note = manager.next();
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(note->text, "READY=1\nSTATUS=serving on 127.0.0.1:8080");
  EXPECT_EQ(note->sender, ::getpid()) << "NotifyAccess=main needs the main process as sender";
  ASSERT_TRUE(n.ready().ok());
  EXPECT_EQ(nextText(manager), "READY=1");
}

TEST_F(SdNotifyTest, StatusIsKeptOnOneLine) {
  NotifyReceiver manager(path_);
  Notifier n(path_);
  ASSERT_TRUE(n.status("two\nlines\r\nREADY=1").ok());
  EXPECT_EQ(nextText(manager), "STATUS=two lines  READY=1");
}

TEST_F(SdNotifyTest, ReloadingCarriesTheMonotonicClock) {
  NotifyReceiver manager(path_);
  Notifier n(path_);
  int64_t before = monotonicMicros();
  ASSERT_TRUE(n.reloading().ok());
  int64_t after = monotonicMicros();
  auto msg = manager.next();
  ASSERT_TRUE(msg.has_value());
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(msg->text.compare(0, prefix.size(), prefix), 0) << msg->text;
  int64_t stamp = std::stoll(msg->value("MONOTONIC_USEC"));
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, after);
}

TEST_F(SdNotifyTest, StoppingExtendTimeoutAndWatchdogMessages) {
  NotifyReceiver manager(path_);
  Notifier n(path_);
  ASSERT_TRUE(n.stopping("draining").ok());
  EXPECT_EQ(nextText(manager), "STOPPING=1\nSTATUS=draining");
  ASSERT_TRUE(n.extendTimeout(std::chrono::seconds(15)).ok());
  EXPECT_EQ(nextText(manager), "EXTEND_TIMEOUT_USEC=15000000");
  ASSERT_TRUE(n.watchdog().ok());
  EXPECT_EQ(nextText(manager), "WATCHDOG=1");
}

TEST_F(SdNotifyTest, AbstractSocketNamesStartWithAt) {
  std::string name = "@cc-notify-test-" + std::to_string(::getpid());
  NotifyReceiver manager(name);
  Notifier n(name);
  ASSERT_TRUE(n.ready().ok());
  EXPECT_EQ(nextText(manager), "READY=1");
}

TEST_F(SdNotifyTest, RelativeSocketPathIsRejected) {
  Notifier n("notify.sock");
  auto s = n.ready();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("neither an absolute path"), std::string::npos);
}

TEST_F(SdNotifyTest, MissingManagerIsAnErrorNotAHang) {
  Notifier n(dir_ + "/nobody-listens.sock");
  auto s = n.watchdog();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("nobody-listens.sock"), std::string::npos);
}

TEST_F(SdNotifyTest, FullReceiveQueueFailsInsteadOfBlocking) {
  NotifyReceiver manager(path_);
  manager.shrinkBuffer();
  Notifier n(path_);
  // Nobody reads: the queue fills and a blocking send would hang this test forever.
  bool failed = false;
  for (int i = 0; i < 100000 && !failed; ++i) failed = !n.status(std::string(512, 'x')).ok();
  EXPECT_TRUE(failed);
}

TEST_F(SdNotifyTest, FromEnvironmentReadsSocketAndWatchdog) {
  ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::unsetenv("WATCHDOG_PID");
  Notifier n = Notifier::fromEnvironment();
  EXPECT_TRUE(n.enabled());
  EXPECT_EQ(n.socket(), path_);
  EXPECT_EQ(n.watchdogInterval(), std::chrono::milliseconds(200));

  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(Notifier::fromEnvironment().watchdogInterval(), std::chrono::milliseconds(200));
}

TEST_F(SdNotifyTest, WatchdogMeantForAnotherProcessIsIgnored) {
  ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  Notifier n = Notifier::fromEnvironment();
  EXPECT_TRUE(n.enabled());
  EXPECT_EQ(n.watchdogInterval().count(), 0);
  ::setenv("WATCHDOG_PID", "garbage", 1);
  EXPECT_EQ(Notifier::fromEnvironment().watchdogInterval().count(), 0);
}

TEST_F(SdNotifyTest, UnsetNotifySocketDisables) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "200000", 1);
  Notifier n = Notifier::fromEnvironment();
  EXPECT_FALSE(n.enabled());
  Watchdog w(n, [] { return true; });
  EXPECT_FALSE(w.start());
  EXPECT_FALSE(w.running());
}

class WatchdogTest : public SdNotifyTest {};

TEST_F(WatchdogTest, PeriodIsHalfTheWatchdogTimeout) {
  Watchdog w(Notifier(path_, std::chrono::microseconds(200000)), [] { return true; });
  EXPECT_EQ(w.period(), std::chrono::microseconds(100000));
}

TEST_F(WatchdogTest, PingsOnlyWhileAlive) {
  NotifyReceiver manager(path_);
  bool alive = true;
  Watchdog w(Notifier(path_, std::chrono::seconds(1)), [&] { return alive; });
  EXPECT_TRUE(w.tick());
  EXPECT_EQ(nextText(manager), "WATCHDOG=1");
  alive = false;
  EXPECT_FALSE(w.tick());
  EXPECT_FALSE(w.tick());
  EXPECT_TRUE(manager.empty());
  alive = true;
  EXPECT_TRUE(w.tick());
  EXPECT_EQ(nextText(manager), "WATCHDOG=1");
  auto s = w.stats();
  EXPECT_EQ(s.pings, 2);
  EXPECT_EQ(s.missed, 2);
  EXPECT_EQ(s.send_failures, 0);
}

TEST_F(WatchdogTest, SendFailuresAreCountedWithTheLastError) {
  Watchdog w(Notifier(dir_ + "/gone.sock", std::chrono::seconds(1)), [] { return true; });
  EXPECT_FALSE(w.tick());
  auto s = w.stats();
  EXPECT_EQ(s.pings, 0);
  EXPECT_EQ(s.send_failures, 1);
  EXPECT_NE(s.last_error.find("gone.sock"), std::string::npos);
}

TEST_F(WatchdogTest, ThreadPingsAtOnceAndStopDoesNotWaitForThePeriod) {
  NotifyReceiver manager(path_);
  Watchdog w(Notifier(path_), std::chrono::hours(1), [] { return true; });
  ASSERT_TRUE(w.start());
  EXPECT_TRUE(w.running());
  EXPECT_EQ(nextText(manager), "WATCHDOG=1");
  auto before = std::chrono::steady_clock::now();
  w.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::minutes(1));
  EXPECT_FALSE(w.running());
  EXPECT_EQ(w.stats().pings, 1);
}

TEST_F(WatchdogTest, ThreadStaysSilentWhileTheCheckFails) {
  NotifyReceiver manager(path_);
  std::atomic<int> checks{0};
  Watchdog w(Notifier(path_), std::chrono::milliseconds(1), [&] {
    ++checks;
    return false;
  });
  ASSERT_TRUE(w.start());
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (checks < 5 && std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  w.stop();
  EXPECT_GE(checks.load(), 5);
  EXPECT_TRUE(manager.empty());
  EXPECT_EQ(w.stats().pings, 0);
  EXPECT_EQ(w.stats().missed, checks.load());
}

}  // namespace
}  // namespace cc::service
