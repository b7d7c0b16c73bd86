#include "http/handlers/health_handlers.h"

namespace cc::http::handlers {
namespace {

double uptimeSince(common::SteadyTime started_at) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
}

Reply healthReply(health::HealthAnswer answer) {
  Reply reply =
      Reply::json(answer.status == health::HealthStatus::kFail ? 503 : 200, std::move(answer.body));
  reply.content_type = "application/health+json";
  reply.setHeader("Cache-Control", "no-store");
  return reply;
}

}  // namespace

void addHealthRoutes(Router& router, const health::HealthRegistry& registry,
                     common::SteadyTime started_at) {
  RouteOptions open;
  open.is_public = true;
  auto aggregate = [&registry, started_at](RequestContext&) {
    return healthReply(registry.healthAnswer(uptimeSince(started_at)));
  };
  router.add("GET", "/health", aggregate, open);
  router.add("GET", "/api/health", aggregate, open);
  router.add(
      "GET", "/health/live",
      [started_at](RequestContext&) {
        health::HealthReport live;
        live.checks.emplace_back(
            "process", health::CheckResult{health::HealthStatus::kPass, "serving requests"});
        return healthReply(
            {live.status, health::HealthRegistry::toJson(live, uptimeSince(started_at))});
      },
      open);
  router.add(
      "GET", "/health/ready",
      [&registry, started_at](RequestContext&) {
        return healthReply(registry.readinessAnswer(uptimeSince(started_at)));
      },
      open);
}

}  // namespace cc::http::handlers
