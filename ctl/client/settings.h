#pragma once
// Where the ctl finds the daemon: flags > environment > the daemon's config > built-in defaults.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"

namespace cc::ctl::client {

enum class OutputFormat { kTable, kJson };

/// Global options as given on the command line; unset ones fall through to the next layer.
struct GlobalOptions {
  std::optional<std::string> url;
  std::optional<std::string> admin;
  std::optional<std::string> token_file;
  std::optional<std::string> config;
  OutputFormat output = OutputFormat::kTable;
  int timeout_ms = 5000;
};

/// Reads an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
/// The process environment.
EnvLookup processEnvironment();

/// Resolved settings, each with the layer it came from ("--url", "CONTROLCENTER_URL",
/// "/etc/.../controlcenterd.properties", "listeners.json", "default") for messages.
struct Settings {
  std::string url;
  std::string url_source;
  std::string admin;
  std::string admin_source;
  std::string token_file;
  std::string token_source;
  OutputFormat output = OutputFormat::kTable;
  std::chrono::milliseconds timeout{5000};
};

/// What the daemon's config says (via cc::config::ConfigLoader::load): listener URLs and the token
/// file, with the addresses from ${daemon.state_dir}/listeners.json preferred when that file
/// exists. An empty `file` reads the built-in defaults. The error names the file and its problems.
struct ConfigDerived {
  std::string url;
  std::string admin;
  std::string token_file;
  std::string source;  // the config file, "listeners.json" path, or "default"
};
common::Result<ConfigDerived> deriveFromConfig(const std::string& file);

/// Applies the precedence flags > env > config > defaults. Fails (a usage error) when the config
/// file cannot be loaded.
common::Result<Settings> resolveSettings(const GlobalOptions& options, const EnvLookup& env);

/// Reads the admin token (trimmed). The error says why the file cannot be used and how to fix it.
common::Result<std::string> readTokenFile(const std::string& path);

}  // namespace cc::ctl::client
