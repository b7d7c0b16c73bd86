#pragma once
// The load tester's scenarios, as data: which users do which requests, and for how long.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cc::ctl::client {

/// One request a simulated user makes. A step that `creates` reads "id" from its JSON answer; a
/// following step whose path holds "{id}" uses it (POST /api/agents then DELETE /api/agents/{id}).
struct LoadStep {
  std::string method = "GET";
  std::string path;
  std::string body;      // JSON; "{n}" becomes a unique number
  bool creates = false;  // the next step is its clean-up and runs in the same action

  /// "GET /api/health": how the step is named in the report.
  std::string label() const { return method + " " + path; }
};

/// Users that repeat the same cycle of steps, each starting at its own offset.
struct UserGroup {
  std::string name;
  int users = 0;
  std::vector<LoadStep> cycle;
};

/// A named workload with its defaults. requests == 0 means "run for duration_s".
struct Scenario {
  std::string name;
  std::string summary;
  int users = 0;
  int64_t requests = 0;
  double duration_s = 0;
  std::vector<UserGroup> groups;
};

/// The names accepted by --scenario, in help order.
const std::vector<std::string>& scenarioNames();

/// The twelve read endpoints of the replaced system's rapid-fire test.
const std::vector<std::string>& rapidFireEndpoints();

/// A scenario with its defaults (custom has no endpoints until withEndpoints()); nullopt for an
/// unknown name.
std::optional<Scenario> findScenario(const std::string& name);

/// The scenario with `users` spread over its groups in their original proportions (each group
/// keeps at least one user when there are enough).
Scenario withUsers(Scenario scenario, int users);

/// The scenario with every group's cycle replaced by GETs of `paths`.
Scenario withEndpoints(Scenario scenario, const std::vector<std::string>& paths);

}  // namespace cc::ctl::client
