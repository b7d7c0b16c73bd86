#pragma once
// Log set-up with spdlog: stderr (journald-aware), optional rotating file, text or JSON lines.

#include <spdlog/spdlog.h>

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

/// The access logger; never null (falls back to the default logger).
spdlog::logger& accessLogger();

/// True when stderr is connected to the journal (JOURNAL_STREAM matches stderr's device:inode).
bool stderrIsJournal();

}  // namespace cc::common
