#include "store/sql_project_repository.h"

#include <algorithm>

#include "store/project_rows.h"
#include "store/sql_agent_repository.h"

namespace cc::store {

using common::Error;
using common::Result;
using common::Status;
using domain::Project;
using domain::ProjectStatus;
using Poco::Data::Session;

namespace {

const std::string kProjectSelect = std::string("SELECT ") + kProjectColumns + " FROM projects";

Error noSuchProject(int64_t id) {
  return Error::notFound("no project with id " + std::to_string(id));
}

}  // namespace

Result<Project> SqlProjectRepository::load(Session& s, int64_t id, std::optional<RowLock> lock) {
  std::optional<Project> found;
  db_.query(s, kProjectSelect + " WHERE projects.id = ?" + (lock ? db_.lockClause(*lock) : ""),
            {id}, [&](const SqlRow& row) { found = readProjectRow(row); });
  if (!found) return noSuchProject(id);
  return *found;
}

// The usual message for a taken name; a writer on another instance that passes it at the same
// moment meets the UNIQUE constraint instead (kConflict too).
Status SqlProjectRepository::checkNameFree(Session& s, const std::string& name, int64_t except_id) {
  if (db_.scalar(s, "SELECT COUNT(*) FROM projects WHERE name = ? AND id <> ?", {name, except_id}) >
      0) {
    return Error::conflict("a project named '" + name + "' already exists");
  }
  return common::Ok{};
}

Result<Page<Project>> SqlProjectRepository::list(const ProjectFilter& filter,
                                                 common::SteadyTime deadline) {
  if (auto st = validateProjectFilter(filter); !st.ok()) return st.error();
  const domain::SortOrder order = *domain::parseSort(filter.sort, domain::projectSortColumns());
  const bool search = !filter.q.empty();
  sql::Listing l;
  l.columns = kProjectColumns;
  l.from = "projects";
  l.id_column = "projects.id";
  std::optional<NameSearch> found;
  if (search) {
    found = db_.nameSearch("projects", filter.q);
    l.from = found->from;
    l.id_column = found->id_column;
    l.where.add(found->condition, found->value);
  }
  if (filter.status) l.where.add("projects.status = ?", std::string(toString(*filter.status)));
  l.key = order.column == "id" ? "" : "projects." + order.column;
  l.descending = order.descending;
  l.setWindow(filter.window);
  return db_.read(deadline, [&](Session& s) -> Result<Page<Project>> {
    Page<Project> page;
    db_.readListing(s, l, [&](const SqlRow& row) { page.items.push_back(readProjectRow(row)); });
    page.trimTo(filter.window.limit);
    if (domain::holdsEveryMatch(page, filter.window)) {
      page.total = static_cast<int64_t>(page.items.size());
    } else if (!search) {
      page.total = db_.scalar(s,
                              "SELECT COALESCE(SUM(n), 0) FROM row_counts"
                              " WHERE tbl = 'projects' AND dimension = ? AND value = ?",
                              {std::string(filter.status ? "status" : "total"),
                               filter.status ? std::string(toString(*filter.status)) : ""});
    } else {
      page.total = filter.status ? db_.cappedCount(s, "SELECT 1 FROM " + l.from + l.where.text,
                                                   l.where.params, domain::kCountCap)
                                 : db_.searchCount(s, *found, domain::kCountCap);
      page.total_is_lower_bound = page.total >= domain::kCountCap;
    }
    return page;
  });
}

Result<Project> SqlProjectRepository::get(int64_t id, common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) { return load(s, id); });
}

Result<Project> SqlProjectRepository::create(const ProjectInput& input,
                                             common::SteadyTime deadline) {
  if (auto st = validateProjectInput(input, false); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Project> {
    if (auto st = checkNameFree(s, *input.name, 0); !st.ok()) return st.error();
    const int64_t now = db_.clock().wallMillis();
    std::optional<Project> created;
    db_.query(s,
              "INSERT INTO projects (name, description, status, path, created_at, updated_at)"
              " VALUES (?, ?, ?, ?, ?, ?) RETURNING " +
                  std::string(kProjectColumns),
              {*input.name, input.description.value_or(""),
               std::string(toString(input.status.value_or(ProjectStatus::kActive))),
               input.path.value_or(""), now, now},
              [&](const SqlRow& row) { created = readProjectRow(row); });
    if (!created) {
      return Error{common::ErrorCode::kInternal, "the insert of a project returned no row", {}, 0};
    }
    return *created;
  });
}

Result<Project> SqlProjectRepository::patch(int64_t id, const ProjectInput& input,
                                            common::SteadyTime deadline) {
  if (auto st = validateProjectInput(input, true); !st.ok()) return st.error();
  return db_.write(deadline, [&](Session& s) -> Result<Project> {
    auto current = load(s, id);
    if (!current.ok()) return current;
    if (input.name) {
      if (auto st = checkNameFree(s, *input.name, id); !st.ok()) return st.error();
    }
    sql::Params params;
    std::string set = sql::setList(projectAssignments(input), params);
    if (set.empty()) return current;
    set += ", updated_at = ?";
    params.emplace_back(db_.clock().wallMillis());
    params.emplace_back(id);
    std::optional<Project> patched;
    db_.query(s, "UPDATE projects SET " + set + " WHERE id = ? RETURNING " + kProjectColumns,
              params, [&](const SqlRow& row) { patched = readProjectRow(row); });
    if (!patched) return noSuchProject(id);
    return *patched;
  });
}

Status SqlProjectRepository::remove(int64_t id, bool force, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    // Locked first: an agent created on another instance meanwhile waits for this transaction
    // (its KEY SHARE lock on the project) and then finds the project gone.
    if (auto current = load(s, id, RowLock::kUpdate); !current.ok()) return current.error();
    const int64_t users = maintainedAgentCount(db_, s, "project_id", std::to_string(id));
    if (users > 0) {
      if (!force) {
        return Error::conflict("project " + std::to_string(id) + " is used by " +
                               std::to_string(users) +
                               " agent(s); remove it with force to detach them");
      }
      db_.exec(s, "UPDATE agents SET project_id = NULL, updated_at = ? WHERE project_id = ?",
               {db_.clock().wallMillis(), id});
    }
    db_.exec(s, "DELETE FROM projects WHERE id = ?", {id});
    return common::Ok{};
  });
}

Result<ImportOutcome> SqlProjectRepository::importBatch(const std::vector<Project>& projects,
                                                        bool dry_run, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<ImportOutcome> {
    ImportOutcome out;
    // A taken id is refused here (a lookup each: projects are few), a taken name by the insert.
    std::vector<std::size_t> keep;
    keep.reserve(projects.size());
    for (std::size_t i = 0; i < projects.size(); ++i) {
      const Project& p = projects[i];
      if (p.id > 0 && db_.scalar(s, "SELECT COUNT(*) FROM projects WHERE id = ?", {p.id}) > 0) {
        out.refused.emplace_back(
            i, Error{common::ErrorCode::kConflict,
                     "a project with id " + std::to_string(p.id) + " exists", "id", 0});
        continue;
      }
      keep.push_back(i);
    }
    ImportRows rows;
    rows.table = "projects";
    rows.columns = "id, name, description, status, path, created_at, updated_at";
    rows.count = keep.size();
    rows.row = [&](std::size_t i) -> sql::Params {
      const Project& p = projects[keep[i]];
      return {p.id > 0 ? sql::Value(p.id) : sql::Value(std::monostate{}),
              p.name,
              p.description,
              std::string(toString(p.status)),
              p.path,
              p.created_at_ms,
              p.updated_at_ms};
    };
    // As the count triggers count a row.
    rows.count_keys = [&](std::size_t i, std::vector<std::pair<std::string, std::string>>& keys) {
      keys.emplace_back("total", "");
      keys.emplace_back("status", toString(projects[keep[i]].status));
    };
    rows.search_text = [&](std::size_t i) { return projects[keep[i]].name; };
    const std::vector<RefusedImport> refused = db_.importRows(s, rows, dry_run);
    out.accepted = keep.size() - refused.size();
    for (const auto& r : refused) {
      const Project& p = projects[keep[r.index]];
      Error e{common::ErrorCode::kValidation, "refused by the store: " + r.detail, {}, 0};
      if (r.reason == ImportRefusal::kIdTaken) {
        e = {common::ErrorCode::kConflict, "a project with id " + std::to_string(p.id) + " exists",
             "id", 0};
      } else if (r.reason == ImportRefusal::kUniqueTaken) {
        e = {common::ErrorCode::kConflict, "a project named '" + p.name + "' exists", "name", 0};
      }
      out.refused.emplace_back(keep[r.index], std::move(e));
    }
    std::sort(out.refused.begin(), out.refused.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    return out;
  });
}

}  // namespace cc::store
