#include "config/password_file.h"

#include "common/secret_file.h"

namespace cc::config {

std::optional<std::string> passwordFromFile(const Config& config, const std::string& key,
                                            Problems& problems) {
  const std::string file = config.getString(key);
  if (file.empty()) return std::nullopt;
  auto password = common::readSecretFile(file);
  if (!password) {
    problems.push_back(keyProblem(key, password.error().message));
    return std::nullopt;
  }
  if (password->empty()) {
    problems.push_back(keyProblem(key, file + " holds no password"));
    return std::nullopt;
  }
  return *password;
}

}  // namespace cc::config
