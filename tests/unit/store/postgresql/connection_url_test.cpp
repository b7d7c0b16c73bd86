#include "store/postgresql/connection_url.h"

#include <gtest/gtest.h>

namespace cc::store::postgresql {
namespace {

using std::chrono::seconds;

ConnectionUrl parsed(const std::string& text) {
  auto url = parseConnectionUrl(text);
  EXPECT_TRUE(url.ok()) << text << ": " << (url ? "" : url.error().message);
  return url ? *url : ConnectionUrl{};
}

std::string refusal(const std::string& text) {
  auto url = parseConnectionUrl(text);
  EXPECT_FALSE(url.ok()) << text << " was accepted";
  if (url) return "";
  EXPECT_EQ(url.error().field, "db.url");
  return url.error().message;
}

TEST(ConnectionUrlTest, TakesEveryPartOfATcpUrl) {
  ConnectionUrl url =
      parsed("postgresql://cc@db.example.net:6432/controlcenter?sslmode=verify-full");
  EXPECT_EQ(url.user, "cc");
  EXPECT_EQ(url.host, "db.example.net");
  EXPECT_EQ(url.port, 6432);
  EXPECT_EQ(url.dbname, "controlcenter");
  EXPECT_EQ(url.sslmode, "verify-full");
  EXPECT_EQ(*url.conninfo("", seconds(5)),
            "host=db.example.net port=6432 dbname=controlcenter user=cc sslmode=verify-full "
            "connect_timeout=5");
}

TEST(ConnectionUrlTest, LeavesOutWhatTheUrlDoesNotSaySoLibpqDefaultsApply) {
  ConnectionUrl url = parsed("postgres://");
  EXPECT_EQ(*url.conninfo("", seconds(10)), "connect_timeout=10");
  EXPECT_EQ(*parsed("postgresql://db/").conninfo("", seconds(3)), "host=db connect_timeout=3");
}

TEST(ConnectionUrlTest, DecodesAPercentEncodedSocketDirectoryAsTheHost) {
  ConnectionUrl url = parsed("postgresql://cc@%2Ftmp%2Fpg%2dsock:5433/cc");
  EXPECT_EQ(url.host, "/tmp/pg-sock");
  EXPECT_EQ(url.port, 5433);
  EXPECT_EQ(url.display(), "postgresql://cc@%2Ftmp%2Fpg-sock:5433/cc");
}

TEST(ConnectionUrlTest, TakesTheSocketDirectoryFromTheQuery) {
  ConnectionUrl url = parsed("postgresql://cc@/cc?host=/run/postgresql&port=5433");
  EXPECT_EQ(url.host, "/run/postgresql");
  EXPECT_EQ(url.port, 5433);
  EXPECT_EQ(*url.conninfo("", seconds(5)),
            "host=/run/postgresql port=5433 dbname=cc user=cc connect_timeout=5");
}

TEST(ConnectionUrlTest, TakesABracketedIpv6Address) {
  ConnectionUrl url = parsed("postgresql://cc@[::1]:5432/cc");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.display(), "postgresql://cc@[::1]:5432/cc");
}

TEST(ConnectionUrlTest, PassesTheKnownLibpqParametersOn) {
  ConnectionUrl url =
      parsed("postgresql://cc@h/cc?application_name=cc-east&sslrootcert=/etc/cc/ca.pem");
  ASSERT_EQ(url.parameters.size(), 2U);
  EXPECT_EQ(*url.conninfo("", seconds(5)),
            "host=h dbname=cc user=cc application_name=cc-east sslrootcert=/etc/cc/ca.pem "
            "connect_timeout=5");
}

TEST(ConnectionUrlTest, AddsThePasswordAndNeverLetsAConnectTimeoutBelowTwoSeconds) {
  ConnectionUrl url = parsed("postgresql://cc@h/cc");
  EXPECT_EQ(*url.conninfo("s3=cr#t", seconds(1)),
            "host=h dbname=cc user=cc password=s3=cr#t connect_timeout=2");
}

TEST(ConnectionUrlTest, RefusesAPasswordTheConnectorCannotCarryWithoutShowingIt) {
  ConnectionUrl url = parsed("postgresql://cc@h/cc");
  for (std::string password : {"with space", "it's", "back\\slash", "tab\there"}) {
    auto conninfo = url.conninfo(password, seconds(5));
    ASSERT_FALSE(conninfo.ok()) << password;
    EXPECT_EQ(conninfo.error().field, "db.password_file");
    EXPECT_EQ(conninfo.error().message.find(password), std::string::npos);
  }
}

TEST(ConnectionUrlTest, RefusesAPasswordInTheUrlWithoutEchoingIt) {
  std::string message = refusal("postgresql://cc:hunter2@h/cc");
  EXPECT_NE(message.find("db.password_file"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_NE(refusal("postgresql://cc@h/cc?password=hunter2").find("db.password_file"),
            std::string::npos);
}

TEST(ConnectionUrlTest, RefusesAnotherSchemeOrNone) {
  EXPECT_NE(refusal("mysql://cc@h/cc").find("postgresql://"), std::string::npos);
  refusal("db.example.net:5432");
  refusal("");
  refusal("postgresql:/h/cc");
}

TEST(ConnectionUrlTest, RefusesBadPorts) {
  EXPECT_NE(refusal("postgresql://h:0/cc").find("port '0'"), std::string::npos);
  refusal("postgresql://h:65536/cc");
  refusal("postgresql://h:54x/cc");
  refusal("postgresql://h:/cc");
  refusal("postgresql://h:123456/cc");
  refusal("postgresql://h:-1/cc");
  refusal("postgresql://h/cc?port=abc");
  refusal("postgresql://h:5432/cc?port=5433");
  refusal("postgresql://[::1]x/cc");
  refusal("postgresql://[::1/cc");
}

TEST(ConnectionUrlTest, RefusesSslModesLibpqDoesNotKnow) {
  EXPECT_NE(refusal("postgresql://h/cc?sslmode=on").find("verify-full"), std::string::npos);
  refusal("postgresql://h/cc?sslmode=");
}

TEST(ConnectionUrlTest, RefusesWhatPocosConnectorCannotCarry) {
  EXPECT_NE(refusal("postgresql://h/my%20db").find("whitespace"), std::string::npos);
  EXPECT_NE(refusal("postgresql://o%27brien@h/cc").find("quote"), std::string::npos);
  EXPECT_NE(refusal("postgresql://h/c%5Cc").find("backslash"), std::string::npos);
  refusal("postgresql://h/cc%00");
  refusal("postgresql://h/cc?application_name=a%09b");
  refusal("postgresql://h/cc?application_name=");
}

TEST(ConnectionUrlTest, RefusesMalformedEscapesHostsAndQueries) {
  EXPECT_NE(refusal("postgresql://h/c%zzc").find("%-escape"), std::string::npos);
  refusal("postgresql://h/cc%2");
  refusal("postgresql://h/cc%");
  EXPECT_NE(refusal("postgresql://a,b/cc").find("one server"), std::string::npos);
  refusal("postgresql://tmp%2Fpg/cc");  // a relative socket directory
  refusal("postgresql://h/cc/extra");
  EXPECT_NE(refusal("postgresql://h/cc?sslmod=require").find("unknown query parameter 'sslmod'"),
            std::string::npos);
  refusal("postgresql://h/cc?sslmode");
  refusal("postgresql://h/cc?sslmode=require&sslmode=disable");
  refusal("postgresql://h/cc?host=/run/postgresql");
  EXPECT_NE(refusal("postgresql://h/cc?connect_timeout=3").find("db.connect_timeout_s"),
            std::string::npos);
}

TEST(ConnectionUrlTest, ToleratesEmptyQueryItems) {
  EXPECT_EQ(parsed("postgresql://h/cc?&sslmode=disable&").sslmode, "disable");
}

}  // namespace
}  // namespace cc::store::postgresql
