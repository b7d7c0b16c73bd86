#include "store/postgresql/pg_project_repository.h"

#include "store/agent_rows.h"
#include "store/postgresql/pg_agent_repository.h"
#include "store/postgresql/pg_session.h"
#include "store/postgresql/pg_sql.h"
#include "store/project_rows.h"

namespace cc::store::postgresql {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const std::string kProjectSelect = std::string("SELECT ") + kProjectColumns + " FROM projects";

Result<Project> loadProject(Session& s, int64_t id, bool for_update = false) {
  std::optional<Project> found;
  sql::run(s, kProjectSelect + " WHERE projects.id = ?" + (for_update ? " FOR UPDATE" : ""), {id},
           [&](const sql::Row& row) { found = readProjectRow(row); });
  if (!found) return Error::notFound("no project with id " + std::to_string(id));
  return *found;
}

// The usual message for a taken name; a writer on another instance that passes it at the same
// moment meets the UNIQUE constraint instead (kConflict too).
Status checkProjectNameTaken(Session& s, const std::string& name, int64_t except_id) {
  if (sql::scalar(s, "SELECT COUNT(*) FROM projects WHERE name = ? AND id <> ?",
                  {name, except_id}) > 0) {
    return Error::conflict("a project named '" + name + "' already exists");
  }
  return common::Ok{};
}

}  // namespace

Result<Page<Project>> PgProjectRepository::list(const ProjectFilter& filter,
                                                common::SteadyTime deadline) {
  if (auto st = validateProjectFilter(filter); !st.ok()) return st.error();
  const domain::SortOrder order = *domain::parseSort(filter.sort, domain::projectSortColumns());
  const bool search = !filter.q.empty();
  sql::Listing l;
  l.columns = kProjectColumns;
  l.from = "projects";
  l.id_column = "projects.id";
  if (search) l.where.add("projects.name ILIKE ?", sql::containsPattern(filter.q));
  if (filter.status) l.where.add("projects.status = ?", std::string(toString(*filter.status)));
  l.key = order.column == "id" ? "" : "projects." + order.column;
  l.descending = order.descending;
  l.setWindow(filter.window);
  return db_.read(deadline, [&](Session& s) -> Result<Page<Project>> {
    Page<Project> page;
    sql::readListing(s, l, [&](const sql::Row& row) { page.items.push_back(readProjectRow(row)); });
    page.trimTo(filter.window.limit);
    if (domain::holdsEveryMatch(page, filter.window)) {
      page.total = static_cast<int64_t>(page.items.size());
    } else if (!search) {
      page.total = sql::scalar(s,
                               "SELECT COALESCE(SUM(n), 0) FROM row_counts"
                               " WHERE tbl = 'projects' AND dimension = ? AND value = ?",
                               {std::string(filter.status ? "status" : "total"),
                                filter.status ? std::string(toString(*filter.status)) : ""});
    } else {
      page.total = sql::cappedCount(s, "SELECT 1 FROM projects" + l.where.text, l.where.params,
                                    domain::kCountCap);
      page.total_is_lower_bound = page.total >= domain::kCountCap;
    }
    return page;
  });
}

Result<Project> PgProjectRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return loadProject(s, id); });
}

Result<Project> PgProjectRepository::create(const ProjectInput& input,
                                            common::SteadyTime deadline) {
  if (auto st = validateProjectInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Project> {
    if (auto st = checkProjectNameTaken(s, *input.name, 0); !st.ok()) return st.error();
    const int64_t now = db_.clock().wallMillis();
    std::optional<Project> created;
    sql::run(s,
             "INSERT INTO projects (name, description, status, path, created_at, updated_at)"
             " VALUES (?, ?, ?, ?, ?, ?) RETURNING " +
                 std::string(kProjectColumns),
             {*input.name, input.description.value_or(""),
              std::string(toString(input.status.value_or(ProjectStatus::kActive))),
              input.path.value_or(""), now, now},
             [&](const sql::Row& row) { created = readProjectRow(row); });
    return *created;
  });
}

Result<Project> PgProjectRepository::patch(int64_t id, const ProjectInput& input,
                                           common::SteadyTime deadline) {
  if (auto st = validateProjectInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Project> {
    auto current = loadProject(s, id);
    if (!current.ok()) return current;
    if (input.name) {
      if (auto st = checkProjectNameTaken(s, *input.name, id); !st.ok()) return st.error();
    }
    sql::Params params;
    std::string set = store::sql::setList(projectAssignments(input), params);
    if (set.empty()) return current;
    set += ", updated_at = ?";
    params.emplace_back(db_.clock().wallMillis());
    params.emplace_back(id);
    std::optional<Project> patched;
    sql::run(s, "UPDATE projects SET " + set + " WHERE id = ? RETURNING " + kProjectColumns, params,
             [&](const sql::Row& row) { patched = readProjectRow(row); });
    if (!patched) return Error::notFound("no project with id " + std::to_string(id));
    return *patched;
  });
}

Status PgProjectRepository::remove(int64_t id, bool force, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    // Locked first: an agent created on another instance meanwhile waits for this transaction
    // (its KEY SHARE lock on the project) and then finds the project gone.
    if (auto current = loadProject(s, id, true); !current.ok()) return current.error();
    const int64_t users = maintainedAgentCount(s, "project_id", std::to_string(id));
    if (users > 0) {
      if (!force) {
        return Error::conflict("project " + std::to_string(id) + " is used by " +
                               std::to_string(users) +
                               " agent(s); remove it with force to detach them");
      }
      sql::exec(s, "UPDATE agents SET project_id = NULL, updated_at = ? WHERE project_id = ?",
                {db_.clock().wallMillis(), id});
    }
    sql::exec(s, "DELETE FROM projects WHERE id = ?", {id});
    return common::Ok{};
  });
}

Result<ImportOutcome> PgProjectRepository::importBatch(const std::vector<Project>& projects,
                                                       bool dry_run, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    ImportOutcome out;
    // As for agents: a failed statement would abort the transaction, so a taken id or name is
    // refused by ON CONFLICT DO NOTHING and told apart by a lookup of the id.
    if (dry_run) execSimple(s, "SAVEPOINT import_dry_run");
    // Rows with ids of their own leave the identity behind; a row without one then gets an id
    // past them, as SQLite's rowid would.
    bool identity_behind = false;
    for (std::size_t i = 0; i < projects.size(); ++i) {
      const Project& p = projects[i];
      if (p.id > 0 && sql::scalar(s, "SELECT COUNT(*) FROM projects WHERE id = ?", {p.id}) > 0) {
        out.refused.emplace_back(
            i, Error{common::ErrorCode::kConflict,
                     "a project with id " + std::to_string(p.id) + " exists", "id", 0});
        continue;
      }
      if (p.id <= 0 && identity_behind) {
        advanceIdentity(s, "projects");
        identity_behind = false;
      }
      const int64_t inserted = sql::exec(
          s,
          "INSERT INTO projects (id, name, description, status, path, created_at, updated_at)"
          " VALUES (COALESCE(?, nextval(pg_get_serial_sequence('projects', 'id'))),"
          " ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          {p.id > 0 ? sql::Value(p.id) : sql::Value(std::monostate{}), p.name, p.description,
           std::string(toString(p.status)), p.path, p.created_at_ms, p.updated_at_ms});
      if (inserted == 0) {
        out.refused.emplace_back(i, Error{common::ErrorCode::kConflict,
                                          "a project named '" + p.name + "' exists", "name", 0});
        continue;
      }
      identity_behind = identity_behind || p.id > 0;
      ++out.accepted;
    }
    if (dry_run) {
      execSimple(s, "ROLLBACK TO SAVEPOINT import_dry_run");
      execSimple(s, "RELEASE SAVEPOINT import_dry_run");
    } else if (identity_behind) {
      advanceIdentity(s, "projects");
    }
    return out;
  });
}

}  // namespace cc::store::postgresql
