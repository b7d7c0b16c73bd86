#include "middleware/request_metrics.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace cc::middleware {
namespace {

class RequestMetricsTest : public ::testing::Test {
 protected:
  // One request through the stage, as the pipeline runs it.
  static void serve(RequestMetrics& stage, const std::string& route, const std::string& method,
                    int status) {
    http::RequestContext ctx;
    ctx.route = route;
    ctx.method = method;
    ctx.started = std::chrono::steady_clock::now();
    stage.onRequest(ctx, nullptr);
    http::Reply reply = http::Reply::json(status, "{}");
    stage.onReply(ctx, reply);
  }
  static double requests(metrics::Registry& registry, const std::string& route,
                         const std::string& method, const std::string& code) {
    return registry
        .counterFamily("controlcenter_http_requests_total", "", {"route", "method", "code"})
        .labels({route, method, code})
        .value();
  }
  static uint64_t timed(metrics::Registry& registry, const std::string& route) {
    return registry
        .histogramFamily("controlcenter_http_request_duration_seconds", "", {"route"},
                         metrics::latencyBuckets())
        .labels({route})
        .snapshot()
        .count;
  }
};

TEST_F(RequestMetricsTest, EachRequestIsCountedUnderItsOwnLabelsHoweverTheyInterleave) {
  metrics::Registry registry;
  RequestMetrics stage(registry);
  for (int i = 0; i < 3; ++i) {
    serve(stage, "/health", "GET", 200);
    serve(stage, "/health", "HEAD", 200);
    serve(stage, "/health", "GET", 503);
    serve(stage, "/api/agents/{id}", "GET", 200);
    serve(stage, "", "BREW", 404);
  }
  EXPECT_EQ(requests(registry, "/health", "GET", "200"), 3);
  EXPECT_EQ(requests(registry, "/health", "HEAD", "200"), 3);
  EXPECT_EQ(requests(registry, "/health", "GET", "503"), 3);
  EXPECT_EQ(requests(registry, "/api/agents/{id}", "GET", "200"), 3);
  EXPECT_EQ(requests(registry, "unmatched", "other", "404"), 3);
  EXPECT_EQ(timed(registry, "/health"), 9u);
  EXPECT_EQ(timed(registry, "/api/agents/{id}"), 3u);
  EXPECT_EQ(timed(registry, "unmatched"), 3u);
  EXPECT_EQ(registry.gauge("controlcenter_http_inflight_requests", "").value(), 0);
}

TEST_F(RequestMetricsTest, StagesOfDifferentRegistriesOnOneThreadCountApart) {
  // More stages than a thread's cache has slots, all counting the same labels.
  std::vector<std::unique_ptr<metrics::Registry>> registries;
  std::vector<std::unique_ptr<RequestMetrics>> stages;
  for (int i = 0; i < 100; ++i) {
    registries.push_back(std::make_unique<metrics::Registry>());
    stages.push_back(std::make_unique<RequestMetrics>(*registries.back()));
  }
  for (int round = 0; round < 2; ++round) {
    for (auto& stage : stages) serve(*stage, "/health", "GET", 200);
  }
  for (auto& registry : registries) {
    EXPECT_EQ(requests(*registry, "/health", "GET", "200"), 2);
    EXPECT_EQ(timed(*registry, "/health"), 2u);
  }

  // A stage and registry made after others are gone never count into theirs.
  stages.clear();
  registries.clear();
  metrics::Registry later;
  RequestMetrics later_stage(later);
  serve(later_stage, "/health", "GET", 200);
  EXPECT_EQ(requests(later, "/health", "GET", "200"), 1);
}

TEST_F(RequestMetricsTest, MoreLabelSetsThanAThreadKeepsAreEachCountedRight) {
  // Far more (stage, route, method, status) than a thread's cache has slots, so that they meet.
  metrics::Registry one;
  metrics::Registry other;
  RequestMetrics one_stage(one);
  RequestMetrics other_stage(other);
  for (int round = 0; round < 2; ++round) {
    for (int r = 0; r < 100; ++r) {
      const std::string route = "/r/" + std::to_string(r);
      serve(one_stage, route, "GET", 200);
      serve(one_stage, route, "POST", 200);
      serve(one_stage, route, "GET", 404);
      serve(other_stage, route, "GET", 200);
    }
  }
  for (int r = 0; r < 100; ++r) {
    const std::string route = "/r/" + std::to_string(r);
    EXPECT_EQ(requests(one, route, "GET", "200"), 2) << route;
    EXPECT_EQ(requests(one, route, "POST", "200"), 2) << route;
    EXPECT_EQ(requests(one, route, "GET", "404"), 2) << route;
    EXPECT_EQ(requests(other, route, "GET", "200"), 2) << route;
    EXPECT_EQ(requests(other, route, "POST", "200"), 0) << route;
    EXPECT_EQ(timed(one, route), 6u) << route;
    EXPECT_EQ(timed(other, route), 2u) << route;
  }
}

}  // namespace
}  // namespace cc::middleware
