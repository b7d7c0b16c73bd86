#pragma once
// Runs a load scenario against the public API: one thread and keep-alive session per user.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "client/latency_histogram.h"
#include "client/load_scenario.h"
#include "common/clock.h"

namespace cc::ctl::client {

/// How one request ended.
enum class LoadOutcome { kOk, kRateLimited, kClientError, kServerError, kTimeout, kError };

/// Outcome for an HTTP status: 2xx/3xx ok, 429 rate limited, other 4xx, 5xx.
LoadOutcome outcomeForStatus(int status);

/// Counters and latencies of one endpoint (or of all). Latencies are those of answered requests
/// (any status); timeouts and transport errors have none. A plain value type.
struct EndpointStats {
  std::string endpoint;
  uint64_t requests = 0;
  uint64_t ok = 0;
  uint64_t rate_limited = 0;
  uint64_t client_errors = 0;
  uint64_t server_errors = 0;
  uint64_t timeouts = 0;
  uint64_t errors = 0;
  LatencyHistogram latency;

  void add(LoadOutcome outcome, uint64_t micros);
  void merge(const EndpointStats& other);
  /// ok / requests; 0 when nothing ran.
  double successRatio() const;
};

/// Everything a run needs. requests > 0 bounds the run by count, else duration_s bounds it.
/// rate > 0 paces the starts of requests across all users to that many per second.
struct LoadPlan {
  Scenario scenario;
  int64_t requests = 0;
  double duration_s = 0;
  double rate = 0;
  Endpoint target;
  std::string token;
  std::chrono::milliseconds timeout{5000};
};

/// The merged result: endpoints in the order they first appear in the scenario, and the total.
struct LoadReport {
  std::vector<EndpointStats> endpoints;
  EndpointStats total;
  double duration_s = 0;
};

/// A snapshot for a progress display.
struct LoadProgress {
  uint64_t done = 0;
  uint64_t failed = 0;  // anything but ok
  double elapsed_s = 0;
};

/// Runs a plan to the end: stops by itself once the request budget is used up (never more) or
/// the duration has passed (an agent created before then is still deleted). run() blocks and may
/// be called once; progress() may be called from another thread while it runs.
class LoadRunner {
 public:
  explicit LoadRunner(LoadPlan plan, const common::Clock& clock = common::Clock::system());
  LoadReport run();
  LoadProgress progress() const;

 private:
  struct Action {
    std::vector<std::size_t> steps;  // indices into the group's cycle
  };
  void runUser(const UserGroup& group, int user, std::vector<EndpointStats>& stats);
  bool claim(int64_t n);
  std::size_t labelIndex(const std::string& label) const;

  LoadPlan plan_;
  const common::Clock& clock_;
  std::vector<std::string> labels_;
  std::atomic<int64_t> budget_{0};
  std::atomic<uint64_t> sequence_{0};  // pacing slots
  std::atomic<uint64_t> serial_{0};    // unique numbers for request bodies
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<int64_t> start_ns_{0};
  common::SteadyTime start_{};
  common::SteadyTime deadline_{};
};

}  // namespace cc::ctl::client
