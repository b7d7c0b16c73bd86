#include "middleware/request_metrics.h"

namespace cc::middleware {
namespace {

const std::string& methodLabel(const std::string& method) {
  static const std::string known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  static const std::string other = "other";
  for (const auto& m : known) {
    if (m == method) return m;
  }
  return other;
}

}  // namespace

RequestMetrics::RequestMetrics(metrics::Registry& registry)
    : requests_(registry.counterFamily("controlcenter_http_requests_total",
                                       "HTTP requests answered, by route template, method and "
                                       "status code.",
                                       {"route", "method", "code"})),
      duration_(registry.histogramFamily("controlcenter_http_request_duration_seconds",
                                         "Time from the parsed request to the answer, by route.",
                                         {"route"}, metrics::latencyBuckets())),
      inflight_(registry.gauge("controlcenter_http_inflight_requests",
                               "Requests being served right now.")) {}

std::optional<http::Reply> RequestMetrics::onRequest(http::RequestContext&, const http::Route*) {
  inflight_.inc();
  return std::nullopt;
}

void RequestMetrics::onReply(const http::RequestContext& ctx, http::Reply& reply) {
  const std::string route = ctx.route.empty() ? "unmatched" : ctx.route;
  auto record = [this, route, method = methodLabel(ctx.method), status = reply.status,
                 started = ctx.started] {
    inflight_.dec();
    requests_.labels({route, method, std::to_string(status)}).inc();
    duration_.labels({route}).observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  };
  // A streamed answer is in flight, and its duration runs, until its body has been sent.
  if (reply.stream) {
    reply.on_stream_end.emplace_back([record](const http::StreamOutcome&) { record(); });
  } else {
    record();
  }
}

}  // namespace cc::middleware
