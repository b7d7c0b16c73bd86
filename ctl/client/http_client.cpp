#include "client/http_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/NumberParser.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include "common/unix_address.h"

namespace cc::ctl::client {
namespace {

common::Error bad(std::string message) { return common::Error::badRequest(std::move(message)); }

constexpr std::size_t kExpectContinueBytes = 64 * 1024;

Poco::Net::SocketAddress socketAddress(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::kUnix) {
    // Endpoint::parse has checked that the platform has Unix-domain sockets.
    return *common::unixAddress(endpoint.socket_path);
  }
  return Poco::Net::SocketAddress(endpoint.host, endpoint.port);
}

}  // namespace

common::Result<Endpoint> Endpoint::parse(const std::string& text) {
  Endpoint endpoint;
  endpoint.text = text;
  if (text.rfind("unix:", 0) == 0) {
    endpoint.kind = Kind::kUnix;
    endpoint.socket_path = text.substr(5);
    if (endpoint.socket_path.rfind("//", 0) == 0) endpoint.socket_path.erase(0, 2);
    if (endpoint.socket_path.empty() || endpoint.socket_path[0] != '/') {
      return bad("'" + text + "' is not a Unix socket address; write unix:/path/to.sock");
    }
    if (auto unix_address = common::unixAddress(endpoint.socket_path); !unix_address) {
      return bad("'" + text + "': " + unix_address.error().message + "; use http://HOST:PORT");
    }
    endpoint.host = "localhost";
    return endpoint;
  }
  Poco::URI uri;
  try {
    uri = Poco::URI(text);
  } catch (const Poco::Exception& e) {
    return bad("'" + text + "' is not a URL: " + e.message());
  }
  if (uri.getScheme() != "http") {
    return bad("'" + text + "' is not supported; use http://HOST:PORT or unix:/path/to.sock");
  }
  if (uri.getHost().empty()) return bad("'" + text + "' has no host");
  if (!uri.getPath().empty() && uri.getPath() != "/") {
    return bad("'" + text + "' has a path; give only http://HOST:PORT");
  }
  endpoint.host = uri.getHost();
  endpoint.port = uri.getPort();
  return endpoint;
}

HttpClient::HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {}

std::string findHeader(const Headers& headers, const std::string& name) {
  for (const auto& [n, v] : headers) {
    if (Poco::icompare(n, name) == 0) return v;
  }
  return {};
}

bool HttpClient::connect(Poco::Net::StreamSocket& socket, HttpExchange& out) const {
  const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(timeout_.count()) * 1000);
  try {
    socket.connect(socketAddress(endpoint_), timeout);
  } catch (const Poco::Net::ConnectionRefusedException&) {
    out.failure = TransportFailure::kRefused;
    out.detail = "connection refused";
    return false;
  } catch (const Poco::TimeoutException&) {
    throw;
  } catch (const Poco::Net::DNSException&) {
    out.failure = TransportFailure::kDns;
    out.detail = "cannot resolve host '" + endpoint_.host + "'";
    return false;
  } catch (const Poco::IOException& e) {
    // A missing Unix socket file or an unreachable network: nothing is listening there.
    out.failure = TransportFailure::kRefused;
    out.detail = endpoint_.kind == Endpoint::Kind::kUnix
                     ? "nothing listens on " + endpoint_.socket_path + " (" + e.message() + ")"
                     : e.displayText();
    return false;
  }
  socket.setSendTimeout(timeout);
  socket.setReceiveTimeout(timeout);
  return true;
}

namespace {

void setHost(Poco::Net::HTTPRequest& request, const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::kUnix) {
    request.setHost("localhost");
  } else {
    request.setHost(endpoint.host, endpoint.port);
  }
}

void takeHead(const Poco::Net::HTTPResponse& response, HttpExchange& out) {
  out.status = static_cast<int>(response.getStatus());
  out.content_type = response.getContentType();
  for (const auto& [name, value] : response) out.headers.emplace_back(name, value);
}

// One line of chunk framing, at most `cap` bytes; false at the end of the stream or past `cap`.
bool readFramingLine(std::istream& in, std::string& line, std::size_t cap) {
  line.clear();
  int c = 0;
  while ((c = in.get()) != std::char_traits<char>::eof()) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    if (line.size() >= cap) return false;
    line.push_back(static_cast<char>(c));
  }
  return false;
}

// Copies a body framed by Content-Length, or by the connection's end when there is none.
common::Status copyPlainBody(std::istream& in, int64_t length,
                             const std::function<bool(const char*, std::size_t)>& data) {
  char buf[65536];
  int64_t copied = 0;
  while (length < 0 || copied < length) {
    auto want = static_cast<std::streamsize>(
        length < 0 ? sizeof buf : std::min<int64_t>(sizeof buf, length - copied));
    in.read(buf, want);
    std::streamsize got = in.gcount();
    if (got <= 0) break;
    if (!data(buf, static_cast<std::size_t>(got))) return bad("the output could not be written");
    copied += got;
  }
  if (length >= 0 && copied < length) {
    return bad("the body ended after " + std::to_string(copied) + " of its " +
               std::to_string(length) + " bytes");
  }
  return common::Ok{};
}

common::Status copyBody(std::istream& in, const Poco::Net::HTTPResponse& response,
                        const std::function<bool(const char*, std::size_t)>& data) {
  if (response.getChunkedTransferEncoding()) return copyChunkedBody(in, data);
  return copyPlainBody(in, response.hasContentLength() ? response.getContentLength64() : -1, data);
}

}  // namespace

common::Status copyChunkedBody(std::istream& in,
                               const std::function<bool(const char*, std::size_t)>& data) {
  const common::Error cut = bad("the body ended before its last chunk: the daemon cut it short");
  std::string line;
  char buf[65536];
  while (true) {
    if (!readFramingLine(in, line, 1024)) return cut;
    std::string size_text = Poco::trim(line.substr(0, line.find(';')));
    Poco::UInt64 size = 0;
    if (size_text.empty() || size_text.size() > 15 ||
        !Poco::NumberParser::tryParseHex64(size_text, size)) {
      return bad("the body is not chunked framing (chunk size '" + size_text.substr(0, 32) + "')");
    }
    if (size == 0) {
      // The trailer: header lines up to an empty one.
      while (readFramingLine(in, line, 8192)) {
        if (line.empty()) return common::Ok{};
      }
      return cut;
    }
    while (size > 0) {
      in.read(buf, static_cast<std::streamsize>(std::min<Poco::UInt64>(size, sizeof buf)));
      std::streamsize got = in.gcount();
      if (got <= 0) return cut;
      if (!data(buf, static_cast<std::size_t>(got))) return bad("the output could not be written");
      size -= static_cast<Poco::UInt64>(got);
    }
    if (!readFramingLine(in, line, 2)) return cut;
    if (!line.empty()) return bad("the body is not chunked framing (no line end after a chunk)");
  }
}

HttpExchange HttpClient::send(const std::string& method, const std::string& target,
                              const std::string& body, const Headers& headers) const {
  HttpExchange out;
  const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(timeout_.count()) * 1000);
  try {
    Poco::Net::StreamSocket socket;
    if (!connect(socket, out)) return out;
    Poco::Net::HTTPClientSession session(socket);
    session.setTimeout(timeout, timeout, timeout);
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    setHost(request, endpoint_);
    request.set("Accept", "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT") {
      if (!request.has("Content-Type")) request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    // A large body waits for 100 Continue: a daemon that refuses it (413 over
    // http.max_body_bytes) says so before it is sent, instead of closing the connection while
    // it is being sent, which the client would see only as a broken pipe.
    const bool expect_continue = body.size() > kExpectContinueBytes;
    if (expect_continue) request.setExpectContinue(true);
    std::ostream& request_body = session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    if (!expect_continue || session.peekResponse(response)) request_body << body;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, out.body);
    takeHead(response, out);
  } catch (const Poco::TimeoutException&) {
    out.failure = TransportFailure::kTimeout;
    out.detail = "no answer within " + std::to_string(timeout_.count()) + " ms";
  } catch (const Poco::Exception& e) {
    out.failure = TransportFailure::kOther;
    out.detail = e.displayText();
  }
  return out;
}

HttpExchange HttpClient::receive(const std::string& method, const std::string& target,
                                 const Headers& headers, const BodySink& sink) const {
  HttpExchange out;
  bool head_read = false;
  try {
    Poco::Net::StreamSocket socket;
    if (!connect(socket, out)) return out;
    // Read with our own framing: Poco's chunked stream reports a body cut short as its end.
    Poco::Net::SocketStream stream(socket);
    stream.exceptions(std::ios::badbit);
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    setHost(request, endpoint_);
    request.set("Connection", "close");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.write(stream);
    stream.flush();
    Poco::Net::HTTPResponse response;
    response.read(stream);
    takeHead(response, out);
    head_read = true;
    if (out.status == 100) {
      out.failure = TransportFailure::kOther;
      out.detail = "unexpected 100 Continue";
      return out;
    }
    if (out.status >= 200 && out.status < 300) {
      if (sink.head) sink.head(out);
      auto copied = copyBody(stream, response, sink.data);
      if (!copied) out.body_problem = copied.error().message;
    } else {
      constexpr std::size_t kErrorBodyCap = 1 << 20;
      auto copied = copyBody(stream, response, [&](const char* data, std::size_t size) {
        out.body.append(data,
                        std::min(size, kErrorBodyCap - std::min(kErrorBodyCap, out.body.size())));
        return true;
      });
      (void)copied;  // an error answer cut short still says what it can
    }
  } catch (const Poco::TimeoutException&) {
    const std::string silent = "no data within " + std::to_string(timeout_.count()) + " ms";
    if (head_read) {
      out.body_problem = "the body stopped arriving: " + silent;
    } else {
      out.failure = TransportFailure::kTimeout;
      out.detail = "no answer within " + std::to_string(timeout_.count()) + " ms";
    }
  } catch (const Poco::Exception& e) {
    if (head_read) {
      out.body_problem = "the body broke off: " + e.displayText();
    } else {
      out.failure = TransportFailure::kOther;
      out.detail = e.displayText();
    }
  }
  return out;
}

}  // namespace cc::ctl::client
