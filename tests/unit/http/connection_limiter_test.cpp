#include "http/connection_limiter.h"

#include <gtest/gtest.h>

namespace cc::http {
namespace {

using Poco::Net::IPAddress;

class ConnectionLimiterTest : public ::testing::Test {
 protected:
  IPAddress a_{"10.0.0.1"};
  IPAddress b_{"10.0.0.2"};
};

TEST_F(ConnectionLimiterTest, AdmitsUpToTheLimitPerAddressThenRefuses) {
  ConnectionLimiter limiter(2);
  EXPECT_TRUE(limiter.tryAcquire(a_));
  EXPECT_TRUE(limiter.tryAcquire(a_));
  EXPECT_FALSE(limiter.tryAcquire(a_));
  EXPECT_TRUE(limiter.tryAcquire(b_)) << "another address has its own quota";
  EXPECT_EQ(limiter.openFrom(a_), 2);
  EXPECT_EQ(limiter.openFrom(b_), 1);
  EXPECT_EQ(limiter.refused(), 1);
  EXPECT_EQ(limiter.clients(), 2u);
}

TEST_F(ConnectionLimiterTest, ReleaseGivesThePlaceBackAndForgetsIdleAddresses) {
  ConnectionLimiter limiter(1);
  ASSERT_TRUE(limiter.tryAcquire(a_));
  ASSERT_FALSE(limiter.tryAcquire(a_));
  limiter.release(a_);
  EXPECT_EQ(limiter.clients(), 0u);
  EXPECT_TRUE(limiter.tryAcquire(a_));
  limiter.release(b_);  // never admitted: ignored, not negative
  EXPECT_EQ(limiter.openFrom(b_), 0);
}

TEST_F(ConnectionLimiterTest, ZeroMeansNoCapButStillCounts) {
  ConnectionLimiter limiter(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.tryAcquire(a_));
  EXPECT_EQ(limiter.openFrom(a_), 1000);
  // A cap set later (reload) applies to what is already open.
  limiter.setLimit(1000);
  EXPECT_FALSE(limiter.tryAcquire(a_));
  EXPECT_EQ(limiter.refused(), 1);
}

TEST_F(ConnectionLimiterTest, ExemptAddressesAreCountedButNeverRefused) {
  ConnectionLimiter limiter(1);
  limiter.setExempt([this](const IPAddress& address) { return address == a_; });
  EXPECT_TRUE(limiter.tryAcquire(a_));
  EXPECT_TRUE(limiter.tryAcquire(a_));
  EXPECT_EQ(limiter.openFrom(a_), 2);
  EXPECT_TRUE(limiter.tryAcquire(b_));
  EXPECT_FALSE(limiter.tryAcquire(b_));
}

TEST_F(ConnectionLimiterTest, IPv4MappedIPv6IsTheSameClientAsIPv4) {
  ConnectionLimiter limiter(1);
  ASSERT_TRUE(limiter.tryAcquire(IPAddress("::ffff:10.0.0.1")));
  EXPECT_FALSE(limiter.tryAcquire(a_));
  limiter.release(a_);
  EXPECT_EQ(limiter.clients(), 0u);
}

}  // namespace
}  // namespace cc::http
