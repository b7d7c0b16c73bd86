#pragma once
// ProjectRepository on a SqlDatabase: the one implementation, on SQLite and PostgreSQL alike.

#include "store/project_repository.h"
#include "store/sql_database.h"

namespace cc::store {

/// Projects in SQL. Names are unique (checked in the write for the message, decided by the
/// UNIQUE constraint when two instances race). Thread-safe. The SqlDatabase must outlive it.
class SqlProjectRepository final : public ProjectRepository {
 public:
  explicit SqlProjectRepository(SqlDatabase& db) : db_(db) {}

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
  // `lock` (SqlDatabase::lockClause) the row until the write ends.
  common::Result<Project> load(Poco::Data::Session& session, int64_t id,
                               std::optional<RowLock> lock = std::nullopt);
  common::Status checkNameFree(Poco::Data::Session& session, const std::string& name,
                               int64_t except_id);

  SqlDatabase& db_;
};

}  // namespace cc::store
