// The pipeline holds each answer against the listener's response budget before the middleware
// sees it on the way out; an answer with no room becomes 503 overloaded.
#include "http/pipeline.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "http/error_envelope.h"
#include "http/memory_budget.h"

namespace cc::http {
namespace {

// Notes the status of every answer it sees on the way out.
class SeenOnTheWayOut final : public Middleware {
 public:
  std::optional<Reply> onRequest(RequestContext&, const Route*) override { return std::nullopt; }
  void onReply(const RequestContext&, Reply& reply) override { statuses.push_back(reply.status); }
  std::vector<int> statuses;
};

class ResponseBudgetTest : public ::testing::Test {
 protected:
  ResponseBudgetTest() {
    auto router = std::make_shared<Router>();
    router->add("GET", "/big",
                [](RequestContext&) { return Reply::json(200, std::string(1000, 'x')); });
    router->add("GET", "/small", [](RequestContext&) { return Reply::json(200, "{}"); });
    pipeline_ = std::make_unique<Pipeline>(router);
    pipeline_->use(seen_);
  }

  Reply get(const std::string& path, BudgetLease& lease) {
    RequestContext ctx;
    ctx.method = "GET";
    ctx.path = path;
    ctx.request_id = "r1";
    ctx.reply_memory = &lease;
    return pipeline_->handle(ctx);
  }

  std::shared_ptr<SeenOnTheWayOut> seen_ = std::make_shared<SeenOnTheWayOut>();
  std::unique_ptr<Pipeline> pipeline_;
  MemoryBudget budget_;
};

TEST_F(ResponseBudgetTest, AnAnswerIsHeldUntilItsLeaseEnds) {
  {
    BudgetLease lease(budget_, 1500);
    EXPECT_EQ(get("/big", lease).status, 200);
    EXPECT_EQ(budget_.held(), 1000) << "held while it is being sent";
  }
  EXPECT_EQ(budget_.held(), 0);
  EXPECT_EQ(budget_.refused(), 0);
}

TEST_F(ResponseBudgetTest, AnAnswerWithNoRoomBecomes503OverloadedBeforeTheMiddlewareSeesIt) {
  BudgetLease sending(budget_, 1500);
  ASSERT_EQ(get("/big", sending).status, 200);  // still being sent: 1000 of 1500 held

  BudgetLease next(budget_, 1500);
  Reply refused = get("/big", next);
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("\"code\":\"overloaded\""), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("overload.max_response_bytes (1500 bytes)"), std::string::npos)
      << refused.body;
  ASSERT_NE(refused.header("Retry-After"), nullptr);
  EXPECT_EQ(*refused.header("Retry-After"), "1");
  EXPECT_EQ(seen_->statuses, (std::vector<int>{200, 503})) << "counted as what is sent";
  EXPECT_EQ(budget_.refused(), 1);
  EXPECT_TRUE(budget_.stats(1500).exhausted_at.has_value());

  BudgetLease small(budget_, 1500);
  EXPECT_EQ(get("/small", small).status, 200) << "a smaller answer that fits is served";
}

}  // namespace
}  // namespace cc::http
