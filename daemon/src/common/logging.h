#pragma once
// Log set-up with spdlog: stderr (journald-aware), optional rotating file, text or JSON lines.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cc::common {

struct LogSettings {
  std::string level = "info";
  std::string file;             // empty: stderr only
  std::string format = "text";  // text | json
  bool journal = false;         // stderr goes to journald: no timestamps, <N> priority prefixes
};

/// Installs the default logger ("controlcenterd") and the "access" logger. Safe to call again
/// (the previous sinks are replaced). Throws spdlog::spdlog_ex when the log file cannot be opened.
void setupLogging(const LogSettings& settings);

/// Changes the level of every logger; false for an unknown level name.
bool setLogLevel(const std::string& level);
std::string logLevel();

/// How many access log lines wait at most for the access log's writer thread.
constexpr std::size_t kAccessLogQueueLines = 8192;

/// The access logger; never null (falls back to the default logger). Its lines are written by a
/// thread of their own, so that a request never waits for stderr or log.file (a journald or a
/// disk that stalls); with kAccessLogQueueLines lines waiting, the oldest waiting is dropped
/// and counted (accessLogDropped).
spdlog::logger& accessLogger();
/// Access log lines dropped so far because their writer had fallen behind.
int64_t accessLogDropped();
/// Writes every access log line still queued, and from then on writes them at once: for the
/// end of the process (or an exec), when nothing is served any more.
void drainAccessLog();

/// True when stderr is connected to the journal (JOURNAL_STREAM matches stderr's device:inode).
bool stderrIsJournal();

}  // namespace cc::common
