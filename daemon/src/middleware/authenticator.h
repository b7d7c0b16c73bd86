#pragma once
// The pipeline stage that turns a Bearer token into the request's identity.

#include "auth/token_service.h"
#include "http/middleware.h"

namespace cc::middleware {

/// Every /api route but the public ones needs `Authorization: Bearer <token>`: a missing,
/// unknown, expired or revoked token gets 401 with WWW-Authenticate (unknown /api paths too,
/// so route existence does not leak); a viewer on a route that writes gets 403. A store failure
/// while validating answers 503, never 500. Paths outside /api are not its business.
/// Thread-safe.
class Authenticator final : public http::Middleware {
 public:
  explicit Authenticator(auth::TokenService& tokens) : tokens_(tokens) {}
  std::optional<http::Reply> onRequest(http::RequestContext& ctx,
                                       const http::Route* route) override;
  /// Only a token the cache cannot answer for sends validation to the store.
  bool mayWait(const http::RequestContext& ctx, const http::Route* route) const override;

 private:
  auth::TokenService& tokens_;
};

}  // namespace cc::middleware
