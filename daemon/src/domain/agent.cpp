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
      return tooLarge("metadata", kMaxMetadataBytes, input.metadata->size());
    }
    if (!isJsonObjectText(*input.metadata)) {
      return Error::invalid("metadata", "must be a JSON object");
    }
  }
  return common::Ok{};
}

const std::map<std::string, std::vector<std::string>>& agentFilteredSorts() {
  static const std::map<std::string, std::vector<std::string>> sorts = {
      {"status", {"name", "last_heartbeat"}},
      {"level", {"name"}},
      {"project_id", {"name", "last_heartbeat"}},
      {"active_within_s", {"last_heartbeat"}},
  };
  return sorts;
}

namespace {

// A sort with filters must be one an index serves for one of them; otherwise the store would
// sort every match, at a cost that grows with the data.
Status checkSortServed(const AgentFilter& filter, const SortOrder& order) {
  if (order.column == "id") return common::Ok{};
  if (!filter.q.empty()) {
    return Error::invalid("sort", "a search (q) is ordered by id only; use sort=id or sort=-id");
  }
  if (!filter.filtered()) return common::Ok{};
  std::vector<std::string> given;
  if (filter.status) given.emplace_back("status");
  if (filter.level) given.emplace_back("level");
  if (filter.role) given.emplace_back("role");
  if (filter.project_id) given.emplace_back("project_id");
  if (filter.active_within_s) given.emplace_back("active_within_s");
  for (const auto& field : given) {
    auto it = agentFilteredSorts().find(field);
    if (it == agentFilteredSorts().end()) continue;
    for (const auto& column : it->second) {
      if (column == order.column) return common::Ok{};
    }
  }
  std::string served;
  for (const auto& [field, columns] : agentFilteredSorts()) {
    if (field == "active_within_s") continue;
    for (const auto& column : columns) {
      served += (served.empty() ? "" : ", ") + column + " with " + field;
    }
  }
  return Error::invalid("sort", "sort=" + order.column + " is not indexed together with the " +
                                    given.front() + " filter; filtered lists sort by id, or by " +
                                    served);
}

}  // namespace

Status validateAgentFilter(const AgentFilter& filter) {
  if (auto st = checkWindow(filter.window, filter.sort); !st.ok()) return st;
  auto sort = parseSort(filter.sort, agentSortColumns());
  if (!sort.ok()) return sort.error();
  if (filter.q.size() > kMaxAgentName * 4) return Error::invalid("q", "is too long");
  if (!filter.q.empty() && textLength(filter.q) < kMinSearchLength) {
    return Error::invalid("q", "must be at least " + std::to_string(kMinSearchLength) +
                                   " characters (substring search uses a trigram index)");
  }
  if (filter.project_id && *filter.project_id < 1) {
    return Error::invalid("project_id", "must be a positive project id");
  }
  if (filter.window.cursor &&
      filter.window.cursor->key.index() != sortKey(Agent{}, sort->column).index()) {
    return Error::invalid("cursor", "does not fit sort=" + filter.sort);
  }
  return checkSortServed(filter, *sort);
}

SortKey sortKey(const Agent& agent, const std::string& column) {
  if (column == "name") return agent.name;
  if (column == "level") return std::string(toString(agent.level));
  if (column == "role") return agent.role;
  if (column == "status") return std::string(toString(agent.status));
  if (column == "project_id") return agent.project_id.value_or(0);
  if (column == "last_heartbeat") return agent.last_heartbeat_ms.value_or(0);
  if (column == "created_at") return agent.created_at_ms;
  if (column == "updated_at") return agent.updated_at_ms;
  return agent.id;
}

const BodyFields& agentBodyFields() {
  // An enum value or an id is a few bytes; 64 leaves room for any escaping of a valid one.
  static const BodyFields fields({{"name", sentTextBytes(kMaxAgentName)},
                                  {"level", 64},
                                  {"role", sentTextBytes(kMaxAgentRole)},
                                  {"status", 64},
                                  {"project_id", 64},
                                  {"metadata", kMaxMetadataBytes}});
  return fields;
}

Result<AgentInput> parseAgentInput(const Poco::JSON::Object& body, bool partial) {
  if (auto st = json_input::rejectUnknown(body, agentBodyFields().names()); !st.ok()) {
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
  if (auto st = rejectUnknownParams(query, {"status", "level", "role", "project_id", "q", "limit",
                                            "offset", "cursor", "sort"});
      !st.ok()) {
    return st.error();
  }
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
  if (auto st = readListParams(query, f.q, f.sort, f.window); !st.ok()) return st.error();
  if (auto st = validateAgentFilter(f); !st.ok()) return st.error();
  return f;
}

Result<AgentFilter> parseActiveAgentsFilter(const std::map<std::string, std::string>& query,
                                            int64_t window_s) {
  // Its order is fixed and it has no search: q and sort are refused, not ignored.
  if (auto st = rejectUnknownParams(query, {"limit", "offset", "cursor"}); !st.ok()) {
    return st.error();
  }
  AgentFilter f;
  f.active_within_s = window_s;
  f.sort = "-last_heartbeat";
  std::string unused_q;
  std::string unused_sort;
  if (auto st = readListParams(query, unused_q, unused_sort, f.window); !st.ok()) {
    return st.error();
  }
  if (window_s < 1) return Error::invalid("window_s", "must be at least 1 second");
  if (auto st = validateAgentFilter(f); !st.ok()) return st.error();
  return f;
}

void writeJson(common::JsonWriter& w, const Agent& agent) {
  w.beginObject();
  w.key("id").value(agent.id);
  w.key("name").value(agent.name);
  w.key("level").value(toString(agent.level));
  w.key("role").value(agent.role);
  w.key("status").value(toString(agent.status));
  w.key("project_id");
  if (agent.project_id) {
    w.value(*agent.project_id);
  } else {
    w.null();
  }
  w.key("metadata").raw(agent.metadata.empty() ? std::string_view("{}") : agent.metadata);
  w.key("last_heartbeat");
  if (agent.last_heartbeat_ms) {
    w.time(*agent.last_heartbeat_ms);
  } else {
    w.null();
  }
  w.key("created_at").time(agent.created_at_ms);
  w.key("updated_at").time(agent.updated_at_ms);
  w.endObject();
}

std::string toJson(const Agent& agent) {
  std::string out;
  common::JsonWriter w(out);
  writeJson(w, agent);
  return out;
}

std::string toJson(const AgentStats& stats) {
  std::string out;
  common::JsonWriter w(out);
  w.beginObject();
  w.key("total").value(stats.total);
  w.key("by_status").beginObject();
  for (AgentStatus s : allAgentStatuses()) {
    w.key(toString(s)).value(stats.by_status.at(std::string(toString(s))));
  }
  w.endObject();
  w.key("by_level").beginObject();
  for (AgentLevel l : allAgentLevels()) {
    w.key(toString(l)).value(stats.by_level.at(std::string(toString(l))));
  }
  w.endObject();
  w.endObject();
  return out;
}

}  // namespace cc::domain
