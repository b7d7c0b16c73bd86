#include "client/settings.h"

#include <Poco/File.h>
#include <Poco/JSON/Object.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "client/api_client.h"
#include "client/json_fields.h"
#include "config/config.h"

namespace cc::ctl::client {
namespace {

// A listener bound to a wildcard address is reached through loopback.
std::string urlFor(const std::string& address, int64_t port) {
  std::string host = address;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

common::Result<ConfigDerived> deriveFromConfig(const std::string& file) {
  auto loaded = config::ConfigLoader::load(file, {});
  if (!loaded.ok()) {
    std::string message = "cannot use the config file " + file + ":";
    for (const auto& problem : loaded.problems) message += "\n  " + problem;
    return common::Error::badRequest(message);
  }
  const config::Config& cfg = *loaded.config;
  ConfigDerived derived;
  derived.source = file.empty() ? "default" : file;
  derived.url = urlFor(cfg.getString("http.address"), cfg.getInt("http.port"));
  derived.admin = urlFor(cfg.getString("admin.address"), cfg.getInt("admin.port"));
  derived.token_file = cfg.getString("admin.token_file");

  // The daemon writes the addresses it really bound (port 0 picks one) once it listens.
  const std::string listeners = cfg.getString("daemon.state_dir") + "/listeners.json";
  std::ifstream in(listeners);
  if (in) {
    std::stringstream contents;
    contents << in.rdbuf();
    auto json = parseJson(contents.str());
    if (!json.isEmpty() && json.type() == typeid(Poco::JSON::Object::Ptr)) {
      auto object = json.extract<Poco::JSON::Object::Ptr>();
      if (!client::text(object, "http").empty()) {
        derived.url = "http://" + client::text(object, "http");
      }
      if (!client::text(object, "admin").empty()) {
        derived.admin = "http://" + client::text(object, "admin");
      }
      derived.source = listeners;
    }
  }
  return derived;
}

common::Result<Settings> resolveSettings(const GlobalOptions& options, const EnvLookup& env) {
  auto derived = deriveFromConfig(options.config.value_or(""));
  if (!derived.ok()) {
    if (options.config) return derived.error();
    // Built-in defaults always load; keep the contract's defaults if the table ever changes.
    derived = ConfigDerived{"http://127.0.0.1:8080", "http://127.0.0.1:8081",
                            "/var/lib/controlcenter/admin.token", "default"};
  }
  Settings settings;
  auto pick = [&](const std::optional<std::string>& flag, const char* flag_name,
                  const char* env_name, const std::string& fallback, std::string& value,
                  std::string& source) {
    if (flag) {
      value = *flag;
      source = flag_name;
    } else if (auto from_env = env(env_name)) {
      value = *from_env;
      source = env_name;
    } else {
      value = fallback;
      source = derived->source;
    }
  };
  pick(options.url, "--url", "CONTROLCENTER_URL", derived->url, settings.url, settings.url_source);
  pick(options.admin, "--admin", "CONTROLCENTER_ADMIN_URL", derived->admin, settings.admin,
       settings.admin_source);
  pick(options.token_file, "--token-file", "CONTROLCENTER_TOKEN_FILE", derived->token_file,
       settings.token_file, settings.token_source);
  settings.output = options.output;
  settings.timeout = std::chrono::milliseconds(options.timeout_ms);
  return settings;
}

common::Result<std::string> readTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    std::string why = err != 0 ? std::strerror(err) : "cannot open";
    std::string fix = err == EACCES ? "run as root or as the controlcenter user, or pass"
                                    : "start controlcenterd once to create it, or pass";
    return common::Error{common::ErrorCode::kUnauthorized,
                         "cannot read the admin token file " + path + ": " + why + "; " + fix +
                             " the right file (--token-file, CONTROLCENTER_TOKEN_FILE, --config)",
                         {},
                         0};
  }
  std::stringstream contents;
  contents << in.rdbuf();
  std::string token = trim(contents.str());
  if (token.empty()) {
    return common::Error{common::ErrorCode::kUnauthorized,
                         "the admin token file " + path +
                             " is empty; point at the daemon's token (--token-file, "
                             "CONTROLCENTER_TOKEN_FILE)",
                         {},
                         0};
  }
  return token;
}

}  // namespace cc::ctl::client
