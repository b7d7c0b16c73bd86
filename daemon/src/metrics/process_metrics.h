#pragma once
// The standard process_* metrics, read at scrape time: from /proc on Linux, from the Win32
// process API on Windows (fewer of them there).

#include <optional>
#include <string>
#include <string_view>

#include "metrics/registry.h"

namespace cc::metrics {

/// One reading of the process's resource use.
struct ProcessSample {
  double cpu_seconds = 0;  ///< user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  ///< since the Unix epoch
  double threads = 0;
  double open_fds = 0;
  double max_fds = 0;  ///< the soft limit
};

/// Reads `<proc_root>/self/stat`, `/self/limits`, `/self/fd` and `<proc_root>/stat` (for the
/// boot time). `ticks_per_second` and `page_size` convert /proc's units. Nothing when the files
/// cannot be read or parsed. Stateless; thread-safe.
std::optional<ProcessSample> readProcessSample(const std::string& proc_root, long ticks_per_second,
                                               long page_size);

/// Registers a collector that renders process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_start_time_seconds, process_threads,
/// process_open_fds and process_max_fds at each scrape; a reading that fails renders nothing.
void registerProcessMetrics(Registry& registry, std::string proc_root = "/proc");

}  // namespace cc::metrics
