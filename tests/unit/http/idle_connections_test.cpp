#include "http/idle_connections.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace cc::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Connected loopback pairs, and a record of what IdleConnections handed back.
class IdleConnectionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    listener_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    listener_.listen();
  }
  void TearDown() override { idle_.stop(); }

  // Returns {client side, server side}.
  std::pair<Poco::Net::StreamSocket, Poco::Net::StreamSocket> connectPair() {
    Poco::Net::StreamSocket client(listener_.address());
    return {client, listener_.acceptConnection()};
  }
  // Waits until `count` hand-backs of the kind were seen, at most 3 s.
  bool waitFor(std::vector<Poco::Net::StreamSocket>& seen, std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, 3s, [&] { return seen.size() >= count; });
  }
  void record(std::vector<Poco::Net::StreamSocket>& into, Poco::Net::StreamSocket& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    into.push_back(s);
    changed_.notify_all();
  }

  Poco::Net::ServerSocket listener_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Poco::Net::StreamSocket> woken_;
  std::vector<Poco::Net::StreamSocket> expired_;
  IdleConnections idle_{[this](Poco::Net::StreamSocket& s) { record(woken_, s); },
                        [this](Poco::Net::StreamSocket& s) { record(expired_, s); }};
};

TEST_F(IdleConnectionsTest, RefusesBeforeStart) {
  auto [client, server] = connectPair();
  EXPECT_FALSE(idle_.park(server, Clock::now() + 10s));
  EXPECT_EQ(idle_.size(), 0u);
}

TEST_F(IdleConnectionsTest, WakesAConnectionWhenItsNextRequestArrives) {
  idle_.start();
  ASSERT_TRUE(idle_.available());
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 10s));
  EXPECT_EQ(idle_.size(), 1u);
  client.sendBytes("GET", 3);
  ASSERT_TRUE(waitFor(woken_, 1));
  EXPECT_EQ(woken_.front().impl(), server.impl()) << "the same connection comes back";
  EXPECT_EQ(idle_.size(), 0u);
  EXPECT_TRUE(expired_.empty());
}

TEST_F(IdleConnectionsTest, AConnectionCanBeParkedAgainAfterItWasWoken) {
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 10s));
  client.sendBytes("a", 1);
  ASSERT_TRUE(waitFor(woken_, 1));
  char c;
  server.receiveBytes(&c, 1);  // the worker reads the request
  ASSERT_TRUE(idle_.park(server, Clock::now() + 10s));
  client.sendBytes("b", 1);
  ASSERT_TRUE(waitFor(woken_, 2));
}

TEST_F(IdleConnectionsTest, APeerThatClosesIsHandedBackToSeeTheEnd) {
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 10s));
  client.close();
  ASSERT_TRUE(waitFor(woken_, 1));
}

TEST_F(IdleConnectionsTest, ExpiresConnectionsIdlePastTheirDeadline) {
  idle_.start();
  auto [client, server] = connectPair();
  auto [client2, server2] = connectPair();
  auto start = Clock::now();
  ASSERT_TRUE(idle_.park(server, start + 300ms));
  ASSERT_TRUE(idle_.park(server2, start + 60s));
  ASSERT_TRUE(waitFor(expired_, 1));
  EXPECT_GE(Clock::now() - start, 300ms);
  EXPECT_EQ(expired_.front().impl(), server.impl());
  EXPECT_EQ(idle_.size(), 1u) << "the other one is still within its deadline";
  EXPECT_TRUE(woken_.empty());
}

TEST_F(IdleConnectionsTest, CloseAllServesWaitingRequestsExpiresTheRestAndRefusesMore) {
  idle_.start();
  auto [quiet_client, quiet] = connectPair();
  auto [busy_client, busy] = connectPair();
  ASSERT_TRUE(idle_.park(quiet, Clock::now() + 60s));
  ASSERT_TRUE(idle_.park(busy, Clock::now() + 60s));
  busy_client.sendBytes("x", 1);  // a request on its way as draining starts
  idle_.closeAll();
  ASSERT_TRUE(waitFor(expired_, 1));
  ASSERT_TRUE(waitFor(woken_, 1));
  EXPECT_EQ(expired_.size(), 1u);
  EXPECT_EQ(expired_.front().impl(), quiet.impl());
  EXPECT_EQ(woken_.front().impl(), busy.impl()) << "a sent request is still served";
  EXPECT_EQ(idle_.size(), 0u);
  auto [late_client, late] = connectPair();
  EXPECT_FALSE(idle_.park(late, Clock::now() + 60s)) << "no parking while draining";
}

TEST_F(IdleConnectionsTest, CloseOldestExpiresTheLongestParkedFirstBeforeReturning) {
  idle_.start();
  auto [c1, newest] = connectPair();
  auto [c2, oldest] = connectPair();
  auto [c3, middle] = connectPair();
  // One keep-alive timeout for all, so the earliest deadline is the longest parked.
  auto now = Clock::now();
  ASSERT_TRUE(idle_.park(newest, now + 30s));
  ASSERT_TRUE(idle_.park(oldest, now + 10s));
  ASSERT_TRUE(idle_.park(middle, now + 20s));
  EXPECT_EQ(idle_.closeOldest(2), 2u);
  std::vector<Poco::Net::StreamSocket> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    expired = expired_;  // already there: expired on this thread, not the watcher's
  }
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].impl(), oldest.impl());
  EXPECT_EQ(expired[1].impl(), middle.impl());
  EXPECT_EQ(idle_.size(), 1u);
  EXPECT_EQ(idle_.closeOldest(5), 1u) << "no more than are parked";
  EXPECT_EQ(idle_.closeOldest(1), 0u);
  EXPECT_TRUE(woken_.empty());
}

TEST_F(IdleConnectionsTest, StopExpiresEverythingStillParked) {
  idle_.start();
  auto [c1, s1] = connectPair();
  auto [c2, s2] = connectPair();
  ASSERT_TRUE(idle_.park(s1, Clock::now() + 60s));
  ASSERT_TRUE(idle_.park(s2, Clock::now() + 60s));
  idle_.stop();
  EXPECT_EQ(expired_.size(), 2u);
  EXPECT_TRUE(woken_.empty());
  EXPECT_FALSE(idle_.park(s1, Clock::now() + 60s));
}

}  // namespace
}  // namespace cc::http
