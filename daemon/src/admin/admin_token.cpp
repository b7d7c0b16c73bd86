#include "admin/admin_token.h"

#include <fstream>

#include "auth/secure_random.h"
#include "common/secret_file.h"

namespace cc::admin {

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
  std::string token = auth::toHex(auth::randomBytes(32));
  auto written = common::writeSecretFile(path, token + "\n");
  if (!written) {
    return common::Error::badRequest("admin.token_file: " + written.error().message);
  }
  return token;
}

}  // namespace cc::admin
