#pragma once
// The admin API's routes and its bearer-token check.

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "http/middleware.h"
#include "http/router.h"

namespace cc::admin {

/// The outcome of a reload: what changed and was applied, what changed but needs a restart,
/// or why the new configuration was rejected (the old one stays).
struct ReloadOutcome {
  std::vector<config::Change> applied;
  std::vector<config::Change> needs_restart;
  std::vector<std::string> problems;
};

/// What the admin API needs from the running daemon. Implemented by the application;
/// every method is called from admin worker threads and must be thread-safe.
class AdminBackend {
 public:
  virtual ~AdminBackend() = default;
  virtual Poco::JSON::Object::Ptr status() const = 0;
  virtual ReloadOutcome reload() = 0;
  /// The configuration the daemon runs with now (the reloaded one after a reload).
  virtual config::ConfigPtr effectiveConfig() const = 0;
  virtual bool setLogLevel(const std::string& level) = 0;
  /// Asks the main thread to drain and re-execute the daemon in place (same PID, same sockets).
  virtual void requestRestart() = 0;
};

/// Checks `Authorization: Bearer <admin token>` in constant time; 401 with WWW-Authenticate.
class AdminAuth final : public http::Middleware {
 public:
  explicit AdminAuth(std::string token) : token_(std::move(token)) {}
  std::optional<http::Reply> onRequest(http::RequestContext& ctx, const http::Route*) override;

 private:
  std::string token_;
};

/// Adds /admin/status, /admin/config, /admin/reload, /admin/restart and /admin/log-level.
void addAdminRoutes(http::Router& router, AdminBackend& backend);

/// {"applied":[{"key","old","new"}],"needs_restart":[...]}
Poco::JSON::Object::Ptr reloadToJson(const ReloadOutcome& outcome);

/// {"file":path|null,"keys":[{"key","value","source","reloadable","redacted"}]}: the effective
/// configuration, secrets redacted (GET /admin/config).
Poco::JSON::Object::Ptr configToJson(const config::Config& config);

}  // namespace cc::admin
