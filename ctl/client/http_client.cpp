#include "client/http_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

namespace cc::ctl::client {
namespace {

common::Error bad(std::string message) { return common::Error::badRequest(std::move(message)); }

Poco::Net::SocketAddress socketAddress(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::kUnix) {
    return Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, endpoint.socket_path);
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

HttpExchange HttpClient::send(const std::string& method, const std::string& target,
                              const std::string& body, const Headers& headers) const {
  HttpExchange out;
  const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(timeout_.count()) * 1000);
  try {
    Poco::Net::StreamSocket socket;
    try {
      socket.connect(socketAddress(endpoint_), timeout);
    } catch (const Poco::Net::ConnectionRefusedException&) {
      out.failure = TransportFailure::kRefused;
      out.detail = "connection refused";
      return out;
    } catch (const Poco::TimeoutException&) {
      throw;
    } catch (const Poco::Net::DNSException&) {
      out.failure = TransportFailure::kDns;
      out.detail = "cannot resolve host '" + endpoint_.host + "'";
      return out;
    } catch (const Poco::IOException& e) {
      // A missing Unix socket file or an unreachable network: nothing is listening there.
      out.failure = TransportFailure::kRefused;
      out.detail = endpoint_.kind == Endpoint::Kind::kUnix
                       ? "nothing listens on " + endpoint_.socket_path + " (" + e.message() + ")"
                       : e.displayText();
      return out;
    }
    socket.setSendTimeout(timeout);
    socket.setReceiveTimeout(timeout);
    Poco::Net::HTTPClientSession session(socket);
    session.setTimeout(timeout, timeout, timeout);
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    if (endpoint_.kind == Endpoint::Kind::kUnix) {
      request.setHost("localhost");
    } else {
      request.setHost(endpoint_.host, endpoint_.port);
    }
    request.set("Accept", "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT") {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, out.body);
    out.status = static_cast<int>(response.getStatus());
    out.content_type = response.getContentType();
  } catch (const Poco::TimeoutException&) {
    out.failure = TransportFailure::kTimeout;
    out.detail = "no answer within " + std::to_string(timeout_.count()) + " ms";
  } catch (const Poco::Exception& e) {
    out.failure = TransportFailure::kOther;
    out.detail = e.displayText();
  }
  return out;
}

}  // namespace cc::ctl::client
