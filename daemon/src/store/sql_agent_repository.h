#pragma once
// AgentRepository on a SqlDatabase: the one implementation, on SQLite and PostgreSQL alike.

#include "store/agent_repository.h"
#include "store/sql_database.h"

namespace cc::store {

/// Agents in SQL. Names are unique within a project (checked in the write for the message,
/// decided by the unique index of migration 6 when two instances race), counts exact by the
/// triggers of the schema (in the transaction of each write), and a project_id must name a
/// project (locked until the write ends where writers run concurrently). Thread-safe. The
/// SqlDatabase must outlive it.
class SqlAgentRepository final : public AgentRepository {
 public:
  explicit SqlAgentRepository(SqlDatabase& db) : db_(db) {}

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
  common::Result<Agent> load(Poco::Data::Session& session, int64_t id);
  common::Status checkProject(Poco::Data::Session& session,
                              const std::optional<std::optional<int64_t>>& project_id);
  common::Status checkNameFree(Poco::Data::Session& session, const std::string& name,
                               const std::optional<int64_t>& project_id, int64_t except_id);
  void endLoadFirst(Poco::Data::Session& session);
  // importBatch and loadBatch, in the caller's write transaction.
  common::Result<ImportOutcome> insertBatch(Poco::Data::Session& session,
                                            const std::vector<Agent>& agents, bool dry_run);

  SqlDatabase& db_;
};

/// The maintained number of agents whose `dimension` ("total", "status", "level",
/// "project_id") has `value` ("" for the total), read in the caller's transaction.
int64_t maintainedAgentCount(SqlDatabase& db, Poco::Data::Session& session,
                             const std::string& dimension, const std::string& value);

}  // namespace cc::store
