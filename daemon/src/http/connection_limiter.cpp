#include "http/connection_limiter.h"

namespace cc::http {

std::string ConnectionLimiter::keyOf(const Poco::Net::IPAddress& address) {
  // An IPv4 client reaching a dual-stack listener appears as ::ffff:a.b.c.d; count it as the
  // IPv4 address it is, so the cap does not depend on which listener it used.
  if (address.family() == Poco::Net::IPAddress::IPv6 && address.isIPv4Mapped()) {
    const auto* bytes = static_cast<const char*>(address.addr());
    return std::string(bytes + 12, 4);
  }
  return std::string(static_cast<const char*>(address.addr()), address.length());
}

bool ConnectionLimiter::tryAcquire(const Poco::Net::IPAddress& address) {
  const int limit = limit_.load();
  std::string key = keyOf(address);
  std::lock_guard<std::mutex> lock(mutex_);
  int& open = open_[key];
  if (limit > 0 && open >= limit && !(exempt_ && exempt_(address))) {
    ++refused_;
    return false;
  }
  ++open;
  return true;
}

void ConnectionLimiter::release(const Poco::Net::IPAddress& address) {
  std::string key = keyOf(address);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

int ConnectionLimiter::openFrom(const Poco::Net::IPAddress& address) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(keyOf(address));
  return it == open_.end() ? 0 : it->second;
}

std::size_t ConnectionLimiter::clients() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_.size();
}

}  // namespace cc::http
