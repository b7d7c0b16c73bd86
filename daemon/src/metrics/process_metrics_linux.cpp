#include "metrics/process_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "config/key_table.h"

namespace cc::metrics {
namespace {

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<ProcessSample> readProcessSample(const std::string& proc_root, long ticks_per_second,
                                               long page_size) {
  auto stat = slurp(proc_root + "/self/stat");
  auto system_stat = slurp(proc_root + "/stat");
  auto limits = slurp(proc_root + "/self/limits");
  if (!stat || !system_stat || !limits || ticks_per_second <= 0) return std::nullopt;

  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  std::size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string word; fields >> word;) f.push_back(word);
  if (f.size() < 22) return std::nullopt;
  auto field = [&](int n) { return config::parseDouble(f[static_cast<std::size_t>(n - 3)]); };
  auto utime = field(14);
  auto stime = field(15);
  auto threads = field(20);
  auto start_ticks = field(22);
  auto vsize = field(23);
  auto rss_pages = field(24);
  if (!utime || !stime || !threads || !start_ticks || !vsize || !rss_pages) return std::nullopt;

  std::optional<double> boot_time;
  std::istringstream lines(*system_stat);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("btime ", 0) == 0) boot_time = config::parseDouble(line.substr(6));
  }
  if (!boot_time) return std::nullopt;

  std::optional<double> max_fds;
  std::istringstream limit_lines(*limits);
  for (std::string line; std::getline(limit_lines, line);) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream words(line.substr(14));
    std::string soft;
    words >> soft;
    max_fds =
        soft == "unlimited" ? std::numeric_limits<double>::infinity() : config::parseDouble(soft);
  }
  if (!max_fds) return std::nullopt;

  std::error_code ec;
  double open_fds = 0;
  for (std::filesystem::directory_iterator it(proc_root + "/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++open_fds;
  }
  if (ec) return std::nullopt;

  auto ticks = static_cast<double>(ticks_per_second);
  ProcessSample s;
  s.cpu_seconds = (*utime + *stime) / ticks;
  s.resident_bytes = *rss_pages * static_cast<double>(page_size);
  s.virtual_bytes = *vsize;
  s.start_time_seconds = *boot_time + *start_ticks / ticks;
  s.threads = *threads;
  s.open_fds = open_fds;
  s.max_fds = *max_fds;
  return s;
}

void registerProcessMetrics(Registry& registry, std::string proc_root) {
  long ticks = ::sysconf(_SC_CLK_TCK);
  long page = ::sysconf(_SC_PAGESIZE);
  registry.addCollector([root = std::move(proc_root), ticks,
                         page](std::vector<CollectedFamily>& out) {
    auto s = readProcessSample(root, ticks, page);
    if (!s) return;
    auto add = [&](const char* name, const char* help, MetricType type, double v) {
      out.push_back({name, help, type, {{{}, v}}, {}});
    };
    add("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::kCounter, s->cpu_seconds);
    add("process_max_fds", "Maximum number of open file descriptors.", MetricType::kGauge,
        s->max_fds);
    add("process_open_fds", "Number of open file descriptors.", MetricType::kGauge, s->open_fds);
    add("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge,
        s->resident_bytes);
    add("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        MetricType::kGauge, s->start_time_seconds);
    add("process_threads", "Number of OS threads in the process.", MetricType::kGauge, s->threads);
    add("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::kGauge,
        s->virtual_bytes);
  });
}

}  // namespace cc::metrics
