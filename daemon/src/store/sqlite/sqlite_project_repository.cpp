#include "store/sqlite/sqlite_project_repository.h"

#include <sqlite3.h>

#include "store/project_rows.h"
#include "store/sqlite/sql.h"
#include "store/sqlite/sqlite_agent_repository.h"

namespace cc::store::sqlite {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const std::string kSelect = std::string("SELECT ") + kProjectColumns + " FROM projects";

Result<Project> load(Session& s, int64_t id) {
  std::optional<Project> found;
  sql::forEachRow(s, kSelect + " WHERE projects.id = ?", {id},
                  [&](const sql::Row& row) { found = readProjectRow(row); });
  if (!found) return Error::notFound("no project with id " + std::to_string(id));
  return *found;
}

// Checked inside the write transaction, which the writer lock serialises, so no other writer
// can take the name between this check and the insert.
Status checkNameFree(Session& s, const std::string& name, int64_t except_id) {
  if (sql::scalar(s, "SELECT COUNT(*) FROM projects WHERE name = ? AND id <> ?",
                  {name, except_id}) > 0) {
    return Error::conflict("a project named '" + name + "' already exists");
  }
  return common::Ok{};
}

}  // namespace

Result<Page<Project>> SqliteProjectRepository::list(const ProjectFilter& filter,
                                                    common::SteadyTime deadline) {
  if (auto st = validateProjectFilter(filter); !st.ok()) return st.error();
  const domain::SortOrder order = *domain::parseSort(filter.sort, domain::projectSortColumns());
  const bool search = !filter.q.empty();
  sql::Listing l;
  l.columns = kProjectColumns;
  l.from = search ? "projects_fts JOIN projects ON projects.id = projects_fts.rowid" : "projects";
  l.id_column = search ? "projects_fts.rowid" : "projects.id";
  if (search) l.where.add("projects_fts MATCH ?", sql::ftsPhrase(filter.q));
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
      // A search alone is counted in the trigram index, without joining each match to its row.
      const std::string from = filter.status ? l.from : "projects_fts";
      page.total = sql::cappedCount(s, "SELECT 1 FROM " + from + l.where.text, l.where.params,
                                    domain::kCountCap);
      page.total_is_lower_bound = page.total >= domain::kCountCap;
    }
    return page;
  });
}

Result<Project> SqliteProjectRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return load(s, id); });
}

Result<Project> SqliteProjectRepository::create(const ProjectInput& input,
                                                common::SteadyTime deadline) {
  if (auto st = validateProjectInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Project> {
    if (auto st = checkNameFree(s, *input.name, 0); !st.ok()) return st.error();
    int64_t now = db_.clock().wallMillis();
    sql::exec(s,
              "INSERT INTO projects (name, description, status, path, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {*input.name, input.description.value_or(""),
               std::string(toString(input.status.value_or(ProjectStatus::kActive))),
               input.path.value_or(""), now, now});
    return load(s, sql::lastInsertId(s));
  });
}

Result<Project> SqliteProjectRepository::patch(int64_t id, const ProjectInput& input,
                                               common::SteadyTime deadline) {
  if (auto st = validateProjectInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Project> {
    auto current = load(s, id);
    if (!current.ok()) return current;
    if (input.name) {
      if (auto st = checkNameFree(s, *input.name, id); !st.ok()) return st.error();
    }
    sql::Params params;
    std::string set = store::sql::setList(projectAssignments(input), params);
    if (set.empty()) return current;
    set += ", updated_at = ?";
    params.emplace_back(db_.clock().wallMillis());
    params.emplace_back(id);
    sql::exec(s, "UPDATE projects SET " + set + " WHERE id = ?", params);
    return load(s, id);
  });
}

Status SqliteProjectRepository::remove(int64_t id, bool force, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (auto current = load(s, id); !current.ok()) return current.error();
    int64_t users = maintainedAgentCount(s, "project_id", std::to_string(id));
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

Result<ImportOutcome> SqliteProjectRepository::importBatch(const std::vector<Project>& projects,
                                                           bool dry_run,
                                                           common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    // The primary key and the UNIQUE name refuse a taken id or name within the insert itself.
    const sql::InsertedRows inserted = sql::importRows(
        s,
        {"projects",
         "INSERT INTO projects (id, name, description, status, path, created_at, updated_at)"
         " VALUES (?, ?, ?, ?, ?, ?, ?)"},
        projects.size(), dry_run,
        [&](std::size_t i) -> sql::Params {
          const Project& p = projects[i];
          return {p.id > 0 ? sql::Value(p.id) : sql::Value(std::monostate{}),
                  p.name,
                  p.description,
                  std::string(toString(p.status)),
                  p.path,
                  p.created_at_ms,
                  p.updated_at_ms};
        },
        // As projects_count_insert counts a row, and projects_fts_insert indexes it.
        [&](std::size_t i, sql::CountKeys& keys) {
          keys.emplace_back("total", "");
          keys.emplace_back("status", toString(projects[i].status));
        },
        [&](std::size_t i) { return projects[i].name; });
    ImportOutcome out;
    out.accepted = projects.size() - inserted.refused.size();
    for (const auto& r : inserted.refused) {
      const Project& p = projects[r.index];
      Error e{common::ErrorCode::kValidation,
              std::string("refused by the store: ") + sqlite3_errstr(r.code),
              {},
              0};
      if (r.code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        e = {common::ErrorCode::kConflict, "a project with id " + std::to_string(p.id) + " exists",
             "id", 0};
      } else if (r.code == SQLITE_CONSTRAINT_UNIQUE) {
        e = {common::ErrorCode::kConflict, "a project named '" + p.name + "' exists", "name", 0};
      }
      out.refused.emplace_back(r.index, std::move(e));
    }
    return out;
  });
}

}  // namespace cc::store::sqlite
