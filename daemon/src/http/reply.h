#pragma once
// The value a handler or middleware answers with; the connection turns it into bytes.

#include <string>
#include <utility>
#include <vector>

namespace cc::http {

/// An HTTP answer as a plain value, so middleware (cache, deadline) can hold, copy or drop it.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_code;  // the envelope's code for error replies; "" otherwise

  static Reply json(int status, std::string body) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Reply noContent() {
    Reply r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
  void setHeader(const std::string& name, std::string value) {
    for (auto& [n, v] : headers) {
      if (n == name) {
        v = std::move(value);
        return;
      }
    }
    headers.emplace_back(name, std::move(value));
  }
  const std::string* header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

}  // namespace cc::http
