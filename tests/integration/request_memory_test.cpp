// Request bodies held in memory are bounded (overload.max_request_bytes): past the budget a
// request with a body is answered 503 overloaded before its body is read; others are served.
#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/api_calls.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

constexpr int kBodyBytes = 600000;

std::string postHead(int content_length) {
  return "POST /api/agents HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(content_length) + "\r\n\r\n";
}

// Everything the server sends until it closes the connection (or 10 s pass).
std::string readAll(Poco::Net::StreamSocket& s) {
  s.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string out;
  char buf[4096];
  try {
    int n;
    while ((n = s.receiveBytes(buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  } catch (const Poco::Exception&) {
    // Reset or timed out: what arrived is the answer.
  }
  return out;
}

std::string scrape(DaemonProcess& d) { return d.admin("GET", "/metrics").body; }

// Waits (up to 10 s) until the metrics show `line` and returns the last scrape.
std::string scrapeUntil(DaemonProcess& d, const std::string& line) {
  std::string body;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    body = scrape(d);
    if (body.find(line) != std::string::npos) break;
  }
  return body;
}

TEST(RequestMemoryTest, ABodyPastTheBudgetIs503OverloadedUnreadAndTheBudgetComesBack) {
  // Room for one body of 600 kB, not two.
  DaemonProcess d({"-D", "overload.max_request_bytes=1000000", "-D", "http.max_body_bytes=700000",
                   "-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string viewer = mintToken(d, "viewer");

  // The first client declares its body and sends half of it: the whole declared length is held.
  Poco::Net::StreamSocket first{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string head = postHead(kBodyBytes);
  first.sendBytes(head.data(), static_cast<int>(head.size()));
  const std::string half(kBodyBytes / 2, ' ');
  first.sendBytes(half.data(), static_cast<int>(half.size()));
  const std::string held = scrapeUntil(d, "\ncontrolcenter_overload_request_bytes 600000\n");
  ASSERT_NE(held.find("\ncontrolcenter_overload_request_bytes 600000\n"), std::string::npos)
      << held.substr(0, 2000);

  // The second one gets its answer from the head alone.
  Poco::Net::StreamSocket second{Poco::Net::SocketAddress(d.httpAddress())};
  const std::string second_head = postHead(kBodyBytes);
  second.sendBytes(second_head.data(), static_cast<int>(second_head.size()));
  const std::string refused = readAll(second);
  EXPECT_EQ(refused.substr(0, 12), "HTTP/1.1 503") << refused.substr(0, 600);
  EXPECT_NE(refused.find("\"code\":\"overloaded\""), std::string::npos) << refused;
  EXPECT_NE(refused.find("overload.max_request_bytes"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;

  // Requests without a body are served meanwhile, and the check says what happened.
  EXPECT_EQ(d.get("/api/agents", jsonHeaders(viewer)).status, 200);
  auto health = d.get("/health");
  EXPECT_EQ(jsonField(health.body, "checks.overload.status"), "warn") << health.body;
  EXPECT_EQ(d.get("/health/ready").status, 200) << "shedding does not take it out of readiness";
  const std::string metrics = scrape(d);
  EXPECT_NE(
      metrics.find(
          "controlcenter_overload_shed_total{action=\"refused\",resource=\"request_memory\"} 1"),
      std::string::npos)
      << metrics.substr(0, 3000);

  // The first body completes (no token: 401), and its bytes are given back.
  first.sendBytes(half.data(), static_cast<int>(half.size()));
  const std::string answered = readAll(first);
  EXPECT_EQ(answered.substr(0, 12), "HTTP/1.1 401") << answered.substr(0, 600);
  const std::string after = scrapeUntil(d, "\ncontrolcenter_overload_request_bytes 0\n");
  EXPECT_NE(after.find("\ncontrolcenter_overload_request_bytes 0\n"), std::string::npos);
  auto status = d.admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(status.body, "overload.request_memory.refused"), "1") << status.body;
  EXPECT_EQ(jsonField(status.body, "overload.request_memory.limit"), "1000000") << status.body;

  // With the room back, the same request is read and answered on its merits.
  auto again = d.request("POST", "/api/agents", std::string(kBodyBytes, ' '), jsonHeaders(viewer));
  EXPECT_NE(again.status, 503) << again.body;
  EXPECT_NE(again.status, 0) << "answered";
}

// Answers wait in memory while they are sent (overload.max_response_bytes): a client that
// stops reading a page of about 7.5 MB holds it; the next answer of that size finds no room and
// is 503 overloaded at once, a small one is served, and the room comes back when the reader goes.
TEST(RequestMemoryTest, AnAnswerPastTheResponseBudgetIs503OverloadedWhileASlowReaderHoldsItsOwn) {
  DaemonProcess d({"-D", "overload.max_response_bytes=12000000", "-D", "http.send_timeout_ms=60000",
                   "-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string operator_token = mintToken(d, "admin");
  const std::string viewer = mintToken(d, "viewer");
  const std::string blob(15000, 'm');
  for (int i = 0; i < 500; ++i) {
    auto created =
        d.request("POST", "/api/agents",
                  R"({"name":"a)" + std::to_string(i) +
                      R"(","level":"L1","role":"r","metadata":{"blob":")" + blob + R"("}})",
                  jsonHeaders(operator_token));
    ASSERT_EQ(created.status, 201) << created.body;
  }

  // The slow reader takes a page of 500 and reads none of it: more than the kernel's buffers
  // take, so the daemon is still sending it.
  Poco::Net::StreamSocket slow(Poco::Net::SocketAddress::IPv4);
  slow.setReceiveBufferSize(4096);
  slow.connect(Poco::Net::SocketAddress(d.httpAddress()));
  const std::string page =
      "GET /api/agents?limit=500 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + viewer +
      "\r\n\r\n";
  slow.sendBytes(page.data(), static_cast<int>(page.size()));
  const std::string gauge = "\ncontrolcenter_overload_response_bytes ";
  double held = 0;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       held < 7e6 && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    const std::string metrics = scrape(d);
    auto at = metrics.find(gauge);
    ASSERT_NE(at, std::string::npos) << metrics.substr(0, 2000);
    held = std::stod(metrics.substr(at + gauge.size()));
  }
  ASSERT_GT(held, 7e6) << "the slow reader's page is held while it is sent";

  auto refused = d.get("/api/agents?limit=500", jsonHeaders(viewer));
  EXPECT_EQ(refused.status, 503) << refused.body.substr(0, 300);
  EXPECT_EQ(jsonField(refused.body, "error.code"), "overloaded") << refused.body.substr(0, 300);
  EXPECT_NE(refused.body.find("overload.max_response_bytes"), std::string::npos)
      << refused.body.substr(0, 300);
  EXPECT_EQ(d.get("/api/agents?limit=2", jsonHeaders(viewer)).status, 200) << "a small one fits";
  auto health = d.get("/health");
  EXPECT_EQ(jsonField(health.body, "checks.overload.status"), "warn") << health.body;
  EXPECT_NE(
      scrape(d).find(
          "controlcenter_overload_shed_total{action=\"refused\",resource=\"response_memory\"} 1"),
      std::string::npos);
  auto status = d.admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(status.body, "overload.response_memory.refused"), "1") << status.body;
  EXPECT_EQ(jsonField(status.body, "overload.response_memory.limit"), "12000000") << status.body;

  // The reader goes: the send fails, its answer is given back, and a page of 500 is served.
  slow.close();
  const std::string after = scrapeUntil(d, "\ncontrolcenter_overload_response_bytes 0\n");
  EXPECT_NE(after.find("\ncontrolcenter_overload_response_bytes 0\n"), std::string::npos);
  EXPECT_EQ(d.get("/api/agents?limit=500", jsonHeaders(viewer)).status, 200);
}

// After enough bytes of bodies have passed through the budget, the lifecycle loop gives the
// allocator's free memory back to the system; /admin/status counts it and shows the arenas.
TEST(RequestMemoryTest, FreeMemoryIsGivenBackOnceEnoughBodiesHavePassed) {
  DaemonProcess d(
      {"-D", "overload.release_memory_after_bytes=1000000", "-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  auto status = d.admin("GET", "/admin/status");
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer's allocator replaces glibc's and takes no M_ARENA_MAX: none is shown.
  EXPECT_EQ(jsonField(status.body, "overload.allocator.arenas"), "") << status.body;
#else
  EXPECT_EQ(jsonField(status.body, "overload.allocator.arenas"), "2") << status.body;
#endif
  EXPECT_EQ(jsonField(status.body, "overload.allocator.releases"), "0") << status.body;

  const std::string viewer = mintToken(d, "viewer");
  for (int i = 0; i < 3; ++i) {  // 1.2 MB in all; a viewer's POST is read, then refused
    EXPECT_EQ(
        d.request("POST", "/api/agents", std::string(400000, ' '), jsonHeaders(viewer)).status,
        403);
  }
  std::string releases;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    releases = jsonField(d.admin("GET", "/admin/status").body, "overload.allocator.releases");
    if (releases != "0") break;
  }
  EXPECT_NE(releases, "0") << "the 1.2 MB of bodies passed without a release";
}

// A body of about 1 MB whose metadata (limit 16 KiB) is nearly all of it, in many small keys:
// the parse tree of such a body is many times its size.
std::string agentWithHugeMetadata(const std::string& tail) {
  std::string body = R"({"name":"big","level":"L1","role":"r","metadata":{)";
  for (int i = 0; body.size() < 990000; ++i) {
    body += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":\"vvvvvvvvvvvvvvvvvvvv\"";
  }
  return body + "}" + tail;
}

TEST(RequestMemoryTest, AFieldPastItsLimitIsRefusedWhileScanningBeforeTheBodyIsParsed) {
  DaemonProcess d({"-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  const std::string operator_token = mintToken(d, "admin");

  auto whole =
      d.request("POST", "/api/agents", agentWithHugeMetadata("}"), jsonHeaders(operator_token));
  EXPECT_EQ(whole.status, 400) << whole.body;
  EXPECT_EQ(jsonField(whole.body, "error.code"), "validation_failed") << whole.body;
  EXPECT_EQ(jsonField(whole.body, "error.field"), "metadata") << whole.body;

  // What follows the oversized field is not JSON at all: a body parsed whole would be
  // "malformed JSON"; the scan stops at the end of metadata and names it.
  auto cut = d.request("POST", "/api/agents", agentWithHugeMetadata(",\"name\": oops"),
                       jsonHeaders(operator_token));
  EXPECT_EQ(cut.status, 400) << cut.body;
  EXPECT_EQ(jsonField(cut.body, "error.code"), "validation_failed") << cut.body;
  EXPECT_EQ(jsonField(cut.body, "error.field"), "metadata") << cut.body;

  // An unknown field is refused the same way, with its did-you-mean hint.
  auto unknown = d.request("POST", "/api/agents",
                           R"({"name":"x","level":"L1","role":"r","metdata":{}} trailing)",
                           jsonHeaders(operator_token));
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(jsonField(unknown.body, "error.field"), "metdata") << unknown.body;

  // A valid body still goes through the same intake and is created.
  auto fine = d.request("POST", "/api/agents",
                        R"({"name":"small","level":"L1","role":"r","metadata":{"k":"v"}})",
                        jsonHeaders(operator_token));
  EXPECT_EQ(fine.status, 201) << fine.body;
  EXPECT_EQ(d.request("GET", "/health").status, 200);
}

}  // namespace
}  // namespace cc::testing
