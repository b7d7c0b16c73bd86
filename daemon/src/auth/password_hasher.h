#pragma once
// PBKDF2-HMAC-SHA256 password hashes in a self-describing text form.

#include <optional>
#include <string>

namespace cc::auth {

/// Hashes passwords as "pbkdf2-sha256$<iterations>$<salt hex>$<key hex>" with a fresh 16-byte
/// salt per hash and at least 100,000 iterations; verification recomputes with the stored
/// parameters and compares in constant time. Stateless and thread-safe.
class PasswordHasher {
 public:
  static constexpr unsigned kMinIterations = 100000;
  static constexpr std::size_t kSaltBytes = 16;
  static constexpr std::size_t kKeyBytes = 32;

  struct Parsed {
    unsigned iterations = 0;
    std::string salt_hex;
    std::string key_hex;
  };

  /// A new encoded hash. Fewer than kMinIterations are raised to kMinIterations.
  static std::string hash(const std::string& password, unsigned iterations = kMinIterations);
  /// True when `password` matches `encoded`. A malformed `encoded` is false, at the same cost.
  static bool verify(const std::string& password, const std::string& encoded);
  /// Spends what a verification costs, for lookups of unknown users.
  static void verifyDummy(const std::string& password);
  static std::optional<Parsed> parse(const std::string& encoded);
  /// Compares without an early exit, so the time does not reveal where two strings differ.
  static bool constantTimeEquals(const std::string& a, const std::string& b);
};

}  // namespace cc::auth
