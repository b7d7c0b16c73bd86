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
  std::string held;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    held = scrape(d);
    if (held.find("\ncontrolcenter_overload_request_bytes 600000\n") != std::string::npos) break;
  }
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
  std::string after;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    after = scrape(d);
    if (after.find("\ncontrolcenter_overload_request_bytes 0\n") != std::string::npos) break;
  }
  EXPECT_NE(after.find("\ncontrolcenter_overload_request_bytes 0\n"), std::string::npos);
  auto status = d.admin("GET", "/admin/status");
  EXPECT_EQ(jsonField(status.body, "overload.request_memory.refused"), "1") << status.body;
  EXPECT_EQ(jsonField(status.body, "overload.request_memory.limit"), "1000000") << status.body;

  // With the room back, the same request is read and answered on its merits.
  auto again = d.request("POST", "/api/agents", std::string(kBodyBytes, ' '), jsonHeaders(viewer));
  EXPECT_NE(again.status, 503) << again.body;
  EXPECT_NE(again.status, 0) << "answered";
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
