#include "ws/handshake.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Buffer.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>

#include <sstream>

namespace cc::ws {
namespace {

constexpr const char* kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool hasToken(const std::string& header, const std::string& token) {
  std::istringstream in(header);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (Poco::icompare(Poco::trim(item), token) == 0) return true;
  }
  return false;
}

}  // namespace

std::string acceptKeyFor(const std::string& key) {
  Poco::SHA1Engine sha1;
  sha1.update(key + kGuid);
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.write(reinterpret_cast<const char*>(digest.data()),
                static_cast<std::streamsize>(digest.size()));
  encoder.close();
  return out.str();
}

common::Result<std::string> checkUpgrade(const Poco::Net::HTTPRequest& request) {
  using common::Error;
  if (request.getMethod() != "GET") return Error::badRequest("a WebSocket upgrade must use GET");
  if (Poco::icompare(request.get("Upgrade", ""), "websocket") != 0) {
    return Error::badRequest("this endpoint speaks WebSocket only: send Upgrade: websocket");
  }
  if (!hasToken(request.get("Connection", ""), "upgrade")) {
    return Error::badRequest("a WebSocket upgrade needs Connection: Upgrade");
  }
  if (request.get("Sec-WebSocket-Version", "") != "13") {
    return Error::badRequest("unsupported Sec-WebSocket-Version (13 is supported)");
  }
  std::string key = Poco::trim(request.get("Sec-WebSocket-Key", ""));
  if (key.empty()) return Error::badRequest("missing Sec-WebSocket-Key");
  return acceptKeyFor(key);
}

UpgradedSocket completeUpgrade(Poco::Net::HTTPServerRequest& request,
                               Poco::Net::HTTPServerResponse& response,
                               const std::string& accept_key) {
  auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request);
  response.setVersion(request.getVersion());
  response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
  response.set("Upgrade", "websocket");
  response.set("Connection", "Upgrade");
  response.set("Sec-WebSocket-Accept", accept_key);
  response.setContentLength(Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH);
  response.setChunkedTransferEncoding(false);
  response.send().flush();

  UpgradedSocket out;
  Poco::Buffer<char> buffered(0);
  impl.session().drainBuffer(buffered);
  out.leftover.assign(buffered.begin(), buffered.size());
  out.socket = impl.detachSocket();
  return out;
}

}  // namespace cc::ws
