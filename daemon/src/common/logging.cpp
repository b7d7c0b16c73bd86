#include "common/logging.h"

#include <Poco/String.h>
#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>

#if defined(__linux__)
#include <pthread.h>
#endif

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "common/clock.h"
#include "common/json_text.h"

namespace cc::common {
namespace {

std::mutex g_mutex;
// Loggers are kept alive for the life of the process so the hot path can read a plain pointer.
std::vector<std::shared_ptr<spdlog::logger>> g_keep;
std::atomic<spdlog::logger*> g_access{nullptr};
// The access log's own writer thread and queue (kAccessLogQueueLines). Defined after g_keep so
// that at exit it is destroyed first: its thread writes what is queued, then ends.
std::shared_ptr<spdlog::details::thread_pool> g_access_writer;
std::shared_ptr<spdlog::logger> g_access_sync;  // the same sinks, written at once

// sd-daemon(3) priorities, so journald keeps each line's level.
int syslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    default:
      return 2;
  }
}

class JournalFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    fmt::format_to(std::back_inserter(dest), "<{}>{}: {}\n", syslogPriority(msg.level),
                   fmt::string_view(msg.logger_name.data(), msg.logger_name.size()),
                   fmt::string_view(msg.payload.data(), msg.payload.size()));
  }
  std::unique_ptr<formatter> clone() const override { return std::make_unique<JournalFormatter>(); }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    auto level = spdlog::level::to_string_view(msg.level);
    std::string line =
        "{\"ts\":\"" + formatIsoTime(ms.count()) + "\",\"level\":\"" +
        std::string(level.data(), level.size()) +
        "\",\"logger\":" + common::jsonString({msg.logger_name.data(), msg.logger_name.size()}) +
        ",\"msg\":" + common::jsonString({msg.payload.data(), msg.payload.size()}) + "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

std::unique_ptr<spdlog::formatter> makeFormatter(const LogSettings& s, bool for_stderr) {
  if (s.format == "json") return std::make_unique<JsonFormatter>();
  if (for_stderr && s.journal) return std::make_unique<JournalFormatter>();
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e%z %l %n: %v");
}

}  // namespace

bool stderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) &&
         ino == static_cast<unsigned long long>(st.st_ino);
}

void setupLogging(const LogSettings& settings) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  err->set_formatter(makeFormatter(settings, true));
  std::vector<spdlog::sink_ptr> sinks{err};
  if (!settings.file.empty()) {
    auto file =
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(settings.file, 10 * 1024 * 1024, 5);
    file->set_formatter(makeFormatter(settings, false));
    sinks.push_back(file);
  }
  auto main = std::make_shared<spdlog::logger>("controlcenterd", sinks.begin(), sinks.end());
  if (!g_access_writer) {
    g_access_writer = std::make_shared<spdlog::details::thread_pool>(kAccessLogQueueLines, 1, [] {
#if defined(__linux__)
      pthread_setname_np(pthread_self(), "cc-access-log");
#endif
    });
  }
  auto access =
      std::make_shared<spdlog::async_logger>("access", sinks.begin(), sinks.end(), g_access_writer,
                                             spdlog::async_overflow_policy::overrun_oldest);
  auto access_sync = std::make_shared<spdlog::logger>("access", sinks.begin(), sinks.end());
  auto level = spdlog::level::from_str(settings.level);
  for (const auto& logger : {main, std::shared_ptr<spdlog::logger>(access), access_sync}) {
    logger->set_level(level);
    logger->flush_on(spdlog::level::info);
  }
  spdlog::drop("access");
  spdlog::register_logger(access);
  spdlog::set_default_logger(main);
  g_keep.push_back(access);
  g_keep.push_back(access_sync);
  g_keep.push_back(main);
  g_access_sync = access_sync;
  g_access = access.get();
}

void drainAccessLog() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_access_writer || g_access_sync == nullptr) return;
  spdlog::logger* queued = g_access.exchange(g_access_sync.get());
  g_access_sync->set_level(queued->level());
  spdlog::drop("access");
  spdlog::register_logger(g_access_sync);
  // The queue holds its lines' logger; the writer thread writes them all, then ends.
  g_access_writer.reset();
}

int64_t accessLogDropped() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_access_writer ? static_cast<int64_t>(g_access_writer->overrun_counter()) : 0;
}

bool setLogLevel(const std::string& name) {
  // Any case, and the names our own log lines print ("warning") as well as the short ones.
  const std::string level = Poco::toLower(name);
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::apply_all([parsed](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
  return true;
}

std::string logLevel() {
  auto sv = spdlog::level::to_string_view(spdlog::default_logger_raw()->level());
  std::string name(sv.data(), sv.size());
  return name == "warning" ? "warn" : name;
}

spdlog::logger& accessLogger() {
  spdlog::logger* access = g_access.load(std::memory_order_acquire);
  return access != nullptr ? *access : *spdlog::default_logger_raw();
}

}  // namespace cc::common
