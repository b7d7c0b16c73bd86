#include "http/request_context.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>

namespace cc::http {

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string RequestContext::header(const std::string& name) const {
  if (request != nullptr) return request->get(name, "");
  auto it = header_copies.find(lower(name));
  return it == header_copies.end() ? std::string() : it->second;
}

void RequestContext::detachFromRequest() {
  if (request != nullptr) {
    for (const auto& [name, value] : *request) header_copies.emplace(lower(name), value);
  }
  request = nullptr;
  upgrade_request = nullptr;
  upgrade_response = nullptr;
}

void decodeQuery(const std::string& raw, std::map<std::string, std::string>& out) {
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t amp = raw.find('&', start);
    std::string pair = raw.substr(start, amp == std::string::npos ? amp : amp - start);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string name, value;
      Poco::URI::decode(pair.substr(0, eq), name, true);
      if (eq != std::string::npos) Poco::URI::decode(pair.substr(eq + 1), value, true);
      out.emplace(std::move(name), std::move(value));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
}

}  // namespace cc::http
