#include "domain/project.h"

#include "common/clock.h"

namespace cc::domain {

using common::Error;
using common::Result;
using common::Status;

std::string_view toString(ProjectStatus status) {
  return status == ProjectStatus::kActive ? "active" : "archived";
}

std::optional<ProjectStatus> parseProjectStatus(std::string_view text) {
  if (text == "active") return ProjectStatus::kActive;
  if (text == "archived") return ProjectStatus::kArchived;
  return std::nullopt;
}

const std::vector<std::string>& projectSortColumns() {
  static const std::vector<std::string> columns = {"id", "name", "status", "created_at",
                                                   "updated_at"};
  return columns;
}

Status validateProjectInput(const ProjectInput& input, bool partial) {
  if (!partial && !input.name) return json_input::required("name");
  if (input.name) {
    if (auto st = checkText("name", *input.name, 1, kMaxProjectName); !st.ok()) return st;
  }
  if (input.description) {
    if (auto st = checkText("description", *input.description, 0, kMaxProjectDescription);
        !st.ok()) {
      return st;
    }
  }
  if (input.path) {
    if (auto st = checkText("path", *input.path, 0, kMaxProjectPath); !st.ok()) return st;
  }
  return common::Ok{};
}

Status validateProjectFilter(const ProjectFilter& filter) {
  if (auto st = checkWindow(filter.window, filter.sort); !st.ok()) return st;
  auto sort = parseSort(filter.sort, projectSortColumns());
  if (!sort.ok()) return sort.error();
  if (filter.q.size() > kMaxProjectName * 4) return Error::invalid("q", "is too long");
  if (!filter.q.empty() && textLength(filter.q) < kMinProjectSearchLength) {
    return Error::invalid("q", "must be at least " + std::to_string(kMinProjectSearchLength) +
                                   " characters (substring search uses a trigram index)");
  }
  if (filter.window.cursor &&
      filter.window.cursor->key.index() != sortKey(Project{}, sort->column).index()) {
    return Error::invalid("cursor", "does not fit sort=" + filter.sort);
  }
  // Each of these is the order of an index; any other would sort every match.
  if (sort->column != "id") {
    if (!filter.q.empty()) {
      return Error::invalid("sort", "a search (q) is ordered by id only; use sort=id or sort=-id");
    }
    if (filter.status && sort->column != "name") {
      return Error::invalid("sort", "sort=" + sort->column +
                                        " is not indexed together with the status filter; "
                                        "sort by id or name");
    }
  }
  return common::Ok{};
}

SortKey sortKey(const Project& project, const std::string& column) {
  if (column == "name") return project.name;
  if (column == "status") return std::string(toString(project.status));
  if (column == "created_at") return project.created_at_ms;
  if (column == "updated_at") return project.updated_at_ms;
  return project.id;
}

const BodyFields& projectBodyFields() {
  static const BodyFields fields({{"name", sentTextBytes(kMaxProjectName)},
                                  {"description", sentTextBytes(kMaxProjectDescription)},
                                  {"status", 64},
                                  {"path", sentTextBytes(kMaxProjectPath)}});
  return fields;
}

Result<ProjectInput> parseProjectInput(const Poco::JSON::Object& body, bool partial) {
  if (auto st = json_input::rejectUnknown(body, projectBodyFields().names()); !st.ok()) {
    return st.error();
  }
  ProjectInput in;
  for (auto [field, target] :
       {std::pair{"name", &in.name}, std::pair{"description", &in.description},
        std::pair{"path", &in.path}}) {
    auto value = json_input::text(body, field);
    if (!value.ok()) return value.error();
    *target = *value;
  }
  auto status = json_input::text(body, "status");
  if (!status.ok()) return status.error();
  if (*status) {
    in.status = parseProjectStatus(**status);
    if (!in.status) return Error::invalid("status", "must be one of active, archived");
  }
  if (auto st = validateProjectInput(in, partial); !st.ok()) return st.error();
  return in;
}

Result<ProjectFilter> parseProjectFilter(const std::map<std::string, std::string>& query) {
  if (auto st = rejectUnknownParams(query, {"status", "q", "limit", "offset", "cursor", "sort"});
      !st.ok()) {
    return st.error();
  }
  ProjectFilter f;
  if (auto it = query.find("status"); it != query.end()) {
    f.status = parseProjectStatus(it->second);
    if (!f.status) return Error::invalid("status", "must be one of active, archived");
  }
  if (auto st = readListParams(query, f.q, f.sort, f.window); !st.ok()) return st.error();
  if (auto st = validateProjectFilter(f); !st.ok()) return st.error();
  return f;
}

void writeJson(common::JsonWriter& w, const Project& project) {
  w.beginObject();
  w.key("id").value(project.id);
  w.key("name").value(project.name);
  w.key("description").value(project.description);
  w.key("status").value(toString(project.status));
  w.key("path").value(project.path);
  w.key("created_at").time(project.created_at_ms);
  w.key("updated_at").time(project.updated_at_ms);
  w.endObject();
}

std::string toJson(const Project& project) {
  std::string out;
  common::JsonWriter w(out);
  writeJson(w, project);
  return out;
}

}  // namespace cc::domain
