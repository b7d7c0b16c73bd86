#include "store/sql_agent_repository.h"

#include <algorithm>
#include <set>

#include "store/agent_rows.h"

namespace cc::store {

using common::Error;
using common::Result;
using common::Status;
using domain::AgentStatus;
using Poco::Data::Session;

namespace {

const std::string kAgentSelect = std::string("SELECT ") + kAgentColumns + " FROM agents";

Error noSuchAgent(int64_t id) { return Error::notFound("no agent with id " + std::to_string(id)); }

std::string inProject(const std::optional<int64_t>& project_id) {
  return project_id ? "project " + std::to_string(*project_id) : std::string("no project");
}

Error agentNameTaken(const std::string& name, const std::optional<int64_t>& project_id) {
  return Error::conflict("an agent named '" + name + "' already exists in " +
                         inProject(project_id));
}

}  // namespace

int64_t maintainedAgentCount(SqlDatabase& db, Session& s, const std::string& dimension,
                             const std::string& value) {
  return db.scalar(s,
                   "SELECT COALESCE(SUM(n), 0) FROM row_counts"
                   " WHERE tbl = 'agents' AND dimension = ? AND value = ?",
                   {dimension, value});
}

Result<Agent> SqlAgentRepository::load(Session& s, int64_t id) {
  std::optional<Agent> found;
  db_.query(s, kAgentSelect + " WHERE agents.id = ?", {id},
            [&](const SqlRow& row) { found = readAgentRow(row); });
  if (!found) return noSuchAgent(id);
  return *found;
}

// A project_id must name an existing project: a 400 naming the field rather than a foreign-key
// failure. Where writers run concurrently the row stays locked (KEY SHARE) until the write ends,
// so that another instance cannot delete the project between this check and the write.
Status SqlAgentRepository::checkProject(Session& s,
                                        const std::optional<std::optional<int64_t>>& project_id) {
  if (!project_id || !*project_id) return common::Ok{};
  // The rows a SELECT returns, counted by query(): exec() reports rows changed, which on SQLite
  // is what the connection's last write changed, not anything this statement did.
  bool found = false;
  db_.query(
      s, std::string("SELECT id FROM projects WHERE id = ?") + db_.lockClause(RowLock::kKeyShare),
      {**project_id}, [&](const SqlRow&) { found = true; });
  if (!found) {
    return Error::invalid("project_id", "no project with id " + std::to_string(**project_id));
  }
  return common::Ok{};
}

// An agent's name is unique within its project (agents without one count as one project). The
// check gives the usual message; two writers that pass it at once (two instances) meet the
// unique index of migration 6, and the second gets kConflict from there. On SQLite, whose
// writers are serialised, that index cannot see agents without a project (NULL is distinct from
// NULL): this check is what keeps those names unique.
Status SqlAgentRepository::checkNameFree(Session& s, const std::string& name,
                                         const std::optional<int64_t>& project_id,
                                         int64_t except_id) {
  if (db_.scalar(s,
                 std::string("SELECT COUNT(*) FROM agents WHERE project_id ") +
                     db_.nullSafeEquals() + " ? AND name = ? AND id <> ?",
                 {optionalValue(project_id), name, except_id}) > 0) {
    return agentNameTaken(name, project_id);
  }
  return common::Ok{};
}

// Every write of agents but a load's batch ends a load in progress first, in its own
// transaction: the rows it changes then meet every index (on SQLite the FTS delete and update
// triggers never see a row the build has not indexed).
void SqlAgentRepository::endLoadFirst(Session& s) {
  if (db_.bulkLoadPending(s, "agents")) db_.endBulkLoad(s, "agents");
}

Result<Page<Agent>> SqlAgentRepository::list(const AgentFilter& filter,
                                             common::SteadyTime deadline) {
  if (auto st = validateAgentFilter(filter); !st.ok()) return st.error();
  const domain::SortOrder order = *domain::parseSort(filter.sort, domain::agentSortColumns());
  const bool search = !filter.q.empty();
  sql::Listing l;
  l.columns = kAgentColumns;
  l.from = "agents";
  l.id_column = "agents.id";
  std::optional<NameSearch> found;
  if (search) {
    found = db_.nameSearch("agents", filter.q);
    l.from = found->from;
    l.id_column = found->id_column;
    l.where.add(found->condition, found->value);
  }
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
    db_.readListing(s, l, [&](const SqlRow& row) { page.items.push_back(readAgentRow(row)); });
    page.trimTo(filter.window.limit);
    if (domain::holdsEveryMatch(page, filter.window)) {
      page.total = static_cast<int64_t>(page.items.size());
    } else if (auto counted = agentCountFor(filter)) {
      page.total = maintainedAgentCount(db_, s, counted->first, counted->second);
    } else {
      page.total = search && l.where.params.size() == 1
                       ? db_.searchCount(s, *found, domain::kCountCap)
                       : db_.cappedCount(s, "SELECT 1 FROM " + l.from + l.where.text,
                                         l.where.params, domain::kCountCap);
      page.total_is_lower_bound = page.total >= domain::kCountCap;
    }
    return page;
  });
}

Result<Agent> SqlAgentRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return load(s, id); });
}

Result<Agent> SqlAgentRepository::create(const AgentInput& input, common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endLoadFirst(s);
    if (auto st = checkProject(s, input.project_id); !st.ok()) return st.error();
    const std::optional<int64_t> project_id = input.project_id.value_or(std::nullopt);
    if (auto st = checkNameFree(s, *input.name, project_id, 0); !st.ok()) return st.error();
    const int64_t now = db_.clock().wallMillis();
    std::optional<Agent> created;
    db_.query(s,
              "INSERT INTO agents (name, level, role, status, project_id, metadata, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " +
                  std::string(kAgentColumns),
              {*input.name, std::string(toString(*input.level)), *input.role,
               std::string(toString(input.status.value_or(AgentStatus::kIdle))),
               optionalValue(project_id), input.metadata.value_or("{}"), now, now},
              [&](const SqlRow& row) { created = readAgentRow(row); });
    if (!created) {
      return Error{common::ErrorCode::kInternal, "the insert of an agent returned no row", {}, 0};
    }
    return *created;
  });
}

Result<Agent> SqlAgentRepository::patch(int64_t id, const AgentInput& input,
                                        common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endLoadFirst(s);
    auto current = load(s, id);
    if (!current.ok()) return current;
    if (auto st = checkProject(s, input.project_id); !st.ok()) return st.error();
    if (input.name || input.project_id) {
      const std::string& name = input.name ? *input.name : current->name;
      const std::optional<int64_t> project_id =
          input.project_id ? *input.project_id : current->project_id;
      if (auto st = checkNameFree(s, name, project_id, id); !st.ok()) return st.error();
    }
    sql::Params params;
    std::string set = sql::setList(agentAssignments(input), params);
    if (set.empty()) return current;
    set += ", updated_at = ?";
    params.emplace_back(db_.clock().wallMillis());
    params.emplace_back(id);
    std::optional<Agent> patched;
    db_.query(s, "UPDATE agents SET " + set + " WHERE id = ? RETURNING " + kAgentColumns, params,
              [&](const SqlRow& row) { patched = readAgentRow(row); });
    if (!patched) return noSuchAgent(id);
    return *patched;
  });
}

Status SqlAgentRepository::remove(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    endLoadFirst(s);
    if (db_.exec(s, "DELETE FROM agents WHERE id = ?", {id}) == 0) return noSuchAgent(id);
    return common::Ok{};
  });
}

Result<Agent> SqlAgentRepository::heartbeat(int64_t id, common::SteadyTime deadline) {
  // One statement a heartbeat: an agent already at work only moves its heartbeat (the row and
  // the indexes that hold it, none of the status ones, and no count changes); the answer is the
  // row as the statement left it. Built once: the writer looks each up in its statement cache.
  static const std::string kBeat = std::string(
                                       "UPDATE agents SET last_heartbeat = ? WHERE id = ?"
                                       " AND status IN ('active', 'busy') RETURNING ") +
                                   kAgentColumns;
  // An idle or offline agent wakes: it becomes active, which is a change of the row.
  static const std::string kWake =
      std::string(
          "UPDATE agents SET last_heartbeat = ?, status = 'active', updated_at = ?"
          " WHERE id = ? RETURNING ") +
      kAgentColumns;
  // Quick: in a batch of writes it runs before the creates and deletes, which move a dozen
  // indexes and the trigram index each, so that it does not wait behind them.
  return db_.quickWrite(deadline, [&](Session& s) -> Result<Agent> {
    endLoadFirst(s);
    const int64_t now = db_.clock().wallMillis();
    std::optional<Agent> beat;
    auto read = [&](const SqlRow& row) { beat = readAgentRow(row); };
    db_.query(s, kBeat, {now, id}, read);
    if (!beat) db_.query(s, kWake, {now, now, id}, read);
    if (!beat) return noSuchAgent(id);
    return *beat;
  });
}

Result<AgentStats> SqlAgentRepository::stats(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<AgentStats> {
    AgentStats out;
    for (AgentStatus st : domain::allAgentStatuses()) out.by_status[std::string(toString(st))] = 0;
    for (domain::AgentLevel l : domain::allAgentLevels()) {
      out.by_level[std::string(toString(l))] = 0;
    }
    // The maintained counts: a handful of rows, whatever the number of agents.
    db_.query(s,
              "SELECT dimension, value, n FROM row_counts WHERE tbl = 'agents'"
              " AND dimension IN ('total', 'status', 'level')",
              {}, [&](const SqlRow& row) {
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

Result<ImportOutcome> SqlAgentRepository::importBatch(const std::vector<Agent>& agents,
                                                      bool dry_run, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    // An ordinary import (or a dry run) leaves a load in progress going: its rows go in without
    // the deferred indexes, as the load's do, and the build covers them.
    auto out = insertBatch(s, agents, dry_run);
    if (out) out->bulk_load = db_.bulkLoadPending(s, "agents");
    return out;
  });
}

Result<ImportOutcome> SqlAgentRepository::loadBatch(const std::vector<Agent>& agents,
                                                    common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    const bool loading = db_.beginBulkLoad(s, "agents");
    auto out = insertBatch(s, agents, false);
    if (out) out->bulk_load = loading;
    return out;
  });
}

Result<int64_t> SqlAgentRepository::endBulkLoad(common::SteadyTime deadline) {
  return db_.write(deadline,
                   [&](Session& s) -> Result<int64_t> { return db_.endBulkLoad(s, "agents"); });
}

Result<ImportOutcome> SqlAgentRepository::insertBatch(Session& s, const std::vector<Agent>& agents,
                                                      bool dry_run) {
  ImportOutcome out;
  // Every refusal the checks can decide is decided here, the same on every backend: a taken id,
  // a project that does not exist (looked up once each), a name taken among the agents without
  // a project (which the unique index cannot see on SQLite). The insert refuses the rest.
  std::vector<std::size_t> keep;
  keep.reserve(agents.size());
  std::set<int64_t> projects_seen;
  std::set<int64_t> projects_missing;
  std::set<std::string> unprojected;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const Agent& a = agents[i];
    if (a.id > 0 && db_.scalar(s, "SELECT COUNT(*) FROM agents WHERE id = ?", {a.id}) > 0) {
      out.refused.emplace_back(
          i, Error{common::ErrorCode::kConflict,
                   "an agent with id " + std::to_string(a.id) + " exists", "id", 0});
      continue;
    }
    if (a.project_id && projects_seen.insert(*a.project_id).second &&
        !checkProject(s, std::optional<std::optional<int64_t>>(a.project_id)).ok()) {
      projects_missing.insert(*a.project_id);
    }
    if (a.project_id && projects_missing.count(*a.project_id) > 0) {
      out.refused.emplace_back(
          i, Error::invalid("project_id", "no project with id " + std::to_string(*a.project_id)));
      continue;
    }
    if (!a.project_id) {
      Status free = unprojected.insert(a.name).second ? checkNameFree(s, a.name, std::nullopt, 0)
                                                      : Status(agentNameTaken(a.name, {}));
      if (!free.ok()) {
        Error e = free.error();
        e.field = "name";
        out.refused.emplace_back(i, std::move(e));
        continue;
      }
    }
    keep.push_back(i);
  }
  ImportRows rows;
  rows.table = "agents";
  rows.columns =
      "id, name, level, role, status, project_id, metadata, last_heartbeat, created_at, "
      "updated_at";
  rows.count = keep.size();
  rows.row = [&](std::size_t i) -> sql::Params {
    const Agent& a = agents[keep[i]];
    return {a.id > 0 ? sql::Value(a.id) : sql::Value(std::monostate{}),
            a.name,
            std::string(toString(a.level)),
            a.role,
            std::string(toString(a.status)),
            optionalValue(a.project_id),
            a.metadata,
            optionalValue(a.last_heartbeat_ms),
            a.created_at_ms,
            a.updated_at_ms};
  };
  // As the count triggers count a row.
  rows.count_keys = [&](std::size_t i, std::vector<std::pair<std::string, std::string>>& keys) {
    const Agent& a = agents[keep[i]];
    keys.emplace_back("total", "");
    keys.emplace_back("status", toString(a.status));
    keys.emplace_back("level", toString(a.level));
    if (a.project_id) keys.emplace_back("project_id", std::to_string(*a.project_id));
  };
  rows.search_text = [&](std::size_t i) { return agents[keep[i]].name; };
  const std::vector<RefusedImport> refused = db_.importRows(s, rows, dry_run);
  out.accepted = keep.size() - refused.size();
  for (const auto& r : refused) {
    const Agent& a = agents[keep[r.index]];
    Error e{common::ErrorCode::kValidation, "refused by the store: " + r.detail, {}, 0};
    if (r.reason == ImportRefusal::kIdTaken) {
      e = {common::ErrorCode::kConflict, "an agent with id " + std::to_string(a.id) + " exists",
           "id", 0};
    } else if (r.reason == ImportRefusal::kUniqueTaken) {
      e = agentNameTaken(a.name, a.project_id);
      e.field = "name";
    } else if (r.reason == ImportRefusal::kReferenceMissing) {
      e = Error::invalid("project_id",
                         "no project with id " + std::to_string(a.project_id.value_or(0)));
    }
    out.refused.emplace_back(keep[r.index], std::move(e));
  }
  std::sort(out.refused.begin(), out.refused.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

}  // namespace cc::store
