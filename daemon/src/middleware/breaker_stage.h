#pragma once
// The pipeline stage that guards store-backed routes with the store's circuit breaker.

#include "breaker/circuit_breaker.h"
#include "http/middleware.h"

namespace cc::middleware {

/// For routes marked `uses_store`: while the breaker is open, answers 503
/// `dependency_unavailable` with Retry-After at once, without touching the store; otherwise
/// lets the request through and reports the outcome (a 503, 504 or 507 from the store is a
/// failure, anything else a success). Thread-safe.
class BreakerStage final : public http::Middleware {
 public:
  explicit BreakerStage(breaker::CircuitBreaker& breaker) : breaker_(breaker) {}
  std::optional<http::Reply> onRequest(http::RequestContext& ctx,
                                       const http::Route* route) override;
  void onReply(const http::RequestContext& ctx, http::Reply& reply) override;

 private:
  breaker::CircuitBreaker& breaker_;
};

}  // namespace cc::middleware
