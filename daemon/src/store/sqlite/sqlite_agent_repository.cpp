#include "store/sqlite/sqlite_agent_repository.h"

#include <sqlite3.h>

#include <algorithm>
#include <set>

#include "store/agent_rows.h"
#include "store/sqlite/deferred_indexes.h"
#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const std::string kSelect = std::string("SELECT ") + kAgentColumns + " FROM agents";

}  // namespace

int64_t maintainedAgentCount(Session& s, const std::string& dimension, const std::string& value) {
  return sql::scalar(s,
                     "SELECT COALESCE(SUM(n), 0) FROM row_counts"
                     " WHERE tbl = 'agents' AND dimension = ? AND value = ?",
                     {dimension, value});
}

namespace {

Result<Agent> load(Session& s, int64_t id) {
  std::optional<Agent> found;
  sql::forEachRow(s, kSelect + " WHERE agents.id = ?", {id},
                  [&](const sql::Row& row) { found = readAgentRow(row); });
  if (!found) return Error::notFound("no agent with id " + std::to_string(id));
  return *found;
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

// An agent's name is unique within its project (agents without one count as one project).
// Checked inside the write transaction, which the writer lock serialises; migration 5's unique
// index is the backstop.
Status checkAgentNameFree(Session& s, const std::string& name,
                          const std::optional<int64_t>& project_id, int64_t except_id) {
  if (sql::scalar(s, "SELECT COUNT(*) FROM agents WHERE project_id IS ? AND name = ? AND id <> ?",
                  {optionalValue(project_id), name, except_id}) > 0) {
    return Error::conflict(
        "an agent named '" + name + "' already exists in " +
        (project_id ? "project " + std::to_string(*project_id) : std::string("no project")));
  }
  return common::Ok{};
}

// Every write of agents but a load's batch ends a load in progress first, in its own
// transaction: the rows it changes then meet every index, and the FTS delete and update
// triggers never see a row the build has not indexed (a lookup of one small table otherwise).
void endAgentLoadFirst(Session& s) {
  if (DeferredIndexes::pending(s, "agents")) DeferredIndexes::build(s, "agents");
}

}  // namespace

Result<Page<Agent>> SqliteAgentRepository::list(const AgentFilter& filter,
                                                common::SteadyTime deadline) {
  if (auto st = validateAgentFilter(filter); !st.ok()) return st.error();
  const domain::SortOrder order = *domain::parseSort(filter.sort, domain::agentSortColumns());
  const bool search = !filter.q.empty();
  sql::Listing l;
  l.columns = kAgentColumns;
  // A search walks the trigram index in rowid order and joins each match to its row.
  l.from = search ? "agents_fts JOIN agents ON agents.id = agents_fts.rowid" : "agents";
  l.id_column = search ? "agents_fts.rowid" : "agents.id";
  if (search) l.where.add("agents_fts MATCH ?", sql::ftsPhrase(filter.q));
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
      // A search alone is counted in the trigram index, without joining each match to its row.
      const std::string from = l.where.params.size() == 1 && search ? "agents_fts" : l.from;
      page.total = sql::cappedCount(s, "SELECT 1 FROM " + from + l.where.text, l.where.params,
                                    domain::kCountCap);
      page.total_is_lower_bound = page.total >= domain::kCountCap;
    }
    return page;
  });
}

Result<Agent> SqliteAgentRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return load(s, id); });
}

Result<Agent> SqliteAgentRepository::create(const AgentInput& input, common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endAgentLoadFirst(s);
    if (auto st = checkProject(s, input.project_id); !st.ok()) return st.error();
    const std::optional<int64_t> project_id = input.project_id.value_or(std::nullopt);
    if (auto st = checkAgentNameFree(s, *input.name, project_id, 0); !st.ok()) return st.error();
    int64_t now = db_.clock().wallMillis();
    sql::exec(s,
              "INSERT INTO agents (name, level, role, status, project_id, metadata, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {*input.name, std::string(toString(*input.level)), *input.role,
               std::string(toString(input.status.value_or(AgentStatus::kIdle))),
               optionalValue(input.project_id.value_or(std::nullopt)),
               input.metadata.value_or("{}"), now, now});
    return load(s, sql::lastInsertId(s));
  });
}

Result<Agent> SqliteAgentRepository::patch(int64_t id, const AgentInput& input,
                                           common::SteadyTime deadline) {
  if (auto st = validateAgentInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endAgentLoadFirst(s);
    auto current = load(s, id);
    if (!current.ok()) return current;
    if (auto st = checkProject(s, input.project_id); !st.ok()) return st.error();
    if (input.name || input.project_id) {
      const std::string& name = input.name ? *input.name : current->name;
      const std::optional<int64_t> project_id =
          input.project_id ? *input.project_id : current->project_id;
      if (auto st = checkAgentNameFree(s, name, project_id, id); !st.ok()) return st.error();
    }
    sql::Params params;
    std::string set = store::sql::setList(agentAssignments(input), params);
    if (set.empty()) return current;
    set += ", updated_at = ?";
    params.emplace_back(db_.clock().wallMillis());
    params.emplace_back(id);
    sql::exec(s, "UPDATE agents SET " + set + " WHERE id = ?", params);
    return load(s, id);
  });
}

Status SqliteAgentRepository::remove(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    endAgentLoadFirst(s);
    if (sql::exec(s, "DELETE FROM agents WHERE id = ?", {id}) == 0) {
      return Error::notFound("no agent with id " + std::to_string(id));
    }
    return common::Ok{};
  });
}

Result<Agent> SqliteAgentRepository::heartbeat(int64_t id, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<Agent> {
    endAgentLoadFirst(s);
    const int64_t now = db_.clock().wallMillis();
    std::optional<Agent> beat;
    auto read = [&](const sql::Row& row) { beat = readAgentRow(row); };
    // One statement a heartbeat, on the writer that every write waits for: an agent already
    // at work only moves its heartbeat (the row and the indexes that hold it, none of the
    // status ones); the answer is the row as the statement left it.
    sql::forEachRow(s,
                    "UPDATE agents SET last_heartbeat = ? WHERE id = ?"
                    " AND status IN ('active', 'busy') RETURNING " +
                        std::string(kAgentColumns),
                    {now, id}, read);
    if (!beat) {
      // An idle or offline agent wakes: it becomes active, which is a change of the row.
      sql::forEachRow(s,
                      "UPDATE agents SET last_heartbeat = ?, status = 'active', updated_at = ?"
                      " WHERE id = ? RETURNING " +
                          std::string(kAgentColumns),
                      {now, now, id}, read);
    }
    if (!beat) return Error::notFound("no agent with id " + std::to_string(id));
    return *beat;
  });
}

Result<AgentStats> SqliteAgentRepository::stats(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<AgentStats> {
    AgentStats out;
    for (AgentStatus st : domain::allAgentStatuses()) out.by_status[std::string(toString(st))] = 0;
    for (AgentLevel l : domain::allAgentLevels()) out.by_level[std::string(toString(l))] = 0;
    // The maintained counts: a handful of rows, whatever the number of agents.
    sql::forEachRow(s,
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

Result<ImportOutcome> SqliteAgentRepository::importBatch(const std::vector<Agent>& agents,
                                                         bool dry_run,
                                                         common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    // An ordinary import (or a dry run) leaves a load in progress going: its rows go in without
    // the deferred indexes, as the load's do, and the build covers them.
    auto out = insertBatch(s, agents, dry_run);
    if (out) out->bulk_load = DeferredIndexes::pending(s, "agents");
    return out;
  });
}

Result<ImportOutcome> SqliteAgentRepository::loadBatch(const std::vector<Agent>& agents,
                                                       common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    const bool loading = DeferredIndexes::begin(s, "agents");
    auto out = insertBatch(s, agents, false);
    if (out) out->bulk_load = loading;
    return out;
  });
}

Result<int64_t> SqliteAgentRepository::endBulkLoad(common::SteadyTime deadline) {
  return db_.write(
      deadline, [&](Session& s) -> Result<int64_t> { return DeferredIndexes::build(s, "agents"); });
}

Result<ImportOutcome> SqliteAgentRepository::insertBatch(Session& s,
                                                         const std::vector<Agent>& agents,
                                                         bool dry_run) {
  ImportOutcome out;
  // Names are unique within a project; the unique index cannot see agents without one (NULL
  // is distinct from NULL), so those are checked here, as create and patch check them.
  std::vector<std::size_t> keep;
  keep.reserve(agents.size());
  std::set<std::string> unprojected;
  for (std::size_t i = 0; i < agents.size(); ++i) {
    const Agent& a = agents[i];
    // A taken id is the insert's to refuse (re-sending a file says which ids exist).
    const bool id_taken =
        a.id > 0 && sql::scalar(s, "SELECT COUNT(*) FROM agents WHERE id = ?", {a.id}) > 0;
    if (!a.project_id && !id_taken) {
      Status free = unprojected.insert(a.name).second
                        ? checkAgentNameFree(s, a.name, std::nullopt, 0)
                        : Status(Error::conflict("an agent named '" + a.name +
                                                 "' already exists in no project"));
      if (!free.ok()) {
        Error e = free.error();
        e.field = "name";
        out.refused.emplace_back(i, std::move(e));
        continue;
      }
    }
    keep.push_back(i);
  }
  const sql::InsertedRows inserted = sql::importRows(
      s,
      {"agents",
       "INSERT INTO agents (id, name, level, role, status, project_id, metadata,"
       " last_heartbeat, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
      keep.size(), dry_run,
      [&](std::size_t i) -> sql::Params {
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
      },
      // As agents_count_insert counts a row, and agents_fts_insert indexes it.
      [&](std::size_t i, sql::CountKeys& keys) {
        const Agent& a = agents[keep[i]];
        keys.emplace_back("total", "");
        keys.emplace_back("status", toString(a.status));
        keys.emplace_back("level", toString(a.level));
        if (a.project_id) keys.emplace_back("project_id", std::to_string(*a.project_id));
      },
      [&](std::size_t i) { return agents[keep[i]].name; });
  out.accepted = keep.size() - inserted.refused.size();
  for (const auto& r : inserted.refused) {
    const Agent& a = agents[keep[r.index]];
    Error e{common::ErrorCode::kValidation,
            std::string("refused by the store: ") + sqlite3_errstr(r.code),
            {},
            0};
    if (r.code == SQLITE_CONSTRAINT_PRIMARYKEY) {
      e = {common::ErrorCode::kConflict, "an agent with id " + std::to_string(a.id) + " exists",
           "id", 0};
    } else if (r.code == SQLITE_CONSTRAINT_UNIQUE) {
      e = {common::ErrorCode::kConflict,
           "an agent named '" + a.name + "' exists in project " +
               std::to_string(a.project_id.value_or(0)),
           "name", 0};
    } else if (r.code == SQLITE_CONSTRAINT_FOREIGNKEY) {
      e = Error::invalid("project_id",
                         "no project with id " + std::to_string(a.project_id.value_or(0)));
    }
    out.refused.emplace_back(keep[r.index], std::move(e));
  }
  std::sort(out.refused.begin(), out.refused.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

}  // namespace cc::store::sqlite
