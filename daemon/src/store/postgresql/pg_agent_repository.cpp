#include "store/postgresql/pg_agent_repository.h"

#include <algorithm>
#include <set>

#include "store/agent_rows.h"
#include "store/postgresql/deferred_indexes.h"
#include "store/postgresql/pg_session.h"
#include "store/postgresql/pg_sql.h"

namespace cc::store::postgresql {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const std::string kAgentSelect = std::string("SELECT ") + kAgentColumns + " FROM agents";

Result<Agent> loadAgent(Session& s, int64_t id) {
  std::optional<Agent> found;
  sql::run(s, kAgentSelect + " WHERE agents.id = ?", {id},
           [&](const sql::Row& row) { found = readAgentRow(row); });
  if (!found) return Error::notFound("no agent with id " + std::to_string(id));
  return *found;
}

// A project_id must name an existing project: a 400 naming the field rather than a foreign-key
// failure. The row is locked (KEY SHARE) until the transaction ends, so that another instance
// cannot delete the project between this check and the write.
Status checkAgentProject(Session& s, const std::optional<std::optional<int64_t>>& project_id) {
  if (!project_id || !*project_id) return common::Ok{};
  if (sql::exec(s, "SELECT id FROM projects WHERE id = ? FOR KEY SHARE", {**project_id}) == 0) {
    return Error::invalid("project_id", "no project with id " + std::to_string(**project_id));
  }
  return common::Ok{};
}

// An agent's name is unique within its project (agents without one count as one project). The
// check gives the usual message; two writers that pass it at once (two instances) meet the
// unique index of migration 6, and the second gets kConflict from there.
Status checkAgentNameTaken(Session& s, const std::string& name,
                           const std::optional<int64_t>& project_id, int64_t except_id) {
  if (sql::scalar(s,
                  "SELECT COUNT(*) FROM agents WHERE project_id IS NOT DISTINCT FROM ?"
                  " AND name = ? AND id <> ?",
                  {optionalValue(project_id), name, except_id}) > 0) {
    return Error::conflict(
        "an agent named '" + name + "' already exists in " +
        (project_id ? "project " + std::to_string(*project_id) : std::string("no project")));
  }
  return common::Ok{};
}

// Every write of agents but a load's batch ends a load in progress first (as on SQLite).
void endAgentLoad(Session& s) {
  if (DeferredIndexes::pending(s, "agents")) DeferredIndexes::build(s, "agents");
}

}  // namespace

int64_t maintainedAgentCount(Session& s, const std::string& dimension, const std::string& value) {
  return sql::scalar(s,
                     "SELECT COALESCE(SUM(n), 0) FROM row_counts"
                     " WHERE tbl = 'agents' AND dimension = ? AND value = ?",
                     {dimension, value});
}

void advanceIdentity(Session& s, const std::string& table) {
  // Never backwards: a create on another instance may have taken ids past the highest row this
  // transaction sees. `table` is one of our own table names.
  sql::exec(s, "SELECT setval(pg_get_serial_sequence('" + table +
                   "', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"" + table +
                   "\"), (SELECT last_value FROM " + table + "_id_seq), 1))");
}

Result<Page<Agent>> PgAgentRepository::list(const AgentFilter& filter,
                                            common::SteadyTime deadline) {
  if (auto st = validateAgentFilter(filter); !st.ok()) return st.error();
  const domain::SortOrder order = *domain::parseSort(filter.sort, domain::agentSortColumns());
  sql::Listing l;
  l.columns = kAgentColumns;
  l.from = "agents";
  l.id_column = "agents.id";
  // The trigram index (migration 4) serves it; a search is ordered by id only.
  if (!filter.q.empty()) l.where.add("agents.name ILIKE ?", sql::containsPattern(filter.q));
  if (filter.status) l.where.add("agents.status = ?", std::string(toString(*filter.status)));
  if (filter.level) l.where.add("agents.level = ?", std::string(toString(*filter.level)));
  if (filter.role) l.where.add("agents.role = ?", *filter.role);
  if (filter.project_id) l.where.add("agents.project_id = ?", *filter.project_id);
  if (filter.active_within_s) {
    l.where.add("COALESCE(agents.last_heartbeat, 0) >= ?",
                db_.clock().wallMillis() - *filter.active_within_s * 1000);
  }
  l.key = agentSortExpression(order.column);
  l.descending = order.descending;
  l.setWindow(filter.window);
  return db_.read(deadline, [&](Session& s) -> Result<Page<Agent>> {
    Page<Agent> page;
    page.items.reserve(static_cast<std::size_t>(l.limit));
    sql::readListing(s, l, [&](const sql::Row& row) { page.items.push_back(readAgentRow(row)); });
    page.trimTo(filter.window.limit);
    if (domain::holdsEveryMatch(page, filter.window)) {
      page.total = static_cast<int64_t>(page.items.size());
    } else if (auto counted = agentCountFor(filter)) {
      page.total = maintainedAgentCount(s, counted->first, counted->second);
    } else {
      page.total = sql::cappedCount(s, "SELECT 1 FROM agents" + l.where.text, l.where.params,
                                    domain::kCountCap);
      page.total_is_lower_bound = page.total >= domain::kCountCap;
    }
    return page;
  });
}

Result<Agent> PgAgentRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return loadAgent(s, id); });
}

Result<Agent> PgAgentRepository::create(const AgentInput& input, common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endAgentLoad(s);
    if (auto st = checkAgentProject(s, input.project_id); !st.ok()) return st.error();
    const std::optional<int64_t> project_id = input.project_id.value_or(std::nullopt);
    if (auto st = checkAgentNameTaken(s, *input.name, project_id, 0); !st.ok()) return st.error();
    const int64_t now = db_.clock().wallMillis();
    std::optional<Agent> created;
    sql::run(s,
             "INSERT INTO agents (name, level, role, status, project_id, metadata, created_at, "
             "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " +
                 std::string(kAgentColumns),
             {*input.name, std::string(toString(*input.level)), *input.role,
              std::string(toString(input.status.value_or(AgentStatus::kIdle))),
              optionalValue(project_id), input.metadata.value_or("{}"), now, now},
             [&](const sql::Row& row) { created = readAgentRow(row); });
    return *created;
  });
}

Result<Agent> PgAgentRepository::patch(int64_t id, const AgentInput& input,
                                       common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endAgentLoad(s);
    auto current = loadAgent(s, id);
    if (!current.ok()) return current;
    if (auto st = checkAgentProject(s, input.project_id); !st.ok()) return st.error();
    if (input.name || input.project_id) {
      const std::string& name = input.name ? *input.name : current->name;
      const std::optional<int64_t> project_id =
          input.project_id ? *input.project_id : current->project_id;
      if (auto st = checkAgentNameTaken(s, name, project_id, id); !st.ok()) return st.error();
    }
    sql::Params params;
    std::string set = store::sql::setList(agentAssignments(input), params);
    if (set.empty()) return current;
    set += ", updated_at = ?";
    params.emplace_back(db_.clock().wallMillis());
    params.emplace_back(id);
    std::optional<Agent> patched;
    sql::run(s, "UPDATE agents SET " + set + " WHERE id = ? RETURNING " + kAgentColumns, params,
             [&](const sql::Row& row) { patched = readAgentRow(row); });
    if (!patched) return Error::notFound("no agent with id " + std::to_string(id));
    return *patched;
  });
}

Status PgAgentRepository::remove(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    endAgentLoad(s);
    if (sql::exec(s, "DELETE FROM agents WHERE id = ?", {id}) == 0) {
      return Error::notFound("no agent with id " + std::to_string(id));
    }
    return common::Ok{};
  });
}

Result<Agent> PgAgentRepository::heartbeat(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endAgentLoad(s);
    const int64_t now = db_.clock().wallMillis();
    std::optional<Agent> beat;
    auto read = [&](const sql::Row& row) { beat = readAgentRow(row); };
    // An agent already at work only moves its heartbeat (no count changes: the trigger fires
    // only for status, level and project_id); an idle or offline one becomes active.
    sql::run(s,
             "UPDATE agents SET last_heartbeat = ? WHERE id = ? AND status IN ('active', 'busy')"
             " RETURNING " +
                 std::string(kAgentColumns),
             {now, id}, read);
    if (!beat) {
      sql::run(s,
               "UPDATE agents SET last_heartbeat = ?, status = 'active', updated_at = ?"
               " WHERE id = ? RETURNING " +
                   std::string(kAgentColumns),
               {now, now, id}, read);
    }
    if (!beat) return Error::notFound("no agent with id " + std::to_string(id));
    return *beat;
  });
}

Result<AgentStats> PgAgentRepository::stats(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<AgentStats> {
    AgentStats out;
    for (AgentStatus st : domain::allAgentStatuses()) out.by_status[std::string(toString(st))] = 0;
    for (AgentLevel l : domain::allAgentLevels()) out.by_level[std::string(toString(l))] = 0;
    sql::run(s,
             "SELECT dimension, value, n FROM row_counts WHERE tbl = 'agents'"
             " AND dimension IN ('total', 'status', 'level')",
             {}, [&](const sql::Row& row) {
               const std::string dimension = row.text(0);
               if (dimension == "total") {
                 out.total = row.integer(2);
               } else {
                 (dimension == "status" ? out.by_status : out.by_level)[row.text(1)] =
                     row.integer(2);
               }
             });
    return out;
  });
}

Result<ImportOutcome> PgAgentRepository::importBatch(const std::vector<Agent>& agents, bool dry_run,
                                                     common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    auto out = insertBatch(s, agents, dry_run);
    if (out) out->bulk_load = DeferredIndexes::pending(s, "agents");
    return out;
  });
}

Result<ImportOutcome> PgAgentRepository::loadBatch(const std::vector<Agent>& agents,
                                                   common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    const bool loading = DeferredIndexes::begin(s, "agents");
    auto out = insertBatch(s, agents, false);
    if (out) out->bulk_load = loading;
    return out;
  });
}

Result<int64_t> PgAgentRepository::endBulkLoad(common::SteadyTime deadline) {
  return db_.write(
      deadline, [&](Session& s) -> Result<int64_t> { return DeferredIndexes::build(s, "agents"); });
}

Result<ImportOutcome> PgAgentRepository::insertBatch(Session& s, const std::vector<Agent>& agents,
                                                     bool dry_run) {
  ImportOutcome out;
  // A failed statement would abort the whole transaction, so every refusal is decided before
  // or by the insert itself: the project by a lookup, a taken id or name by ON CONFLICT DO
  // NOTHING (no row comes back), told apart by a lookup of the id.
  if (dry_run) execSimple(s, "SAVEPOINT import_dry_run");
  std::set<int64_t> projects_seen;
  std::set<int64_t> projects_missing;
  // Rows with ids of their own leave the identity behind; a row without one then gets an id
  // past them, as SQLite's rowid would.
  bool identity_behind = false;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const Agent& a = agents[i];
    if (a.project_id && projects_seen.count(*a.project_id) == 0) {
      projects_seen.insert(*a.project_id);
      if (!checkAgentProject(s, std::optional<std::optional<int64_t>>(a.project_id)).ok()) {
        projects_missing.insert(*a.project_id);
      }
    }
    const bool id_taken =
        a.id > 0 && sql::scalar(s, "SELECT COUNT(*) FROM agents WHERE id = ?", {a.id}) > 0;
    if (id_taken) {
      out.refused.emplace_back(
          i, Error{common::ErrorCode::kConflict,
                   "an agent with id " + std::to_string(a.id) + " exists", "id", 0});
      continue;
    }
    if (a.project_id && projects_missing.count(*a.project_id) > 0) {
      out.refused.emplace_back(
          i, Error::invalid("project_id", "no project with id " + std::to_string(*a.project_id)));
      continue;
    }
    if (a.id <= 0 && identity_behind) {
      advanceIdentity(s, "agents");
      identity_behind = false;
    }
    const int64_t inserted =
        sql::exec(s,
                  "INSERT INTO agents (id, name, level, role, status, project_id, metadata,"
                  " last_heartbeat, created_at, updated_at)"
                  " VALUES (COALESCE(?, nextval(pg_get_serial_sequence('agents', 'id'))),"
                  " ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                  {a.id > 0 ? sql::Value(a.id) : sql::Value(std::monostate{}), a.name,
                   std::string(toString(a.level)), a.role, std::string(toString(a.status)),
                   optionalValue(a.project_id), a.metadata, optionalValue(a.last_heartbeat_ms),
                   a.created_at_ms, a.updated_at_ms});
    if (inserted == 0) {
      // Not the id (checked above, and ids of concurrent writers come from the identity past
      // every imported one): the name within its project.
      out.refused.emplace_back(i,
                               Error{common::ErrorCode::kConflict,
                                     "an agent named '" + a.name + "' already exists in " +
                                         (a.project_id ? "project " + std::to_string(*a.project_id)
                                                       : std::string("no project")),
                                     "name", 0});
      continue;
    }
    identity_behind = identity_behind || a.id > 0;
    ++out.accepted;
  }
  if (dry_run) {
    execSimple(s, "ROLLBACK TO SAVEPOINT import_dry_run");
    execSimple(s, "RELEASE SAVEPOINT import_dry_run");
  } else if (identity_behind) {
    advanceIdentity(s, "agents");
  }
  return out;
}

}  // namespace cc::store::postgresql
