#pragma once
// ProjectRepository on the PostgreSQL Database.

#include "store/postgresql/database.h"
#include "store/project_repository.h"

namespace cc::store::postgresql {

/// Projects in PostgreSQL, with the semantics of sqlite::SqliteProjectRepository; names stay
/// unique across instances by the UNIQUE constraint. Thread-safe. The Database must outlive it.
class PgProjectRepository final : public ProjectRepository {
 public:
  explicit PgProjectRepository(Database& db) : db_(db) {}

  common::Result<Page<Project>> list(const ProjectFilter& filter,
                                     common::SteadyTime deadline) override;
  common::Result<Project> get(int64_t id, common::SteadyTime deadline) override;
  common::Result<Project> create(const ProjectInput& input, common::SteadyTime deadline) override;
  common::Result<Project> patch(int64_t id, const ProjectInput& input,
                                common::SteadyTime deadline) override;
  common::Status remove(int64_t id, bool force, common::SteadyTime deadline) override;
  common::Result<ImportOutcome> importBatch(const std::vector<Project>& projects, bool dry_run,
                                            common::SteadyTime deadline) override;

 private:
  Database& db_;
};

}  // namespace cc::store::postgresql
