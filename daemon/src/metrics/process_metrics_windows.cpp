#include "metrics/process_metrics.h"

#include <Poco/UnWindows.h>  // windows.h as Poco needs it (lean, winsock2 first)
#include <psapi.h>

#include <cstdint>
#include <vector>

namespace cc::metrics {
namespace {

// 100 ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01.
constexpr uint64_t kFiletimeUnixOffset = 116444736000000000ULL;

uint64_t filetimeTicks(const FILETIME& ft) {
  return (static_cast<uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;
}

}  // namespace

// Windows has no descriptor table or thread count as cheap as /proc's: the handle count stands
// for process_open_fds, and process_max_fds and process_threads are not rendered.
void registerProcessMetrics(Registry& registry, std::string /*proc_root*/) {
  registry.addCollector([](std::vector<CollectedFamily>& out) {
    HANDLE self = GetCurrentProcess();
    FILETIME created{}, exited{}, kernel{}, user{};
    PROCESS_MEMORY_COUNTERS_EX mem{};
    mem.cb = sizeof mem;
    DWORD handles = 0;
    if (!GetProcessTimes(self, &created, &exited, &kernel, &user) ||
        !GetProcessMemoryInfo(self, reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&mem), sizeof mem) ||
        !GetProcessHandleCount(self, &handles)) {
      return;
    }
    auto add = [&](const char* name, const char* help, MetricType type, double v) {
      out.push_back({name, help, type, {{{}, v}}, {}});
    };
    add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::kCounter,
        static_cast<double>(filetimeTicks(kernel) + filetimeTicks(user)) / 1e7);
    add("process_open_fds", "Number of open handles.", MetricType::kGauge,
        static_cast<double>(handles));
    add("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge,
        static_cast<double>(mem.WorkingSetSize));
    add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        MetricType::kGauge,
        static_cast<double>(filetimeTicks(created) - kFiletimeUnixOffset) / 1e7);
    add("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::kGauge,
        static_cast<double>(mem.PrivateUsage));
  });
}

}  // namespace cc::metrics
