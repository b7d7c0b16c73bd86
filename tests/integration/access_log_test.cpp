// The access log is written by a thread of its own: a log reader that stops reading (a stalled
// journald, a full disk's slow writes) never stalls the requests; the lines it cannot take are
// dropped, the oldest first, and counted, and the newest are written once it reads again.

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "support/api_calls.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

// `count` /health requests pipelined on one keep-alive connection, `batch` at a time; how many
// were answered 200.
int healthRequests(const std::string& address, int count, int batch) {
  Poco::Net::StreamSocket socket{Poco::Net::SocketAddress(address)};
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string one = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  int answered = 0;
  std::string buffer;
  for (int sent = 0; sent < count; sent += batch) {
    std::string requests;
    for (int i = 0; i < batch; ++i) requests += one;
    socket.sendBytes(requests.data(), static_cast<int>(requests.size()));
    int heads = 0;
    while (heads < batch) {
      char chunk[65536];
      int n = 0;
      try {
        n = socket.receiveBytes(chunk, sizeof chunk);
      } catch (const Poco::Exception&) {
        return answered;  // the daemon stopped answering: what was answered so far
      }
      if (n <= 0) return answered;
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t at;
      while ((at = buffer.find("HTTP/1.1 ")) != std::string::npos &&
             buffer.find("\r\n\r\n", at) != std::string::npos) {
        answered += buffer.compare(at, 12, "HTTP/1.1 200") == 0 ? 1 : 0;
        ++heads;
        buffer.erase(0, buffer.find("\r\n\r\n", at) + 4);
      }
    }
  }
  return answered;
}

double metricValue(const std::string& scrape, const std::string& name) {
  const std::size_t at = scrape.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(scrape.substr(at + name.size() + 2));
}

TEST(AccessLogTest, AStalledLogReaderStallsNoRequestAndItsDroppedLinesAreCounted) {
  TempDir dir;
  const std::string fifo = dir.path() + "/daemon-log.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A reader that reads nothing until told: the daemon's writes to log.file fill the pipe, then
  // block.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  DaemonProcess d({"-D", "log.file=" + fifo, "-D", "ratelimit.enabled=false", "-D",
                   "http.max_keepalive_requests=0"});
  ASSERT_TRUE(d.start()) << d.log();

  // Far more lines than the pipe (64 KiB) and the queue (8,192 lines) hold together.
  const int requests = 20000;
  EXPECT_EQ(healthRequests(d.httpAddress(), requests, 200), requests)
      << "every request answered while nothing reads the log";
  auto scrape = d.admin("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_GT(metricValue(scrape.body, "controlcenter_access_log_dropped_total"), 0)
      << scrape.body.substr(0, 400);
  EXPECT_EQ(d.get("/nope", {{"X-Request-ID", "after-the-stall"}}).status, 404);

  // Reading again: the newest lines are there (the oldest waiting were the ones dropped).
  std::string read;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read.find("after-the-stall") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    pollfd p{reader, POLLIN, 0};
    ::poll(&p, 1, 100);
    char chunk[65536];
    const ssize_t n = ::read(reader, chunk, sizeof chunk);
    if (n > 0) read.append(chunk, static_cast<std::size_t>(n));
    // Only the tail matters: keep the buffer small.
    if (read.size() > (1u << 20)) read.erase(0, read.size() - (1u << 16));
  }
  EXPECT_NE(read.find("after-the-stall 127.0.0.1 GET /nope 404"), std::string::npos);

  // The daemon stops as usual, its last lines read by a reader that keeps reading.
  std::atomic<bool> stop{false};
  std::thread drain([&] {
    char chunk[65536];
    while (!stop) {
      pollfd p{reader, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0 && ::read(reader, chunk, sizeof chunk) == 0) break;
    }
  });
  d.signal(SIGTERM);
  EXPECT_EQ(d.waitExit(std::chrono::seconds(30)), 0) << d.log();
  stop = true;
  drain.join();
  ::close(reader);
}

}  // namespace
}  // namespace cc::testing
