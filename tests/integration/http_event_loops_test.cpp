// The event loops: connections wait on them without a worker; requests that need nothing but
// memory are answered there, store requests are served from there with their handlers on the
// executor, and everything else still reaches a worker on the same connection.

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "unit/eventually.h"

namespace cc::testing {
namespace {

// Threads of a process now, from /proc/<pid>/status.
int threadsOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// How many of the threads of `pid` run above the default priority (a nice value below 0).
int threadsAboveDefault(pid_t pid) {
  int above = 0;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // The fields after the command's closing parenthesis: state is the first, nice the 17th.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 0; i < 17 && fields >> field; ++i) {
    }
    if (!field.empty() && std::stoi(field) < 0) ++above;
  }
  return above;
}

// One answer read off a keep-alive connection: its head and its body (by Content-Length).
struct Answer {
  std::string head;
  std::string body;
};

class Connection {
 public:
  explicit Connection(const std::string& address) : socket_(Poco::Net::SocketAddress(address)) {
    socket_.setReceiveTimeout(Poco::Timespan(10, 0));
  }
  void send(const std::string& bytes) {
    socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  }
  // The next answer; `head_only` for the answer to HEAD (a Content-Length but no body).
  Answer read(bool head_only = false) {
    Answer a;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return a;
    }
    a.head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    std::size_t length = 0;
    auto at = a.head.find("Content-Length: ");
    if (at != std::string::npos && !head_only) length = std::stoul(a.head.substr(at + 16));
    while (buffer_.size() < length) {
      if (!fill()) return a;
    }
    a.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return a;
  }
  // True when the server has closed the connection (end of stream or reset).
  bool closedByServer() {
    try {
      char c;
      return socket_.receiveBytes(&c, 1) == 0;
    } catch (const Poco::TimeoutException&) {
      return false;
    } catch (const Poco::Exception&) {
      return true;
    }
  }

 private:
  bool fill() {
    char buf[16384];
    int n = 0;
    try {
      n = socket_.receiveBytes(buf, sizeof buf);
    } catch (const Poco::Exception&) {
      return false;
    }
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  Poco::Net::StreamSocket socket_;
  std::string buffer_;
};

int64_t statusNumber(DaemonProcess& d, const std::string& field) {
  return std::stoll(jsonField(d.admin("GET", "/admin/status").body, field));
}

const std::string kHealth = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";

// A token of `role` used once, so that it is validated (by a worker, which asks the store) and
// cached: from then on a loop can check it itself.
std::string cachedToken(DaemonProcess& d, const std::string& role) {
  const std::string token = mintToken(d, role);
  EXPECT_EQ(d.get("/api/agents", jsonHeaders(token)).status, 200);
  return token;
}

// A connection a loop holds, its first request answered; then what the loops have served.
int64_t onALoop(DaemonProcess& d, Connection& c) {
  c.send(kHealth);
  c.read();
  return statusNumber(d, "http.requests_on_loops");
}

// A configuration file without rate limits, which a test may add to and reload.
struct ConfigFile {
  ConfigFile() { std::ofstream(path) << "ratelimit.enabled = false\n"; }
  void reloadWith(DaemonProcess& d, const std::string& line) {
    std::ofstream(path, std::ios::app) << line << "\n";
    ASSERT_EQ(d.admin("POST", "/admin/reload").status, 200);
  }
  TempDir dir;
  const std::string path = dir.path() + "/cc.properties";
};

// 1,000 clients, each busy on its own keep-alive connection, are served by the event loops: the
// daemon's threads stay what they are idle (loops, executor and the fixed few), where a worker
// per busy connection would have taken http.threads (256) of them.
TEST(HttpEventLoopsTest, AThousandBusyKeepAliveClientsDoNotTakeAThreadEach) {
  constexpr int kClients = 1000;
  constexpr int kRounds = 5;
  DaemonProcess d({"-D", "http.max_connections_per_client=2000", "-D", "log.access=false"});
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_EQ(d.get("/health").status, 200);
  const int idle_threads = threadsOf(d.pid());
  ASSERT_GT(idle_threads, 0);

  std::atomic<int> answered{0};
  std::atomic<int> wrong{0};
  std::atomic<bool> done{false};
  std::atomic<int> peak{idle_threads};
  std::thread watcher([&] {
    while (!done) {
      int now = threadsOf(d.pid());
      if (now > peak) peak = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::vector<std::thread> clients;
  constexpr int kThreads = 10;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&] {
      std::vector<Connection> mine;
      for (int i = 0; i < kClients / kThreads; ++i) mine.emplace_back(d.httpAddress());
      for (int round = 0; round < kRounds; ++round) {
        // Every connection has a request in flight at once: all of them are busy together.
        for (auto& c : mine) c.send(kHealth);
        for (auto& c : mine) {
          Answer a = c.read();
          if (a.head.rfind("HTTP/1.1 200", 0) == 0 &&
              a.body.find("\"status\"") != std::string::npos) {
            ++answered;
          } else {
            ++wrong;
          }
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  done = true;
  watcher.join();

  EXPECT_EQ(answered.load(), kClients * kRounds);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(statusNumber(d, "http.requests_on_loops"), kClients * kRounds);
  // A few threads may come and go (a worker for the admin status calls, the store's writer);
  // not one per client, nor the 256 workers.
  EXPECT_LE(peak.load(), idle_threads + 16) << "idle: " << idle_threads;
}

// A head the loop cannot parse (empty lines before its request line: Poco's parser stops at the
// end of the bytes) goes to a worker, which refuses it, and the loop's parser (one stream a
// thread, reused for every request) is ready for the next request all the same.
TEST(HttpEventLoopsTest, AHeadTheLoopCannotParseGoesToAWorkerAndTheLoopParsesTheNext) {
  DaemonProcess d({"-D", "ratelimit.enabled=false", "-D", "http.event_loops=1"});
  ASSERT_TRUE(d.start()) << d.log();
  Connection c(d.httpAddress());
  const int64_t on_loops = onALoop(d, c);

  Connection odd(d.httpAddress());
  odd.send("\r\n\r\n" + kHealth);
  Answer refused = odd.read();
  EXPECT_EQ(refused.head.substr(0, 12), "HTTP/1.1 400") << refused.head;
  EXPECT_NE(refused.body.find("\"error\""), std::string::npos) << refused.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops) << "a worker answered it";

  c.send(kHealth);
  EXPECT_EQ(c.read().head.substr(0, 12), "HTTP/1.1 200");
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 1) << "the loop parsed it";
}

// The event loops are the daemon's only I/O threads: the WebSockets have none of their own any
// more, so the retired ws.io_threads, still accepted with a warning, adds no thread (it added
// eleven here before).
TEST(HttpEventLoopsTest, TheRetiredWebSocketThreadsKeyStartsTheDaemonAndAddsNoThreads) {
  DaemonProcess one({"-D", "http.event_loops=2", "-D", "ws.io_threads=1"});
  DaemonProcess twelve({"-D", "http.event_loops=2", "-D", "ws.io_threads=12"});
  ASSERT_TRUE(one.start()) << one.log();
  ASSERT_TRUE(twelve.start()) << twelve.log();
  ASSERT_EQ(one.get("/health").status, 200);
  ASSERT_EQ(twelve.get("/health").status, 200);
  const int with_one = threadsOf(one.pid());
  const int with_twelve = threadsOf(twelve.pid());
  ASSERT_GT(with_one, 0);
  // A pool thread may come or go between the two counts; eleven more would be the hub's own.
  EXPECT_LT(with_twelve, with_one + 6) << "ws.io_threads=1: " << with_one;
  EXPECT_NE(twelve.log().find("ws.io_threads is deprecated and ignored"), std::string::npos)
      << twelve.log();
}

// A worker thread is started by whoever hands it a connection, often a loop, and a new thread
// takes its creator's priority: it runs at the daemon's instead, below the loops and the
// store's writer, which it would otherwise crowd.
TEST(HttpEventLoopsTest, AWorkerALoopStartedRunsBelowTheLoops) {
  DaemonProcess d({"-D", "http.event_loops=2"});
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_EQ(d.get("/health").status, 200);
  const int above = threadsAboveDefault(d.pid());
  if (above == 0) GTEST_SKIP() << "the loops could not be raised here (no CAP_SYS_NICE)";
  const int64_t on_loops = statusNumber(d, "http.requests_on_loops");
  for (int i = 0; i < 3; ++i) {
    Connection c(d.httpAddress());
    // A head that has not all come: the loop hands the connection to a worker.
    c.send("GET /health HTTP/1.1\r\nHost: x\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.send("\r\n");
    Answer a = c.read();
    ASSERT_EQ(a.head.substr(0, 12), "HTTP/1.1 200") << a.head;
  }
  ASSERT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops) << "the workers answered";
  EXPECT_EQ(threadsAboveDefault(d.pid()), above);
}

// A store request on a connection a loop holds is served there: the stages on the loop, the
// handler on the executor, the answer sent from there; bodies that came with their head too.
TEST(HttpEventLoopsTest, StoreRequestsAreServedOnTheLoopTheirHandlersOnTheExecutor) {
  DaemonProcess d({"-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string auth = "Authorization: Bearer " + cachedToken(d, "admin") + "\r\n";
  Connection c(d.httpAddress());
  const int64_t on_loops = onALoop(d, c);

  c.send("GET /api/agents?limit=1 HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
  Answer agents = c.read();
  EXPECT_EQ(agents.head.substr(0, 12), "HTTP/1.1 200") << agents.head << agents.body;
  EXPECT_NE(agents.body.find("\"items\""), std::string::npos) << agents.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 1) << "a loop took it";

  const std::string body = R"({"name":"on-the-loop"})";
  c.send("POST /api/projects HTTP/1.1\r\nHost: x\r\n" + auth +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body);
  Answer created = c.read();
  EXPECT_EQ(created.head.substr(0, 12), "HTTP/1.1 201") << created.head << created.body;
  const std::string id = jsonField(created.body, "id");
  ASSERT_FALSE(id.empty()) << created.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 2);

  // Pipelined: a write and the read after it, answered in order, each from the store.
  c.send("PATCH /api/projects/" + id + " HTTP/1.1\r\nHost: x\r\n" + auth +
         "Content-Type: application/json\r\nContent-Length: 22\r\nX-Request-ID: write\r\n\r\n"
         R"({"name":"renamed-now"})"
         "GET /api/projects/" +
         id + " HTTP/1.1\r\nHost: x\r\nX-Request-ID: read\r\n" + auth + "\r\n");
  Answer patched = c.read();
  Answer read = c.read();
  EXPECT_EQ(patched.head.substr(0, 12), "HTTP/1.1 200") << patched.head << patched.body;
  EXPECT_NE(patched.head.find("X-Request-ID: write"), std::string::npos) << patched.head;
  EXPECT_NE(read.head.find("X-Request-ID: read"), std::string::npos) << read.head;
  EXPECT_EQ(jsonField(read.body, "name"), "renamed-now") << read.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 4);
  // The count falls once an answer is sent, so the client may read the answer first.
  EXPECT_TRUE(cc::testing::eventually([&] { return statusNumber(d, "http.inflight") == 0; }))
      << "every request answered";
}

// A body sent after its head (as Poco's client and many others write them) is awaited on the
// loop, which is woken once it has all come; one that never comes goes to a worker at the
// request's deadline, which answers 408.
TEST(HttpEventLoopsTest, ABodySentAfterItsHeadIsAwaitedOnTheLoop) {
  ConfigFile conf;
  DaemonProcess d({"--config", conf.path});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string token = cachedToken(d, "admin");
  Connection c(d.httpAddress());
  const int64_t on_loops = onALoop(d, c);
  const std::string body = R"({"name":"sent-in-three"})";
  const std::string head =
      "POST /api/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  c.send(head);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.send(body.substr(0, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.send(body.substr(5));
  Answer created = c.read();
  EXPECT_EQ(created.head.substr(0, 12), "HTTP/1.1 201") << created.head << created.body;
  EXPECT_EQ(jsonField(created.body, "name"), "sent-in-three") << created.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 1) << "a loop served it";

  conf.reloadWith(d, "http.request_timeout_ms = 500");
  c.send(head + body.substr(0, 5));
  Answer late = c.read();
  EXPECT_EQ(late.head.substr(0, 12), "HTTP/1.1 408") << late.head << late.body;
  EXPECT_EQ(jsonField(late.body, "error.code"), "request_timeout") << late.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 1) << "a worker answered it";
}

// A store request a loop took that outlives its deadline is answered 504 by the loop at the
// deadline; the handler's late reply is dropped, and the connection serves its next requests.
TEST(HttpEventLoopsTest, AStoreRequestPastItsDeadlineIsAnswered504AndTheConnectionGoesOn) {
  ConfigFile conf;
  DaemonProcess d({"--config", conf.path});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string token = cachedToken(d, "viewer");
  // Lowered once the token exists: minting it hashes a password, which may take a while.
  conf.reloadWith(d, "http.request_timeout_ms = 500");
  Connection c(d.httpAddress());
  const int64_t on_loops = onALoop(d, c);
  ASSERT_EQ(d.admin("PUT", "/admin/faults/db", R"({"delay_ms":1500})").status, 200);
  const std::string agents =
      "GET /api/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n";
  c.send(agents);
  Answer slow = c.read();
  EXPECT_EQ(slow.head.substr(0, 12), "HTTP/1.1 504") << slow.head << slow.body;
  EXPECT_EQ(jsonField(slow.body, "error.code"), "timeout") << slow.body;
  EXPECT_EQ(statusNumber(d, "http.requests_on_loops"), on_loops + 1);
  ASSERT_EQ(d.admin("DELETE", "/admin/faults/db").status, 200);
  // Past the handler's own end: nothing more comes for the first request.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  c.send(kHealth);
  Answer health = c.read();
  EXPECT_EQ(health.head.substr(0, 12), "HTTP/1.1 200") << health.head;
  EXPECT_NE(health.body.find("\"status\""), std::string::npos) << health.body;
  c.send(agents);
  Answer back = c.read();
  EXPECT_EQ(back.head.substr(0, 12), "HTTP/1.1 200") << back.head << back.body;
}

// Draining waits for a store request a loop took: its answer goes out before the daemon exits.
TEST(HttpEventLoopsTest, DrainingAnswersAStoreRequestTheLoopTookBeforeExiting) {
  DaemonProcess d({"-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string token = cachedToken(d, "viewer");
  Connection c(d.httpAddress());
  onALoop(d, c);
  ASSERT_EQ(d.admin("PUT", "/admin/faults/db", R"({"delay_ms":800})").status, 200);
  c.send("GET /api/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  d.signal(SIGTERM);
  Answer a = c.read();
  EXPECT_EQ(a.head.substr(0, 12), "HTTP/1.1 200") << a.head << a.body;
  EXPECT_NE(a.head.find("Connection: Close"), std::string::npos) << "draining: " << a.head;
  EXPECT_TRUE(c.closedByServer());
  EXPECT_EQ(d.waitExit(std::chrono::seconds(20)), 0) << d.log();
}

// A route behind a cache rule (the process list) is answered on the loop when its answer is in
// the cache, and computed on the executor otherwise; a worker serves neither.
TEST(HttpEventLoopsTest, ACachedAnswerIsGivenOnTheLoop) {
  DaemonProcess d({"-D", "ratelimit.enabled=false", "-D", "cache.rule.processes.ttl_ms=60000"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string token = cachedToken(d, "viewer");
  Connection c(d.httpAddress());
  const int64_t on_loops = onALoop(d, c);
  const std::string processes =
      "GET /api/system/processes?limit=3 HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer " +
      token + "\r\n\r\n";
  // The sampler may not have its first snapshot yet: the first 200 is computed and cached.
  Answer first;
  int64_t sent = 0;
  for (int i = 0; i < 50; ++i) {
    c.send(processes);
    ++sent;
    first = c.read();
    if (first.head.rfind("HTTP/1.1 200", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(first.head.substr(0, 12), "HTTP/1.1 200") << first.head << first.body;
  c.send(processes);
  ++sent;
  Answer hit = c.read();
  EXPECT_EQ(hit.head.substr(0, 12), "HTTP/1.1 200") << hit.head;
  EXPECT_NE(hit.head.find("X-Cache: HIT"), std::string::npos) << hit.head;
  EXPECT_EQ(hit.body, first.body);
  const int64_t served = statusNumber(d, "http.requests_on_loops") - on_loops;
  const int64_t hits = std::stoll(jsonField(d.admin("GET", "/admin/cache").body, "hits"));
  EXPECT_GE(hits, 1);
  EXPECT_EQ(served, sent) << "every one by the loop, the computed answers and the hit";
}

// Requests sent in one write are answered in order, each with its own id; HEAD without a body.
TEST(HttpEventLoopsTest, PipelinedRequestsAreAnsweredInOrder) {
  DaemonProcess d;
  ASSERT_TRUE(d.start()) << d.log();
  Connection c(d.httpAddress());
  c.send(
      "HEAD /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: first\r\n\r\n"
      "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-ID: second\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: third\r\n\r\n");
  Answer first = c.read(true);
  Answer second = c.read();
  Answer third = c.read();
  EXPECT_NE(first.head.find("X-Request-ID: first"), std::string::npos) << first.head;
  EXPECT_NE(first.head.find("Content-Length: "), std::string::npos) << first.head;
  EXPECT_NE(second.head.find("X-Request-ID: second"), std::string::npos) << second.head;
  EXPECT_NE(third.head.find("X-Request-ID: third"), std::string::npos) << third.head;
  EXPECT_NE(third.body.find("\"status\""), std::string::npos) << third.body;
  EXPECT_GE(statusNumber(d, "http.requests_on_loops"), 3);
}

// Rejections need no worker either: 404, 405 and 401 come from the loop, as envelopes.
TEST(HttpEventLoopsTest, RejectionsAreAnsweredOnTheLoop) {
  DaemonProcess d;
  ASSERT_TRUE(d.start()) << d.log();
  Connection c(d.httpAddress());
  const int64_t before = onALoop(d, c);
  c.send("GET /no/such/path HTTP/1.1\r\nHost: x\r\n\r\n");
  Answer missing = c.read();
  EXPECT_EQ(missing.head.substr(0, 12), "HTTP/1.1 404") << missing.head;
  EXPECT_NE(missing.body.find("\"code\":\"not_found\""), std::string::npos) << missing.body;
  c.send("DELETE /health HTTP/1.1\r\nHost: x\r\n\r\n");
  Answer wrong_method = c.read();
  EXPECT_EQ(wrong_method.head.substr(0, 12), "HTTP/1.1 405") << wrong_method.head;
  EXPECT_NE(wrong_method.head.find("Allow: "), std::string::npos) << wrong_method.head;
  c.send("GET /api/system/cpu HTTP/1.1\r\nHost: x\r\n\r\n");
  Answer no_token = c.read();
  EXPECT_EQ(no_token.head.substr(0, 12), "HTTP/1.1 401") << no_token.head;
  EXPECT_GE(statusNumber(d, "http.requests_on_loops"), before + 3);
}

// Connection: close and HTTP/1.0 are honoured on the loop: the answer, then the close.
TEST(HttpEventLoopsTest, TheLoopClosesWhenTheClientAsks) {
  DaemonProcess d;
  ASSERT_TRUE(d.start()) << d.log();
  Connection c(d.httpAddress());
  c.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  Answer a = c.read();
  EXPECT_EQ(a.head.substr(0, 12), "HTTP/1.1 200") << a.head;
  EXPECT_NE(a.head.find("Connection: Close"), std::string::npos) << a.head;  // Poco's spelling
  EXPECT_TRUE(c.closedByServer());
  Connection old(d.httpAddress());
  old.send("GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.read().head.substr(0, 12), "HTTP/1.0 200");
  EXPECT_TRUE(old.closedByServer());
}

// An answer larger than the socket takes is sent as the client reads it, by the loop, without a
// worker; a client that stops reading is closed at http.send_timeout_ms and counted as a slow
// reader, and everybody else is served meanwhile.
TEST(HttpEventLoopsTest, ASlowReaderOfALoopAnswerIsClosedAtTheSendTimeout) {
  DaemonProcess d({"-D", "http.send_timeout_ms=500"});
  ASSERT_TRUE(d.start()) << d.log();
  // A reader that takes the whole of a large answer (the OpenAPI document, ~120 KiB) slowly.
  Connection patient(d.httpAddress());
  patient.send("GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Answer doc = patient.read();
  EXPECT_EQ(doc.head.substr(0, 12), "HTTP/1.1 200") << doc.head;
  EXPECT_NE(doc.body.find("\"openapi\""), std::string::npos);
  EXPECT_GT(doc.body.size(), 100000u);

  // One that asks for it fifty times over and reads nothing.
  const int64_t on_loops = statusNumber(d, "http.requests_on_loops");
  Poco::Net::StreamSocket stalled{Poco::Net::SocketAddress(d.httpAddress())};
  std::string many;
  for (int i = 0; i < 50; ++i) many += "GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
  stalled.sendBytes(many.data(), static_cast<int>(many.size()));
  int64_t slow = 0;
  for (int i = 0; i < 100 && slow == 0; ++i) {
    EXPECT_EQ(d.get("/health/live").status, 200) << "others are served meanwhile";
    slow = statusNumber(d, "http.slow_readers_closed");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(slow, 1);
  EXPECT_GT(statusNumber(d, "http.requests_on_loops"), on_loops + 1) << "answered on a loop";
  // Closed: reading on ends (by a reset, with its answers unsent) well short of fifty answers.
  stalled.setReceiveTimeout(Poco::Timespan(5, 0));
  std::size_t received = 0;
  char buf[65536];
  try {
    int n;
    while ((n = stalled.receiveBytes(buf, sizeof buf)) > 0) received += static_cast<std::size_t>(n);
  } catch (const Poco::Exception&) {
    // A reset: closed with data unsent.
  }
  EXPECT_LT(received, 50 * doc.body.size());
  EXPECT_NE(d.log().find("client read nothing of an answer for http.send_timeout_ms (500 ms)"),
            std::string::npos);
}

}  // namespace
}  // namespace cc::testing
