// Hostile clients against the real daemon: slow senders, framing tricks, a crash mid-write and
// random bytes. The daemon must stay responsive, answer with the right status and keep its data.

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string statusLine(const std::string& raw) { return raw.substr(0, raw.find("\r\n")); }

// The status code of a raw answer ("HTTP/1.x NNN ..."); 0 when there is none.
int statusOf(const std::string& raw) {
  return raw.size() > 12 && raw.compare(0, 7, "HTTP/1.") == 0 ? std::atoi(raw.substr(9, 3).c_str())
                                                              : 0;
}

long long millisSince(steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
}

// Reads what the server sends until it closes or `limit` passes; true if it closed.
bool readUntilClosed(Poco::Net::StreamSocket& s, std::string& out, milliseconds limit) {
  auto until = steady_clock::now() + limit;
  s.setReceiveTimeout(Poco::Timespan(100 * 1000));
  char buf[4096];
  while (steady_clock::now() < until) {
    try {
      int n = s.receiveBytes(buf, sizeof buf);
      if (n <= 0) return true;
      out.append(buf, static_cast<std::size_t>(n));
    } catch (const Poco::TimeoutException&) {
      continue;
    } catch (const Poco::Exception&) {
      return true;
    }
  }
  return false;
}

// 50 connections drip one header byte each every 200 ms while a normal client keeps asking
// for /health: every answer must come promptly, although the drippers outnumber the workers.
TEST(AbuseTest, SlowlorisDoesNotStarveNormalClients) {
  DaemonProcess d(
      {"-D", "http.threads=8", "-D", "http.header_timeout_ms=1000", "-D", "log.access=off"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string drip = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(
        std::make_unique<Poco::Net::StreamSocket>(Poco::Net::SocketAddress(d.httpAddress())));
  }
  std::atomic<bool> stop{false};
  std::thread dripper([&] {
    std::size_t pos = 0;
    for (int round = 0; round < 15 && !stop; ++round) {  // 15 x 200 ms = 3 s
      char c = pos < drip.size() ? drip[pos] : 'a';
      ++pos;
      for (auto& s : slow) {
        try {
          s->sendBytes(&c, 1);
        } catch (const Poco::Exception&) {
          // The server closed it (header timeout): exactly what protects everyone else.
        }
      }
      std::this_thread::sleep_for(milliseconds(200));
    }
  });
  std::this_thread::sleep_for(milliseconds(300));  // let the drippers take the workers first
  int probes = 0;
  auto start = steady_clock::now();
  while (millisSince(start) < 2500) {
    auto probe_start = steady_clock::now();
    auto r = httpRequest(d.httpAddress(), "GET", "/health", {}, {}, 5000);
    auto took = millisSince(probe_start);
    EXPECT_EQ(r.status, 200) << "probe " << probes;
    EXPECT_LT(took, 1000) << "probe " << probes << " waited " << took << " ms";
    ++probes;
    std::this_thread::sleep_for(milliseconds(100));
  }
  stop = true;
  dripper.join();
  EXPECT_GE(probes, 3);
  EXPECT_EQ(httpRequest(d.httpAddress(), "GET", "/health").status, 200);
}

// Headers that trickle in never complete: the header timeout is a deadline for the whole
// header, not an idle timer that every byte resets.
TEST(AbuseTest, DripFedHeadersGet408WithinTheHeaderTimeout) {
  DaemonProcess d({"-D", "http.header_timeout_ms=1000"});
  ASSERT_TRUE(d.start()) << d.log();
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  s.sendBytes(head.data(), static_cast<int>(head.size()));
  auto start = steady_clock::now();
  std::string answer;
  bool closed = false;
  // At most 30 bytes over 6 s; a server that honours the deadline stops this after ~1 s.
  for (int i = 0; i < 30 && !closed; ++i) {
    try {
      s.sendBytes("a", 1);
    } catch (const Poco::Exception&) {
      closed = true;
    }
    closed = readUntilClosed(s, answer, milliseconds(200)) || closed;
  }
  auto took = millisSince(start);
  EXPECT_TRUE(closed) << "the connection outlived six header timeouts";
  EXPECT_EQ(statusOf(answer), 408) << answer;
  EXPECT_NE(answer.find("\"code\":\"request_timeout\""), std::string::npos) << answer;
  EXPECT_LT(took, 4000);
}

// A body that stalls after its headers arrive is answered 408 instead of holding a worker.
TEST(AbuseTest, StalledBodyGets408) {
  DaemonProcess d({"-D", "http.header_timeout_ms=1000", "-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string head =
      "POST /api/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 10\r\n\r\n{";
  s.sendBytes(head.data(), static_cast<int>(head.size()));
  std::string answer;
  EXPECT_TRUE(readUntilClosed(s, answer, milliseconds(6000)));
  EXPECT_EQ(statusOf(answer), 408) << answer;
  EXPECT_NE(answer.find("\"code\":\"request_timeout\""), std::string::npos) << answer;
}

// A body trickled a byte at a time, each byte well inside the read timeout, still ends at the
// request deadline: 408, and the worker is free again, instead of one slow upload per worker.
TEST(AbuseTest, TrickledBodyGets408AtTheRequestDeadline) {
  DaemonProcess d({"-D", "http.header_timeout_ms=1000", "-D", "http.request_timeout_ms=1500", "-D",
                   "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string head =
      "POST /api/agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n";
  s.sendBytes(head.data(), static_cast<int>(head.size()));
  auto start = steady_clock::now();
  std::string answer;
  bool closed = false;
  // 100 bytes at one per 250 ms would take 25 s; the deadline must stop it after 1.5 s.
  for (int i = 0; i < 100 && !closed; ++i) {
    try {
      s.sendBytes(" ", 1);
    } catch (const Poco::Exception&) {
      closed = true;
    }
    closed = readUntilClosed(s, answer, milliseconds(250)) || closed;
  }
  auto took = millisSince(start);
  EXPECT_TRUE(closed) << "the trickled body outlived the request deadline";
  EXPECT_EQ(statusOf(answer), 408) << answer;
  EXPECT_NE(answer.find("\"code\":\"request_timeout\""), std::string::npos) << answer;
  EXPECT_LT(took, 4000);
  EXPECT_EQ(d.get("/health").status, 200);
}

// A connection from `source` (any 127.x.y.z: Linux routes all of 127/8 to loopback), so one
// test can play several clients.
std::unique_ptr<Poco::Net::StreamSocket> connectFrom(const std::string& source,
                                                     const std::string& server) {
  auto s = std::make_unique<Poco::Net::StreamSocket>(Poco::Net::SocketAddress::IPv4);
  s->impl()->bind(Poco::Net::SocketAddress(source, 0), false);
  s->connect(Poco::Net::SocketAddress(server));
  return s;
}

std::string exchangeFrom(const std::string& source, const std::string& server,
                         const std::string& bytes) {
  auto s = connectFrom(source, server);
  s->sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string answer;
  readUntilClosed(*s, answer, milliseconds(3000));
  return answer;
}

// One address holding its quota of connections (here, dripping headers while the two workers
// are busy) gets its next connection refused at accept with a 429 envelope, at once; other
// addresses are still served, and the address gets its turn back when it closes one.
TEST(AbuseTest, PerClientConnectionCapRefusesAtAccept) {
  DaemonProcess d({"-D", "http.threads=2", "-D", "http.max_connections_per_client=4", "-D",
                   "http.header_timeout_ms=5000", "-D", "log.access=off"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string partial = "GET /health HTTP/1.1\r\nHost: x\r\n";
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(connectFrom("127.0.0.2", d.httpAddress()));
    held.back()->sendBytes(partial.data(), static_cast<int>(partial.size()));
  }
  std::this_thread::sleep_for(milliseconds(200));  // all four accepted and counted

  auto start = steady_clock::now();
  std::string refused =
      exchangeFrom("127.0.0.2", d.httpAddress(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_LT(millisSince(start), 1000) << "the refusal waited for a worker";
  EXPECT_EQ(statusOf(refused), 429) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("\"code\":\"rate_limited\""), std::string::npos) << refused;
  EXPECT_NE(refused.find("http.max_connections_per_client = 4"), std::string::npos) << refused;

  std::string other = exchangeFrom("127.0.0.3", d.httpAddress(),
                                   "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(statusOf(other), 200) << other;

  auto status = d.admin("GET", "/admin/status");
  ASSERT_EQ(status.status, 200) << status.body;
  EXPECT_EQ(jsonField(status.body, "http.connections_refused_per_client"), "1") << status.body;
  EXPECT_EQ(jsonField(status.body, "http.max_connections_per_client"), "4") << status.body;
  auto metrics = d.admin("GET", "/metrics");
  EXPECT_NE(
      metrics.body.find("controlcenter_http_connections_refused_total{reason=\"per_client\"} 1"),
      std::string::npos)
      << metrics.body;

  // Closing one frees a place for the same address once the server has seen the close.
  held.front()->close();
  held.erase(held.begin());
  int served = 0;
  for (int attempt = 0; attempt < 20 && served != 200; ++attempt) {
    std::this_thread::sleep_for(milliseconds(100));
    served = statusOf(exchangeFrom("127.0.0.2", d.httpAddress(),
                                   "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  }
  EXPECT_EQ(served, 200);
  for (auto& h : held) h->close();
}

// A trusted proxy speaks for many clients: it is never refused by the connection cap.
TEST(AbuseTest, TrustedProxyIsExemptFromTheConnectionCap) {
  DaemonProcess d({"-D", "http.max_connections_per_client=2", "-D",
                   "ratelimit.trusted_proxies=127.0.0.4", "-D", "log.access=off"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string partial = "GET /health HTTP/1.1\r\nHost: x\r\n";
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(connectFrom("127.0.0.4", d.httpAddress()));
    held.back()->sendBytes(partial.data(), static_cast<int>(partial.size()));
  }
  std::string answer = exchangeFrom("127.0.0.4", d.httpAddress(),
                                    "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(statusOf(answer), 200) << answer;
  // The cap still holds for everyone else.
  std::vector<std::unique_ptr<Poco::Net::StreamSocket>> other;
  for (int i = 0; i < 2; ++i) {
    other.push_back(connectFrom("127.0.0.5", d.httpAddress()));
    other.back()->sendBytes(partial.data(), static_cast<int>(partial.size()));
  }
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(statusOf(exchangeFrom("127.0.0.5", d.httpAddress(),
                                  "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")),
            429);
  for (auto& h : held) h->close();
  for (auto& h : other) h->close();
}

// A client that sends part of a head and then shuts down its sending side will never finish
// it: it is told so at once (400), not after the header timeout.
TEST(AbuseTest, HalfClosedIncompleteHeadGets400AtOnce) {
  DaemonProcess d({"-D", "http.header_timeout_ms=10000"});
  ASSERT_TRUE(d.start()) << d.log();
  Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string head = "GET /health HTTP/1.1\r\nHost: x\r\n";
  s.sendBytes(head.data(), static_cast<int>(head.size()));
  s.shutdownSend();
  auto start = steady_clock::now();
  std::string answer;
  EXPECT_TRUE(readUntilClosed(s, answer, milliseconds(5000)));
  EXPECT_LT(millisSince(start), 2000);
  EXPECT_EQ(statusOf(answer), 400) << answer;
  EXPECT_NE(answer.find("incomplete request head"), std::string::npos) << answer;
}

// Two Content-Length headers that disagree are a smuggling attempt: refuse, do not pick one.
TEST(AbuseTest, ConflictingContentLengthsGet400) {
  DaemonProcess d({"-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  auto raw = rawExchange(d.httpAddress(),
                         "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                         "Content-Length: 40\r\n\r\nabcd",
                         3000);
  EXPECT_EQ(statusLine(raw), "HTTP/1.1 400 Bad Request") << raw;
  EXPECT_NE(raw.find("\"code\":\"bad_request\""), std::string::npos) << raw;
  auto bad_number = rawExchange(
      d.httpAddress(), "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 3000);
  EXPECT_EQ(statusLine(bad_number), "HTTP/1.1 400 Bad Request") << bad_number;
}

// Eight writers create agents as fast as they can; the daemon is killed with SIGKILL in the
// middle. Every agent acknowledged with 201 must be there after a restart, in an intact file.
TEST(AbuseTest, AcknowledgedWritesSurviveKillDuringAWriteStorm) {
  const std::vector<std::string> args{"-D", "ratelimit.enabled=false", "-D", "log.access=off"};
  DaemonProcess first(args);
  ASSERT_TRUE(first.start()) << first.log();
  auto minted = first.admin("POST", "/admin/tokens", R"({"role":"admin"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  const std::map<std::string, std::string> headers{
      {"Authorization", "Bearer " + jsonField(minted.body, "token")},
      {"Content-Type", "application/json"}};

  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<int> failures_before_kill{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop && i < 100000; ++i) {
        std::string body = R"({"name":"storm-)" + std::to_string(w) + "-" + std::to_string(i) +
                           R"(","level":"L2","role":"writer"})";
        auto r = httpRequest(first.httpAddress(), "POST", "/api/agents", body, headers, 3000);
        if (r.status == 201) {
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.push_back(jsonField(r.body, "id"));
        } else if (!stop) {
          ++failures_before_kill;
        }
      }
    });
  }
  std::this_thread::sleep_for(milliseconds(1500));
  first.signal(SIGKILL);
  ASSERT_TRUE(first.waitExit(std::chrono::seconds(5)));
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GE(acknowledged.size(), 10u) << "the storm never got going";

  DaemonProcess second(args, first.stateDir());
  ASSERT_TRUE(second.start()) << second.log();
  auto again = second.admin("POST", "/admin/tokens", R"({"role":"viewer"})");
  ASSERT_EQ(again.status, 201) << again.body;
  const std::map<std::string, std::string> viewer{
      {"Authorization", "Bearer " + jsonField(again.body, "token")}};
  std::set<std::string> unique(acknowledged.begin(), acknowledged.end());
  EXPECT_EQ(unique.size(), acknowledged.size()) << "an id was handed out twice";
  int missing = 0;
  for (const auto& id : acknowledged) {
    auto r = second.get("/api/agents/" + id, viewer);
    if (r.status != 200) ++missing;
    EXPECT_EQ(r.status, 200) << "agent " << id << " was acknowledged but is gone";
    if (missing > 5) break;
  }
  auto check = runProgram(
      {"/usr/bin/sqlite3", second.stateDir() + "/controlcenter.db", "PRAGMA integrity_check"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "ok\n") << check.err;
}

// Random bytes and mutated valid requests never take the daemon down.
TEST(AbuseTest, RandomAndMutatedRequestsNeverCrashTheDaemon) {
  DaemonProcess d({"-D", "ratelimit.enabled=false", "-D", "log.access=off", "-D",
                   "http.header_timeout_ms=300"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::vector<std::string> valid{
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 38\r\n\r\n{\"username\":\"a\",\"password\":\"bbbbbbbb\"}",
      "GET /api/system/processes?sort=cpu&limit=3 HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer abc\r\n\r\n",
      "POST /api/agents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n",
      "GET /api/system/metrics HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x81\x85\x00\x00\x00\x00hello",
  };
  std::mt19937 rng(20261127);  // fixed seed: a failure reproduces
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n)(rng); };
  std::vector<std::string> inputs;
  for (int i = 0; i < 200; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      std::size_t n = pick(512);
      for (std::size_t k = 0; k < n; ++k) bytes += static_cast<char>(pick(255));
    } else {
      bytes = valid[pick(valid.size() - 1)];
      for (std::size_t m = 0, edits = 1 + pick(8); m < edits && !bytes.empty(); ++m) {
        std::size_t at = pick(bytes.size() - 1);
        switch (pick(3)) {
          case 0:
            bytes[at] = static_cast<char>(pick(255));
            break;
          case 1:
            bytes.erase(at, 1 + pick(4));
            break;
          case 2:
            bytes.insert(at, std::string(1 + pick(64), static_cast<char>(pick(255))));
            break;
          default:
            bytes.insert(at, bytes.substr(0, pick(bytes.size() - 1)));
            break;
        }
      }
    }
    inputs.push_back(std::move(bytes));
  }
  // Four senders at once keep the run short: an input without a blank line waits for the
  // header timeout.
  std::atomic<int> answered{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < inputs.size(); i += 4) {
        const std::string& bytes = inputs[i];
        // Half-closing tells the server no more is coming, so it answers now, not at its timeout.
        try {
          Poco::Net::StreamSocket s{Poco::Net::SocketAddress(d.httpAddress())};
          s.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
          s.shutdownSend();
          std::string answer;
          readUntilClosed(s, answer, milliseconds(2000));
          if (!answer.empty()) ++answered;
        } catch (const Poco::Exception&) {
          // A reset is an answer too; whether the daemon survived is checked below.
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_FALSE(d.waitExit(milliseconds(1)).has_value()) << "the daemon died\n" << d.log();
  EXPECT_EQ(httpRequest(d.httpAddress(), "GET", "/health").status, 200);
  EXPECT_GT(answered.load(), 100) << "most inputs deserve an answer (an error envelope at least)";
  EXPECT_EQ(d.log().find("AddressSanitizer"), std::string::npos);
}

}  // namespace
}  // namespace cc::testing
