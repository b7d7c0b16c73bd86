#include "middleware/rate_limit_stage.h"

#include <functional>

#include "http/error_envelope.h"

namespace cc::middleware {

RateLimitStage::RateLimitStage(std::shared_ptr<RateLimiter> limiter, metrics::Registry& registry)
    : limiter_(std::move(limiter)),
      decisions_(registry.counterFamily("controlcenter_ratelimit_decisions_total",
                                        "Rate limiter decisions by rule.", {"rule", "decision"})) {}

bool RateLimitStage::mayWait(const http::RequestContext& ctx, const http::Route*) const {
  return !limiter().decidesInMemory(ctx.routing_method, ctx.path);
}

std::optional<http::Reply> RateLimitStage::onRequest(http::RequestContext& ctx,
                                                     const http::Route*) {
  // A decision in memory takes microseconds; one that asks Redis may wait for it, longer than a
  // reload's swaps keep a replaced limiter (common::Swappable::get), so with shared stores the
  // stage holds the one it asks.
  RateLimiter& current = this->limiter();
  std::shared_ptr<RateLimiter> held;
  if (current.hasSharedStores()) held = sharedLimiter();
  RateLimiter& limiter = held ? *held : current;
  RequestInfo info;
  info.method = ctx.routing_method;
  info.path = ctx.path;
  info.client_ip = ctx.client_ip;
  // Token rules key on a digest of the presented token: cheap, and never the secret itself.
  if (!ctx.bearer_token.empty()) {
    info.token_key = std::to_string(std::hash<std::string>{}(ctx.bearer_token));
  }
  RateDecision decision = limiter.decide(info);
  if (decision.action == RateAction::kExempt || decision.action == RateAction::kUnlimited) {
    return std::nullopt;
  }
  decisions_.labels({decision.rule, std::string(rateActionName(decision.action))}).inc();
  if (decision.carriesHeaders()) {
    ctx.notes.ratelimit_policy = decision.policyHeader();
    ctx.notes.ratelimit = decision.rateLimitHeader();
  }
  if (decision.action == RateAction::kFailClosed) {
    return http::errorReply(common::Error::dependencyUnavailable(
                                "rate limit '" + decision.rule +
                                "' cannot be checked: its shared store is unreachable"),
                            ctx.request_id);
  }
  if (decision.action != RateAction::kReject) return std::nullopt;
  http::Reply reply = http::errorReply({common::ErrorCode::kRateLimited,
                                        "rate limit '" + decision.rule + "' exceeded; retry in " +
                                            std::to_string(decision.retry_after_s) + " s",
                                        {},
                                        decision.retry_after_s},
                                       ctx.request_id);
  return reply;
}

std::string RateLimitStage::clientAddress(const std::string& peer_ip,
                                          const std::string& forwarded_for) const {
  return limiter().config().trusted_proxies.resolve(peer_ip, forwarded_for);
}

void RateLimitStage::onReply(const http::RequestContext& ctx, http::Reply& reply) {
  if (ctx.notes.ratelimit_policy.empty()) return;
  reply.setHeader("RateLimit-Policy", ctx.notes.ratelimit_policy);
  reply.setHeader("RateLimit", ctx.notes.ratelimit);
}

}  // namespace cc::middleware
