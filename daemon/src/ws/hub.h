#pragma once
// The WebSocket hub: admission, its connections on the reactor's loops, topic fan-out, counters.

#include <Poco/JSON/Object.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "metrics/registry.h"
#include "system/system_snapshot.h"
#include "ws/admission.h"
#include "ws/connection_set.h"
#include "ws/hub_settings.h"
#include "ws/session.h"

namespace cc::ws {

/// Why an upgrade was refused before the 101.
enum class RefuseReason {
  kBadRequest,    // 400: not a WebSocket upgrade
  kUnauthorized,  // 401: bad bearer header or ?token=
  kCapacity,      // 503: ws.max_connections
  kPerClient,     // 429: ws.max_connections_per_client
  kShuttingDown,  // 503: after shutdown()
};
constexpr int kRefuseReasonCount = 5;
const char* refuseReasonName(RefuseReason reason);

/// Counters of the hub, for /admin/status and /metrics.
struct HubStats {
  int connections_metrics = 0;  // open on /api/system/metrics
  int connections_ws = 0;       // open on /api/system/ws
  int64_t accepted_total = 0;
  std::array<int64_t, kRefuseReasonCount> refused{};  // by RefuseReason
  std::array<int64_t, kCloseReasonCount> closed{};    // by CloseReason
};

/// Owns every WebSocket after its handshake. Upgrades are admitted against the connection caps
/// (admit), then handed to the least loaded of its ConnectionSets, one on each loop of the
/// reactor (adopt); no thread of its own, and no HTTP worker, stays with a WebSocket. publish()
/// serialises a frame once and queues the same shared bytes on every subscriber; metrics frames
/// come from the latest SystemSnapshot, re-encoded only when sampled_at changes. shutdown() closes
/// every connection with 1001 and leaves the loops. All public methods are thread-safe.
class Hub {
 public:
  using SnapshotSource = std::function<std::shared_ptr<const system::SystemSnapshot>()>;

  /// Serves its connections on `reactor`'s loops; the reactor outlives the hub and stops after
  /// its shutdown().
  Hub(HubSettings settings, SnapshotSource snapshots, TokenValidator validator,
      http::Reactor& reactor);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Starts serving on the reactor's loops.
  void start();
  /// Refuses new upgrades, sends close 1001 to every connection and leaves the reactor's loops
  /// (each waits at most the close grace for its frames to go out). Idempotent.
  void shutdown();

  /// Queues `json` as one text frame on every connection subscribed to `topic`.
  void publish(Topic topic, std::string_view json);

  /// The upgrade path (used by the route handlers): a slot, or the 503/429 error (counted).
  common::Result<Admission::Ticket> admit(Endpoint endpoint, const std::string& client);
  void countRefused(RefuseReason reason);
  /// Checks a token with the injected validator; nullopt when there is none or it refuses.
  std::optional<http::Identity> validate(const std::string& token) const;
  /// Takes an upgraded socket; counted as accepted.
  void adopt(Handoff handoff);

  /// The latest metrics frame, encoded once per sample.
  MetricsFrame latestMetrics();

  const HubSettings& settings() const { return settings_; }
  HubStats stats() const;
  /// {"connections":{"metrics":n,"ws":n},"accepted_total":n,"refused":{...},"closed":{...},
  ///  "limits":{...}} for /admin/status.
  Poco::JSON::Object::Ptr statusJson() const;
  /// controlcenter_ws_connections{endpoint} and the accepted/refused/closed counters.
  void registerMetrics(metrics::Registry& registry);

 private:
  const HubSettings settings_;
  SnapshotSource snapshots_;
  TokenValidator validator_;
  Admission admission_;
  std::vector<std::unique_ptr<ConnectionSet>> sets_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::mutex lifecycle_mutex_;

  std::mutex metrics_mutex_;
  MetricsFrame metrics_;

  std::atomic<int64_t> accepted_{0};
  std::array<std::atomic<int64_t>, kRefuseReasonCount> refused_{};
  std::array<std::atomic<int64_t>, kCloseReasonCount> closed_{};
};

}  // namespace cc::ws
