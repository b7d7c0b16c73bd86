#pragma once
// How an agent maps to the columns of `agents`, in the SQL both backends speak.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/agent.h"
#include "domain/input.h"
#include "store/listing_query.h"

namespace cc::store {

/// The columns readAgentRow() reads, in its order, qualified by table.
inline constexpr const char* kAgentColumns =
    "agents.id, agents.name, agents.level, agents.role, agents.status, agents.project_id, "
    "agents.metadata, agents.last_heartbeat, agents.created_at, agents.updated_at";

/// The agent in a result row of kAgentColumns; `Row` is a backend's row (integer, text,
/// optionalInteger by column index).
template <class Row>
domain::Agent readAgentRow(const Row& row) {
  domain::Agent a;
  a.id = row.integer(0);
  a.name = row.text(1);
  a.level = domain::parseAgentLevel(row.text(2)).value_or(domain::AgentLevel::kL1);
  a.role = row.text(3);
  a.status = domain::parseAgentStatus(row.text(4)).value_or(domain::AgentStatus::kOffline);
  a.project_id = row.optionalInteger(5);
  a.metadata = row.text(6);
  a.last_heartbeat_ms = row.optionalInteger(7);
  a.created_at_ms = row.integer(8);
  a.updated_at_ms = row.integer(9);
  return a;
}

/// The sort expression for a column of domain::agentSortColumns() as the indexes hold it
/// (nullable columns as COALESCE(x, 0)); "" for id order.
std::string agentSortExpression(const std::string& column);

/// The maintained count (dimension, value) that answers `filter`'s total, when one does: no
/// filter, or exactly one of status, level, project_id.
std::optional<std::pair<std::string, std::string>> agentCountFor(const domain::AgentFilter& filter);

/// A project id as a bound value, NULL for none.
sql::Value optionalValue(const std::optional<int64_t>& value);

/// The (column, value) pairs a patch with `input` sets, in a fixed order; empty when it sets
/// nothing (updated_at is the caller's).
std::vector<std::pair<const char*, sql::Value>> agentAssignments(const domain::AgentInput& input);

}  // namespace cc::store
