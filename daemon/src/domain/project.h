#pragma once
// The project domain: values, validation and JSON conversion. No storage here.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "domain/input.h"

namespace cc::domain {

enum class ProjectStatus { kActive, kArchived };

inline constexpr std::size_t kMaxProjectName = 128;
inline constexpr std::size_t kMaxProjectDescription = 4096;
inline constexpr std::size_t kMaxProjectPath = 4096;

std::string_view toString(ProjectStatus status);
std::optional<ProjectStatus> parseProjectStatus(std::string_view text);

/// A stored project; names are unique. Times are Unix milliseconds.
struct Project {
  int64_t id = 0;
  std::string name;
  std::string description;
  ProjectStatus status = ProjectStatus::kActive;
  std::string path;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

/// Fields given for a create (name required; status defaults to active, the rest to empty) or
/// a patch (only the given fields change).
struct ProjectInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<ProjectStatus> status;
  std::optional<std::string> path;
};

struct ProjectFilter {
  std::optional<ProjectStatus> status;
  std::string q;  // substring of the name, at least kMinProjectSearchLength characters
  std::string sort = "id";
  ListWindow window;
};

/// The shortest `q` (a trigram index serves substring search).
inline constexpr std::size_t kMinProjectSearchLength = 3;

/// Columns a project listing may be sorted by; with the status filter, id and name; with q, id.
const std::vector<std::string>& projectSortColumns();
SortKey sortKey(const Project& project, const std::string& column);

common::Status validateProjectInput(const ProjectInput& input, bool partial);
common::Status validateProjectFilter(const ProjectFilter& filter);
/// The fields of a project's body and their sizes as sent, for the scan before the parse.
const BodyFields& projectBodyFields();
/// Reads a request body; errors name the field (see parseAgentInput).
common::Result<ProjectInput> parseProjectInput(const Poco::JSON::Object& body, bool partial);
/// Reads query parameters (status, q, limit, offset, cursor, sort); any other is Error::invalid
/// naming it (rejectUnknownParams).
common::Result<ProjectFilter> parseProjectFilter(const std::map<std::string, std::string>& query);

/// The API's JSON of a project.
void writeJson(common::JsonWriter& w, const Project& project);
std::string toJson(const Project& project);

}  // namespace cc::domain
