#include "admin/protection_admin_routes.h"

#include "http/error_envelope.h"
#include "http/json_body.h"

namespace cc::admin {

using http::Reply;
using http::RequestContext;

void addProtectionAdminRoutes(http::Router& router, middleware::RateLimitStage& rate_limit,
                              middleware::ResponseCache& cache,
                              breaker::CircuitBreaker& db_breaker) {
  http::RouteOptions writes;
  writes.writes = true;

  router.add("GET", "/admin/ratelimit", [&rate_limit](RequestContext&) {
    return http::jsonReply(200, rate_limit.sharedLimiter()->toJson());
  });
  router.add(
      "DELETE", "/admin/ratelimit",
      [&rate_limit](RequestContext& ctx) {
        auto rule = ctx.queryParam("rule");
        if (!rule || rule->empty()) {
          return http::errorReply(common::Error::invalid("rule", "?rule=NAME is required"),
                                  ctx.request_id);
        }
        auto reset = rate_limit.sharedLimiter()->reset(*rule, ctx.queryParam("key"));
        if (!reset) return http::errorReply(reset.error(), ctx.request_id);
        auto o = http::newObject();
        o->set("rule", *rule);
        if (auto key = ctx.queryParam("key")) o->set("key", *key);
        o->set("reset", *reset);
        return http::jsonReply(200, o);
      },
      writes);

  router.add("GET", "/admin/cache",
             [&cache](RequestContext&) { return http::jsonReply(200, cache.toJson()); });
  router.add(
      "DELETE", "/admin/cache",
      [&cache](RequestContext& ctx) {
        auto o = http::newObject();
        o->set("flushed", static_cast<uint64_t>(cache.flush(ctx.queryParam("prefix"))));
        return http::jsonReply(200, o);
      },
      writes);

  router.add("GET", "/admin/breakers", [&db_breaker](RequestContext&) {
    auto o = http::newObject();
    o->set("breakers", breakersToJson(db_breaker));
    return http::jsonReply(200, o);
  });
}

Poco::JSON::Array::Ptr breakersToJson(const breaker::CircuitBreaker& db_breaker) {
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  list->add(db_breaker.toJson());
  return list;
}

}  // namespace cc::admin
