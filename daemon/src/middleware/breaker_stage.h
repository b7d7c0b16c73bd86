#pragma once
// The pipeline stage that guards store-backed routes with the store's circuit breaker.

#include <functional>
#include <optional>

#include "breaker/circuit_breaker.h"
#include "common/result.h"
#include "http/middleware.h"

namespace cc::middleware {

/// For routes marked `uses_store`: while the breaker is open, answers 503
/// `dependency_unavailable` with Retry-After at once, without touching the store; otherwise
/// lets the request through and reports the outcome (a 503 dependency_unavailable or a 504 from
/// the store is a failure; 503 db_pool_exhausted is load and 507 insufficient_storage a full
/// disk, neither a broken store, so both count as successes, as does anything else).
///
/// The half-open probe first runs `write_probe` (when given): a store that still refuses writes
/// keeps the breaker open even when the request that happens to be the probe is a read, which
/// would succeed and close it only for the next write to open it again. Thread-safe.
class BreakerStage final : public http::Middleware {
 public:
  using WriteProbe = std::function<common::Status(common::SteadyTime deadline)>;

  explicit BreakerStage(breaker::CircuitBreaker& breaker, WriteProbe write_probe = {})
      : breaker_(breaker), write_probe_(std::move(write_probe)) {}
  std::optional<http::Reply> onRequest(http::RequestContext& ctx,
                                       const http::Route* route) override;
  void onReply(const http::RequestContext& ctx, http::Reply& reply) override;
  /// While the breaker is not closed, a store route's request may be the half-open probe, which
  /// writes to the store before the handler runs.
  bool mayWait(const http::RequestContext& ctx, const http::Route* route) const override;

  /// Whether a reply's error code (none for a reply that is not an error) means the store is
  /// failing.
  static bool isStoreFailure(std::optional<common::ErrorCode> code);

 private:
  breaker::CircuitBreaker& breaker_;
  const WriteProbe write_probe_;
};

}  // namespace cc::middleware
