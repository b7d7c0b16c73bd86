#include "middleware/breaker_stage.h"

#include <algorithm>

#include "http/error_envelope.h"

namespace cc::middleware {

bool BreakerStage::isStoreFailure(std::optional<common::ErrorCode> code) {
  // db_pool_exhausted is load and insufficient_storage a full disk: the store still serves
  // reads in both cases, so neither may open the breaker and take the reads down with it.
  return code == common::ErrorCode::kDependencyUnavailable || code == common::ErrorCode::kTimeout;
}

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
  if (permit.probe && write_probe_) {
    common::Status probed = write_probe_(ctx.deadline);
    if (!probed.ok() && isStoreFailure(probed.error().code)) {
      breaker_.onFailure(permit);
      auto open_s = static_cast<int>((breaker_.config().open_ms + 999) / 1000);
      return http::errorReply(
          common::Error::unavailable(common::ErrorCode::kDependencyUnavailable,
                                     "the store is failing (circuit breaker '" + breaker_.name() +
                                         "' probe: " + probed.error().message + "); retry later",
                                     std::max(1, open_s)),
          ctx.request_id);
    }
  }
  ctx.notes.breaker_permit = true;
  ctx.notes.breaker_probe = permit.probe;
  ctx.notes.breaker_epoch = permit.epoch;
  return std::nullopt;
}

bool BreakerStage::mayWait(const http::RequestContext&, const http::Route* route) const {
  return route != nullptr && route->options.uses_store && write_probe_ &&
         breaker_.state() != breaker::BreakerState::kClosed;
}

void BreakerStage::onReply(const http::RequestContext& ctx, http::Reply& reply) {
  if (!ctx.notes.breaker_permit) return;
  breaker::Permit permit;
  permit.allowed = true;
  permit.probe = ctx.notes.breaker_probe;
  permit.epoch = ctx.notes.breaker_epoch;
  if (isStoreFailure(reply.error_code)) {
    breaker_.onFailure(permit);
  } else {
    breaker_.onSuccess(permit);
  }
}

}  // namespace cc::middleware
