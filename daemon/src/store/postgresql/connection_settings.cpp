#include "store/postgresql/connection_settings.h"

#include "config/password_file.h"

namespace cc::store::postgresql {

std::string ConnectionSettings::conninfo() const {
  auto text = url.conninfo(password, connect_timeout);
  return text ? *text : std::string();
}

ConnectionSettings ConnectionSettings::fromConfig(const config::Config& config,
                                                  config::Problems& problems) {
  ConnectionSettings s;
  s.connect_timeout = std::chrono::seconds(config.getInt("db.connect_timeout_s"));
  const std::string url = config.getString("db.url");
  if (url.empty()) {
    problems.push_back(config::keyProblem(
        "db.url",
        "must name the server when db.backend = postgresql, e.g. "
        "postgresql://controlcenter@db.example.net:5432/controlcenter?sslmode=verify-full"));
  } else if (auto parsed = parseConnectionUrl(url); !parsed) {
    problems.push_back(config::keyProblem("db.url", parsed.error().message));
  } else {
    s.url = *parsed;
  }
  if (auto password = config::passwordFromFile(config, "db.password_file", problems)) {
    if (std::string why = unsafeValueReason(*password); !why.empty()) {
      problems.push_back(config::keyProblem(
          "db.password_file", config.getString("db.password_file") + ": the password " + why));
    } else {
      s.password = *password;
    }
  }
  return s;
}

}  // namespace cc::store::postgresql
