#include "common/url_authority.h"

#include <gtest/gtest.h>

namespace cc::common {
namespace {

TEST(UrlAuthorityTest, SplitsUserHostAndPortAndUnbracketsIpv6) {
  auto plain = splitUrlAuthority("db.example.net", "k");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_FALSE(plain->user);
  EXPECT_EQ(plain->host, "db.example.net");
  EXPECT_FALSE(plain->port);

  auto full = splitUrlAuthority("cc@10.0.0.1:5433", "k");
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->user, "cc");
  EXPECT_FALSE(full->has_password);
  EXPECT_EQ(full->host, "10.0.0.1");
  EXPECT_EQ(full->port, 5433);

  auto v6 = splitUrlAuthority("[::1]:6380", "k");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 6380);

  auto empty = splitUrlAuthority("", "k");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->host.empty());
}

TEST(UrlAuthorityTest, ReportsAPasswordWithoutShowingIt) {
  auto with = splitUrlAuthority("cc:hunter2@h", "k");
  ASSERT_TRUE(with);
  EXPECT_EQ(with->user, "cc");
  EXPECT_TRUE(with->has_password);
  EXPECT_FALSE(with->password_empty);
  auto bare = splitUrlAuthority("cc:@h", "k");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->has_password);
  EXPECT_TRUE(bare->password_empty);
  auto bad_port = splitUrlAuthority("cc:hunter2@h:x", "k");
  ASSERT_FALSE(bad_port);
  EXPECT_EQ(bad_port.error().message.find("hunter2"), std::string::npos);
}

TEST(UrlAuthorityTest, RefusesMalformedAuthoritiesNamingTheKey) {
  for (const char* bad :
       {"h:", "h:0", "h:65536", "h:123456", "h:-1", "[::1", "[::1]x", "[]:5", "[::1]:"}) {
    auto r = splitUrlAuthority(bad, "some.url");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "some.url") << bad;
  }
}

TEST(UrlAuthorityTest, BoundedNumbers) {
  EXPECT_EQ(parseBoundedNumber("0", 0, 10), 0);
  EXPECT_EQ(parseBoundedNumber("10", 0, 10), 10);
  EXPECT_FALSE(parseBoundedNumber("11", 0, 10));
  EXPECT_FALSE(parseBoundedNumber("", 0, 10));
  EXPECT_FALSE(parseBoundedNumber("1x", 0, 10));
  EXPECT_FALSE(parseBoundedNumber("+1", 0, 10));
  EXPECT_FALSE(parseBoundedNumber("000001", 0, 10, 5));
  EXPECT_FALSE(parseBoundedNumber("99999999999999999999", 0, 10));
}

}  // namespace
}  // namespace cc::common
