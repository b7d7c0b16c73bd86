#include "store/postgresql/connection_url.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/url_authority.h"

namespace cc::store::postgresql {

using common::Error;

namespace {

Error urlError(const std::string& what) { return Error::invalid("db.url", what); }

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; '+' stays '+' (a URL's path and query here are not form data).
std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 1 < text.size() ? hexDigit(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hexDigit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool isHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
  });
}

bool isIpv6(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
         });
}

// A decoded value, checked for what the connector can carry; `what` names it in the error.
common::Result<std::string> decoded(std::string_view raw, const std::string& what) {
  auto value = percentDecode(raw);
  if (!value) return urlError(what + " has a malformed %-escape (expected %XX with hex digits)");
  if (std::string why = unsafeValueReason(*value); !why.empty()) {
    return urlError(what + " " + why);
  }
  return *value;
}

common::Status checkHost(const std::string& host) {
  if (host.front() == '/') return common::Ok{};
  if (host.find(',') != std::string::npos) {
    return urlError("names several hosts ('" + host + "'); give one server");
  }
  if (!isHostName(host) && !isIpv6(host)) {
    return urlError("host '" + host +
                    "' is neither a host name, an address nor an absolute socket directory");
  }
  return common::Ok{};
}

const std::vector<std::string>& sslModes() {
  static const std::vector<std::string> modes = {"disable", "allow",     "prefer",
                                                 "require", "verify-ca", "verify-full"};
  return modes;
}

const std::vector<std::string>& passedParameters() {
  static const std::vector<std::string> keys = {"application_name", "sslrootcert", "sslcert",
                                                "sslkey", "sslcrl"};
  return keys;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

common::Status applyQuery(std::string_view query, ConnectionUrl& url, bool& host_given) {
  std::vector<std::string> seen;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t amp = query.find('&', start);
    const std::string_view item =
        query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    start = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return urlError("query parameter '" + std::string(item) + "' has no '=value'");
    }
    auto key = percentDecode(item.substr(0, eq));
    if (!key) return urlError("a query parameter name has a malformed %-escape");
    if (*key == "password") {
      return urlError("must not hold a password; put it in the file db.password_file names");
    }
    if (*key == "connect_timeout")
      return urlError("connect_timeout is set by db.connect_timeout_s");
    if (std::find(seen.begin(), seen.end(), *key) != seen.end()) {
      return urlError("query parameter '" + *key + "' is given twice");
    }
    seen.push_back(*key);
    auto value = decoded(item.substr(eq + 1), "query parameter '" + *key + "'");
    if (!value) return value.error();
    if (*key == "host") {
      if (host_given) return urlError("names the host twice (before the path and as ?host=)");
      host_given = true;
      if (auto st = checkHost(*value); !st) return st;
      url.host = *value;
    } else if (*key == "port") {
      if (url.port != 0) return urlError("names the port twice (after the host and as ?port=)");
      auto port = common::parseBoundedNumber(*value, 1, 65535, 5);
      if (!port) return urlError("port '" + *value + "' is not a number from 1 to 65535");
      url.port = *port;
    } else if (*key == "sslmode") {
      if (std::find(sslModes().begin(), sslModes().end(), *value) == sslModes().end()) {
        return urlError("sslmode must be one of " + joined(sslModes()) + ", got '" + *value + "'");
      }
      url.sslmode = *value;
    } else if (std::find(passedParameters().begin(), passedParameters().end(), *key) !=
               passedParameters().end()) {
      url.parameters.emplace_back(*key, *value);
    } else {
      return urlError("unknown query parameter '" + *key + "' (known: host, port, sslmode, " +
                      joined(passedParameters()) + ")");
    }
  }
  return common::Ok{};
}

}  // namespace

std::string unsafeValueReason(std::string_view value) {
  if (value.empty()) return "is empty";
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) != 0)
      return "holds whitespace, which Poco's PostgreSQL connector cannot pass";
    if (u < 0x20 || u == 0x7f) return "holds a control character";
    if (c == '\'' || c == '\\') {
      return std::string("holds ") + (c == '\'' ? "a quote" : "a backslash") +
             ", which Poco's PostgreSQL connector cannot pass";
    }
  }
  return "";
}

common::Result<ConnectionUrl> parseConnectionUrl(std::string_view text) {
  std::string_view rest;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (text.substr(0, scheme.size()) == scheme) rest = text.substr(scheme.size());
  }
  if (rest.data() == nullptr) {
    return urlError(
        "expected postgresql://user@host:port/database[?sslmode=...], without the postgresql:// "
        "scheme");
  }
  const std::size_t question = rest.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
  rest = rest.substr(0, question);
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  ConnectionUrl url;
  auto parts = common::splitUrlAuthority(authority, "db.url");
  if (!parts) return parts.error();
  // Not shown: what follows the ':' is a password.
  if (parts->has_password) {
    return urlError(
        "must not hold a password (user:password@); put it in the file db.password_file names");
  }
  if (parts->user) {
    auto user = decoded(*parts->user, "user name");
    if (!user) return user.error();
    url.user = *user;
  }
  bool host_given = false;
  if (!parts->host.empty()) {
    auto decoded_host = decoded(parts->host, "host");
    if (!decoded_host) return decoded_host.error();
    if (auto st = checkHost(*decoded_host); !st) return st.error();
    url.host = *decoded_host;
    host_given = true;
  }
  if (parts->port) url.port = *parts->port;
  if (!path.empty()) {
    if (path.find('/') != std::string_view::npos) {
      return urlError("path must be one database name, got '/" + std::string(path) + "'");
    }
    auto dbname = decoded(path, "database name");
    if (!dbname) return dbname.error();
    url.dbname = *dbname;
  }
  if (auto st = applyQuery(query, url, host_given); !st) return st.error();
  return url;
}

common::Result<std::string> ConnectionUrl::conninfo(const std::string& password,
                                                    std::chrono::seconds connect_timeout) const {
  std::string out;
  auto add = [&out](const std::string& key, const std::string& value) {
    if (value.empty()) return;
    out += (out.empty() ? "" : " ") + key + "=" + value;
  };
  add("host", host);
  if (port != 0) add("port", std::to_string(port));
  add("dbname", dbname);
  add("user", user);
  add("sslmode", sslmode);
  for (const auto& [key, value] : parameters) add(key, value);
  if (!password.empty()) {
    if (std::string why = unsafeValueReason(password); !why.empty()) {
      return Error::invalid("db.password_file", "the password " + why);
    }
    add("password", password);
  }
  // libpq waits at least two seconds whatever it is told.
  add("connect_timeout", std::to_string(std::max<int64_t>(2, connect_timeout.count())));
  return out;
}

std::string ConnectionUrl::display() const {
  std::string out = "postgresql://";
  if (!user.empty()) out += user + "@";
  if (host.find(':') != std::string::npos) {
    out += "[" + host + "]";
  } else {
    // A socket directory as the URL form writes it.
    for (char c : host) out += c == '/' ? std::string("%2F") : std::string(1, c);
  }
  if (port != 0) out += ":" + std::to_string(port);
  if (!dbname.empty()) out += "/" + dbname;
  return out;
}

}  // namespace cc::store::postgresql
