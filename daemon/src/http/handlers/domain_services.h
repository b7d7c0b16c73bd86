#pragma once
// What the domain routes (auth, agents, projects, users) need from the running daemon.

#include <functional>
#include <string>

#include "auth/token_service.h"
#include "auth/user_service.h"
#include "common/clock.h"
#include "store/store.h"

namespace cc::http::handlers {

/// The dependencies of the domain handlers, owned by the application and alive for as long as
/// the routes are. All members are thread-safe.
struct DomainServices {
  store::Store& store;
  auth::TokenService& tokens;
  auth::UserService& users;
  const common::Clock& clock;
  int active_window_s = 60;  // agents.active_window_s
  /// Announces a change to WebSocket subscribers: topic "agents" or "projects", and a JSON
  /// event {"type":"agent.created|updated|deleted|heartbeat", "id":…, "agent":{…}}. May be empty.
  std::function<void(const std::string& topic, const std::string& event_json)> publish;
  /// Drops cached GET answers under a path prefix after a write ("/api/agents"). May be empty.
  std::function<void(const std::string& path_prefix)> invalidate;
};

}  // namespace cc::http::handlers
