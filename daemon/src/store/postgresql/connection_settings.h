#pragma once
// What the PostgreSQL store connects with, built once from db.url, db.password_file and
// db.connect_timeout_s.

#include <chrono>
#include <string>

#include "config/config.h"
#include "config/problem.h"
#include "store/postgresql/connection_url.h"

namespace cc::store::postgresql {

/// The server, the password and the connect timeout. Holds a secret: log `url.display()`, never
/// conninfo() or the password. A plain value, immutable once built.
struct ConnectionSettings {
  ConnectionUrl url;
  std::string password;  ///< the first line of db.password_file; empty without one
  std::chrono::seconds connect_timeout{5};

  /// libpq's key=value string for Poco's connector. fromConfig checked every value, so this
  /// cannot fail for settings it built.
  std::string conninfo() const;

  /// Reads the keys (the password file too, refused unless only its owner may read it); every
  /// problem, naming its key, goes to `problems`.
  static ConnectionSettings fromConfig(const config::Config& config, config::Problems& problems);
};

}  // namespace cc::store::postgresql
