#pragma once
// AgentRepository on the SQLite Database.

#include "store/agent_repository.h"
#include "store/sqlite/database.h"

namespace cc::store::sqlite {

/// Agents in SQLite. Thread-safe (the Database serialises writes). The Database must outlive it.
class SqliteAgentRepository final : public AgentRepository {
 public:
  explicit SqliteAgentRepository(Database& db) : db_(db) {}

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

/// The maintained number of agents whose `dimension` ("total", "status", "level",
/// "project_id") has `value` ("" for the total), read in the caller's transaction.
int64_t maintainedAgentCount(Poco::Data::Session& session, const std::string& dimension,
                             const std::string& value);

}  // namespace cc::store::sqlite
