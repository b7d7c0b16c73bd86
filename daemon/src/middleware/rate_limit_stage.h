#pragma once
// The pipeline stage that applies the rate limiter and answers 429.

#include <atomic>
#include <memory>
#include <string>

#include "common/swappable.h"
#include "http/middleware.h"
#include "metrics/registry.h"
#include "middleware/rate_limiter.h"

namespace cc::middleware {

/// Asks the current RateLimiter about each request, first in the chain after metrics so a
/// rejection costs as little as possible: 429 `rate_limited` with Retry-After and the IETF
/// RateLimit headers, which admitted answers on limited routes carry too. The limiter can be
/// swapped at run time (reload). Counts decisions in
/// controlcenter_ratelimit_decisions_total{rule,decision}. Thread-safe.
class RateLimitStage final : public http::Middleware {
 public:
  RateLimitStage(std::shared_ptr<RateLimiter> limiter, metrics::Registry& registry);
  /// A rule whose buckets are in Redis waits for Redis.
  bool mayWait(const http::RequestContext& ctx, const http::Route* route) const override;
  std::optional<http::Reply> onRequest(http::RequestContext& ctx,
                                       const http::Route* route) override;
  void onReply(const http::RequestContext& ctx, http::Reply& reply) override;
  /// Who the client is behind the current limiter's trusted proxies (ratelimit.trusted_proxies,
  /// followed across reloads): the pipeline's http::ClientResolver, so that the context is built
  /// with the address the limiter keys on.
  std::string clientAddress(const std::string& peer_ip, const std::string& forwarded_for) const;

  /// The current limiter, for a call that does not wait (common::Swappable::get): a request's
  /// decision in memory, a client's address.
  RateLimiter& limiter() const { return limiter_.get(); }
  /// The current limiter held, for a caller that may wait (Redis) or keeps it.
  std::shared_ptr<RateLimiter> sharedLimiter() const { return limiter_.share(); }
  void setLimiter(std::shared_ptr<RateLimiter> limiter) { limiter_.set(std::move(limiter)); }

 private:
  common::Swappable<RateLimiter> limiter_;
  metrics::Family<metrics::Counter>& decisions_;
};

}  // namespace cc::middleware
