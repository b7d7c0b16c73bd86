#pragma once
// The agent domain: values, validation and JSON conversion. No storage here.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "domain/input.h"

namespace cc::domain {

enum class AgentLevel { kL1, kL2, kL3 };
enum class AgentStatus { kIdle, kActive, kBusy, kOffline };

inline constexpr std::size_t kMaxAgentName = 128;
inline constexpr std::size_t kMaxAgentRole = 128;
inline constexpr std::size_t kMaxMetadataBytes = 16 * 1024;

std::string_view toString(AgentLevel level);
std::string_view toString(AgentStatus status);
std::optional<AgentLevel> parseAgentLevel(std::string_view text);
std::optional<AgentStatus> parseAgentStatus(std::string_view text);
const std::vector<AgentLevel>& allAgentLevels();
const std::vector<AgentStatus>& allAgentStatuses();

/// A stored agent. Times are Unix milliseconds.
struct Agent {
  int64_t id = 0;
  std::string name;
  AgentLevel level = AgentLevel::kL1;
  std::string role;
  AgentStatus status = AgentStatus::kIdle;
  std::optional<int64_t> project_id;
  std::string metadata = "{}";  // a JSON object, compact text
  std::optional<int64_t> last_heartbeat_ms;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

/// Fields given for a create (name, level, role required; status defaults to idle) or a patch
/// (only the given fields change). `project_id` holding an empty optional means "set NULL".
struct AgentInput {
  std::optional<std::string> name;
  std::optional<AgentLevel> level;
  std::optional<std::string> role;
  std::optional<AgentStatus> status;
  std::optional<std::optional<int64_t>> project_id;
  std::optional<std::string> metadata;
};

/// Which agents a listing returns. `sort` is a column name, '-' prefixed for descending.
/// `active_within_s`: only agents whose last heartbeat is at most that many seconds old.
struct AgentFilter {
  std::optional<AgentStatus> status;
  std::optional<AgentLevel> level;
  std::optional<std::string> role;
  std::optional<int64_t> project_id;
  std::optional<int64_t> active_within_s;
  std::string q;  // substring of the name, at least kMinSearchLength characters
  std::string sort = "id";
  ListWindow window;

  /// Whether any condition narrows the listing (q aside).
  bool filtered() const { return status || level || role || project_id || active_within_s; }
};

/// The shortest `q`: substring search is served by a trigram index, which needs three.
inline constexpr std::size_t kMinSearchLength = 3;

/// Agent counts by status and by level; every enum value is present, 0 when none.
struct AgentStats {
  int64_t total = 0;
  std::map<std::string, int64_t> by_status;
  std::map<std::string, int64_t> by_level;
};

/// Columns an agent listing may be sorted by.
const std::vector<std::string>& agentSortColumns();
/// The sorts served together with a filter, besides id, which every filter is served in: for
/// each filter field, the columns an index orders its matches by. Without filters every column
/// of agentSortColumns() is served; with q only id.
const std::map<std::string, std::vector<std::string>>& agentFilteredSorts();

/// The value of `agent` in sort column `column` (a missing project or heartbeat sorts as 0).
SortKey sortKey(const Agent& agent, const std::string& column);

/// Checks every given field (and, for a create, that the required ones are there); the error
/// names the field.
common::Status validateAgentInput(const AgentInput& input, bool partial);
common::Status validateAgentFilter(const AgentFilter& filter);

/// The fields of an agent's body and their sizes as sent, for the scan before the parse. The
/// metadata bound is kMaxMetadataBytes on the text as sent; after the parse its compact text is
/// held to the same bound.
const BodyFields& agentBodyFields();
/// Reads a request body. Wrong types, unknown enum values, empty or over-long strings and
/// unknown fields give Error::invalid naming the field.
common::Result<AgentInput> parseAgentInput(const Poco::JSON::Object& body, bool partial);
/// Reads query parameters (status, level, role, project_id, q, limit, offset, cursor, sort);
/// any other is Error::invalid naming it (rejectUnknownParams).
common::Result<AgentFilter> parseAgentFilter(const std::map<std::string, std::string>& query);
/// The listing of agents that heartbeated within `window_s`, most recent first: reads limit,
/// cursor and offset, and refuses any other parameter.
common::Result<AgentFilter> parseActiveAgentsFilter(const std::map<std::string, std::string>& query,
                                                    int64_t window_s);

/// The API's JSON of an agent. The stored metadata goes in as it is: every write path stores it
/// validated and compact, so a page of agents is rendered without parsing anything.
void writeJson(common::JsonWriter& w, const Agent& agent);
std::string toJson(const Agent& agent);
std::string toJson(const AgentStats& stats);

}  // namespace cc::domain
