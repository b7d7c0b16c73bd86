#include "http/request_context.h"

#include <Poco/Net/HTTPServerRequest.h>

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

}  // namespace cc::http
