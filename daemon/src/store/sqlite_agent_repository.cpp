#include "store/sqlite_agent_repository.h"

#include "store/sql.h"

namespace cc::store {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const char* const kColumns =
    "SELECT id, name, level, role, status, project_id, metadata, last_heartbeat, created_at, "
    "updated_at FROM agents";

std::vector<Agent> readAgents(const Poco::Data::RecordSet& rs) {
  std::vector<Agent> out;
  out.reserve(rs.rowCount());
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    Agent a;
    a.id = sql::intAt(rs, 0, r);
    a.name = sql::textAt(rs, 1, r);
    a.level = parseAgentLevel(sql::textAt(rs, 2, r)).value_or(AgentLevel::kL1);
    a.role = sql::textAt(rs, 3, r);
    a.status = parseAgentStatus(sql::textAt(rs, 4, r)).value_or(AgentStatus::kOffline);
    a.project_id = sql::optIntAt(rs, 5, r);
    a.metadata = sql::textAt(rs, 6, r);
    a.last_heartbeat_ms = sql::optIntAt(rs, 7, r);
    a.created_at_ms = sql::intAt(rs, 8, r);
    a.updated_at_ms = sql::intAt(rs, 9, r);
    out.push_back(std::move(a));
  }
  return out;
}

Result<Agent> load(Session& s, int64_t id) {
  auto agents = readAgents(sql::query(s, std::string(kColumns) + " WHERE id = ?", {id}));
  if (agents.empty()) return Error::notFound("no agent with id " + std::to_string(id));
  return agents.front();
}

// A project_id must name an existing project; checked here so the client gets a 400 naming
// the field instead of a foreign-key failure.
Status checkProject(Session& s, const std::optional<std::optional<int64_t>>& project_id) {
  if (!project_id || !*project_id) return common::Ok{};
  if (sql::scalar(s, "SELECT COUNT(*) FROM projects WHERE id = ?", {**project_id}) == 0) {
    return Error::invalid("project_id", "no project with id " + std::to_string(**project_id));
  }
  return common::Ok{};
}

sql::Value nullable(const std::optional<int64_t>& v) {
  if (v) return *v;
  return std::monostate{};
}

}  // namespace

Result<Page<Agent>> SqliteAgentRepository::list(const AgentFilter& filter,
                                                common::SteadyTime deadline) {
  if (auto st = validateAgentFilter(filter); !st.ok()) return st.error();
  SortOrder order = *parseSort(filter.sort, agentSortColumns());
  sql::Where where;
  if (filter.status) where.add("status = ?", std::string(toString(*filter.status)));
  if (filter.level) where.add("level = ?", std::string(toString(*filter.level)));
  if (filter.role) where.add("role = ?", *filter.role);
  if (filter.project_id) where.add("project_id = ?", *filter.project_id);
  if (!filter.q.empty()) {
    where.add("name LIKE ? ESCAPE '\\'", "%" + sql::escapeLike(filter.q) + "%");
  }
  auto page_query =
      sql::pageQuery(kColumns, where, order.column, order.descending, filter.limit, filter.offset);
  return db_.read(deadline, [&](Session& s) -> Result<Page<Agent>> {
    Page<Agent> page;
    page.total = sql::scalar(s, "SELECT COUNT(*) FROM agents" + where.text, where.params);
    page.items = readAgents(sql::query(s, page_query.sql, page_query.params));
    return page;
  });
}

Result<Agent> SqliteAgentRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return load(s, id); });
}

Result<Agent> SqliteAgentRepository::create(const AgentInput& input, common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    if (auto st = checkProject(s, input.project_id); !st.ok()) return st.error();
    int64_t now = db_.clock().wallMillis();
    sql::exec(s,
              "INSERT INTO agents (name, level, role, status, project_id, metadata, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {*input.name, std::string(toString(*input.level)), *input.role,
               std::string(toString(input.status.value_or(AgentStatus::kIdle))),
               nullable(input.project_id.value_or(std::nullopt)), input.metadata.value_or("{}"),
               now, now});
    return load(s, sql::lastInsertId(s));
  });
}

Result<Agent> SqliteAgentRepository::patch(int64_t id, const AgentInput& input,
                                           common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    auto current = load(s, id);
    if (!current.ok()) return current;
    if (auto st = checkProject(s, input.project_id); !st.ok()) return st.error();
    std::string set;
    sql::Params params;
    auto assign = [&](const char* column, sql::Value v) {
      set += std::string(set.empty() ? "" : ", ") + column + " = ?";
      params.push_back(std::move(v));
    };
    if (input.name) assign("name", *input.name);
    if (input.level) assign("level", std::string(toString(*input.level)));
    if (input.role) assign("role", *input.role);
    if (input.status) assign("status", std::string(toString(*input.status)));
    if (input.project_id) assign("project_id", nullable(*input.project_id));
    if (input.metadata) assign("metadata", *input.metadata);
    if (set.empty()) return current;
    assign("updated_at", db_.clock().wallMillis());
    params.emplace_back(id);
    sql::exec(s, "UPDATE agents SET " + set + " WHERE id = ?", params);
    return load(s, id);
  });
}

Status SqliteAgentRepository::remove(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (sql::exec(s, "DELETE FROM agents WHERE id = ?", {id}) == 0) {
      return Error::notFound("no agent with id " + std::to_string(id));
    }
    return common::Ok{};
  });
}

Result<Agent> SqliteAgentRepository::heartbeat(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    auto current = load(s, id);
    if (!current.ok()) return current;
    int64_t now = db_.clock().wallMillis();
    bool wakes = current->status == AgentStatus::kIdle || current->status == AgentStatus::kOffline;
    if (wakes) {
      sql::exec(s, "UPDATE agents SET last_heartbeat = ?, status = ?, updated_at = ? WHERE id = ?",
                {now, std::string(toString(AgentStatus::kActive)), now, id});
    } else {
      sql::exec(s, "UPDATE agents SET last_heartbeat = ? WHERE id = ?", {now, id});
    }
    return load(s, id);
  });
}

Result<std::vector<Agent>> SqliteAgentRepository::active(int64_t window_s,
                                                         common::SteadyTime deadline) {
  if (window_s < 1) return Error::invalid("window_s", "must be at least 1 second");
  int64_t since = db_.clock().wallMillis() - window_s * 1000;
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<Agent>> {
    return readAgents(
        sql::query(s, std::string(kColumns) + " WHERE last_heartbeat >= ? ORDER BY id", {since}));
  });
}

Result<AgentStats> SqliteAgentRepository::stats(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<AgentStats> {
    AgentStats out;
    for (AgentStatus st : allAgentStatuses()) out.by_status[std::string(toString(st))] = 0;
    for (AgentLevel l : allAgentLevels()) out.by_level[std::string(toString(l))] = 0;
    auto by_status = sql::query(s, "SELECT status, COUNT(*) FROM agents GROUP BY status");
    for (std::size_t r = 0; r < by_status.rowCount(); ++r) {
      int64_t n = sql::intAt(by_status, 1, r);
      out.by_status[sql::textAt(by_status, 0, r)] = n;
      out.total += n;
    }
    auto by_level = sql::query(s, "SELECT level, COUNT(*) FROM agents GROUP BY level");
    for (std::size_t r = 0; r < by_level.rowCount(); ++r) {
      out.by_level[sql::textAt(by_level, 0, r)] = sql::intAt(by_level, 1, r);
    }
    return out;
  });
}

}  // namespace cc::store
