#pragma once
// Cross-origin access for browsers (CORS): preflights answered without a token, and the
// Access-Control-* headers on every answer to an allowed origin.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/swappable.h"
#include "config/config.h"
#include "http/middleware.h"
#include "http/router.h"
#include "metrics/registry.h"

namespace cc::middleware {

/// Which browser origins may call the public API: http.cors.allowed_origins, a list of exact
/// origins (scheme://host[:port], compared case-insensitively) or `*` for any. Empty means no
/// CORS at all. Immutable; thread-safe.
class CorsPolicy {
 public:
  CorsPolicy() = default;
  /// `origins` as the key table validated them (config::validators::originList); "*" allows
  /// every origin.
  explicit CorsPolicy(const std::vector<std::string>& origins);
  static CorsPolicy fromConfig(const config::Config& config);

  bool enabled() const { return any_ || !origins_.empty(); }
  bool anyOrigin() const { return any_; }
  /// The Access-Control-Allow-Origin value for a request's Origin header: "*", the origin
  /// itself, or "" when it may not (or when it sent none).
  std::string allowOrigin(const std::string& origin) const;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;  // lower case
};

/// The pipeline stage, placed before the rate limit and authentication:
/// - a preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin
///   is answered 204 here, without a token and without costing the client a rate-limit token,
///   with the path's methods, the request headers the API reads and Max-Age; from another origin
///   it is answered 403 `forbidden` without CORS headers; on an unknown path 404;
/// - every other answer to an allowed origin (error envelopes, 401, 413 and 429 included) carries
///   Access-Control-Allow-Origin and Access-Control-Expose-Headers; answers to other origins
///   carry none. With a list of origins (not `*`) every answer carries Vary: Origin.
/// With the policy disabled the stage does nothing. The policy can be swapped at run time
/// (reload). Counts decisions in controlcenter_cors_requests_total{decision}. Thread-safe.
class CorsStage final : public http::Middleware {
 public:
  static constexpr int kMaxAgeSeconds = 600;
  static constexpr const char* kAllowHeaders = "Authorization, Content-Type, X-Request-ID";
  static constexpr const char* kExposeHeaders =
      "X-Request-ID, Location, Retry-After, RateLimit, RateLimit-Policy, X-Cache, Age, "
      "X-Total-Count, WWW-Authenticate";

  CorsStage(std::shared_ptr<const http::Router> router, CorsPolicy policy,
            metrics::Registry& registry);
  std::optional<http::Reply> onRequest(http::RequestContext& ctx,
                                       const http::Route* route) override;
  void onReply(const http::RequestContext& ctx, http::Reply& reply) override;
  void onEarlyReply(const http::RequestContext& ctx, http::Reply& reply) override {
    onReply(ctx, reply);
  }

  /// The current policy, for the call the caller is in (common::Swappable::get).
  const CorsPolicy& policy() const { return policy_.get(); }
  void setPolicy(CorsPolicy policy) {
    policy_.set(std::make_shared<const CorsPolicy>(std::move(policy)));
  }

 private:
  std::shared_ptr<const http::Router> router_;
  common::Swappable<const CorsPolicy> policy_;
  metrics::Family<metrics::Counter>& decisions_;
};

}  // namespace cc::middleware
