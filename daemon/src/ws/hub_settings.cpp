#include "ws/hub_settings.h"

namespace cc::ws {

HubSettings HubSettings::fromConfig(const config::Config& c) {
  HubSettings s;
  s.metrics_public = c.getBool("ws.metrics_public");
  s.metrics_interval = std::chrono::milliseconds(c.getInt("ws.metrics_interval_ms"));
  s.max_connections = c.getInt32("ws.max_connections");
  s.max_connections_per_client = c.getInt32("ws.max_connections_per_client");
  s.max_messages_per_s = c.getDouble("ws.max_messages_per_s");
  s.max_message_bytes = static_cast<std::size_t>(c.getInt("ws.max_message_bytes"));
  s.max_send_queue = static_cast<std::size_t>(c.getInt("ws.max_send_queue"));
  s.ping_interval = std::chrono::seconds(c.getInt("ws.ping_interval_s"));
  s.idle_timeout = std::chrono::seconds(c.getInt("ws.idle_timeout_s"));
  s.auth_timeout = std::chrono::milliseconds(c.getInt("ws.auth_timeout_ms"));
  return s;
}

}  // namespace cc::ws
