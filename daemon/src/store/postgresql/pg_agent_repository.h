#pragma once
// AgentRepository on the PostgreSQL Database.

#include "store/agent_repository.h"
#include "store/postgresql/database.h"

namespace cc::store::postgresql {

/// Agents in PostgreSQL, with the semantics of sqlite::SqliteAgentRepository. Several instances
/// may share the database: names stay unique by the unique index, counts exact by the triggers
/// of migration 4 (in the transaction of each write). Thread-safe. The Database must outlive it.
class PgAgentRepository final : public AgentRepository {
 public:
  explicit PgAgentRepository(Database& db) : db_(db) {}

  common::Result<Page<Agent>> list(const AgentFilter& filter, common::SteadyTime deadline) override;
  common::Result<Agent> get(int64_t id, common::SteadyTime deadline) override;
  common::Result<Agent> create(const AgentInput& input, common::SteadyTime deadline) override;
  common::Result<Agent> patch(int64_t id, const AgentInput& input,
                              common::SteadyTime deadline) override;
  common::Status remove(int64_t id, common::SteadyTime deadline) override;
  common::Result<Agent> heartbeat(int64_t id, common::SteadyTime deadline) override;
  common::Result<AgentStats> stats(common::SteadyTime deadline) override;
  common::Result<ImportOutcome> importBatch(const std::vector<Agent>& agents, bool dry_run,
                                            common::SteadyTime deadline) override;
  common::Result<ImportOutcome> loadBatch(const std::vector<Agent>& agents,
                                          common::SteadyTime deadline) override;
  common::Result<int64_t> endBulkLoad(common::SteadyTime deadline) override;

 private:
  // importBatch and loadBatch, in the caller's write transaction.
  common::Result<ImportOutcome> insertBatch(Poco::Data::Session& session,
                                            const std::vector<Agent>& agents, bool dry_run);

  Database& db_;
};

/// The maintained number of agents whose `dimension` has `value`, in the caller's transaction.
int64_t maintainedAgentCount(Poco::Data::Session& session, const std::string& dimension,
                             const std::string& value);

/// Moves the identity of `table` past its highest id, after rows went in with ids of their own
/// (an import): PostgreSQL's identity does not notice them, and the next create would take one.
void advanceIdentity(Poco::Data::Session& session, const std::string& table);

}  // namespace cc::store::postgresql
