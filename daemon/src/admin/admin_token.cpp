#include "admin/admin_token.h"

#include <Poco/RandomStream.h>

#include <algorithm>
#include <fstream>

#include "common/secret_file.h"

namespace cc::admin {

std::string randomHex(std::size_t bytes) {
  Poco::RandomInputStream random;
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned char>(random.get());
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

bool constantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

common::Result<std::string> loadOrCreateAdminToken(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::string token;
    std::getline(in, token);
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.size() < 32) {
      return common::Error::badRequest("admin.token_file " + path +
                                       " holds a token shorter than 32 characters; delete it to "
                                       "have a new one generated");
    }
    return token;
  }
  std::string token = randomHex(32);
  auto written = common::writeSecretFile(path, token + "\n");
  if (!written) {
    return common::Error::badRequest("admin.token_file: " + written.error().message);
  }
  return token;
}

}  // namespace cc::admin
