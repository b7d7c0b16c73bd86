#pragma once
// Pure parsers of Linux /proc, /sys and /etc text. No I/O: each takes the file's text.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "system/system_snapshot.h"

namespace cc::system {

/// Every parser here is a pure function of its input, thread-safe, and tolerant: missing or
/// malformed fields give absent values (or skipped lines), never exceptions.

/// /proc/stat: the aggregate "cpu" line, one entry per "cpuN" line, and btime (seconds).
struct ProcStat {
  std::optional<CpuTimes> total;
  std::vector<CpuTimes> cores;
  std::optional<int64_t> boot_time_s;
};
ProcStat parseProcStat(std::string_view text);

/// /proc/<pid>/stat. The name sits between the first '(' and the LAST ')', so names holding
/// spaces or parentheses ("(sd-pam)", "tmux: server") parse correctly.
struct PidStat {
  int pid = 0;
  std::string name;
  char state = '?';
  int ppid = 0;
  uint64_t utime_ticks = 0;
  uint64_t stime_ticks = 0;
  int threads = 0;
  uint64_t start_ticks = 0;  // since boot
  int64_t rss_pages = 0;
};
std::optional<PidStat> parsePidStat(std::string_view text);

/// The effective uid from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs").
std::optional<uint32_t> parseStatusUid(std::string_view text);

/// /proc/<pid>/cmdline: NUL-separated arguments joined by single spaces, cut at `max_bytes`.
std::string parseCmdline(std::string_view raw, std::size_t max_bytes);

/// /proc/meminfo. memory.available is MemAvailable, or MemFree + Buffers + Cached on kernels
/// older than 3.14; swap.available is SwapFree. A part lacking its total is absent.
struct Meminfo {
  std::optional<MemoryUsage> memory;
  std::optional<MemoryUsage> swap;
};
Meminfo parseMeminfo(std::string_view text);

std::optional<LoadAverage> parseLoadavg(std::string_view text);
/// /proc/uptime: seconds since boot.
std::optional<double> parseUptime(std::string_view text);

/// One line of /proc/self/mountinfo, octal escapes (\040 for a space) decoded.
struct MountEntry {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string root;  // the mount's root within its filesystem ("/" unless a bind mount)
  std::string mount;
  std::string fstype;
  std::string device;  // the mount source
};
std::vector<MountEntry> parseMountinfo(std::string_view text);
/// Decodes the \ooo escapes mountinfo uses for space, tab, newline and backslash.
std::string unescapeOctal(std::string_view text);

/// One line of /proc/diskstats; bytes assume the kernel's fixed 512-byte sectors.
struct DiskCounters {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
};
std::vector<DiskCounters> parseDiskstats(std::string_view text);

/// One interface of /proc/net/dev.
struct NetDevCounters {
  std::string name;
  uint64_t rx_bytes = 0, rx_packets = 0, rx_errors = 0;
  uint64_t tx_bytes = 0, tx_packets = 0, tx_errors = 0;
};
std::vector<NetDevCounters> parseNetDev(std::string_view text);

/// Adds the sockets of /proc/net/{tcp,tcp6,udp,udp6} to `counts`, by state name.
void parseNetSockets(std::string_view text, std::map<std::string, int>& counts);
/// The name of a kernel TCP state number (1 -> "ESTABLISHED"); "UNKNOWN" outside the table.
std::string_view tcpStateName(unsigned state);

/// PRETTY_NAME from os-release (quotes and backslash escapes removed); NAME when it is missing.
std::string parseOsRelease(std::string_view text);
/// The CPU model from /proc/cpuinfo ("model name" on x86, "Hardware"/"Processor" elsewhere).
std::string parseCpuinfoModel(std::string_view text);

/// The user name of `uid` in /etc/passwd text, if listed.
std::optional<std::string> parsePasswdName(std::string_view text, uint32_t uid);

/// An unsigned integer in decimal, or hex with a 0x prefix, surrounding whitespace ignored.
std::optional<uint64_t> parseUnsigned(std::string_view text);
/// The first line of `text` with surrounding whitespace removed.
std::string_view firstLine(std::string_view text);

}  // namespace cc::system
