#include "store/agent_rows.h"

namespace cc::store {

std::string agentSortExpression(const std::string& column) {
  if (column == "id") return "";
  if (column == "project_id" || column == "last_heartbeat") {
    return "COALESCE(agents." + column + ", 0)";
  }
  return "agents." + column;
}

std::optional<std::pair<std::string, std::string>> agentCountFor(const domain::AgentFilter& f) {
  using Key = std::pair<std::string, std::string>;
  if (!f.q.empty() || f.role || f.active_within_s) return std::nullopt;
  const int given = (f.status ? 1 : 0) + (f.level ? 1 : 0) + (f.project_id ? 1 : 0);
  if (given == 0) return Key{"total", ""};
  if (given > 1) return std::nullopt;
  if (f.status) return Key{"status", std::string(domain::toString(*f.status))};
  if (f.level) return Key{"level", std::string(domain::toString(*f.level))};
  return Key{"project_id", std::to_string(*f.project_id)};
}

sql::Value optionalValue(const std::optional<int64_t>& value) {
  if (value) return *value;
  return std::monostate{};
}

std::vector<std::pair<const char*, sql::Value>> agentAssignments(const domain::AgentInput& input) {
  std::vector<std::pair<const char*, sql::Value>> out;
  if (input.name) out.emplace_back("name", *input.name);
  if (input.level) out.emplace_back("level", std::string(domain::toString(*input.level)));
  if (input.role) out.emplace_back("role", *input.role);
  if (input.status) out.emplace_back("status", std::string(domain::toString(*input.status)));
  if (input.project_id) out.emplace_back("project_id", optionalValue(*input.project_id));
  if (input.metadata) out.emplace_back("metadata", *input.metadata);
  return out;
}

}  // namespace cc::store
