#pragma once
// One client connection: reads requests, runs them through the pipeline, writes the replies.

#include <Poco/Net/TCPServerConnection.h>

namespace cc::http {

class HttpServer;

/// Serves the requests of one connection on one worker thread. Gives the worker up between
/// requests when other connections are waiting (fairness) or the server drains; caps requests
/// per connection; answers malformed requests with the envelope (400, 408, 413, 414, 431).
class HttpConnection final : public Poco::Net::TCPServerConnection {
 public:
  HttpConnection(const Poco::Net::StreamSocket& socket, HttpServer& server);
  void run() override;

 private:
  HttpServer& server_;
};

}  // namespace cc::http
