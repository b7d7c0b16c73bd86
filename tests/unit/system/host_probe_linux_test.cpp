// The Linux probe against fixture trees and against this machine's own /proc.
#if defined(__linux__)

#include <pwd.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "system/host_probe.h"
#include "system/proc_parsers.h"
#include "system/snapshot_builder.h"

namespace cc::system {
namespace {

class HostProbeLinuxTest : public ::testing::Test {
 protected:
  static std::string root(const std::string& tree) {
    return std::string(CC_TEST_FIXTURES) + "/system/" + tree;
  }
  static RawSample sampleTree(const std::string& tree) {
    return makeHostProbe(root(tree))->sample();
  }

  static const ProcessInfo* findPid(const std::vector<ProcessInfo>& list, int pid) {
    for (const auto& p : list) {
      if (p.pid == pid) return &p;
    }
    return nullptr;
  }
  static const NetInterface* findIf(const std::vector<NetInterface>& list, const std::string& n) {
    for (const auto& i : list) {
      if (i.name == n) return &i;
    }
    return nullptr;
  }
  static const Filesystem* findMount(const std::vector<Filesystem>& list, const std::string& m) {
    for (const auto& f : list) {
      if (f.mount == m) return &f;
    }
    return nullptr;
  }

  // Percent of one core for `ticks` clock ticks spent over `seconds`.
  static double percentOf(uint64_t ticks, double seconds) {
    return 100.0 * static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK)) /
           seconds;
  }
};

TEST_F(HostProbeLinuxTest, FixtureTreeFillsEverySection) {
  RawSample s = sampleTree("round1");
  EXPECT_TRUE(s.errors.empty()) << s.errors.begin()->first << ": " << s.errors.begin()->second;

  ASSERT_TRUE(s.host.has_value());
  EXPECT_EQ(s.host->hostname, "fixture-host");
  EXPECT_EQ(s.host->os, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(s.host->kernel, "6.1.0-18-amd64");
  EXPECT_EQ(s.host->cpu_model, "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
  EXPECT_EQ(s.host->cpu_count, 2);
  EXPECT_EQ(s.host->memory_total_bytes, 16384000ull * 1024);
  EXPECT_EQ(s.host->boot_time_ms, 1700000000000);
  EXPECT_FALSE(s.host->architecture.empty());

  ASSERT_TRUE(s.load.has_value());
  EXPECT_DOUBLE_EQ(s.load->five, 0.58);
  EXPECT_DOUBLE_EQ(s.uptime_s.value(), 1000.5);
  EXPECT_EQ(s.memory->total_bytes, 16384000ull * 1024);

  // Pseudo filesystems, squashfs, non-root overlay, the bind mount and the unreachable /gone
  // are left out: the root and the escaped mount point remain.
  ASSERT_EQ(s.filesystems.size(), 2u);
  const Filesystem* rootfs = findMount(s.filesystems, "/");
  ASSERT_NE(rootfs, nullptr);
  EXPECT_EQ(rootfs->device, "/dev/sda1");
  EXPECT_EQ(rootfs->fstype, "ext4");
  EXPECT_GT(rootfs->total_bytes, 0u);
  EXPECT_EQ(rootfs->read_bytes, 1000u * 512);
  EXPECT_EQ(rootfs->write_bytes, 2000u * 512);
  const Filesystem* spaced = findMount(s.filesystems, "/mnt/my disk");
  ASSERT_NE(spaced, nullptr);
  EXPECT_EQ(spaced->fstype, "xfs");
  EXPECT_EQ(spaced->read_bytes, 300u * 512);

  ASSERT_EQ(s.interfaces.size(), 3u);
  const NetInterface* eth0 = findIf(s.interfaces, "eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_TRUE(eth0->up);
  EXPECT_EQ(eth0->mtu, 1500);
  EXPECT_EQ(eth0->rx_bytes, 1000u);
  EXPECT_EQ(eth0->tx_errors, 2u);
  EXPECT_TRUE(eth0->addresses.empty());         // getifaddrs is only asked for a "/" root
  EXPECT_TRUE(findIf(s.interfaces, "lo")->up);  // "unknown" operstate with IFF_UP
  EXPECT_EQ(findIf(s.interfaces, "lo")->mtu, 65536);
  EXPECT_FALSE(findIf(s.interfaces, "wlan0")->up);
  EXPECT_EQ(s.connections.tcp.at("LISTEN"), 3);
  EXPECT_EQ(s.connections.tcp.at("ESTABLISHED"), 2);
  EXPECT_EQ(s.connections.udp.at("CLOSE"), 1);
  EXPECT_EQ(s.connections.udp.count("LISTEN"), 0u);

  ASSERT_EQ(s.processes.size(), 7u);
  EXPECT_TRUE(std::is_sorted(s.processes.begin(), s.processes.end(),
                             [](const auto& a, const auto& b) { return a.pid < b.pid; }));
  const ProcessInfo* tmux = findPid(s.processes, 42);
  ASSERT_NE(tmux, nullptr);
  EXPECT_EQ(tmux->name, "tmux: server");
  EXPECT_EQ(tmux->ppid, 1);
  EXPECT_EQ(tmux->user, "alice");
  EXPECT_EQ(tmux->uid, 1000u);
  EXPECT_EQ(tmux->threads, 2);
  EXPECT_EQ(tmux->cmdline, "tmux new-session -s main");
  EXPECT_EQ(tmux->rss_bytes, 2560u * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)));
  EXPECT_EQ(tmux->started_at_ms, 1700000000000 + 5000 * 1000 / ::sysconf(_SC_CLK_TCK));
  EXPECT_EQ(findPid(s.processes, 55)->user, "1001");  // not in passwd: the number
  EXPECT_EQ(findPid(s.processes, 77)->name, "weird) (name");
  EXPECT_EQ(findPid(s.processes, 1)->user, "root");
  EXPECT_EQ(findPid(s.processes, 2)->cmdline, "");
  EXPECT_EQ(findPid(s.processes, 300)->cmdline, std::string(1023, 'a'));
}

TEST_F(HostProbeLinuxTest, TwoRoundsGiveRatesAndPercentages) {
  SnapshotBuilder builder;
  common::SteadyTime t0{std::chrono::seconds(5000)};
  auto first = builder.build(sampleTree("round1"), t0, 1700000001000);
  EXPECT_FALSE(first->cpu_percent.has_value());
  EXPECT_TRUE(first->cpu_per_core.empty());
  EXPECT_FALSE(findMount(first->filesystems, "/")->read_bytes_per_s.has_value());
  EXPECT_FALSE(findIf(first->interfaces, "eth0")->rx_bytes_per_s.has_value());
  EXPECT_DOUBLE_EQ(findPid(first->processes, 42)->cpu_percent, 0.0);

  auto second = builder.build(sampleTree("round2"), t0 + std::chrono::seconds(2), 1700000003000);
  // cpu: busy 150 of 400 ticks; cpu0 100 of 100; cpu1 50 of 300.
  ASSERT_TRUE(second->cpu_percent.has_value());
  EXPECT_DOUBLE_EQ(*second->cpu_percent, 37.5);
  ASSERT_EQ(second->cpu_per_core.size(), 2u);
  EXPECT_DOUBLE_EQ(second->cpu_per_core[0], 100.0);
  EXPECT_NEAR(second->cpu_per_core[1], 100.0 / 6.0, 1e-9);

  const Filesystem* rootfs = findMount(second->filesystems, "/");
  EXPECT_DOUBLE_EQ(rootfs->read_bytes_per_s.value(), 4000.0 * 512 / 2);
  EXPECT_DOUBLE_EQ(rootfs->write_bytes_per_s.value(), 8000.0 * 512 / 2);
  EXPECT_DOUBLE_EQ(findMount(second->filesystems, "/mnt/my disk")->read_bytes_per_s.value(), 0.0);

  EXPECT_DOUBLE_EQ(findIf(second->interfaces, "eth0")->rx_bytes_per_s.value(), 100000.0);
  EXPECT_DOUBLE_EQ(findIf(second->interfaces, "eth0")->tx_bytes_per_s.value(), 50000.0);
  EXPECT_DOUBLE_EQ(findIf(second->interfaces, "lo")->rx_bytes_per_s.value(), 0.0);

  // tmux: 200 ticks in 2 s; systemd: 20 ticks; pid 55 was reused (new start time) and 120 is
  // new, so both start from zero; 99 exited.
  EXPECT_DOUBLE_EQ(findPid(second->processes, 42)->cpu_percent, percentOf(200, 2.0));
  EXPECT_DOUBLE_EQ(findPid(second->processes, 1)->cpu_percent, percentOf(20, 2.0));
  EXPECT_DOUBLE_EQ(findPid(second->processes, 55)->cpu_percent, 0.0);
  EXPECT_DOUBLE_EQ(findPid(second->processes, 120)->cpu_percent, 0.0);
  EXPECT_EQ(findPid(second->processes, 99), nullptr);
  EXPECT_DOUBLE_EQ(
      findPid(second->processes, 42)->memory_percent,
      100.0 * 2560.0 * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (16384000.0 * 1024));
  EXPECT_NE(second->stats_json.find("\"percent\":37.5"), std::string::npos) << second->stats_json;
}

TEST_F(HostProbeLinuxTest, ContainerWithoutMostFilesIsNotAFailure) {
  RawSample s = sampleTree("container");
  EXPECT_TRUE(s.errors.empty());
  ASSERT_TRUE(s.cpu_total.has_value());
  ASSERT_TRUE(s.memory.has_value());
  EXPECT_EQ(s.memory->available_bytes, 150u * 1024);
  EXPECT_FALSE(s.swap.has_value());
  EXPECT_FALSE(s.load.has_value());
  EXPECT_FALSE(s.uptime_s.has_value());
  EXPECT_TRUE(s.filesystems.empty());
  EXPECT_TRUE(s.interfaces.empty());
  EXPECT_TRUE(s.connections.tcp.empty());
  EXPECT_TRUE(s.processes.empty());
  ASSERT_TRUE(s.host.has_value());
  EXPECT_EQ(s.host->os, "Linux");
  EXPECT_EQ(s.host->hostname, "");
  EXPECT_EQ(s.host->boot_time_ms, 0);
}

TEST_F(HostProbeLinuxTest, UnreadableFileFailsOnlyItsSection) {
  RawSample s = sampleTree("broken");  // proc/loadavg is a directory
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_NE(s.errors.at("load").find("loadavg"), std::string::npos);
  EXPECT_FALSE(s.load.has_value());
  EXPECT_TRUE(s.cpu_total.has_value());
}

TEST_F(HostProbeLinuxTest, MissingRootGivesEmptySections) {
  RawSample s = makeHostProbe("/nonexistent/controlcenter-root")->sample();
  EXPECT_TRUE(s.errors.empty());
  EXPECT_FALSE(s.cpu_total.has_value());
  EXPECT_TRUE(s.processes.empty());
}

TEST_F(HostProbeLinuxTest, ConnectionTablesAreReReadOnlyPerConnectionsInterval) {
  std::string dir = ::testing::TempDir() + "cc_probe_conn_" + std::to_string(::getpid());
  std::string net = dir + "/proc/net";
  std::filesystem::create_directories(net);
  auto write_tcp = [&](const char* state) {
    std::ofstream(net + "/tcp") << "  sl  local rem st\n   0: 0:0 0:0 " << state << " 0\n";
  };
  write_tcp("0A");
  auto cached = makeHostProbe(dir, common::Millis(600000));
  auto every = makeHostProbe(dir, common::Millis(0));
  EXPECT_EQ(cached->sample().connections.tcp.count("LISTEN"), 1u);
  EXPECT_EQ(every->sample().connections.tcp.count("LISTEN"), 1u);
  write_tcp("01");
  EXPECT_EQ(cached->sample().connections.tcp.count("LISTEN"), 1u);  // repeated, not re-read
  EXPECT_EQ(every->sample().connections.tcp.count("ESTABLISHED"), 1u);
  std::filesystem::remove_all(dir);
}

class HostProbeRealTest : public HostProbeLinuxTest {
 protected:
  static std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

TEST_F(HostProbeRealTest, AgreesWithWhatTheTestReadsItself) {
  SnapshotBuilder builder;
  auto snap = builder.build(makeHostProbe("/")->sample(), std::chrono::steady_clock::now(), 1);

  // Memory total is stable, so it must match MemTotal exactly.
  std::string meminfo = readFile("/proc/meminfo");
  std::istringstream lines(meminfo);
  std::string key;
  uint64_t kb = 0;
  lines >> key >> kb;
  ASSERT_EQ(key, "MemTotal:");
  ASSERT_TRUE(snap->memory.has_value());
  EXPECT_EQ(snap->memory->total_bytes, kb * 1024);
  EXPECT_EQ(snap->host.memory_total_bytes, kb * 1024);
  EXPECT_EQ(snap->host.cpu_count, ::sysconf(_SC_NPROCESSORS_ONLN));

  const Filesystem* rootfs = findMount(snap->filesystems, "/");
  if (rootfs != nullptr) {  // "/" is a pseudo filesystem (tmpfs) in some sandboxes
    struct statvfs v {};
    ASSERT_EQ(::statvfs("/", &v), 0);
    EXPECT_EQ(rootfs->total_bytes, static_cast<uint64_t>(v.f_blocks) * v.f_frsize);
  }
  for (const Filesystem& f : snap->filesystems) {
    EXPECT_NE(f.fstype, "proc");
    EXPECT_NE(f.fstype, "tmpfs");
    EXPECT_LE(f.used_bytes, f.total_bytes);
  }

  const ProcessInfo* self = findPid(snap->processes, static_cast<int>(::getpid()));
  ASSERT_NE(self, nullptr);
  EXPECT_EQ(self->name, std::string(firstLine(readFile("/proc/self/comm"))));
  EXPECT_EQ(self->ppid, static_cast<int>(::getppid()));
  EXPECT_GT(self->rss_bytes, 0u);
  EXPECT_GE(self->threads, 1);
  passwd* pw = ::getpwuid(::geteuid());
  if (pw != nullptr) {
    EXPECT_EQ(self->user, pw->pw_name);
  }
  EXPECT_NE(self->cmdline.find("unit_tests"), std::string::npos);
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LE(self->started_at_ms, now_ms + 1000);
  EXPECT_GT(self->started_at_ms, now_ms - 3600 * 1000);  // started within the hour

  const NetInterface* lo = findIf(snap->interfaces, "lo");
  if (lo != nullptr) {
    EXPECT_TRUE(lo->up);
    EXPECT_NE(std::find(lo->addresses.begin(), lo->addresses.end(), "127.0.0.1/8"),
              lo->addresses.end());
  }
  EXPECT_FALSE(snap->host.hostname.empty());
  EXPECT_FALSE(snap->host.kernel.empty());
}

}  // namespace
}  // namespace cc::system

#endif  // __linux__
