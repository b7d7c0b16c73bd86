// How the pipeline decides where a request is served (Pipeline::pace), and the chain in two
// steps (begin, submit, end) that the event loops use for store routes.
#include "http/pipeline.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/error_envelope.h"

namespace cc::http {
namespace {

using Pace = Pipeline::Pace;

// A stage that records what it saw, may wait for some paths, and may refuse others.
class Recorder final : public Middleware {
 public:
  Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  std::optional<Reply> onRequest(RequestContext& ctx, const Route*) override {
    log_.push_back(name_ + ">");
    if (ctx.path == "/refused") return errorReply(common::Error::badRequest("no"), ctx.request_id);
    return std::nullopt;
  }
  void onReply(const RequestContext&, Reply& reply) override {
    log_.push_back("<" + name_);
    reply.setHeader("X-" + name_, "seen");
  }
  bool mayWait(const RequestContext& ctx, const Route*) const override {
    return ctx.path == "/waits-in-a-stage";
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

class PipelinePaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_ = std::make_shared<Router>();
    RouteOptions store;
    store.uses_store = true;
    RouteOptions bulk = store;
    bulk.bulk = true;
    RouteOptions streams;
    streams.streams_body = true;
    auto answer = [this](RequestContext&) {
      log_.push_back("handler");
      return Reply::json(200, "{}");
    };
    router_->add("GET", "/memory", answer);
    router_->add("GET", "/waits-in-a-stage", answer);
    router_->add("GET", "/store", answer, store);
    router_->add("GET", "/refused", answer, store);
    router_->add("GET", "/bulk", answer, bulk);
    router_->add("POST", "/import", answer, streams);
    router_->add("GET", "/cached", answer);
    pipeline_ = std::make_unique<Pipeline>(router_);
    pipeline_->use(std::make_shared<Recorder>("a", log_));
    pipeline_->use(std::make_shared<Recorder>("b", log_));
  }
  // An invoker as the daemon's RouteRunner gives: store routes and /cached on the executor.
  void withRunner(bool submitter) {
    pipeline_->setInvoker(
        [](RequestContext& ctx, const Route& route) { return route.handler(ctx); },
        [](const RequestContext& ctx, const Route& route) {
          return route.options.uses_store || ctx.path == "/cached" ? Pace::kOnExecutor
                                                                   : Pace::kAtOnce;
        },
        submitter ? Pipeline::Submitter([this](RequestContext& ctx, const Route& route,
                                               std::function<void(Reply)> done) {
          submitted_.push_back([&ctx, &route, done] { done(route.handler(ctx)); });
        })
                  : Pipeline::Submitter{});
  }
  Pace paceOf(const std::string& method, const std::string& path) {
    RequestContext ctx;
    ctx.method = method;
    ctx.routing_method = method;
    ctx.path = path;
    return pipeline_->pace(ctx);
  }

  std::shared_ptr<Router> router_;
  std::unique_ptr<Pipeline> pipeline_;
  std::vector<std::string> log_;
  std::vector<std::function<void()>> submitted_;
};

TEST_F(PipelinePaceTest, EachKindOfRequestGetsItsPace) {
  withRunner(true);
  EXPECT_EQ(paceOf("GET", "/memory"), Pace::kAtOnce);
  EXPECT_EQ(paceOf("GET", "/nowhere"), Pace::kAtOnce) << "a 404 needs nothing";
  EXPECT_EQ(paceOf("DELETE", "/memory"), Pace::kAtOnce) << "a 405 neither";
  EXPECT_EQ(paceOf("GET", "/store"), Pace::kOnExecutor);
  EXPECT_EQ(paceOf("GET", "/cached"), Pace::kOnExecutor);
  EXPECT_EQ(paceOf("GET", "/waits-in-a-stage"), Pace::kWaits) << "a stage may wait";
  EXPECT_EQ(paceOf("GET", "/bulk"), Pace::kWaits);
  EXPECT_EQ(paceOf("POST", "/import"), Pace::kWaits) << "it reads its own body";
}

TEST_F(PipelinePaceTest, WithoutASubmitterOrAnInvokerAStoreRouteNeedsAWorker) {
  withRunner(false);
  EXPECT_EQ(paceOf("GET", "/store"), Pace::kWaits);
  EXPECT_EQ(paceOf("GET", "/memory"), Pace::kAtOnce);
  Pipeline bare(router_);  // no invoker: handlers run inline, a store one would block
  RequestContext ctx;
  ctx.method = ctx.routing_method = "GET";
  ctx.path = "/store";
  EXPECT_EQ(bare.pace(ctx), Pace::kWaits);
}

TEST_F(PipelinePaceTest, ARequestIsLookedUpOnceForItsPaceAndItsChain) {
  withRunner(true);
  RequestContext ctx;
  ctx.method = ctx.routing_method = "GET";
  ctx.path = "/store";
  EXPECT_EQ(pipeline_->pace(ctx), Pace::kOnExecutor);
  ASSERT_TRUE(ctx.match.has_value());
  const Route* found = ctx.match->route;
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(&pipeline_->lookup(ctx), &*ctx.match) << "the answer kept is the one returned";
  // The chain serves the route the pace was decided for, without asking the router again:
  // a path changed after the lookup is not looked up anew.
  ctx.path = "/memory";
  Pipeline::Begun begun = pipeline_->begin(ctx);
  EXPECT_EQ(begun.route, found);
  EXPECT_EQ(ctx.route, "/store");
}

TEST_F(PipelinePaceTest, InTwoStepsTheStagesSeeTheRequestAndTheReplyAsInOne) {
  withRunner(true);
  RequestContext ctx;
  ctx.method = ctx.routing_method = "GET";
  ctx.path = "/store";
  Pipeline::Begun begun = pipeline_->begin(ctx);
  ASSERT_FALSE(begun.reply.has_value());
  EXPECT_EQ(ctx.route, "/store");
  EXPECT_EQ(log_, (std::vector<std::string>{"a>", "b>"}));
  std::optional<Reply> got;
  pipeline_->submit(ctx, begun, [&got](Reply r) { got = std::move(r); });
  ASSERT_EQ(submitted_.size(), 1u);
  EXPECT_FALSE(got.has_value()) << "the handler runs where the submitter puts it";
  submitted_.front()();
  ASSERT_TRUE(got.has_value());
  Reply out = pipeline_->end(ctx, begun, std::move(*got));
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(log_, (std::vector<std::string>{"a>", "b>", "handler", "<b", "<a"}));
  ASSERT_NE(out.header("X-a"), nullptr);
  EXPECT_EQ(*out.header("X-a"), "seen");

  // Refused by a stage: the reply comes from begin(), and only the stages that ran see it out.
  log_.clear();
  RequestContext refused;
  refused.method = refused.routing_method = "GET";
  refused.path = "/refused";
  Pipeline::Begun no = pipeline_->begin(refused);
  ASSERT_TRUE(no.reply.has_value());
  Reply answer = pipeline_->end(refused, no, std::move(*no.reply));
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(log_, (std::vector<std::string>{"a>", "<a"}));
}

}  // namespace
}  // namespace cc::http
