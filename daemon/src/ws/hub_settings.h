#pragma once
// The WebSocket hub's limits and intervals, read once from the ws.* config keys.

#include <chrono>
#include <cstddef>

#include "config/config.h"

namespace cc::ws {

/// Every limit of the hub, explicit. Durations are in milliseconds so tests can shrink them;
/// the config keys for ping and idle are in seconds. Immutable once the hub is built.
struct HubSettings {
  bool metrics_public = true;                        // ws.metrics_public
  std::chrono::milliseconds metrics_interval{1000};  // ws.metrics_interval_ms
  int max_connections = 2000;                        // ws.max_connections
  int max_connections_per_client = 20;               // ws.max_connections_per_client
  double max_messages_per_s = 20;                    // ws.max_messages_per_s
  std::size_t max_message_bytes = 65536;             // ws.max_message_bytes
  std::size_t max_send_queue = 256;                  // ws.max_send_queue (frames)
  std::chrono::milliseconds ping_interval{30000};    // ws.ping_interval_s
  std::chrono::milliseconds idle_timeout{75000};     // ws.idle_timeout_s
  std::chrono::milliseconds auth_timeout{5000};      // ws.auth_timeout_ms
  /// How long a closing connection may take to flush its close frame before it is cut.
  std::chrono::milliseconds close_grace{2000};

  static HubSettings fromConfig(const config::Config& config);
};

}  // namespace cc::ws
