#include "client/load_scenario.h"

#include <algorithm>
#include <cmath>

namespace cc::ctl::client {
namespace {

std::vector<LoadStep> gets(const std::vector<std::string>& paths) {
  std::vector<LoadStep> steps;
  for (const auto& path : paths) steps.push_back({"GET", path, {}, false});
  return steps;
}

}  // namespace

const std::vector<std::string>& scenarioNames() {
  static const std::vector<std::string> names = {"rapid-fire", "sustained", "mixed", "custom"};
  return names;
}

const std::vector<std::string>& rapidFireEndpoints() {
  static const std::vector<std::string> paths = {
      "/api/health",         "/api/system/info",      "/api/system/stats",  "/api/system/disk",
      "/api/system/network", "/api/system/processes", "/api/agents",        "/api/agents/active",
      "/api/agents/stats",   "/api/projects",         "/api/auth/validate", "/health"};
  return paths;
}

std::optional<Scenario> findScenario(const std::string& name) {
  if (name == "rapid-fire") {
    return Scenario{name, "100 users bursting 2500 requests across the 12 read endpoints",
                    100,  2500,
                    0,    {{"burst", 100, gets(rapidFireEndpoints())}}};
  }
  if (name == "sustained") {
    return Scenario{name, "50 users reading the 12 endpoints continuously for 30 s",
                    50,   0,
                    30,   {{"steady", 50, gets(rapidFireEndpoints())}}};
  }
  if (name == "mixed") {
    std::vector<LoadStep> heavy = gets({"/api/system/processes", "/api/system/network"});
    heavy.push_back(
        {"POST", "/api/agents", R"({"name":"loadtest-{n}","level":"L1","role":"loadtest"})", true});
    heavy.push_back({"DELETE", "/api/agents/{id}", {}, false});
    return Scenario{name,
                    "30 light readers (stats, info, health) and 20 heavy users (processes, "
                    "network, create and delete agents) for 30 s",
                    50,
                    0,
                    30,
                    {{"light", 30, gets({"/api/system/stats", "/api/system/info", "/api/health"})},
                     {"heavy", 20, std::move(heavy)}}};
  }
  if (name == "custom") {
    return Scenario{
        name, "the --endpoints you give, read by --users users", 10, 0, 30, {{"custom", 10, {}}}};
  }
  return std::nullopt;
}

Scenario withUsers(Scenario scenario, int users) {
  int total = 0;
  for (const auto& group : scenario.groups) total += group.users;
  int left = users;
  for (std::size_t i = 0; i < scenario.groups.size(); ++i) {
    auto& group = scenario.groups[i];
    const int groups_after = static_cast<int>(scenario.groups.size() - i - 1);
    int share = i + 1 == scenario.groups.size()
                    ? left
                    : static_cast<int>(std::lround(static_cast<double>(users) * group.users /
                                                   std::max(total, 1)));
    if (users > groups_after) share = std::clamp(share, 1, left - groups_after);
    share = std::clamp(share, 0, left);
    group.users = share;
    left -= share;
  }
  scenario.users = users;
  return scenario;
}

Scenario withEndpoints(Scenario scenario, const std::vector<std::string>& paths) {
  for (auto& group : scenario.groups) group.cycle = gets(paths);
  return scenario;
}

}  // namespace cc::ctl::client
