#include "middleware/breaker_stage.h"

#include "http/error_envelope.h"

namespace cc::middleware {

std::optional<http::Reply> BreakerStage::onRequest(http::RequestContext& ctx,
                                                   const http::Route* route) {
  if (route == nullptr || !route->options.uses_store) return std::nullopt;
  breaker::Permit permit = breaker_.allow();
  if (!permit.allowed) {
    return http::errorReply(
        common::Error::unavailable(
            common::ErrorCode::kDependencyUnavailable,
            "the store is failing (circuit breaker '" + breaker_.name() + "' is open); retry later",
            permit.retry_after_s),
        ctx.request_id);
  }
  ctx.notes.breaker_permit = true;
  ctx.notes.breaker_probe = permit.probe;
  ctx.notes.breaker_epoch = permit.epoch;
  return std::nullopt;
}

void BreakerStage::onReply(const http::RequestContext& ctx, http::Reply& reply) {
  if (!ctx.notes.breaker_permit) return;
  breaker::Permit permit;
  permit.allowed = true;
  permit.probe = ctx.notes.breaker_probe;
  permit.epoch = ctx.notes.breaker_epoch;
  // 503 db_pool_exhausted is load, not a broken store: it must not open the breaker.
  const std::string& code = reply.error_code;
  bool failed =
      code == "dependency_unavailable" || code == "timeout" || code == "insufficient_storage";
  if (failed) {
    breaker_.onFailure(permit);
  } else {
    breaker_.onSuccess(permit);
  }
}

}  // namespace cc::middleware
