#pragma once
// What one sampling round learned about the host, as plain values, plus its pre-serialised JSON.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc::system {

/// Static-ish facts about the host. Fields the platform cannot tell are empty / 0.
struct HostInfo {
  std::string hostname;
  std::string os;  // PRETTY_NAME from os-release on Linux
  std::string kernel;
  std::string architecture;
  std::string cpu_model;
  int cpu_count = 0;
  uint64_t memory_total_bytes = 0;
  int64_t boot_time_ms = 0;  // Unix milliseconds
};

/// Cumulative CPU time of one CPU (or all of them) in clock ticks, as /proc/stat reports it.
struct CpuTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  uint64_t total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
  uint64_t idleAll() const { return idle + iowait; }
};

/// RAM or swap. used = total - available (for swap, available is "free").
struct MemoryUsage {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;
  uint64_t used_bytes = 0;
  double percent = 0;
};

struct LoadAverage {
  double one = 0, five = 0, fifteen = 0;
};

/// A mounted filesystem with its sizes and, when its block device is known, I/O rates.
struct Filesystem {
  std::string mount;
  std::string device;
  std::string fstype;
  uint64_t total_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t free_bytes = 0;  // available to unprivileged users
  double percent = 0;
  std::optional<uint64_t> read_bytes;  // cumulative, from the block device
  std::optional<uint64_t> write_bytes;
  std::optional<double> read_bytes_per_s;  // absent on the first round or without a device
  std::optional<double> write_bytes_per_s;
};

struct NetInterface {
  std::string name;
  uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
  uint64_t rx_errors = 0, tx_errors = 0;
  std::optional<double> rx_bytes_per_s;  // absent on the first round
  std::optional<double> tx_bytes_per_s;
  bool up = false;
  int mtu = 0;
  std::vector<std::string> addresses;
};

/// Socket counts by state name ("ESTABLISHED", "LISTEN", ...), states with no socket omitted.
struct ConnectionCounts {
  std::map<std::string, int> tcp;
  std::map<std::string, int> udp;
};

struct ProcessInfo {
  int pid = 0;
  int ppid = 0;
  std::string name;
  std::string user;
  uint32_t uid = 0;
  char state = '?';
  uint64_t cpu_time_ns = 0;  // user + system, cumulative
  double cpu_percent = 0;    // of one core, over the last interval; 0 on a process's first round
  uint64_t rss_bytes = 0;
  double memory_percent = 0;
  int threads = 0;
  int64_t started_at_ms = 0;  // Unix milliseconds
  std::string cmdline;        // arguments joined by spaces, cut at 1 KiB
};

/// One round's results. Immutable once published: shared between threads without locks.
/// A section the host could not provide (a container lacking a file) is empty or absent; why it
/// failed, when it failed, is in `errors` (keyed by section name).
struct SystemSnapshot {
  int64_t sampled_at_ms = 0;  // Unix milliseconds
  HostInfo host;
  std::optional<double> cpu_percent;  // absent on the first round
  std::vector<double> cpu_per_core;
  std::optional<MemoryUsage> memory;
  std::optional<MemoryUsage> swap;
  std::optional<LoadAverage> load;
  std::optional<double> uptime_s;
  std::vector<Filesystem> filesystems;
  std::vector<NetInterface> interfaces;
  ConnectionCounts connections;
  std::vector<ProcessInfo> processes;  // sorted by pid
  std::map<std::string, std::string> errors;

  /// The JSON answers, serialised once per round so a request only copies text.
  std::string info_json;
  std::string stats_json;
  std::string disk_json;
  std::string network_json;
  std::string metrics_frame_json;  // the WebSocket "metrics" frame
};

}  // namespace cc::system
