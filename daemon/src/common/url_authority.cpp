#include "common/url_authority.h"

#include <algorithm>
#include <cctype>

namespace cc::common {

std::optional<int> parseBoundedNumber(std::string_view text, int low, int high,
                                      std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  const int n = std::stoi(std::string(text));
  if (n < low || n > high) return std::nullopt;
  return n;
}

Result<UrlAuthority> splitUrlAuthority(std::string_view authority, const std::string& key) {
  auto fail = [&key](const std::string& what) -> Result<UrlAuthority> {
    return Error::invalid(key, what);
  };
  UrlAuthority out;
  std::string_view hostport = authority;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    hostport = authority.substr(at + 1);
    if (const std::size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      out.has_password = true;
      out.password_empty = colon + 1 == userinfo.size();
      userinfo = userinfo.substr(0, colon);
    }
    out.user = userinfo;
  }
  std::string_view port;
  bool port_given = false;
  if (!hostport.empty() && hostport.front() == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return fail("has an IPv6 address without its ']'");
    out.host = hostport.substr(1, close - 1);
    if (out.host.empty()) return fail("has an empty IPv6 address");
    const std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("has text after the IPv6 address's ']'");
      port = after.substr(1);
      port_given = true;
    }
  } else if (const std::size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    out.host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    port_given = true;
  } else {
    out.host = hostport;
  }
  if (port_given) {
    if (port.empty()) return fail("has a ':' but no port");
    out.port = parseBoundedNumber(port, 1, 65535, 5);
    if (!out.port) return fail("port '" + std::string(port) + "' is not a number from 1 to 65535");
  }
  return out;
}

}  // namespace cc::common
