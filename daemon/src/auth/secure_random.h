#pragma once
// Random bytes from the operating system's CSPRNG, and the text forms secrets take.

#include <cstddef>
#include <string>

namespace cc::auth {

/// `n` bytes from the OS (Poco::RandomInputStream: /dev/urandom or getrandom). Thread-safe.
std::string randomBytes(std::size_t n);
/// Lowercase hex of arbitrary bytes.
std::string toHex(const std::string& bytes);
/// `length` characters drawn uniformly from A-Z, a-z and 0-9 (about 5.95 bits each).
std::string randomPassword(std::size_t length);

}  // namespace cc::auth
