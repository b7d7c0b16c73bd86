#pragma once
// How a project maps to the columns of `projects`, in the SQL both backends speak.

#include <string>
#include <utility>
#include <vector>

#include "domain/input.h"
#include "domain/project.h"
#include "store/listing_query.h"

namespace cc::store {

/// The columns readProjectRow() reads, in its order, qualified by table.
inline constexpr const char* kProjectColumns =
    "projects.id, projects.name, projects.description, projects.status, projects.path, "
    "projects.created_at, projects.updated_at";

/// The project in a result row of kProjectColumns; `Row` is a backend's row.
template <class Row>
domain::Project readProjectRow(const Row& row) {
  domain::Project p;
  p.id = row.integer(0);
  p.name = row.text(1);
  p.description = row.text(2);
  p.status = domain::parseProjectStatus(row.text(3)).value_or(domain::ProjectStatus::kArchived);
  p.path = row.text(4);
  p.created_at_ms = row.integer(5);
  p.updated_at_ms = row.integer(6);
  return p;
}

/// The (column, value) pairs a patch with `input` sets (see agentAssignments).
std::vector<std::pair<const char*, sql::Value>> projectAssignments(
    const domain::ProjectInput& input);

}  // namespace cc::store
