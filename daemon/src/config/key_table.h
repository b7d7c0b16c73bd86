#pragma once
// The one table of configuration keys: parsing, --check-config, reload and the admin view use it.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cc::config {

enum class KeyType { kString, kInt, kBool, kDouble, kList };

/// Returns an error message for a bad value, or nothing when the value is fine. The value has
/// already passed the type check.
using Validator = std::function<std::optional<std::string>(const std::string& value)>;

/// One configuration key. A name may hold one `*` segment (e.g. `ratelimit.rule.*.rate`) that
/// matches any single name segment.
struct KeySpec {
  std::string name;
  KeyType type;
  std::string default_value;  // text form; may reference other keys as ${key}
  bool reloadable;
  std::string description;
  Validator validate;   // may be empty
  bool secret = false;  // redacted wherever values are shown (GET /admin/config, reload)
};

/// The full table, in documentation order. Immutable after first use; thread-safe to read.
const std::vector<KeySpec>& keyTable();

/// The spec whose name matches `name` (wildcards included), or nullptr.
const KeySpec* findKey(std::string_view name);

/// Whether a key's value must never be shown: marked `secret` in the table, or named like one
/// (a last segment password, secret, token or api_key, or ending in _password, _secret, _token,
/// _key), so a key added without the mark is still redacted.
bool isSecretKey(std::string_view name);

/// The closest known key to an unknown one, when it is close enough to be a likely typo.
std::optional<std::string> suggestKey(std::string_view unknown);

/// Checks a value's type ("expected an integer") and then the key's validator.
std::optional<std::string> checkValue(const KeySpec& spec, const std::string& value);

/// Parses the text forms the table accepts.
std::optional<bool> parseBool(std::string_view text);
std::optional<int64_t> parseInt(std::string_view text);
std::optional<double> parseDouble(std::string_view text);
/// Comma-separated, trimmed, empty items dropped.
std::vector<std::string> parseList(std::string_view text);

namespace validators {
Validator intRange(int64_t min, int64_t max);
Validator doubleRange(double min, double max);
Validator oneOf(std::vector<std::string> allowed);
Validator ipAddress();
Validator notEmpty();
/// A Unix-domain socket's path; empty is fine. Refused where the platform has none (Windows).
Validator unixSocketPath();
/// Each key checks its own value once, here; how keys fit together is the components' builders'
/// business (a listed rule needs paths and a rate), see app/daemon_settings.h.
/// A rate limit rule's rate: N/s, N/m or N/h (middleware::Rate).
Validator rate();
/// Paths that each start with '/' and may end in '*' (a prefix); empty is fine.
Validator pathList();
/// HTTP method names (letters only, any case); empty means every method.
Validator methodList();
/// Addresses or CIDRs (middleware::IpNetwork).
Validator networkList();
/// Empty, or a postgresql:// URL store::postgresql::parseConnectionUrl accepts.
Validator postgresqlUrl();
/// redis.url (shared_state::parseRedisUrl); empty is fine.
Validator redisUrl();
/// Rule names (letters, digits, '_' and '-'), none listed twice.
Validator ruleNames();
/// Comma-separated origins, each scheme://host[:port] as a browser sends it, or `*` alone.
Validator originList();
}  // namespace validators

}  // namespace cc::config
