#pragma once
// Authenticated JSON calls to a DaemonProcess's public API and small JSON readers for tests.

#include <map>
#include <string>

#include "support/daemon_process.h"

namespace cc::testing {

/// The bootstrap admin password the store tests give a daemon (CONTROLCENTER_ADMIN_PASSWORD).
constexpr const char* kAdminPassword = "integration secret";

/// Headers for a JSON request with a bearer token (no Authorization when `token` is empty).
std::map<std::string, std::string> jsonHeaders(const std::string& token);

/// A token minted by POST /admin/tokens for `role`; "" (and a gtest failure) when refused.
std::string mintToken(DaemonProcess& daemon, const std::string& role);

/// The token of a successful POST /api/auth/login; "" when the login was refused.
std::string loginToken(DaemonProcess& daemon, const std::string& username,
                       const std::string& password);

/// POST /api/agents of an agent named `name` (level L2, role builder) with `token`.
HttpResult createAgent(DaemonProcess& daemon, const std::string& token, const std::string& name);

/// The element of the array at `array_path` (dotted, as jsonField) whose `field` equals `value`,
/// as JSON text; "" when there is none.
std::string jsonArrayItem(const std::string& json, const std::string& array_path,
                          const std::string& field, const std::string& value);

/// Elements in the array at `array_path`; -1 when it is not an array.
int jsonArraySize(const std::string& json, const std::string& array_path);

/// Prometheus's promtool: $CC_PROMTOOL, else /usr/bin/promtool (Debian's `prometheus` package);
/// "" when neither is executable, and the tests that need it skip.
std::string promtoolPath();

/// Reads a whole file ("" when it cannot be read).
std::string readTextFile(const std::string& path);

}  // namespace cc::testing
