#include "http/handlers/metrics_handler.h"

#include "auth/password_hasher.h"
#include "http/error_envelope.h"

namespace cc::http::handlers {
namespace {

Reply exposition(const metrics::Registry& registry) {
  Reply reply = Reply::json(200, registry.render());
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return reply;
}

}  // namespace

void addMetricsRoute(Router& router, const metrics::Registry& registry) {
  router.add("GET", "/metrics", [&registry](RequestContext&) { return exposition(registry); });
}

void addPublicMetricsRoute(Router& router, const metrics::Registry& registry, std::string key) {
  // Public for the user-token check: the scraper's key is this route's own credential.
  RouteOptions open;
  open.is_public = true;
  router.add(
      "GET", "/metrics",
      [&registry, key = std::move(key)](RequestContext& ctx) {
        const std::string& sent = ctx.bearer_token;
        if (!sent.empty() && auth::PasswordHasher::constantTimeEquals(sent, key)) {
          return exposition(registry);
        }
        Reply reply =
            errorReply({common::ErrorCode::kUnauthorized,
                        sent.empty() ? "/metrics needs Authorization: Bearer <key from "
                                       "metrics.public_key_file> (or scrape the admin listener)"
                                     : "the key does not match metrics.public_key_file",
                        {},
                        0},
                       ctx.request_id);
        reply.setHeader("WWW-Authenticate", "Bearer realm=\"controlcenter-metrics\"");
        return reply;
      },
      open);
}

}  // namespace cc::http::handlers
