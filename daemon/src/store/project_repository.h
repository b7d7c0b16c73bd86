#pragma once
// Storage interface for projects; SqlProjectRepository implements it on both backends.

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "domain/bulk_records.h"
#include "domain/input.h"
#include "domain/project.h"
#include "store/deadline.h"

namespace cc::store {

// The repositories speak the domain's types.
using domain::ImportOutcome;
using domain::Page;
using domain::Project;
using domain::ProjectFilter;
using domain::ProjectInput;

/// Projects, whatever the backend. Error conventions as AgentRepository. Thread-safe.
class ProjectRepository {
 public:
  virtual ~ProjectRepository() = default;

  virtual common::Result<Page<Project>> list(const ProjectFilter& filter,
                                             common::SteadyTime deadline = kNoDeadline) = 0;
  virtual common::Result<Project> get(int64_t id, common::SteadyTime deadline = kNoDeadline) = 0;
  /// kConflict when the name is taken.
  virtual common::Result<Project> create(const ProjectInput& input,
                                         common::SteadyTime deadline = kNoDeadline) = 0;
  /// kNotFound for no such project, kConflict when renaming onto a taken name.
  virtual common::Result<Project> patch(int64_t id, const ProjectInput& input,
                                        common::SteadyTime deadline = kNoDeadline) = 0;
  /// kConflict while agents refer to the project, unless `force`, which detaches them
  /// (project_id NULL) in the same transaction.
  virtual common::Status remove(int64_t id, bool force,
                                common::SteadyTime deadline = kNoDeadline) = 0;
  /// Inserts `projects` (as domain::parseProjectRecord reads them) in one write transaction,
  /// keeping ids (0: a new one), statuses and times. A project whose id or name is taken is
  /// refused (field id or name, kConflict), the others go in; otherwise as
  /// AgentRepository::importBatch.
  virtual common::Result<ImportOutcome> importBatch(const std::vector<Project>& projects,
                                                    bool dry_run,
                                                    common::SteadyTime deadline = kNoDeadline) = 0;
};

}  // namespace cc::store
