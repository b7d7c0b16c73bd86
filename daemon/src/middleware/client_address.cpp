#include "middleware/client_address.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "config/key_table.h"

namespace cc::middleware {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const unsigned char* bytesOf(const Poco::Net::IPAddress& a) {
  return static_cast<const unsigned char*>(a.addr());
}

}  // namespace

bool parseClientAddress(std::string_view text, Poco::Net::IPAddress& out) {
  text = trimmed(text);
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    text = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    text = text.substr(0, text.find(':'));  // v4:port
  }
  if (text.empty() || !Poco::Net::IPAddress::tryParse(std::string(text), out)) return false;
  if (out.family() == Poco::Net::IPAddress::IPv6 && out.isIPv4Mapped()) {
    const unsigned char* b = bytesOf(out);
    out = Poco::Net::IPAddress(b + 12, 4);
  }
  return true;
}

common::Result<IpNetwork> IpNetwork::parse(std::string_view text) {
  text = trimmed(text);
  std::string_view addr = text;
  std::size_t slash = text.find('/');
  std::optional<int64_t> bits;
  if (slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    bits = config::parseInt(text.substr(slash + 1));
    if (!bits) return common::Error::badRequest("bad prefix length in '" + std::string(text) + "'");
  }
  Poco::Net::IPAddress base;
  if (!Poco::Net::IPAddress::tryParse(std::string(addr), base)) {
    return common::Error::badRequest("'" + std::string(text) + "' is not an address or CIDR");
  }
  int64_t max_bits = static_cast<int64_t>(base.length()) * 8;
  int64_t prefix = bits.value_or(max_bits);
  if (prefix < 0 || prefix > max_bits) {
    return common::Error::badRequest("prefix length in '" + std::string(text) + "' must be 0.." +
                                     std::to_string(max_bits));
  }
  return IpNetwork(base, static_cast<unsigned>(prefix));
}

bool IpNetwork::contains(const Poco::Net::IPAddress& address) const {
  if (address.family() != base_.family()) return false;
  const unsigned char* a = bytesOf(address);
  const unsigned char* b = bytesOf(base_);
  unsigned whole = bits_ / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  unsigned rest = bits_ % 8;
  if (rest == 0) return true;
  auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

std::string IpNetwork::toString() const { return base_.toString() + "/" + std::to_string(bits_); }

bool TrustedProxies::trusts(const Poco::Net::IPAddress& address) const {
  for (const auto& n : networks_) {
    if (n.contains(address)) return true;
  }
  return false;
}

std::string TrustedProxies::resolve(std::string_view peer, std::string_view xff) const {
  Poco::Net::IPAddress current;
  if (!parseClientAddress(peer, current)) return std::string(trimmed(peer));
  if (networks_.empty()) return current.toString();
  std::size_t end = xff.size();
  while (trusts(current)) {
    if (end == 0 || xff.empty()) break;
    std::size_t comma = xff.rfind(',', end - 1);
    std::size_t start = comma == std::string_view::npos ? 0 : comma + 1;
    std::string_view item = xff.substr(start, end - start);
    Poco::Net::IPAddress hop;
    if (!parseClientAddress(item, hop)) break;
    current = hop;
    if (comma == std::string_view::npos) break;
    end = comma;
  }
  return current.toString();
}

}  // namespace cc::middleware
