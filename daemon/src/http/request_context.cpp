#include "http/request_context.h"

#include <Poco/Net/HTTPServerRequest.h>

namespace cc::http {

std::string RequestContext::header(const std::string& name) const {
  if (request == nullptr) return {};
  return request->get(name, "");
}

}  // namespace cc::http
