#include "middleware/request_metrics.h"

#include <array>
#include <atomic>
#include <functional>

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

const std::string kUnmatched = "unmatched";

std::atomic<uint64_t> g_next_id{1};

// A thread's children of the last few (stage, route, method, status) it counted, one per slot
// chosen by their hash: what a thread serves repeats, and a child lives as long as its family.
struct CachedChildren {
  uint64_t owner = 0;  // RequestMetrics::id_, never reused, 0 for an empty slot
  std::string route;
  const std::string* method = nullptr;  // one of methodLabel()'s strings
  int status = 0;
  metrics::Counter* requests = nullptr;
  metrics::Histogram* duration = nullptr;
};
constexpr std::size_t kCacheSlots = 64;

}  // namespace

RequestMetrics::RequestMetrics(metrics::Registry& registry)
    : id_(g_next_id.fetch_add(1, std::memory_order_relaxed)),
      requests_(registry.counterFamily("controlcenter_http_requests_total",
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
  const std::string& route = ctx.route.empty() ? kUnmatched : ctx.route;
  const std::string& method = methodLabel(ctx.method);
  // A streamed answer is in flight, and its duration runs, until its body has been sent.
  if (reply.stream) {
    reply.on_stream_end.emplace_back([this, route = route, &method, status = reply.status,
                                      started = ctx.started](const http::StreamOutcome&) {
      record(route, method, status, started);
    });
  } else {
    record(route, method, reply.status, ctx.started);
  }
}

void RequestMetrics::record(const std::string& route, const std::string& method, int status,
                            common::SteadyTime started) {
  inflight_.dec();
  thread_local std::array<CachedChildren, kCacheSlots> cache;
  std::size_t hash = std::hash<std::string>{}(route) ^ (std::hash<const void*>{}(&method) * 31) ^
                     (static_cast<std::size_t>(status) * 1000003u) ^
                     static_cast<std::size_t>(id_ * 0x9E3779B97F4A7C15ull);
  CachedChildren& slot = cache[hash % kCacheSlots];
  if (slot.owner != id_ || slot.status != status || slot.method != &method || slot.route != route) {
    slot.owner = id_;
    slot.route = route;
    slot.method = &method;
    slot.status = status;
    slot.requests = &requests_.labels({route, method, std::to_string(status)});
    slot.duration = &duration_.labels({route});
  }
  slot.requests->inc();
  slot.duration->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace cc::middleware
