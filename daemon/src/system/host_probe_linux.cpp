#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "system/host_probe.h"
#include "system/proc_fs.h"
#include "system/proc_parsers.h"

namespace cc::system {
namespace {

constexpr std::size_t kCmdlineMax = 1024;

// Kernel and virtual filesystems: no disk behind them. tmpfs and ramfs live in RAM (already
// counted as memory); squashfs images are read-only and always full (snaps, live media).
bool isPseudoFs(const std::string& type) {
  static const std::unordered_set<std::string> kPseudo = {
      "proc",       "sysfs",      "cgroup",          "cgroup2",     "tmpfs",      "devtmpfs",
      "devpts",     "mqueue",     "debugfs",         "tracefs",     "securityfs", "pstore",
      "bpf",        "configfs",   "fusectl",         "hugetlbfs",   "autofs",     "binfmt_misc",
      "rpc_pipefs", "nsfs",       "efivarfs",        "selinuxfs",   "ramfs",      "squashfs",
      "nfsd",       "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "none"};
  return kPseudo.count(type) != 0;
}

std::string cidr(const sockaddr* addr, const sockaddr* mask) {
  char text[INET6_ADDRSTRLEN] = {};
  int prefix = 0;
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
    if (mask != nullptr) {
      prefix = __builtin_popcount(reinterpret_cast<const sockaddr_in*>(mask)->sin_addr.s_addr);
    }
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text, sizeof text);
    if (mask != nullptr) {
      for (unsigned char b : reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr.s6_addr) {
        prefix += __builtin_popcount(b);
      }
    }
  }
  return std::string(text) + "/" + std::to_string(prefix);
}

class LinuxHostProbe final : public HostProbe {
 public:
  LinuxHostProbe(const std::string& root, common::Millis connections_interval)
      : fs_(root),
        connections_interval_(connections_interval),
        native_root_(fs_.root() == "/"),
        ticks_per_s_(std::max(1L, ::sysconf(_SC_CLK_TCK))),
        page_size_(std::max(1L, ::sysconf(_SC_PAGESIZE))) {}

  RawSample sample() override {
    RawSample s;
    std::optional<int64_t> boot_time_s;
    guard(s, "cpu", [&] { readCpu(s, boot_time_s); });
    guard(s, "memory", [&] { readMemory(s); });
    guard(s, "load", [&] { readLoad(s); });
    guard(s, "host", [&] { readHost(s, boot_time_s); });
    guard(s, "disk", [&] { readDisk(s); });
    guard(s, "network", [&] { readNetwork(s); });
    guard(s, "processes", [&] { readProcesses(s, boot_time_s); });
    return s;
  }

 private:
  // A section's failure must not cost the others theirs.
  static void guard(RawSample& s, const char* section, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      s.errors[section] = e.what();
    }
  }

  // Reads a file; kMissing is not an error (containers lack some files), kFailed is.
  bool readOr(RawSample& s, const char* section, std::string_view rel, std::string_view& text,
              std::size_t max = 0) {
    switch (fs_.read(rel, text, max)) {
      case ProcFs::Status::kOk:
        return true;
      case ProcFs::Status::kMissing:
        return false;
      case ProcFs::Status::kFailed:
        s.errors[section] = fs_.lastError();
        return false;
    }
    return false;
  }

  void readCpu(RawSample& s, std::optional<int64_t>& boot_time_s) {
    std::string_view text;
    if (!readOr(s, "cpu", "proc/stat", text)) return;
    ProcStat stat = parseProcStat(text);
    if (!stat.total) s.errors["cpu"] = fs_.path("proc/stat") + ": no aggregate cpu line";
    s.cpu_total = stat.total;
    s.cpu_cores = std::move(stat.cores);
    boot_time_s = stat.boot_time_s;
  }

  void readMemory(RawSample& s) {
    std::string_view text;
    if (!readOr(s, "memory", "proc/meminfo", text)) return;
    Meminfo m = parseMeminfo(text);
    if (!m.memory) s.errors["memory"] = fs_.path("proc/meminfo") + ": no MemTotal";
    s.memory = m.memory;
    s.swap = m.swap;
  }

  void readLoad(RawSample& s) {
    std::string_view text;
    if (readOr(s, "load", "proc/loadavg", text)) {
      s.load = parseLoadavg(text);
      if (!s.load) s.errors["load"] = fs_.path("proc/loadavg") + ": unparseable";
    }
    if (readOr(s, "load", "proc/uptime", text)) s.uptime_s = parseUptime(text);
  }

  void readHost(RawSample& s, std::optional<int64_t> boot_time_s) {
    if (!static_host_) {
      // os-release, cpuinfo and the machine type do not change while we run: read them once.
      HostInfo h;
      std::string_view text;
      if (readOr(s, "host", "etc/os-release", text) ||
          readOr(s, "host", "usr/lib/os-release", text)) {
        h.os = parseOsRelease(text);
      }
      if (h.os.empty()) h.os = "Linux";
      if (readOr(s, "host", "proc/cpuinfo", text)) h.cpu_model = parseCpuinfoModel(text);
      utsname u{};
      if (::uname(&u) == 0) h.architecture = u.machine;
      static_host_ = std::move(h);
    }
    HostInfo h = *static_host_;
    std::string_view text;
    utsname u{};
    bool have_uname = ::uname(&u) == 0;
    if (readOr(s, "host", "proc/sys/kernel/hostname", text)) h.hostname = firstLine(text);
    if (h.hostname.empty() && have_uname && native_root_) h.hostname = u.nodename;
    if (readOr(s, "host", "proc/sys/kernel/osrelease", text)) h.kernel = firstLine(text);
    if (h.kernel.empty() && have_uname && native_root_) h.kernel = u.release;
    h.cpu_count = static_cast<int>(s.cpu_cores.size());
    if (h.cpu_count == 0 && native_root_) {
      h.cpu_count = static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    }
    if (s.memory) h.memory_total_bytes = s.memory->total_bytes;
    if (boot_time_s) h.boot_time_ms = *boot_time_s * 1000;
    s.host = std::move(h);
  }

  void readDisk(RawSample& s) {
    std::string_view text;
    if (!readOr(s, "disk", "proc/self/mountinfo", text)) return;
    std::vector<MountEntry> mounts = parseMountinfo(text);
    // One entry per device: bind mounts of the same filesystem show the same space. Prefer the
    // mount of the filesystem's own root, then the shortest mount point.
    std::unordered_map<uint64_t, std::size_t> by_device;
    std::vector<const MountEntry*> chosen;
    for (const auto& m : mounts) {
      if (isPseudoFs(m.fstype) || (m.fstype == "overlay" && m.mount != "/")) continue;
      uint64_t dev = (static_cast<uint64_t>(m.major) << 32) | m.minor;
      auto [it, inserted] = by_device.emplace(dev, chosen.size());
      if (inserted) {
        chosen.push_back(&m);
        continue;
      }
      const MountEntry* old = chosen[it->second];
      bool better = (m.root == "/") != (old->root == "/") ? m.root == "/"
                                                          : m.mount.size() < old->mount.size();
      if (better) chosen[it->second] = &m;
    }
    std::unordered_map<uint64_t, DiskCounters> io;
    if (readOr(s, "disk", "proc/diskstats", text)) {
      for (auto& d : parseDiskstats(text)) {
        io.emplace((static_cast<uint64_t>(d.major) << 32) | d.minor, std::move(d));
      }
    }
    for (const MountEntry* m : chosen) {
      struct statvfs v {};
      // A mount we cannot stat (no permission, gone since mountinfo was read) has no sizes to
      // show; it is left out rather than shown as empty.
      if (::statvfs(fs_.path(m->mount).c_str(), &v) != 0 || v.f_blocks == 0) continue;
      Filesystem f;
      f.mount = m->mount;
      f.device = m->device;
      f.fstype = m->fstype;
      uint64_t frsize = v.f_frsize != 0 ? v.f_frsize : v.f_bsize;
      f.total_bytes = static_cast<uint64_t>(v.f_blocks) * frsize;
      f.free_bytes = static_cast<uint64_t>(v.f_bavail) * frsize;
      f.used_bytes = static_cast<uint64_t>(v.f_blocks - std::min(v.f_bfree, v.f_blocks)) * frsize;
      // Like df: used out of what non-root users could ever have (root's reserve excluded).
      uint64_t usable = f.used_bytes + f.free_bytes;
      f.percent = usable == 0 ? 0.0 : 100.0 * static_cast<double>(f.used_bytes) / usable;
      auto it = io.find((static_cast<uint64_t>(m->major) << 32) | m->minor);
      if (it != io.end()) {
        f.read_bytes = it->second.read_bytes;
        f.write_bytes = it->second.write_bytes;
      }
      s.filesystems.push_back(std::move(f));
    }
    std::sort(s.filesystems.begin(), s.filesystems.end(),
              [](const Filesystem& a, const Filesystem& b) { return a.mount < b.mount; });
  }

  void readNetwork(RawSample& s) {
    std::string_view text;
    if (readOr(s, "network", "proc/net/dev", text)) {
      std::vector<NetDevCounters> counters = parseNetDev(text);
      std::unordered_map<std::string, std::vector<std::string>> addresses;
      // getifaddrs sees this process's network namespace, which only matches a "/" root.
      ifaddrs* list = nullptr;
      if (native_root_ && ::getifaddrs(&list) == 0) {
        for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
          if (a->ifa_addr == nullptr) continue;
          if (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6) continue;
          addresses[a->ifa_name].push_back(cidr(a->ifa_addr, a->ifa_netmask));
        }
        ::freeifaddrs(list);
      }
      for (auto& c : counters) {
        NetInterface n;
        n.name = c.name;
        n.rx_bytes = c.rx_bytes;
        n.tx_bytes = c.tx_bytes;
        n.rx_packets = c.rx_packets;
        n.tx_packets = c.tx_packets;
        n.rx_errors = c.rx_errors;
        n.tx_errors = c.tx_errors;
        readLinkState(n);
        auto it = addresses.find(n.name);
        if (it != addresses.end()) n.addresses = std::move(it->second);
        s.interfaces.push_back(std::move(n));
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (connections_read_at_ && now - *connections_read_at_ < connections_interval_) {
      s.connections = connections_;
      return;
    }
    for (const char* file : {"proc/net/tcp", "proc/net/tcp6"}) {
      if (readOr(s, "network", file, text)) parseNetSockets(text, s.connections.tcp);
    }
    for (const char* file : {"proc/net/udp", "proc/net/udp6"}) {
      if (readOr(s, "network", file, text)) parseNetSockets(text, s.connections.udp);
    }
    connections_ = s.connections;
    connections_read_at_ = now;
  }

  void readLinkState(NetInterface& n) {
    // Missing /sys entries (no sysfs in the container) leave the interface down with MTU 0.
    std::string base = "sys/class/net/" + n.name + "/";
    std::string_view text;
    if (fs_.read(base + "mtu", text) == ProcFs::Status::kOk) {
      n.mtu = static_cast<int>(parseUnsigned(text).value_or(0));
    }
    std::string operstate;
    if (fs_.read(base + "operstate", text) == ProcFs::Status::kOk) operstate = firstLine(text);
    uint64_t flags = 0;
    if (fs_.read(base + "flags", text) == ProcFs::Status::kOk) {
      flags = parseUnsigned(text).value_or(0);
    }
    // Loopback and some virtual links report operstate "unknown" while carrying traffic; for
    // those the administrative IFF_UP flag decides.
    n.up = operstate == "up" || (operstate == "unknown" && (flags & IFF_UP) != 0);
  }

  void readProcesses(RawSample& s, std::optional<int64_t> boot_time_s) {
    pids_.clear();
    auto listed = fs_.listDir("proc", [this](std::string_view name) {
      int pid = 0;
      for (char c : name) {
        if (c < '0' || c > '9') return;
        pid = pid * 10 + (c - '0');
      }
      if (!name.empty()) pids_.push_back(pid);
    });
    if (listed == ProcFs::Status::kFailed) s.errors["processes"] = fs_.lastError();
    if (listed != ProcFs::Status::kOk) return;
    std::sort(pids_.begin(), pids_.end());
    refreshUserCache();
    s.processes.reserve(pids_.size());
    std::string rel;
    std::string_view text;
    for (int pid : pids_) {
      // A process may exit between listing and reading: a missing file skips it quietly.
      rel.assign("proc/").append(std::to_string(pid)).append("/stat");
      if (fs_.read(rel, text) != ProcFs::Status::kOk) continue;
      std::optional<PidStat> st = parsePidStat(text);
      if (!st) continue;
      ProcessInfo p;
      p.pid = pid;
      p.ppid = st->ppid;
      p.name = std::move(st->name);
      p.state = st->state;
      p.threads = st->threads;
      p.cpu_time_ns = (st->utime_ticks + st->stime_ticks) *
                      (1'000'000'000ULL / static_cast<uint64_t>(ticks_per_s_));
      p.rss_bytes = st->rss_pages > 0
                        ? static_cast<uint64_t>(st->rss_pages) * static_cast<uint64_t>(page_size_)
                        : 0;
      if (boot_time_s) {
        p.started_at_ms =
            *boot_time_s * 1000 +
            static_cast<int64_t>(st->start_ticks * 1000 / static_cast<uint64_t>(ticks_per_s_));
      }
      rel.assign("proc/").append(std::to_string(pid)).append("/status");
      if (fs_.read(rel, text) == ProcFs::Status::kOk) {
        p.uid = parseStatusUid(text).value_or(0);
        p.user = userName(p.uid);
      }
      rel.assign("proc/").append(std::to_string(pid)).append("/cmdline");
      // One byte more than kept, so parseCmdline knows a UTF-8 sequence was cut.
      if (fs_.read(rel, text, kCmdlineMax + 1) == ProcFs::Status::kOk) {
        p.cmdline = parseCmdline(text, kCmdlineMax);
      }
      s.processes.push_back(std::move(p));
    }
  }

  // Users rarely change: names are cached until the passwd file's mtime moves.
  void refreshUserCache() {
    struct stat st {};
    int64_t mtime =
        ::stat(fs_.path("etc/passwd").c_str(), &st) == 0
            ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec
            : 0;
    if (mtime != passwd_mtime_ns_) {
      users_.clear();
      passwd_mtime_ns_ = mtime;
    }
  }

  const std::string& userName(uint32_t uid) {
    auto it = users_.find(uid);
    if (it != users_.end()) return it->second;
    std::string name;
    if (native_root_) {
      // NSS (LDAP, sssd) users are only visible through getpwuid_r.
      passwd pw{};
      passwd* result = nullptr;
      char buf[4096];
      if (::getpwuid_r(uid, &pw, buf, sizeof buf, &result) == 0 && result != nullptr) {
        name = result->pw_name;
      }
    } else {
      std::string_view text;
      if (fs_.read("etc/passwd", text) == ProcFs::Status::kOk) {
        name = parsePasswdName(text, uid).value_or("");
      }
    }
    if (name.empty()) name = std::to_string(uid);
    return users_.emplace(uid, std::move(name)).first->second;
  }

  ProcFs fs_;
  common::Millis connections_interval_;
  std::optional<std::chrono::steady_clock::time_point> connections_read_at_;
  ConnectionCounts connections_;
  bool native_root_;
  long ticks_per_s_;
  long page_size_;
  std::optional<HostInfo> static_host_;
  std::vector<int> pids_;
  std::unordered_map<uint32_t, std::string> users_;
  int64_t passwd_mtime_ns_ = -1;
};

}  // namespace

std::unique_ptr<HostProbe> makeHostProbe(const std::string& root,
                                         common::Millis connections_interval) {
  return std::make_unique<LinuxHostProbe>(root, connections_interval);
}

}  // namespace cc::system
