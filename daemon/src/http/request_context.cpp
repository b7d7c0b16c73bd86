#include "http/request_context.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/URI.h>

namespace cc::http {

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string_view routingMethod(std::string_view method) {
  return method == "HEAD" ? std::string_view("GET") : method;
}

std::string bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return {};
    }
  }
  authorization.remove_prefix(kScheme.size());
  while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
  return std::string(authorization);
}

void RequestContext::normalise(const ClientResolver& resolve_client) {
  routing_method = std::string(routingMethod(method));
  bearer_token = bearerToken(header("Authorization"));
  client_ip = peer_ip;
  if (resolve_client) {
    // Resolved once here so the access log, the limiter and the handlers agree on who it is.
    std::string forwarded_for = header("X-Forwarded-For");
    if (!forwarded_for.empty()) client_ip = resolve_client(peer_ip, forwarded_for);
  }
}

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
