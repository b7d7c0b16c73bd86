#include "app/overload_check.h"

#include <gtest/gtest.h>

namespace cc::app {
namespace {

using namespace std::chrono_literals;

class OverloadCheckTest : public ::testing::Test {
 protected:
  common::FakeClock clock_;
};

TEST_F(OverloadCheckTest, PassesWhenNoListenerEverRanOutOfDescriptors) {
  auto r = overloadCheck(DescriptorShedding::of({http::ServerShedding{}, http::ServerShedding{}}),
                         MemoryShedding{}, clock_.now());
  EXPECT_EQ(r.status, health::HealthStatus::kPass);
  EXPECT_NE(r.output.find("not shedding"), std::string::npos) << r.output;
}

TEST_F(OverloadCheckTest, WarnsWithinTheWindowAfterTheLastExhaustionSummingEveryListener) {
  http::ServerShedding pub;
  pub.shed_descriptors = 7;
  pub.idle_closed_descriptors = 12;
  pub.descriptors_exhausted_at = clock_.now();
  pub.accept_failures = 20;
  http::ServerShedding admin;
  admin.shed_descriptors = 1;
  admin.accept_failures = 2;
  clock_.advance(3s);
  admin.descriptors_exhausted_at = clock_.now();  // the latest counts
  clock_.advance(kOverloadWindow - 1s);
  auto shedding = DescriptorShedding::of({pub, admin});
  EXPECT_EQ(shedding.accept_failures, 22);
  EXPECT_EQ(shedding.refused, 8);
  EXPECT_EQ(shedding.idle_closed, 12);
  ASSERT_TRUE(shedding.last);
  EXPECT_EQ(*shedding.last, *admin.descriptors_exhausted_at);
  auto r = overloadCheck(shedding, MemoryShedding{}, clock_.now());
  EXPECT_EQ(r.status, health::HealthStatus::kWarn) << r.output;
  EXPECT_NE(r.output.find("8 connection(s) answered 503 overloaded"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("12 idle keep-alive"), std::string::npos) << r.output;

  clock_.advance(1s);
  r = overloadCheck(shedding, MemoryShedding{}, clock_.now());
  EXPECT_EQ(r.status, health::HealthStatus::kPass) << "the window is over: " << r.output;
  EXPECT_NE(r.output.find("8 connection(s)"), std::string::npos) << "the totals stay shown";
}

TEST_F(OverloadCheckTest, WarnsWhileRequestsAreRefusedForWantOfRoomForTheirBodies) {
  http::ServerShedding pub;
  pub.request_memory = {1000, 4096, 3, clock_.now()};
  http::ServerShedding admin;
  admin.request_memory = {24, 4096, 0, std::nullopt};
  auto memory = MemoryShedding::of({pub, admin});
  EXPECT_EQ(memory.requests.held, 1024);
  EXPECT_EQ(memory.requests.limit, 4096);
  EXPECT_EQ(memory.requests.refused, 3);
  EXPECT_EQ(memory.responses.refused, 0);
  clock_.advance(2s);
  auto r = overloadCheck(DescriptorShedding{}, memory, clock_.now());
  EXPECT_EQ(r.status, health::HealthStatus::kWarn) << r.output;
  EXPECT_NE(r.output.find("request bodies at overload.max_request_bytes 2 s ago"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("overload.max_response_bytes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 request(s) refused"), std::string::npos) << r.output;
  clock_.advance(kOverloadWindow);
  EXPECT_EQ(overloadCheck(DescriptorShedding{}, memory, clock_.now()).status,
            health::HealthStatus::kPass);
}

TEST_F(OverloadCheckTest, WarnsWhileAnswersAreReplacedForWantOfRoomToSendThem) {
  http::ServerShedding pub;
  pub.response_memory = {5000, 8192, 2, clock_.now()};
  http::ServerShedding admin;
  admin.response_memory = {0, 8192, 1, std::nullopt};
  auto memory = MemoryShedding::of({pub, admin});
  EXPECT_EQ(memory.responses.held, 5000);
  EXPECT_EQ(memory.responses.refused, 3);
  clock_.advance(4s);
  auto r = overloadCheck(DescriptorShedding{}, memory, clock_.now());
  EXPECT_EQ(r.status, health::HealthStatus::kWarn) << r.output;
  EXPECT_NE(r.output.find("answers at overload.max_response_bytes 4 s ago"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("3 answer(s) replaced by 503"), std::string::npos) << r.output;
  clock_.advance(kOverloadWindow);
  EXPECT_EQ(overloadCheck(DescriptorShedding{}, memory, clock_.now()).status,
            health::HealthStatus::kPass);
}

}  // namespace
}  // namespace cc::app
