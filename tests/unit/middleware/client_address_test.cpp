#include "middleware/client_address.h"

#include <gtest/gtest.h>

namespace cc::middleware {
namespace {

class ClientAddressTest : public ::testing::Test {
 protected:
  static TrustedProxies proxies(std::initializer_list<const char*> cidrs) {
    std::vector<IpNetwork> nets;
    for (auto c : cidrs) nets.push_back(*IpNetwork::parse(c));
    return TrustedProxies(std::move(nets));
  }
  static Poco::Net::IPAddress ip(const char* text) { return Poco::Net::IPAddress(text); }
};

TEST_F(ClientAddressTest, CidrContainment) {
  auto net = IpNetwork::parse("10.1.0.0/16");
  ASSERT_TRUE(net.ok());
  EXPECT_TRUE(net->contains(ip("10.1.200.3")));
  EXPECT_FALSE(net->contains(ip("10.2.0.1")));
  EXPECT_FALSE(net->contains(ip("::1")));
  auto odd = IpNetwork::parse("192.168.1.128/25");
  EXPECT_TRUE(odd->contains(ip("192.168.1.200")));
  EXPECT_FALSE(odd->contains(ip("192.168.1.127")));
  auto v6 = IpNetwork::parse("fd00::/8");
  EXPECT_TRUE(v6->contains(ip("fd12::1")));
  auto single = IpNetwork::parse("127.0.0.1");
  EXPECT_TRUE(single->contains(ip("127.0.0.1")));
  EXPECT_FALSE(single->contains(ip("127.0.0.2")));
  EXPECT_EQ(single->toString(), "127.0.0.1/32");
}

TEST_F(ClientAddressTest, BadCidrsAreRejected) {
  EXPECT_FALSE(IpNetwork::parse("10.0.0.0/33").ok());
  EXPECT_FALSE(IpNetwork::parse("10.0.0.0/x").ok());
  EXPECT_FALSE(IpNetwork::parse("example.com").ok());
  EXPECT_FALSE(IpNetwork::parse("").ok());
}

TEST_F(ClientAddressTest, WithoutTrustedProxiesThePeerIsTheClient) {
  TrustedProxies none;
  EXPECT_EQ(none.resolve("203.0.113.9", "1.2.3.4"), "203.0.113.9");
}

TEST_F(ClientAddressTest, XffFromAnUntrustedPeerIsIgnored) {
  auto p = proxies({"10.0.0.0/8"});
  EXPECT_EQ(p.resolve("203.0.113.9", "1.2.3.4"), "203.0.113.9");
}

TEST_F(ClientAddressTest, RightMostUntrustedAddressIsTheClient) {
  auto p = proxies({"10.0.0.0/8", "::1"});
  // The client claims 6.6.6.6; the edge proxy appended the real 198.51.100.7, then an inner
  // proxy appended the edge proxy.
  EXPECT_EQ(p.resolve("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1"), "198.51.100.7");
  EXPECT_EQ(p.resolve("::1", "198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(p.resolve("10.0.0.2", ""), "10.0.0.2");
  // Every hop trusted: the left-most is as far as we can see.
  EXPECT_EQ(p.resolve("10.0.0.2", "10.9.9.9,10.0.0.1"), "10.9.9.9");
  // Garbage stops the walk at the last address a trusted proxy vouched for.
  EXPECT_EQ(p.resolve("10.0.0.2", "1.1.1.1, bogus, 10.0.0.1"), "10.0.0.1");
}

TEST_F(ClientAddressTest, PortsBracketsAndMappedAddresses) {
  Poco::Net::IPAddress out;
  ASSERT_TRUE(parseClientAddress(" 198.51.100.7:5555 ", out));
  EXPECT_EQ(out.toString(), "198.51.100.7");
  ASSERT_TRUE(parseClientAddress("[2001:db8::1]:443", out));
  EXPECT_EQ(out.toString(), "2001:db8::1");
  ASSERT_TRUE(parseClientAddress("::ffff:198.51.100.7", out));
  EXPECT_EQ(out.toString(), "198.51.100.7");
  EXPECT_FALSE(parseClientAddress("unknown", out));
}

}  // namespace
}  // namespace cc::middleware
