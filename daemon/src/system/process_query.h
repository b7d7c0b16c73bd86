#pragma once
// The process list's query: validated from request parameters, then applied to a snapshot.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "system/system_snapshot.h"

namespace cc::system {

/// How to filter, order and cut the process list. A plain value type.
struct ProcessQuery {
  enum class Sort { kCpu, kMemory, kPid, kName };

  Sort sort = Sort::kCpu;
  bool descending = true;
  int limit = 100;
  std::string user;  // exact user name; empty: every user
  std::string text;  // case-insensitive (ASCII) substring of name or cmdline; empty: all

  static constexpr int kMaxLimit = 1000;

  /// From query parameters: sort=cpu|memory|pid|name, order=asc|desc (default desc for cpu
  /// and memory, asc for pid and name), limit=1..1000 (default 100), user=, q=. A bad value or
  /// any other parameter gives Error::invalid naming the parameter (HTTP 400).
  static common::Result<ProcessQuery> parse(const std::map<std::string, std::string>& params);
};

/// The processes matching a query, in order, at most `limit`; `total` counts every match.
struct ProcessSelection {
  std::size_t total = 0;
  std::vector<const ProcessInfo*> processes;  // point into the snapshot
};
ProcessSelection selectProcesses(const SystemSnapshot& snapshot, const ProcessQuery& query);

/// {"sampled_at":..., "total":n, "processes":[{pid, ppid, name, user, state, cpu_percent,
/// rss_bytes, memory_percent, threads, started_at, cmdline}, ...]}
std::string processesJson(const SystemSnapshot& snapshot, const ProcessQuery& query);

}  // namespace cc::system
