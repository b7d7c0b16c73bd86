#include "store/project_rows.h"

namespace cc::store {

std::vector<std::pair<const char*, sql::Value>> projectAssignments(
    const domain::ProjectInput& input) {
  std::vector<std::pair<const char*, sql::Value>> out;
  if (input.name) out.emplace_back("name", *input.name);
  if (input.description) out.emplace_back("description", *input.description);
  if (input.status) out.emplace_back("status", std::string(domain::toString(*input.status)));
  if (input.path) out.emplace_back("path", *input.path);
  return out;
}

}  // namespace cc::store
