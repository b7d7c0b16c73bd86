#pragma once
// The authority of a server URL ("user@host:port"), split once for every URL the daemon reads.

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cc::common {

/// "[user[:password]@]host[:port]" split, nothing decoded; the host of "[v6]:port" without its
/// brackets. A password is only reported as present: callers refuse it (it belongs in a file).
struct UrlAuthority {
  std::optional<std::string_view> user;  // what stood before '@', without any ":password"
  bool has_password = false;             // a ':' followed the user name
  bool password_empty = true;            // ... and nothing followed the ':'
  std::string_view host;                 // may be empty
  std::optional<int> port;               // 1 to 65535 when given
};

/// Splits `authority`; errors are kInvalid naming `key` and never hold the password.
Result<UrlAuthority> splitUrlAuthority(std::string_view authority, const std::string& key);

/// A whole decimal number of at most `max_digits` digits in [low, high]; nullopt otherwise.
std::optional<int> parseBoundedNumber(std::string_view text, int low, int high,
                                      std::size_t max_digits = 9);

}  // namespace cc::common
