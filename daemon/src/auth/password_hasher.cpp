#include "auth/password_hasher.h"

#include <Poco/HMACEngine.h>
#include <Poco/NumberParser.h>
#include <Poco/PBKDF2Engine.h>
#include <Poco/SHA2Engine.h>

#include "auth/secure_random.h"

namespace cc::auth {
namespace {

// Poco 1.11 has no SHA2Engine256 with the BLOCK_SIZE/DIGEST_SIZE HMACEngine needs.
class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

using Pbkdf2 = Poco::PBKDF2Engine<Poco::HMACEngine<Sha256>>;

constexpr const char* kScheme = "pbkdf2-sha256";

std::string derive(const std::string& password, const std::string& salt, unsigned iterations) {
  Pbkdf2 engine(salt, iterations, static_cast<Poco::UInt32>(PasswordHasher::kKeyBytes));
  engine.update(password);
  const auto& digest = engine.digest();
  return toHex(std::string(digest.begin(), digest.end()));
}

std::string fromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

bool isHex(const std::string& s) {
  return !s.empty() && s.size() % 2 == 0 &&
         s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Same parameters as a real hash; the key is random bytes because nothing ever has to match it.
const std::string& dummyHash() {
  static const std::string dummy = std::string(kScheme) + "$" +
                                   std::to_string(PasswordHasher::kMinIterations) + "$" +
                                   toHex(randomBytes(PasswordHasher::kSaltBytes)) + "$" +
                                   toHex(randomBytes(PasswordHasher::kKeyBytes));
  return dummy;
}

}  // namespace

std::string PasswordHasher::hash(const std::string& password, unsigned iterations) {
  iterations = std::max(iterations, kMinIterations);
  std::string salt = randomBytes(kSaltBytes);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + toHex(salt) + "$" +
         derive(password, salt, iterations);
}

std::optional<PasswordHasher::Parsed> PasswordHasher::parse(const std::string& encoded) {
  std::size_t a = encoded.find('$');
  std::size_t b = a == std::string::npos ? a : encoded.find('$', a + 1);
  std::size_t c = b == std::string::npos ? b : encoded.find('$', b + 1);
  if (c == std::string::npos || encoded.substr(0, a) != kScheme) return std::nullopt;
  unsigned iterations = 0;
  if (!Poco::NumberParser::tryParseUnsigned(encoded.substr(a + 1, b - a - 1), iterations) ||
      iterations == 0) {
    return std::nullopt;
  }
  Parsed p{iterations, encoded.substr(b + 1, c - b - 1), encoded.substr(c + 1)};
  if (!isHex(p.salt_hex) || !isHex(p.key_hex)) return std::nullopt;
  return p;
}

bool PasswordHasher::verify(const std::string& password, const std::string& encoded) {
  auto parsed = parse(encoded);
  if (!parsed) {
    verifyDummy(password);
    return false;
  }
  std::string key = derive(password, fromHex(parsed->salt_hex), parsed->iterations);
  return constantTimeEquals(key, parsed->key_hex);
}

void PasswordHasher::verifyDummy(const std::string& password) {
  auto parsed = parse(dummyHash());
  std::string key = derive(password, fromHex(parsed->salt_hex), parsed->iterations);
  // Compared like a real verification so the work cannot be optimised away.
  (void)constantTimeEquals(key, parsed->key_hex);
}

bool PasswordHasher::constantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& longer = a.size() >= b.size() ? a : b;
  for (std::size_t i = 0; i < longer.size(); ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace cc::auth
