#include "middleware/cors.h"

#include <algorithm>

#include "http/error_envelope.h"

namespace cc::middleware {
namespace {

std::string lowerAscii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool isPreflight(const http::RequestContext& ctx) {
  return ctx.method == "OPTIONS" && !ctx.header("Access-Control-Request-Method").empty();
}

}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins) {
  for (const auto& origin : origins) {
    if (origin == "*") {
      any_ = true;
    } else {
      origins_.push_back(lowerAscii(origin));
    }
  }
}

CorsPolicy CorsPolicy::fromConfig(const config::Config& config) {
  return CorsPolicy(config.getList("http.cors.allowed_origins"));
}

std::string CorsPolicy::allowOrigin(const std::string& origin) const {
  if (origin.empty()) return {};
  if (any_) return "*";
  return std::find(origins_.begin(), origins_.end(), lowerAscii(origin)) == origins_.end()
             ? std::string()
             : origin;
}

CorsStage::CorsStage(std::shared_ptr<const http::Router> router, CorsPolicy policy,
                     metrics::Registry& registry)
    : router_(std::move(router)),
      policy_(std::make_shared<CorsPolicy>(std::move(policy))),
      decisions_(registry.counterFamily("controlcenter_cors_requests_total",
                                        "Requests with an Origin header, by CORS decision.",
                                        {"decision"})) {}

std::optional<http::Reply> CorsStage::onRequest(http::RequestContext& ctx, const http::Route*) {
  const CorsPolicy& current = policy();
  if (!current.enabled()) return std::nullopt;
  const std::string origin = ctx.header("Origin");
  if (origin.empty()) return std::nullopt;
  const bool allowed = !current.allowOrigin(origin).empty();
  if (!isPreflight(ctx)) {
    decisions_.labels({allowed ? "allowed" : "refused"}).inc();
    return std::nullopt;
  }
  if (!allowed) {
    decisions_.labels({"preflight_refused"}).inc();
    return http::errorReply(
        {common::ErrorCode::kForbidden,
         "origin " + origin + " may not call this API (http.cors.allowed_origins)",
         {},
         0},
        ctx.request_id);
  }
  decisions_.labels({"preflight"}).inc();
  http::RouteMatch match = router_->match("OPTIONS", ctx.path);
  if (match.status == 404) {
    return http::errorReply(common::Error::notFound("no route for " + ctx.path), ctx.request_id);
  }
  http::Reply reply = http::Reply::noContent();
  reply.setHeader("Access-Control-Allow-Methods", match.allow);
  reply.setHeader("Access-Control-Allow-Headers", kAllowHeaders);
  reply.setHeader("Access-Control-Max-Age", std::to_string(kMaxAgeSeconds));
  return reply;
}

void CorsStage::onReply(const http::RequestContext& ctx, http::Reply& reply) {
  const CorsPolicy& current = policy();
  if (!current.enabled()) return;
  // With a list, whether the answer carries the headers depends on Origin, with or without
  // one: a shared cache must not hand one origin's answer to another.
  if (!current.anyOrigin()) reply.setHeader("Vary", "Origin");
  const std::string allow = current.allowOrigin(ctx.header("Origin"));
  if (allow.empty()) return;
  reply.setHeader("Access-Control-Allow-Origin", allow);
  // The preflight's own answer needs no list of readable headers; every other answer does.
  if (!isPreflight(ctx) || reply.status != 204) {
    reply.setHeader("Access-Control-Expose-Headers", kExposeHeaders);
  }
}

}  // namespace cc::middleware
