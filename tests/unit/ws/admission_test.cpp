#include "ws/admission.h"

#include <gtest/gtest.h>

#include <vector>

namespace cc::ws {
namespace {

class WsAdmissionTest : public ::testing::Test {
 protected:
  Admission admission_{3, 2};
};

TEST_F(WsAdmissionTest, RefusesPastThePerClientCapWith429) {
  auto a = admission_.admit(Endpoint::kEvents, "10.0.0.1");
  auto b = admission_.admit(Endpoint::kMetrics, "10.0.0.1");
  ASSERT_TRUE(a && b);
  auto c = admission_.admit(Endpoint::kEvents, "10.0.0.1");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, common::ErrorCode::kRateLimited);
  EXPECT_EQ(admission_.ofClient("10.0.0.1"), 2);
  EXPECT_EQ(admission_.current(Endpoint::kEvents), 1);
  EXPECT_EQ(admission_.current(Endpoint::kMetrics), 1);
  // Another client still gets in.
  EXPECT_TRUE(admission_.admit(Endpoint::kEvents, "10.0.0.2"));
}

TEST_F(WsAdmissionTest, RefusesPastTheTotalCapWith503) {
  std::vector<Admission::Ticket> held;
  for (const char* ip : {"a", "b", "c"})
    held.push_back(std::move(*admission_.admit(Endpoint::kEvents, ip)));
  auto refused = admission_.admit(Endpoint::kEvents, "d");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, common::ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().retry_after_s, 1);
  EXPECT_EQ(admission_.total(), 3);
}

TEST_F(WsAdmissionTest, ReleasingATicketFreesItsSlotOnce) {
  {
    auto a = admission_.admit(Endpoint::kEvents, "x");
    auto b = admission_.admit(Endpoint::kEvents, "x");
    ASSERT_TRUE(a && b);
    Admission::Ticket moved = std::move(*a);
    EXPECT_EQ(admission_.ofClient("x"), 2);
    moved.release();
    moved.release();
    EXPECT_EQ(admission_.ofClient("x"), 1);
  }
  EXPECT_EQ(admission_.ofClient("x"), 0);
  EXPECT_EQ(admission_.total(), 0);
  EXPECT_EQ(admission_.current(Endpoint::kEvents), 0);
}

TEST_F(WsAdmissionTest, RefusesEverythingOnceClosed) {
  admission_.close();
  auto r = admission_.admit(Endpoint::kMetrics, "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, common::ErrorCode::kUnavailable);
  EXPECT_EQ(admission_.total(), 0);
}

}  // namespace
}  // namespace cc::ws
