#pragma once
// Who the client is: CIDR networks and the X-Forwarded-For walk behind trusted proxies.

#include <Poco/Net/IPAddress.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace cc::middleware {

/// An address block such as 10.0.0.0/8 or fd00::/8; a bare address is a block of one.
/// Immutable value; thread-safe.
class IpNetwork {
 public:
  /// Parses "ADDR/BITS" or "ADDR"; the error names what is wrong.
  static common::Result<IpNetwork> parse(std::string_view text);
  bool contains(const Poco::Net::IPAddress& address) const;
  std::string toString() const;

 private:
  IpNetwork(Poco::Net::IPAddress base, unsigned bits) : base_(std::move(base)), bits_(bits) {}
  Poco::Net::IPAddress base_;
  unsigned bits_;
};

/// Parses an address as it appears in a peer name or an X-Forwarded-For item: surrounding
/// spaces, `[v6]`, `[v6]:port` and `v4:port` are accepted; IPv4-mapped IPv6 becomes IPv4.
bool parseClientAddress(std::string_view text, Poco::Net::IPAddress& out);

/// The proxies whose X-Forwarded-For is believed. Immutable; thread-safe.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  explicit TrustedProxies(std::vector<IpNetwork> networks) : networks_(std::move(networks)) {}

  bool trusts(const Poco::Net::IPAddress& address) const;
  /// The client's address in canonical text. When the peer is not a trusted proxy it is the
  /// client. Otherwise X-Forwarded-For is walked from the right, skipping trusted proxies; the
  /// first untrusted address is the client (anything to its left is the client's own claim).
  /// When every hop is trusted the left-most is used; an unparsable hop stops the walk at the
  /// last address we could believe. An unparsable peer is returned as given.
  std::string resolve(std::string_view peer, std::string_view xff) const;
  const std::vector<IpNetwork>& networks() const { return networks_; }

 private:
  std::vector<IpNetwork> networks_;
};

}  // namespace cc::middleware
