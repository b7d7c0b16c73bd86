#include "client/api_client.h"

#include <gtest/gtest.h>

namespace cc::ctl::client {
namespace {

class CtlApiClientTest : public ::testing::Test {
 protected:
  ApiClient api(const std::string& token = "secret") {
    return ApiClient(HttpClient(Endpoint::parse("http://127.0.0.1:8081").value(),
                                std::chrono::milliseconds(100)),
                     ApiIdentity{"admin API", "--admin, CONTROLCENTER_ADMIN_URL"}, token,
                     "/var/lib/controlcenter/admin.token");
  }
};

TEST_F(CtlApiClientTest, ParsesTheErrorEnvelope) {
  auto error = parseEnvelope(
      429,
      R"({"error":{"status":429,"code":"rate_limited","message":"slow down","request_id":"r-9"}})");
  EXPECT_EQ(error.status, 429);
  EXPECT_EQ(error.code, "rate_limited");
  EXPECT_EQ(error.message, "slow down");
  EXPECT_EQ(error.request_id, "r-9");
}

TEST_F(CtlApiClientTest, NonEnvelopeBodiesStillGiveACode) {
  auto error = parseEnvelope(502, "<html>Bad Gateway</html>\nmore");
  EXPECT_EQ(error.code, "http_502");
  EXPECT_EQ(error.message, "<html>Bad Gateway</html>");
  EXPECT_EQ(parseEnvelope(500, "").code, "http_500");
  EXPECT_EQ(parseEnvelope(400, R"({"other":1})").code, "http_400");
}

TEST_F(CtlApiClientTest, ExitCodesFromHttpStatuses) {
  EXPECT_EQ(exitCodeForStatus(200), ExitCode::kOk);
  EXPECT_EQ(exitCodeForStatus(201), ExitCode::kOk);
  EXPECT_EQ(exitCodeForStatus(204), ExitCode::kOk);
  EXPECT_EQ(exitCodeForStatus(401), ExitCode::kUnauthorized);
  EXPECT_EQ(exitCodeForStatus(403), ExitCode::kUnauthorized);
  EXPECT_EQ(exitCodeForStatus(400), ExitCode::kFailure);
  EXPECT_EQ(exitCodeForStatus(404), ExitCode::kFailure);
  EXPECT_EQ(exitCodeForStatus(503), ExitCode::kFailure);
  EXPECT_EQ(toInt(ExitCode::kUsage), 3);
}

TEST_F(CtlApiClientTest, TransportFailuresAreUnreachableAndNameTheFix) {
  HttpExchange refused;
  refused.failure = TransportFailure::kRefused;
  refused.detail = "connection refused";
  Reply reply = makeReply(refused, api());
  EXPECT_EQ(reply.exit, ExitCode::kUnreachable);
  EXPECT_EQ(reply.problem,
            "cannot reach the admin API at http://127.0.0.1:8081: connection refused; is "
            "controlcenterd running? (--admin, CONTROLCENTER_ADMIN_URL)");
  HttpExchange timeout;
  timeout.failure = TransportFailure::kTimeout;
  timeout.detail = "no answer within 100 ms";
  EXPECT_EQ(makeReply(timeout, api()).exit, ExitCode::kUnreachable);
  EXPECT_NE(makeReply(timeout, api()).problem.find("--timeout"), std::string::npos);
}

TEST_F(CtlApiClientTest, UnauthorizedNamesTheTokenFile) {
  HttpExchange denied;
  denied.status = 401;
  denied.body = R"({"error":{"status":401,"code":"unauthorized","message":"bad token"}})";
  Reply reply = makeReply(denied, api());
  EXPECT_EQ(reply.exit, ExitCode::kUnauthorized);
  EXPECT_EQ(reply.error.code, "unauthorized");
  EXPECT_NE(reply.problem.find("/var/lib/controlcenter/admin.token"), std::string::npos);
  EXPECT_NE(reply.problem.find("--token-file"), std::string::npos);
}

TEST_F(CtlApiClientTest, FailuresCarryCodeAndRequestId) {
  HttpExchange invalid;
  invalid.status = 400;
  invalid.body =
      R"({"error":{"status":400,"code":"validation_failed","message":"http.port: expected an integer","request_id":"abc"}})";
  Reply reply = makeReply(invalid, api());
  EXPECT_EQ(reply.exit, ExitCode::kFailure);
  EXPECT_EQ(reply.problem,
            "the admin API at http://127.0.0.1:8081 answered 400 validation_failed: http.port: "
            "expected an integer (request id abc)");
}

TEST_F(CtlApiClientTest, EndpointParsing) {
  auto tcp = Endpoint::parse("http://10.0.0.5:9000");
  ASSERT_TRUE(tcp.ok());
  EXPECT_EQ(tcp->host, "10.0.0.5");
  EXPECT_EQ(tcp->port, 9000);
  auto unix_socket = Endpoint::parse("unix:/run/controlcenter/admin.sock");
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_EQ(unix_socket->kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(unix_socket->socket_path, "/run/controlcenter/admin.sock");
  EXPECT_FALSE(Endpoint::parse("https://h:1").ok());
  EXPECT_FALSE(Endpoint::parse("unix:rel.sock").ok());
  EXPECT_FALSE(Endpoint::parse("http://h:1/api").ok());
  EXPECT_EQ(encodeComponent("a b/c&d"), "a%20b%2Fc%26d");
}

TEST_F(CtlApiClientTest, UnreadableTokenFailsEveryCallWithoutSendingIt) {
  ApiClient broken(
      HttpClient(Endpoint::parse("http://127.0.0.1:1").value(), std::chrono::milliseconds(100)),
      ApiIdentity{"admin API", "--admin"}, "", "/nope", "cannot read /nope");
  Reply reply = broken.get("/admin/status");
  EXPECT_EQ(reply.exit, ExitCode::kUnauthorized);
  EXPECT_EQ(reply.problem, "cannot read /nope");
  EXPECT_EQ(reply.status, 0);
}

}  // namespace
}  // namespace cc::ctl::client
