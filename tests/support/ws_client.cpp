#include "support/ws_client.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>

#include <algorithm>
#include <cstdint>

#include "support/api_calls.h"

namespace cc::testing {

using Poco::Net::WebSocket;

int Frame::closeCode() const {
  return payload.size() < 2
             ? 0
             : (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]);
}

std::string Frame::type() const { return jsonField(payload, "type"); }

std::unique_ptr<WebSocket> connectWebSocket(const std::string& address, const std::string& path) {
  Poco::Net::HTTPClientSession session{Poco::Net::SocketAddress(address)};
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  auto ws = std::make_unique<WebSocket>(session, request, response);
  ws->setReceiveTimeout(Poco::Timespan(5, 0));
  return ws;
}

Frame nextFrame(WebSocket& ws) {
  while (true) {
    Poco::Buffer<char> buffer(0);
    int flags = 0;
    int n = ws.receiveFrame(buffer, flags);
    Frame f;
    f.opcode = flags & WebSocket::FRAME_OP_BITMASK;
    f.payload.assign(buffer.begin(), static_cast<std::size_t>(std::max(n, 0)));
    if (n == 0 && flags == 0) f.opcode = WebSocket::FRAME_OP_CLOSE;
    if (f.opcode != WebSocket::FRAME_OP_PING && f.opcode != WebSocket::FRAME_OP_PONG) return f;
  }
}

Frame frameOfType(WebSocket& ws, const std::string& type) {
  for (int i = 0; i < 1000; ++i) {
    Frame f = nextFrame(ws);
    if (f.opcode == WebSocket::FRAME_OP_CLOSE || f.type() == type) return f;
  }
  return {};
}

void sendText(WebSocket& ws, const std::string& text) {
  ws.sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
}

}  // namespace cc::testing
