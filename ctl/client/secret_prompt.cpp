#include "client/secret_prompt.h"

namespace cc::ctl::client {

std::optional<std::string> readSecretLine(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace cc::ctl::client
