#pragma once
// Storage interface for agents; SqlAgentRepository implements it on both backends.

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "domain/agent.h"
#include "domain/bulk_records.h"
#include "domain/input.h"
#include "store/deadline.h"

namespace cc::store {

// The repositories speak the domain's types.
using domain::Agent;
using domain::AgentFilter;
using domain::AgentInput;
using domain::AgentStats;
using domain::ImportOutcome;
using domain::Page;

/// Agents, whatever the backend. Every call is bounded by `deadline`; failures of the backend
/// come back as kDependencyUnavailable / kInsufficientStorage / kDbPoolExhausted / kTimeout,
/// never as exceptions. Implementations are thread-safe.
class AgentRepository {
 public:
  virtual ~AgentRepository() = default;

  /// The page of agents the filter selects, in its sort order from its window's cursor (or
  /// offset), and how many match in all (see Page::total_is_lower_bound). Served by an index
  /// at any depth and table size; an invalid filter gives Error::invalid naming the field.
  virtual common::Result<Page<Agent>> list(const AgentFilter& filter,
                                           common::SteadyTime deadline = kNoDeadline) = 0;
  /// kNotFound when there is no such agent.
  virtual common::Result<Agent> get(int64_t id, common::SteadyTime deadline = kNoDeadline) = 0;
  /// Validates the input (Error::invalid naming the field, including a project_id that does not
  /// exist) and stores a new agent.
  virtual common::Result<Agent> create(const AgentInput& input,
                                       common::SteadyTime deadline = kNoDeadline) = 0;
  /// Changes only the fields given; kNotFound when there is no such agent.
  virtual common::Result<Agent> patch(int64_t id, const AgentInput& input,
                                      common::SteadyTime deadline = kNoDeadline) = 0;
  virtual common::Status remove(int64_t id, common::SteadyTime deadline = kNoDeadline) = 0;
  /// Records a heartbeat now; an idle or offline agent becomes active (updated_at changes only
  /// when the status does).
  virtual common::Result<Agent> heartbeat(int64_t id,
                                          common::SteadyTime deadline = kNoDeadline) = 0;
  /// Counts by status and level from counts every write maintains: O(1) in the agents.
  virtual common::Result<AgentStats> stats(common::SteadyTime deadline = kNoDeadline) = 0;
  /// Inserts `agents` (as domain::parseAgentRecord reads them) in one write transaction, each as
  /// given: its id (0: a new one), status and times are kept. An agent whose id is taken (field
  /// id, kConflict) or whose project_id names no project (field project_id, kValidation) is
  /// refused, by its index, and the others go in. `dry_run` checks all the same and keeps
  /// nothing. A failure of the store fails the whole batch: nothing of it is kept. The counts
  /// stats() reads stay exact.
  virtual common::Result<ImportOutcome> importBatch(const std::vector<Agent>& agents, bool dry_run,
                                                    common::SteadyTime deadline = kNoDeadline) = 0;
  /// importBatch (not a dry run) as one batch of a bulk load, the first load of an empty table:
  /// when there is no agent and no load in progress, a load starts in the same transaction, and
  /// the table's non-unique indexes are dropped until it ends (store::DeferredIndexes); the
  /// unique ones stay, so that every refusal is importBatch's. The outcome's `bulk_load` says
  /// whether a load is in progress after the batch (false: the table had agents, and the batch
  /// was an ordinary import). During a load every read stays exact, only slower (a listing
  /// filters and sorts without its index; search, counts and gets are as fast as ever). The
  /// load ends at endBulkLoad(), at the first other write of agents (create, patch, remove,
  /// heartbeat: it waits for the build), or when the store next opens.
  virtual common::Result<ImportOutcome> loadBatch(const std::vector<Agent>& agents,
                                                  common::SteadyTime deadline = kNoDeadline) = 0;
  /// Ends a bulk load: builds every deferred index in one write transaction (for a million
  /// agents, tens of seconds in which other writes wait). The number built; 0 when no load was
  /// in progress.
  virtual common::Result<int64_t> endBulkLoad(common::SteadyTime deadline = kNoDeadline) = 0;
};

}  // namespace cc::store
