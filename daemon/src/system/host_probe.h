#pragma once
// The platform seam: a HostProbe reads raw counters; everything derived from them is portable.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "system/system_snapshot.h"

namespace cc::system {

/// What one probe of the host returns: instantaneous values and cumulative counters, no rates.
/// Sections the host cannot provide stay empty; a section that failed has its reason in
/// `errors`, keyed by section name ("host", "cpu", "memory", "load", "disk", "network",
/// "processes").
struct RawSample {
  std::optional<HostInfo> host;
  std::optional<CpuTimes> cpu_total;
  std::vector<CpuTimes> cpu_cores;
  std::optional<MemoryUsage> memory;
  std::optional<MemoryUsage> swap;
  std::optional<LoadAverage> load;
  std::optional<double> uptime_s;
  std::vector<Filesystem> filesystems;   // cumulative read/write bytes, no rates
  std::vector<NetInterface> interfaces;  // cumulative counters, no rates
  ConnectionCounts connections;
  std::vector<ProcessInfo> processes;  // cpu_time_ns and rss_bytes; no percentages
  std::map<std::string, std::string> errors;
};

/// Reads the host. Implementations: host_probe_linux.cpp (/proc, /sys) and
/// host_probe_windows.cpp (Win32).
/// Filesystems on Linux: mounts from /proc/self/mountinfo minus kernel and RAM filesystems
/// (proc, sysfs, cgroup*, devtmpfs, devpts, tmpfs, ramfs, squashfs images, ...) and minus
/// overlay mounts other than "/" (container layers); one entry per device (bind mounts
/// collapse onto the filesystem's own root); mounts statvfs cannot reach are left out. On
/// Windows: fixed drives only, without I/O counters. A probe is used by one thread at a time;
/// sample() never throws for an unreadable section, it records the error and goes on.
class HostProbe {
 public:
  virtual ~HostProbe() = default;
  virtual RawSample sample() = 0;
};

/// The probe for this platform. `root` is where /proc, /sys and /etc are found on Linux ("/"
/// normally; a fixture tree in tests, a host mount in containers); ignored on Windows.
/// Connection counts are re-read at most once per `connections_interval` (0: every sample) and
/// repeated in between: the kernel walks its whole socket hash table for /proc/net/tcp, which
/// costs milliseconds even on an idle host with much RAM.
std::unique_ptr<HostProbe> makeHostProbe(
    const std::string& root = "/", common::Millis connections_interval = common::Millis(5000));

}  // namespace cc::system
