#pragma once
// db.url: a postgresql:// URL, checked and turned into the key=value string Poco's connector takes.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace cc::store::postgresql {

/// A PostgreSQL server as db.url names it, percent-decoded and checked. Poco 1.11's connector
/// takes no URI, only libpq's `key=value` pairs, which it splits on single spaces and hands on
/// unquoted: so no value here holds whitespace, a quote or a backslash, and none is empty.
/// Holds no password (the URL may not carry one; db.password_file does). A plain value.
struct ConnectionUrl {
  std::string user;     ///< empty: libpq's default (the user the daemon runs as)
  std::string host;     ///< a name, an address, or a socket directory (starts with '/')
  int port = 0;         ///< 0: libpq's default (5432)
  std::string dbname;   ///< empty: libpq's default (the user name)
  std::string sslmode;  ///< empty: libpq's default (prefer)
  /// Further libpq parameters from the query (application_name, sslrootcert, ...), in order.
  std::vector<std::pair<std::string, std::string>> parameters;

  /// libpq's `key=value` form for Poco's connector, with `password` (when not empty) and
  /// `connect_timeout`. kValidation when the password holds what the connector cannot carry
  /// (the message never shows it).
  common::Result<std::string> conninfo(const std::string& password,
                                       std::chrono::seconds connect_timeout) const;
  /// postgresql://user@host:port/dbname without the query: for logs and error messages.
  std::string display() const;
};

/// Parses `postgresql://[user@][host][:port][/dbname][?key=value&...]` (postgres:// too). The
/// host may be a percent-encoded socket directory (`%2Frun%2Fpostgresql`) or come as `?host=/dir`;
/// an IPv6 address goes in brackets. Query keys: host, port, sslmode (disable, allow, prefer,
/// require, verify-ca, verify-full), application_name, sslrootcert, sslcert, sslkey, sslcrl.
/// kValidation with a message that names the offending part (never a password: a URL that holds
/// one is refused without being shown).
common::Result<ConnectionUrl> parseConnectionUrl(std::string_view url);

/// Why `value` cannot travel through Poco's connector as a libpq value, or "" when it
/// can: empty, whitespace, a quote, a backslash or a control character.
std::string unsafeValueReason(std::string_view value);

}  // namespace cc::store::postgresql
