#include "http/event_loops.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cc::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What serve() answers with for a request whose answer comes later: the ticket goes to `tickets`
// when the loop starts waiting; past `deadline` the loop calls on_deadline, counted in `overdue`.
struct Later {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<EventLoops::Ticket> tickets;
  int overdue = 0;
  bool waitForTickets(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, 3s, [&] { return tickets.size() >= count; });
  }
  // A copy, taken under the mutex: the loop may be adding the next one.
  EventLoops::Ticket ticket(std::size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    return tickets.at(i);
  }
  int overdueCount() {
    std::lock_guard<std::mutex> lock(mutex);
    return overdue;
  }
  bool waitForOverdue(int count) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, 3s, [&] { return overdue >= count; });
  }
  EventLoops::Answer answer(Poco::Net::StreamSocket& s, Clock::duration deadline) {
    char c;
    s.receiveBytes(&c, 1);
    EventLoops::Answer later;
    later.next = EventLoops::Answer::Next::kLater;
    later.later_deadline = Clock::now() + deadline;
    later.start = [this](const EventLoops::Ticket& ticket) {
      std::lock_guard<std::mutex> lock(mutex);
      tickets.push_back(ticket);
      changed.notify_all();
    };
    later.on_deadline = [this] {
      std::lock_guard<std::mutex> lock(mutex);
      ++overdue;
      changed.notify_all();
    };
    return later;
  }
};

// Connected loopback pairs, and a record of what the loops handed off and expired. Unless a test
// sets `serve_`, every readable connection is handed off, as a worker-bound request would be.
class EventLoopsTest : public ::testing::Test {
 protected:
  using Answer = EventLoops::Answer;
  void SetUp() override {
    listener_.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    listener_.listen();
    ASSERT_TRUE(reactor_.start());
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
  // Reads until `size` bytes or the end, at most 5 s.
  static std::string receive(Poco::Net::StreamSocket& socket, std::size_t size) {
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string got;
    char buf[65536];
    while (got.size() < size) {
      int n = socket.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

  Poco::Net::ServerSocket listener_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Poco::Net::StreamSocket> woken_;
  std::vector<Poco::Net::StreamSocket> expired_;
  std::vector<std::pair<bool, EventLoops::Why>> expired_how_;  // fresh, why
  std::function<Answer(Poco::Net::StreamSocket&)> serve_;
  Later later_;  // for serve_ to answer later with; outlives the loops' use of it
  Reactor reactor_{Reactor::Options{2, 0, "test"}};  // outlives the loops
  EventLoops idle_{
      reactor_, [this](Poco::Net::StreamSocket& s) { return serve_ ? serve_(s) : Answer{}; },
      [this](Poco::Net::StreamSocket& s, bool, Clock::time_point) { record(woken_, s); },
      [this](Poco::Net::StreamSocket& s, bool fresh, EventLoops::Why why) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          expired_how_.emplace_back(fresh, why);
        }
        record(expired_, s);
      }};
};

TEST_F(EventLoopsTest, RefusesBeforeStart) {
  auto [client, server] = connectPair();
  EXPECT_FALSE(idle_.park(server, Clock::now() + 10s));
  EXPECT_EQ(idle_.size(), 0u);
}

TEST_F(EventLoopsTest, WakesAConnectionWhenItsNextRequestArrives) {
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

TEST_F(EventLoopsTest, AConnectionCanBeParkedAgainAfterItWasWoken) {
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

TEST_F(EventLoopsTest, APeerThatClosesIsHandedBackToSeeTheEnd) {
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 10s));
  client.close();
  ASSERT_TRUE(waitFor(woken_, 1));
}

TEST_F(EventLoopsTest, ExpiresConnectionsIdlePastTheirDeadline) {
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

TEST_F(EventLoopsTest, CloseAllServesWaitingRequestsExpiresTheRestAndRefusesMore) {
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

TEST_F(EventLoopsTest, CloseOldestExpiresTheLongestParkedFirstBeforeReturning) {
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

TEST_F(EventLoopsTest, StopExpiresEverythingStillParked) {
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

// What serve() answers with, reading the one-byte "request" first.
EventLoops::Answer answerWith(Poco::Net::StreamSocket& s, std::string out,
                              EventLoops::Answer::Next next, Clock::duration send_within = 10s) {
  char c;
  s.receiveBytes(&c, 1);
  EventLoops::Answer answer;
  answer.next = next;
  answer.out = std::move(out);
  answer.idle_deadline = Clock::now() + 60s;
  answer.send_deadline = Clock::now() + send_within;
  return answer;
}

TEST_F(EventLoopsTest, AnswersOnTheLoopAndKeepsTheConnectionForItsNextRequest) {
  serve_ = [](Poco::Net::StreamSocket& s) {
    return answerWith(s, "pong", EventLoops::Answer::Next::kKeep);
  };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s, true));
  for (int i = 0; i < 3; ++i) {
    client.sendBytes("a", 1);
    EXPECT_EQ(receive(client, 4), "pong");
  }
  EXPECT_EQ(idle_.size(), 1u);
  EXPECT_TRUE(woken_.empty());
  EXPECT_TRUE(expired_.empty());
}

TEST_F(EventLoopsTest, AnswersAndClosesWhenTheAnswerSaysSo) {
  serve_ = [](Poco::Net::StreamSocket& s) {
    return answerWith(s, "bye", EventLoops::Answer::Next::kClose);
  };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s, true));
  client.sendBytes("a", 1);
  ASSERT_TRUE(waitFor(expired_, 1));
  EXPECT_EQ(expired_how_.front().second, EventLoops::Why::kAnswered);
  EXPECT_FALSE(expired_how_.front().first) << "answered: no longer a new connection";
  EXPECT_EQ(idle_.size(), 0u);
}

TEST_F(EventLoopsTest, AnAnswerLargerThanTheSocketTakesIsSentWholeAsTheClientReads) {
  std::string big(8 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  serve_ = [&big](Poco::Net::StreamSocket& s) {
    return answerWith(s, big, EventLoops::Answer::Next::kKeep);
  };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  client.sendBytes("a", 1);
  // The client reads only after the loop had to stop sending: the rest waited for it.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(receive(client, big.size()), big);
  // Kept for its next request afterwards, and answered again.
  serve_ = [](Poco::Net::StreamSocket& s) {
    return answerWith(s, "again", EventLoops::Answer::Next::kKeep);
  };
  client.sendBytes("b", 1);
  EXPECT_EQ(receive(client, 5), "again");
  EXPECT_TRUE(expired_.empty());
}

TEST_F(EventLoopsTest, AClientThatReadsNothingOfAnAnswerIsExpiredAtTheSendDeadline) {
  serve_ = [](Poco::Net::StreamSocket& s) {
    return answerWith(s, std::string(32 << 20, 'x'), EventLoops::Answer::Next::kKeep, 300ms);
  };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  client.sendBytes("a", 1);
  ASSERT_TRUE(waitFor(expired_, 1));
  EXPECT_EQ(expired_how_.front().second, EventLoops::Why::kSlowReader);
}

TEST_F(EventLoopsTest, ANewConnectionWithoutARequestExpiresAsNew) {
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 300ms, true));
  ASSERT_TRUE(waitFor(expired_, 1));
  EXPECT_TRUE(expired_how_.front().first);
  EXPECT_EQ(expired_how_.front().second, EventLoops::Why::kIdle);
}

TEST_F(EventLoopsTest, ManyConnectionsSpreadOverTheLoopsAreAllAnswered) {
  serve_ = [](Poco::Net::StreamSocket& s) {
    return answerWith(s, "ok", EventLoops::Answer::Next::kKeep);
  };
  idle_.start();
  EXPECT_EQ(idle_.loops(), 2);
  std::vector<std::pair<Poco::Net::StreamSocket, Poco::Net::StreamSocket>> pairs;
  for (int i = 0; i < 40; ++i) {
    pairs.push_back(connectPair());
    ASSERT_TRUE(idle_.park(pairs.back().second, Clock::now() + 60s));
  }
  for (auto& [client, server] : pairs) client.sendBytes("a", 1);
  for (auto& [client, server] : pairs) EXPECT_EQ(receive(client, 2), "ok");
  EXPECT_EQ(idle_.size(), 40u);
}

EventLoops::Answer made(std::string out, EventLoops::Answer::Next next) {
  EventLoops::Answer answer;
  answer.next = next;
  answer.out = std::move(out);
  answer.idle_deadline = Clock::now() + 60s;
  answer.send_deadline = Clock::now() + 10s;
  return answer;
}

TEST_F(EventLoopsTest, AnAnswerMadeElsewhereIsSentAndTheConnectionServedAgain) {
  Later& later = later_;
  serve_ = [&later](Poco::Net::StreamSocket& s) { return later.answer(s, 60s); };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  client.sendBytes("a", 1);
  ASSERT_TRUE(later.waitForTickets(1));
  EXPECT_EQ(idle_.waiting(), 1u);
  // Sent while waiting: read only once the first answer has gone (answers stay in order).
  client.sendBytes("b", 1);
  std::thread elsewhere([&] {
    EXPECT_TRUE(idle_.complete(later.ticket(0), made("one", EventLoops::Answer::Next::kKeep)));
  });
  elsewhere.join();
  EXPECT_EQ(receive(client, 3), "one");
  ASSERT_TRUE(later.waitForTickets(2)) << "the pipelined request is served next";
  EXPECT_FALSE(idle_.complete(later.ticket(0), made("stale", EventLoops::Answer::Next::kKeep)))
      << "a ticket is good for one answer";
  EXPECT_TRUE(idle_.complete(later.ticket(1), made("two", EventLoops::Answer::Next::kKeep)));
  EXPECT_EQ(receive(client, 3), "two");
  EXPECT_EQ(idle_.waiting(), 0u);
  EXPECT_EQ(idle_.size(), 1u);
  EXPECT_EQ(later.overdueCount(), 0);
  EXPECT_TRUE(expired_.empty());
  EXPECT_TRUE(woken_.empty());
}

TEST_F(EventLoopsTest, PastItsDeadlineAWaitingConnectionIsToldOnceAndStillWaits) {
  Later& later = later_;
  serve_ = [&later](Poco::Net::StreamSocket& s) { return later.answer(s, 200ms); };
  idle_.start();
  auto [client, server] = connectPair();
  const auto start = Clock::now();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  client.sendBytes("a", 1);
  ASSERT_TRUE(later.waitForOverdue(1));
  EXPECT_GE(Clock::now() - start, 200ms);
  std::this_thread::sleep_for(300ms);  // more sweeps: on_deadline is not called again
  EXPECT_EQ(later.overdueCount(), 1);
  EXPECT_EQ(idle_.waiting(), 1u) << "not expired: the answer on its way is still sent";
  ASSERT_TRUE(later.waitForTickets(1));
  EXPECT_TRUE(idle_.complete(later.ticket(0), made("late", EventLoops::Answer::Next::kClose)));
  EXPECT_EQ(receive(client, 4), "late");
  ASSERT_TRUE(waitFor(expired_, 1));
  EXPECT_EQ(expired_how_.front().second, EventLoops::Why::kAnswered);
}

TEST_F(EventLoopsTest, CloseAllLeavesAWaitingConnectionForItsAnswerAndStopExpiresIt) {
  Later& later = later_;
  serve_ = [&later](Poco::Net::StreamSocket& s) { return later.answer(s, 60s); };
  idle_.start();
  auto [client, server] = connectPair();
  auto [client2, server2] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  ASSERT_TRUE(idle_.park(server2, Clock::now() + 60s));
  client.sendBytes("a", 1);
  client2.sendBytes("a", 1);
  ASSERT_TRUE(later.waitForTickets(2));
  idle_.closeAll();
  std::this_thread::sleep_for(300ms);  // a closing sweep or more
  EXPECT_EQ(idle_.waiting(), 2u);
  EXPECT_TRUE(expired_.empty());
  EXPECT_TRUE(woken_.empty());
  // The two loops may have started them in either order.
  const bool first_is_client = later.ticket(0).fd == server.impl()->sockfd();
  const EventLoops::Ticket mine = later.ticket(first_is_client ? 0 : 1);
  const EventLoops::Ticket other = later.ticket(first_is_client ? 1 : 0);
  EXPECT_TRUE(idle_.complete(mine, made("done", EventLoops::Answer::Next::kClose)));
  EXPECT_EQ(receive(client, 4), "done");
  idle_.stop();
  EXPECT_EQ(expired_.size(), 2u);
  EXPECT_EQ(expired_how_.back().second, EventLoops::Why::kStopping);
  EXPECT_FALSE(idle_.complete(other, made("gone", EventLoops::Answer::Next::kKeep)))
      << "stopped: the answer is dropped";
}

TEST_F(EventLoopsTest, ARequestStillArrivingIsAskedAboutAgainOnlyOnceItIsAllThere) {
  std::atomic<int> asked{0};
  serve_ = [&asked](Poco::Net::StreamSocket& s) {
    ++asked;
    char buf[16];
    const int n = s.impl()->receiveBytes(buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
    if (n < 10) {
      EventLoops::Answer await;
      await.next = EventLoops::Answer::Next::kAwait;
      await.await_bytes = 10;
      await.idle_deadline = Clock::now() + 60s;
      return await;
    }
    s.receiveBytes(buf, 10);
    return made("whole", EventLoops::Answer::Next::kKeep);
  };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  client.sendBytes("12", 2);
  for (const char* piece : {"34", "56", "78"}) {
    std::this_thread::sleep_for(50ms);
    client.sendBytes(piece, 2);
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(asked.load(), 1) << "not woken for each piece";
  client.sendBytes("90", 2);
  EXPECT_EQ(receive(client, 5), "whole");
  EXPECT_EQ(asked.load(), 2);
  // Readable as usual again: one byte wakes it.
  client.sendBytes("x", 1);
  for (int i = 0; i < 100 && asked.load() < 3; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(asked.load(), 3);
}

TEST_F(EventLoopsTest, ARequestThatDoesNotArriveInTimeIsHandedOff) {
  serve_ = [](Poco::Net::StreamSocket&) {
    EventLoops::Answer await;
    await.next = EventLoops::Answer::Next::kAwait;
    await.await_bytes = 100;
    await.idle_deadline = Clock::now() + 200ms;
    return await;
  };
  idle_.start();
  auto [client, server] = connectPair();
  ASSERT_TRUE(idle_.park(server, Clock::now() + 60s));
  client.sendBytes("part", 4);
  ASSERT_TRUE(waitFor(woken_, 1));
  EXPECT_TRUE(expired_.empty());
  // Handed off readable as usual: a worker's blocking read returns what is there.
  char buf[16];
  woken_.front().setReceiveTimeout(Poco::Timespan(1, 0));
  EXPECT_EQ(woken_.front().receiveBytes(buf, sizeof buf), 4);
}

}  // namespace
}  // namespace cc::http
