#include "auth/secure_random.h"

#include <Poco/RandomStream.h>

namespace cc::auth {

std::string randomBytes(std::size_t n) {
  Poco::RandomInputStream in;
  std::string out(n, '\0');
  in.read(out.data(), static_cast<std::streamsize>(n));
  return out;
}

std::string toHex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0F];
  }
  return out;
}

std::string randomPassword(std::size_t length) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  constexpr unsigned kSymbols = sizeof(kAlphabet) - 1;    // 62
  constexpr unsigned kUnbiased = 256 - (256 % kSymbols);  // reject bytes >= 248 to avoid bias
  std::string out;
  while (out.size() < length) {
    for (unsigned char c : randomBytes(length)) {
      if (c < kUnbiased && out.size() < length) out += kAlphabet[c % kSymbols];
    }
  }
  return out;
}

}  // namespace cc::auth
