#pragma once
// The pipeline stage that counts requests and times them by route template.

#include <cstdint>
#include <string>

#include "common/clock.h"
#include "http/middleware.h"
#include "metrics/registry.h"

namespace cc::middleware {

/// First in the chain, so it sees every answer: controlcenter_http_requests_total{route,method,
/// code}, controlcenter_http_request_duration_seconds{route} and
/// controlcenter_http_inflight_requests. Route labels are templates ("/api/agents/{id}"),
/// never raw paths; unknown paths count as "unmatched". A streamed answer is counted, timed and
/// leaves the in-flight gauge when its body has ended (complete or not), not at its head.
/// Each thread keeps the children it used last, so that counting a request usually takes no
/// lock and builds no label strings. Thread-safe.
class RequestMetrics final : public http::Middleware {
 public:
  explicit RequestMetrics(metrics::Registry& registry);
  std::optional<http::Reply> onRequest(http::RequestContext& ctx,
                                       const http::Route* route) override;
  void onReply(const http::RequestContext& ctx, http::Reply& reply) override;

 private:
  void record(const std::string& route, const std::string& method, int status,
              common::SteadyTime started);

  const uint64_t id_;  // tells this stage's children apart in a thread's cache
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& duration_;
  metrics::Gauge& inflight_;
};

}  // namespace cc::middleware
