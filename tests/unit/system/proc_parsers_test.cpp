#include "system/proc_parsers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace cc::system {
namespace {

class ProcParsersTest : public ::testing::Test {
 protected:
  static std::string fixture(const std::string& rel) {
    std::ifstream in(std::string(CC_TEST_FIXTURES) + "/system/" + rel, std::ios::binary);
    EXPECT_TRUE(in.good()) << rel;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

TEST_F(ProcParsersTest, ProcStatReadsAggregateCoresAndBootTime) {
  ProcStat s = parseProcStat(fixture("round1/proc/stat"));
  ASSERT_TRUE(s.total.has_value());
  EXPECT_EQ(s.total->user, 100u);
  EXPECT_EQ(s.total->system, 100u);
  EXPECT_EQ(s.total->idle, 800u);
  EXPECT_EQ(s.total->total(), 1000u);
  ASSERT_EQ(s.cores.size(), 2u);
  EXPECT_EQ(s.cores[1].idle, 400u);
  EXPECT_EQ(s.boot_time_s, 1700000000);
}

TEST_F(ProcParsersTest, ProcStatToleratesOldFormatAndGarbage) {
  // Four-field cpu lines (Linux 2.4), no btime: the missing fields are zero or absent.
  ProcStat s = parseProcStat(fixture("container/proc/stat"));
  ASSERT_TRUE(s.total.has_value());
  EXPECT_EQ(s.total->idle, 40u);
  EXPECT_EQ(s.total->iowait, 0u);
  EXPECT_EQ(s.cores.size(), 1u);
  EXPECT_FALSE(s.boot_time_s.has_value());

  ProcStat bad = parseProcStat("cpu 1 2\ncpux 1 2 3 4\ncpu0 a b c d\nbtime x\n");
  EXPECT_FALSE(bad.total.has_value());
  EXPECT_TRUE(bad.cores.empty());
  EXPECT_FALSE(bad.boot_time_s.has_value());
  EXPECT_FALSE(parseProcStat("").total.has_value());
}

TEST_F(ProcParsersTest, PidStatUsesTheLastParenthesis) {
  auto s = parsePidStat(fixture("round1/proc/77/stat"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->pid, 77);
  EXPECT_EQ(s->name, "weird) (name");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 42);
  EXPECT_EQ(s->utime_ticks, 10u);
  EXPECT_EQ(s->stime_ticks, 10u);
  EXPECT_EQ(s->start_ticks, 7000u);
  EXPECT_EQ(s->rss_pages, 100);

  auto spaces = parsePidStat(fixture("round1/proc/42/stat"));
  ASSERT_TRUE(spaces.has_value());
  EXPECT_EQ(spaces->name, "tmux: server");
  EXPECT_EQ(spaces->ppid, 1);
  EXPECT_EQ(spaces->threads, 2);
  EXPECT_EQ(spaces->utime_ticks, 100u);
  EXPECT_EQ(spaces->stime_ticks, 50u);
}

TEST_F(ProcParsersTest, PidStatToleratesTruncationAndRejectsGarbage) {
  // Only the fields up to ppid: still a process, counters zero.
  auto short_stat = parsePidStat("12 ((sd-pam)) S 1 12");
  ASSERT_TRUE(short_stat.has_value());
  EXPECT_EQ(short_stat->name, "(sd-pam)");
  EXPECT_EQ(short_stat->ppid, 1);
  EXPECT_EQ(short_stat->utime_ticks, 0u);
  EXPECT_EQ(short_stat->threads, 0);

  EXPECT_FALSE(parsePidStat("").has_value());
  EXPECT_FALSE(parsePidStat("12 (x").has_value());
  EXPECT_FALSE(parsePidStat("abc (x) S 1").has_value());
  EXPECT_FALSE(parsePidStat("12 (x) S").has_value());
  EXPECT_FALSE(parsePidStat("12 )x( S 1").has_value());
}

TEST_F(ProcParsersTest, StatusUidIsTheEffectiveOne) {
  EXPECT_EQ(parseStatusUid(fixture("round1/proc/42/status")), 1000u);
  EXPECT_EQ(parseStatusUid("Name:\tx\nUid:\t1000\t0\t0\t0\n"), 0u);
  EXPECT_EQ(parseStatusUid("Uid:\t33\n"), 33u);
  EXPECT_FALSE(parseStatusUid("Name:\tx\n").has_value());
}

TEST_F(ProcParsersTest, CmdlineJoinsArgumentsAndCutsAtUtf8Boundary) {
  EXPECT_EQ(parseCmdline(fixture("round1/proc/42/cmdline"), 1024), "tmux new-session -s main");
  EXPECT_EQ(parseCmdline("", 1024), "");
  // 1023 'a' then a two-byte 'é' straddling the 1024-byte cut: the half character goes.
  std::string long_cmd = parseCmdline(fixture("round1/proc/300/cmdline"), 1024);
  EXPECT_EQ(long_cmd, std::string(1023, 'a'));
  EXPECT_EQ(parseCmdline("ab\xC3\xA9", 4), "ab\xC3\xA9");
  EXPECT_EQ(parseCmdline("abc\xE2\x82\xAC", 5), "abc");
  EXPECT_EQ(parseCmdline("abcdef", 3), "abc");
}

TEST_F(ProcParsersTest, MeminfoConvertsKilobytes) {
  Meminfo m = parseMeminfo(fixture("round1/proc/meminfo"));
  ASSERT_TRUE(m.memory.has_value());
  EXPECT_EQ(m.memory->total_bytes, 16384000ull * 1024);
  EXPECT_EQ(m.memory->available_bytes, 8192000ull * 1024);
  EXPECT_EQ(m.memory->used_bytes, 8192000ull * 1024);
  EXPECT_DOUBLE_EQ(m.memory->percent, 50.0);
  ASSERT_TRUE(m.swap.has_value());
  EXPECT_EQ(m.swap->used_bytes, 1024000ull * 1024);
  EXPECT_DOUBLE_EQ(m.swap->percent, 50.0);
}

TEST_F(ProcParsersTest, MeminfoFallsBackWithoutMemAvailable) {
  Meminfo m = parseMeminfo(fixture("container/proc/meminfo"));
  ASSERT_TRUE(m.memory.has_value());
  EXPECT_EQ(m.memory->available_bytes, (100u + 20u + 30u) * 1024u);
  EXPECT_EQ(m.memory->used_bytes, 850u * 1024u);
  EXPECT_FALSE(m.swap.has_value());
  EXPECT_FALSE(parseMeminfo("MemFree: 10 kB\n").memory.has_value());
  // Zero swap (none configured) is a valid, empty swap.
  Meminfo none = parseMeminfo("MemTotal: 10 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
  ASSERT_TRUE(none.swap.has_value());
  EXPECT_DOUBLE_EQ(none.swap->percent, 0.0);
}

TEST_F(ProcParsersTest, LoadavgAndUptime) {
  auto l = parseLoadavg(fixture("round1/proc/loadavg"));
  ASSERT_TRUE(l.has_value());
  EXPECT_DOUBLE_EQ(l->one, 0.52);
  EXPECT_DOUBLE_EQ(l->five, 0.58);
  EXPECT_DOUBLE_EQ(l->fifteen, 0.59);
  EXPECT_FALSE(parseLoadavg("0.5 0.4").has_value());
  EXPECT_FALSE(parseLoadavg("x y z").has_value());
  EXPECT_DOUBLE_EQ(parseUptime(fixture("round1/proc/uptime")).value(), 1000.5);
  EXPECT_FALSE(parseUptime("").has_value());
}

TEST_F(ProcParsersTest, MountinfoDecodesEscapesAndSkipsGarbage) {
  auto mounts = parseMountinfo(fixture("round1/proc/self/mountinfo"));
  ASSERT_EQ(mounts.size(), 10u);  // the garbage line is dropped
  const MountEntry& root = mounts[3];
  EXPECT_EQ(root.mount, "/");
  EXPECT_EQ(root.fstype, "ext4");
  EXPECT_EQ(root.device, "/dev/sda1");
  EXPECT_EQ(root.major, 8u);
  EXPECT_EQ(root.minor, 1u);
  const MountEntry& spaced = mounts[5];  // has two optional fields before the '-'
  EXPECT_EQ(spaced.mount, "/mnt/my disk");
  EXPECT_EQ(spaced.fstype, "xfs");
  EXPECT_EQ(spaced.minor, 2u);
  EXPECT_EQ(mounts[6].root, "/home");
}

TEST_F(ProcParsersTest, UnescapeOctal) {
  EXPECT_EQ(unescapeOctal("a\\040b\\011c\\012d\\134e"), "a b\tc\nd\\e");
  EXPECT_EQ(unescapeOctal("end\\04"), "end\\04");  // too short: kept as is
  EXPECT_EQ(unescapeOctal("x\\999"), "x\\999");
  EXPECT_EQ(unescapeOctal("\\040"), " ");
}

TEST_F(ProcParsersTest, DiskstatsInBytes) {
  auto disks = parseDiskstats(fixture("round1/proc/diskstats"));
  ASSERT_EQ(disks.size(), 4u);  // the short sda2 line (11 fields) is still complete enough
  EXPECT_EQ(disks[1].name, "sda1");
  EXPECT_EQ(disks[1].major, 8u);
  EXPECT_EQ(disks[1].minor, 1u);
  EXPECT_EQ(disks[1].read_bytes, 1000u * 512);
  EXPECT_EQ(disks[1].write_bytes, 2000u * 512);
  EXPECT_TRUE(parseDiskstats("8 1 sda1 1 2 3\n").empty());
}

TEST_F(ProcParsersTest, NetDevSkipsHeaders) {
  auto ifs = parseNetDev(fixture("round1/proc/net/dev"));
  ASSERT_EQ(ifs.size(), 3u);
  EXPECT_EQ(ifs[1].name, "eth0");
  EXPECT_EQ(ifs[1].rx_bytes, 1000u);
  EXPECT_EQ(ifs[1].rx_packets, 10u);
  EXPECT_EQ(ifs[1].rx_errors, 1u);
  EXPECT_EQ(ifs[1].tx_bytes, 500u);
  EXPECT_EQ(ifs[1].tx_packets, 5u);
  EXPECT_EQ(ifs[1].tx_errors, 2u);
  // Old kernels glue big counters to the colon: "eth0:123".
  auto glued = parseNetDev("eth0:123 1 0 0 0 0 0 0 456 2 0 0 0 0 0 0\n");
  ASSERT_EQ(glued.size(), 1u);
  EXPECT_EQ(glued[0].rx_bytes, 123u);
  EXPECT_EQ(glued[0].tx_bytes, 456u);
}

TEST_F(ProcParsersTest, NetSocketsCountedByState) {
  std::map<std::string, int> tcp;
  parseNetSockets(fixture("round1/proc/net/tcp"), tcp);
  parseNetSockets(fixture("round1/proc/net/tcp6"), tcp);
  EXPECT_EQ(tcp, (std::map<std::string, int>{{"LISTEN", 3}, {"ESTABLISHED", 2}, {"TIME_WAIT", 1}}));
  std::map<std::string, int> udp;
  parseNetSockets(fixture("round1/proc/net/udp"), udp);
  EXPECT_EQ(udp, (std::map<std::string, int>{{"CLOSE", 1}, {"ESTABLISHED", 1}}));
  std::map<std::string, int> odd;
  parseNetSockets("  0: 0:0 0:0 FF 0\n", odd);
  EXPECT_EQ(odd["UNKNOWN"], 1);
  EXPECT_EQ(tcpStateName(10), "LISTEN");
  EXPECT_EQ(tcpStateName(99), "UNKNOWN");
}

TEST_F(ProcParsersTest, OsReleaseAndCpuinfo) {
  EXPECT_EQ(parseOsRelease(fixture("round1/etc/os-release")), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(parseOsRelease("NAME=Alpine\n"), "Alpine");
  EXPECT_EQ(parseOsRelease("PRETTY_NAME='It\\'s \"x\"'\n"), "It's \"x\"");
  EXPECT_EQ(parseOsRelease(""), "");
  EXPECT_EQ(parseCpuinfoModel(fixture("round1/proc/cpuinfo")),
            "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
  EXPECT_EQ(parseCpuinfoModel("processor : 0\nHardware : BCM2835\n"), "BCM2835");
  EXPECT_EQ(parseCpuinfoModel("processor : 0\n"), "");
}

TEST_F(ProcParsersTest, PasswdAndNumbers) {
  std::string passwd = fixture("round1/etc/passwd");
  EXPECT_EQ(parsePasswdName(passwd, 1000), "alice");
  EXPECT_EQ(parsePasswdName(passwd, 0), "root");
  EXPECT_FALSE(parsePasswdName(passwd, 1001).has_value());
  EXPECT_EQ(parseUnsigned(" 0x1003\n"), 0x1003u);
  EXPECT_EQ(parseUnsigned("1500\n"), 1500u);
  EXPECT_FALSE(parseUnsigned("-1").has_value());
  EXPECT_EQ(firstLine("  up \nmore"), "up");
}

}  // namespace
}  // namespace cc::system
