// The reactor: sockets reported to their client, tasks run in order on the loop, ticks by the
// deadline a client asks for, and nothing after detach or stop.
#include "http/reactor.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/thread_priority.h"
#include "unit/eventually.h"

namespace cc::http {
namespace {

using cc::testing::eventually;
using Clock = Reactor::Clock;

// Records what loop `loop` tells it, on from construction until detach() or destruction; asks to
// be ticked again `every` after each tick.
class ReactorProbe : public Reactor::Client {
 public:
  ReactorProbe(Reactor& reactor, std::size_t loop, Clock::duration every = std::chrono::hours(1))
      : reactor_(reactor), loop_(loop), every_(every), tag(reactor.attach(loop, *this)) {}
  ~ReactorProbe() override { detach(); }
  void detach() {
    if (attached_) reactor_.detach(loop_, tag);
    attached_ = false;
  }
  void ready(int fd, unsigned events) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.emplace_back(fd, events);
  }
  Clock::time_point tick(Clock::time_point now) override {
    ++ticks;
    thread = std::this_thread::get_id();
    return now + every_;
  }
  std::vector<std::pair<int, unsigned>> readyEvents() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ready_;
  }
  std::atomic<int> ticks{0};
  std::atomic<std::thread::id> thread{};

 private:
  Reactor& reactor_;
  std::size_t loop_;
  Clock::duration every_;
  bool attached_ = true;
  std::mutex mutex_;
  std::vector<std::pair<int, unsigned>> ready_;

 public:
  const int tag;  // last: the loop may call it as soon as it is attached
};

class ReactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    listener_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    listener_.listen();
    ASSERT_TRUE(reactor_.start());
  }
  std::pair<Poco::Net::StreamSocket, Poco::Net::StreamSocket> connectPair() {
    Poco::Net::StreamSocket client(listener_.address());
    return {client, listener_.acceptConnection()};
  }

  Poco::Net::ServerSocket listener_;
  Reactor reactor_{Reactor::Options{2, 0, "test"}};
};

TEST_F(ReactorTest, ReportsAReadableSocketToTheClientThatAddedIt) {
  ReactorProbe mine(reactor_, 0);
  ReactorProbe other(reactor_, 0);
  const int tag = mine.tag;
  auto [client, server] = connectPair();
  ASSERT_TRUE(reactor_.add(0, tag, server, Reactor::kReadable));
  reactor_.call(0, [] {});  // a round at least has passed
  reactor_.call(0, [] {});
  EXPECT_TRUE(mine.readyEvents().empty()) << "nothing to read yet, and writable was not asked for";
  client.sendBytes("x", 1);
  ASSERT_TRUE(eventually([&] { return !mine.readyEvents().empty(); }));
  auto [fd, events] = mine.readyEvents().front();
  EXPECT_EQ(fd, server.impl()->sockfd());
  EXPECT_TRUE(events & Reactor::kReadable);
  EXPECT_TRUE(other.readyEvents().empty());
  reactor_.remove(0, server);
}

TEST_F(ReactorTest, ReportsWritableOnlyWhenAskedAndAHangUp) {
  ReactorProbe mine(reactor_, 1);
  const int tag = mine.tag;
  auto [client, server] = connectPair();
  ASSERT_TRUE(reactor_.add(1, tag, server, Reactor::kReadable));
  ASSERT_TRUE(reactor_.modify(1, tag, server, Reactor::kReadable | Reactor::kWritable));
  ASSERT_TRUE(eventually([&] {
    for (auto [fd, events] : mine.readyEvents()) {
      if (events & Reactor::kWritable) return true;
    }
    return false;
  }));
  ASSERT_TRUE(reactor_.modify(1, tag, server, Reactor::kReadable));
  client.close();
  ASSERT_TRUE(eventually([&] {
    auto seen = mine.readyEvents();
    return (seen.back().second & Reactor::kHangUp) != 0;
  }));
  reactor_.remove(1, server);
}

TEST_F(ReactorTest, RunsPostedTasksInOrderOnTheLoopsThread) {
  std::mutex mutex;
  std::vector<int> order;
  std::vector<bool> on_loop;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(reactor_.post(0, [&, i] {
      std::lock_guard<std::mutex> lock(mutex);
      order.push_back(i);
      on_loop.push_back(reactor_.onLoop(0) && !reactor_.onLoop(1));
    }));
  }
  int seen = 0;
  reactor_.call(0, [&] {
    std::lock_guard<std::mutex> lock(mutex);
    seen = static_cast<int>(order.size());
  });
  EXPECT_EQ(seen, 100) << "call() runs after what was posted before";
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
    EXPECT_TRUE(on_loop[static_cast<std::size_t>(i)]);
  }
  EXPECT_FALSE(reactor_.onLoop(0)) << "the test's own thread";
}

TEST_F(ReactorTest, TicksAClientAgainByTheDeadlineItAsksFor) {
  // An hour between ticks unless asked sooner: this one asks for every 5 ms.
  ReactorProbe often(reactor_, 1, std::chrono::milliseconds(5));
  ReactorProbe rarely(reactor_, 1);
  ASSERT_TRUE(eventually([&] { return often.ticks.load() >= 20; }));
  EXPECT_LT(rarely.ticks.load(), often.ticks.load());
  EXPECT_EQ(often.thread.load(), rarely.thread.load());
}

TEST_F(ReactorTest, ADetachedClientIsNeitherTickedNorToldAnyMore) {
  ReactorProbe gone(reactor_, 0, std::chrono::milliseconds(1));
  const int tag = gone.tag;
  ASSERT_TRUE(eventually([&] { return gone.ticks.load() > 0; }));
  auto [client, server] = connectPair();
  ASSERT_TRUE(reactor_.add(0, tag, server, Reactor::kReadable));
  gone.detach();
  const int ticks = gone.ticks.load();
  client.sendBytes("x", 1);
  ReactorProbe after(reactor_, 0);
  const int next = after.tag;
  reactor_.call(0, [] {});  // a round at least has passed since the byte came
  reactor_.call(0, [] {});
  EXPECT_EQ(gone.ticks.load(), ticks);
  EXPECT_TRUE(gone.readyEvents().empty());
  EXPECT_NE(next, tag) << "a tag is never given twice";
  reactor_.remove(0, server);
}

TEST_F(ReactorTest, StopRunsWhatWasPostedBeforeThenRefusesAndCallRunsHere) {
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(reactor_.post(1, [&] { ++ran; }));
  reactor_.stop();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_FALSE(reactor_.running());
  EXPECT_FALSE(reactor_.post(1, [&] { ++ran; }));
  std::thread::id where{};
  reactor_.call(1, [&] { where = std::this_thread::get_id(); });
  EXPECT_EQ(where, std::this_thread::get_id());
  EXPECT_EQ(ran.load(), 10);
}

#ifndef _WIN32
TEST(ReactorBatchTest, TheLoopsAreBatchThreadsWhenAskedAndOnlyThen) {
  for (bool batch : {true, false}) {
    Reactor reactor(Reactor::Options{2, 0, "test", batch});
    ASSERT_TRUE(reactor.start());
    for (int loop = 0; loop < 2; ++loop) {
      std::promise<bool> seen;
      ASSERT_TRUE(reactor.post(loop, [&] { seen.set_value(common::threadBatch()); }));
      EXPECT_EQ(seen.get_future().get(), batch) << "loop " << loop;
    }
    reactor.stop();
  }
}
#endif

TEST(ReactorBeforeStartTest, RefusesTasks) {
  Reactor reactor(Reactor::Options{1, 0, "test"});
  EXPECT_FALSE(reactor.post(0, [] {}));
  EXPECT_EQ(reactor.loops(), 1);
}

}  // namespace
}  // namespace cc::http
