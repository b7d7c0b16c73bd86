// An HTTP request head, as Poco reads it off the socket, through the WebSocket upgrade check.

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_check.h"
#include "ws/handshake.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  Poco::Net::HTTPRequest request;
  try {
    request.read(in);
  } catch (const Poco::Exception&) {
    return 0;  // the HTTP session answers 400 before any handler runs
  }
  auto accept = cc::ws::checkUpgrade(request);
  if (!accept) {
    FUZZ_CHECK(accept.error().code == cc::common::ErrorCode::kBadRequest);
    FUZZ_CHECK(!accept.error().message.empty());
    return 0;
  }
  FUZZ_CHECK(request.getMethod() == "GET");
  // base64 of a 20-byte SHA-1: 28 characters ending in one '='.
  FUZZ_CHECK(accept->size() == 28 && accept->back() == '=');
  FUZZ_CHECK(*accept == cc::ws::acceptKeyFor(request.get("Sec-WebSocket-Key")) ||
             request.get("Sec-WebSocket-Key").find_first_of(" \t") != std::string::npos);
  return 0;
}
