#include "domain/agent.h"

#include "common/clock.h"

namespace cc::domain {

using common::Error;
using common::Result;
using common::Status;

namespace {

constexpr std::string_view kLevelNames[] = {"L1", "L2", "L3"};
constexpr std::string_view kStatusNames[] = {"idle", "active", "busy", "offline"};

}  // namespace

std::string_view toString(AgentLevel level) { return kLevelNames[static_cast<int>(level)]; }
std::string_view toString(AgentStatus status) { return kStatusNames[static_cast<int>(status)]; }

std::optional<AgentLevel> parseAgentLevel(std::string_view text) {
  for (AgentLevel l : allAgentLevels())
    if (toString(l) == text) return l;
  return std::nullopt;
}

std::optional<AgentStatus> parseAgentStatus(std::string_view text) {
  for (AgentStatus s : allAgentStatuses())
    if (toString(s) == text) return s;
  return std::nullopt;
}

const std::vector<AgentLevel>& allAgentLevels() {
  static const std::vector<AgentLevel> all = {AgentLevel::kL1, AgentLevel::kL2, AgentLevel::kL3};
  return all;
}

const std::vector<AgentStatus>& allAgentStatuses() {
  static const std::vector<AgentStatus> all = {AgentStatus::kIdle, AgentStatus::kActive,
                                               AgentStatus::kBusy, AgentStatus::kOffline};
  return all;
}

const std::vector<std::string>& agentSortColumns() {
  static const std::vector<std::string> columns = {
      "id",         "name",           "level",      "role",      "status",
      "project_id", "last_heartbeat", "created_at", "updated_at"};
  return columns;
}

Status validateAgentInput(const AgentInput& input, bool partial) {
  if (!partial) {
    if (!input.name) return json_input::required("name");
    if (!input.level) return json_input::required("level");
    if (!input.role) return json_input::required("role");
  }
  if (input.name) {
    if (auto st = checkText("name", *input.name, 1, kMaxAgentName); !st.ok()) return st;
  }
  if (input.role) {
    if (auto st = checkText("role", *input.role, 1, kMaxAgentRole); !st.ok()) return st;
  }
  if (input.project_id && *input.project_id && **input.project_id < 1) {
    return Error::invalid("project_id", "must be a positive project id or null");
  }
  if (input.metadata) {
    if (input.metadata->size() > kMaxMetadataBytes) {
      return Error::invalid("metadata", "must be at most " + std::to_string(kMaxMetadataBytes) +
                                            " bytes of JSON, got " +
                                            std::to_string(input.metadata->size()));
    }
    if (!isJsonObjectText(*input.metadata)) {
      return Error::invalid("metadata", "must be a JSON object");
    }
  }
  return common::Ok{};
}

Status validateAgentFilter(const AgentFilter& filter) {
  if (auto st = checkWindow(filter.limit, filter.offset); !st.ok()) return st;
  if (auto sort = parseSort(filter.sort, agentSortColumns()); !sort.ok()) return sort.error();
  if (filter.q.size() > kMaxAgentName * 4) return Error::invalid("q", "is too long");
  return common::Ok{};
}

Result<AgentInput> parseAgentInput(const Poco::JSON::Object& body, bool partial) {
  if (auto st = json_input::rejectUnknown(
          body, {"name", "level", "role", "status", "project_id", "metadata"});
      !st.ok()) {
    return st.error();
  }
  AgentInput in;
  auto name = json_input::text(body, "name");
  if (!name.ok()) return name.error();
  in.name = *name;
  auto role = json_input::text(body, "role");
  if (!role.ok()) return role.error();
  in.role = *role;
  auto level = json_input::text(body, "level");
  if (!level.ok()) return level.error();
  if (*level) {
    in.level = parseAgentLevel(**level);
    if (!in.level) return Error::invalid("level", "must be one of L1, L2, L3");
  }
  auto status = json_input::text(body, "status");
  if (!status.ok()) return status.error();
  if (*status) {
    in.status = parseAgentStatus(**status);
    if (!in.status) return Error::invalid("status", "must be one of idle, active, busy, offline");
  }
  auto project = json_input::nullableInt(body, "project_id");
  if (!project.ok()) return project.error();
  in.project_id = *project;
  auto metadata = json_input::objectText(body, "metadata");
  if (!metadata.ok()) return metadata.error();
  in.metadata = *metadata;
  if (auto st = validateAgentInput(in, partial); !st.ok()) return st.error();
  return in;
}

Result<AgentFilter> parseAgentFilter(const std::map<std::string, std::string>& query) {
  AgentFilter f;
  if (auto it = query.find("status"); it != query.end()) {
    f.status = parseAgentStatus(it->second);
    if (!f.status) return Error::invalid("status", "must be one of idle, active, busy, offline");
  }
  if (auto it = query.find("level"); it != query.end()) {
    f.level = parseAgentLevel(it->second);
    if (!f.level) return Error::invalid("level", "must be one of L1, L2, L3");
  }
  if (auto it = query.find("role"); it != query.end()) f.role = it->second;
  if (query.count("project_id") != 0) {
    auto project = queryInt(query, "project_id", 0);
    if (!project.ok()) return project.error();
    f.project_id = *project;
  }
  if (auto st = readListParams(query, f.q, f.sort, f.limit, f.offset); !st.ok()) return st.error();
  if (auto st = validateAgentFilter(f); !st.ok()) return st.error();
  return f;
}

Poco::JSON::Object::Ptr toJson(const Agent& agent) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("id", agent.id);
  out->set("name", agent.name);
  out->set("level", std::string(toString(agent.level)));
  out->set("role", agent.role);
  out->set("status", std::string(toString(agent.status)));
  out->set("project_id",
           agent.project_id ? Poco::Dynamic::Var(*agent.project_id) : Poco::Dynamic::Var());
  out->set("metadata", parseObjectText(agent.metadata));
  out->set("last_heartbeat", isoOrNull(agent.last_heartbeat_ms));
  out->set("created_at", common::formatIsoTime(agent.created_at_ms));
  out->set("updated_at", common::formatIsoTime(agent.updated_at_ms));
  return out;
}

Poco::JSON::Object::Ptr toJson(const AgentStats& stats) {
  Poco::JSON::Object::Ptr by_status = new Poco::JSON::Object(true);
  for (AgentStatus s : allAgentStatuses()) {
    by_status->set(std::string(toString(s)), stats.by_status.at(std::string(toString(s))));
  }
  Poco::JSON::Object::Ptr by_level = new Poco::JSON::Object(true);
  for (AgentLevel l : allAgentLevels()) {
    by_level->set(std::string(toString(l)), stats.by_level.at(std::string(toString(l))));
  }
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("total", stats.total);
  out->set("by_status", by_status);
  out->set("by_level", by_level);
  return out;
}

}  // namespace cc::domain
