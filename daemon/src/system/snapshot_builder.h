#pragma once
// Turns successive raw probes into snapshots: percentages and per-second rates from deltas.

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "system/host_probe.h"
#include "system/system_snapshot.h"

namespace cc::system {

/// Remembers the previous round's counters and derives, for the next one: CPU percent (total
/// and per core) from /proc/stat-style tick deltas, disk and network bytes per second, and each
/// process's cpu_percent (of one core) from its CPU time delta over the elapsed steady time.
/// A process is matched across rounds by pid and start time, so a reused pid starts afresh.
/// Rates are absent on the first round and after a counter went backwards (a reset).
/// The snapshot it returns carries its pre-serialised JSON sections.
/// Not thread-safe: one builder belongs to one sampler.
class SnapshotBuilder {
 public:
  /// `taken_at` is the steady time of the probe (for rates), `wall_ms` its Unix time in ms.
  std::shared_ptr<const SystemSnapshot> build(RawSample raw, common::SteadyTime taken_at,
                                              int64_t wall_ms);

 private:
  struct Previous {
    common::SteadyTime at;
    std::optional<CpuTimes> cpu_total;
    std::vector<CpuTimes> cpu_cores;
    std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> disk_io;  // by mount
    std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> net_io;   // by interface
    std::unordered_map<int, std::pair<int64_t, uint64_t>> proc_cpu;          // pid -> start, cpu ns
  };
  std::optional<Previous> prev_;
};

/// CPU busy percent between two readings of the same CPU; absent when no tick passed.
std::optional<double> cpuPercent(const CpuTimes& before, const CpuTimes& after);

/// Fills the snapshot's *_json fields from its values. Exposed for tests and custom probes.
void serialiseSections(SystemSnapshot& snapshot);

}  // namespace cc::system
