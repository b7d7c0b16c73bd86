#include "metrics/process_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cc::metrics {
namespace {

namespace fs = std::filesystem;

class ProcessMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("cc_proc_" + std::to_string(::getpid()));
    fs::create_directories(root_ / "self" / "fd");
    for (auto fd : {"0", "1", "2", "7"}) std::ofstream(root_ / "self" / "fd" / fd);
    // Fields 14/15 utime/stime = 250/150 ticks, 20 threads = 9, 22 starttime = 500 ticks,
    // 23 vsize = 123456789, 24 rss = 1000 pages. The name holds a space and a parenthesis.
    write("self/stat",
          "4242 (control center) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 9 0 500 "
          "123456789 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
    write("stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 10\n");
    write("self/limits",
          "Limit                     Soft Limit           Hard Limit           Units\n"
          "Max cpu time              unlimited            unlimited            seconds\n"
          "Max open files            1024                 524288               files\n");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel) << text;
  }

  fs::path root_;
};

TEST_F(ProcessMetricsTest, ReadsEveryFieldFromProc) {
  auto s = readProcessSample(root_.string(), 100, 4096);
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(s->threads, 9);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1700000005.0);
  EXPECT_DOUBLE_EQ(s->virtual_bytes, 123456789);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 4096000);
  EXPECT_DOUBLE_EQ(s->open_fds, 4);
  EXPECT_DOUBLE_EQ(s->max_fds, 1024);
}

TEST_F(ProcessMetricsTest, MissingOrMalformedFilesGiveNothing) {
  write("self/stat", "4242 (x) S 1 2\n");
  EXPECT_FALSE(readProcessSample(root_.string(), 100, 4096).has_value());
  EXPECT_FALSE(readProcessSample((root_ / "absent").string(), 100, 4096).has_value());
}

TEST_F(ProcessMetricsTest, CollectorRendersStandardNames) {
  Registry registry;
  registerProcessMetrics(registry, root_.string());
  std::string text = registry.render();
  for (auto line :
       {"# TYPE process_cpu_seconds_total counter\n", "process_open_fds 4\n",
        "process_max_fds 1024\n", "process_threads 9\n", "process_virtual_memory_bytes 123456789\n",
        "# TYPE process_resident_memory_bytes gauge\n",
        "# TYPE process_start_time_seconds gauge\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

TEST_F(ProcessMetricsTest, RealProcSelfIsReadable) {
  Registry registry;
  registerProcessMetrics(registry);
  auto s = readProcessSample("/proc", ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
  ASSERT_TRUE(s.has_value());
  EXPECT_GT(s->resident_bytes, 0);
  EXPECT_GE(s->threads, 1);
  EXPECT_GE(s->open_fds, 3);
  EXPECT_GT(s->start_time_seconds, 1e9);
  EXPECT_NE(registry.render().find("process_resident_memory_bytes "), std::string::npos);
}

}  // namespace
}  // namespace cc::metrics
