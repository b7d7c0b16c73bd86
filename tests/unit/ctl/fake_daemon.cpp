#include "unit/ctl/fake_daemon.h"

#include <Poco/File.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

namespace cc::ctl::testing {
namespace {

std::string envelope(int status, const std::string& code, const std::string& message) {
  return R"({"error":{"status":)" + std::to_string(status) + R"(,"code":")" + code +
         R"(","message":")" + message + R"(","request_id":"req-1"}})";
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(FakeDaemon& daemon) : daemon_(daemon) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    SeenRequest seen{request.getMethod(), request.getURI(), request.get("Authorization", ""), ""};
    Poco::StreamCopier::copyToString(request.stream(), seen.body);
    FakeAnswer answer = daemon_.handle(seen);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    response.setContentType(answer.content_type);
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    response.send() << answer.body;
  }

 private:
  FakeDaemon& daemon_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(FakeDaemon& daemon) : daemon_(daemon) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(daemon_);
  }

 private:
  FakeDaemon& daemon_;
};

}  // namespace

FakeDaemon::FakeDaemon(const std::string& unix_socket) : unix_socket_(unix_socket) {
  Poco::Net::ServerSocket socket;
  if (unix_socket.empty()) {
    socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  } else {
    if (Poco::File(unix_socket).exists()) Poco::File(unix_socket).remove();
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, unix_socket));
  }
  socket.listen(64);
  if (unix_socket.empty()) port_ = socket.address().port();
  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setKeepAlive(true);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
  server_->start();
}

FakeDaemon::~FakeDaemon() {
  server_->stopAll(true);
  if (!unix_socket_.empty()) {
    if (Poco::File(unix_socket_).exists()) Poco::File(unix_socket_).remove();
  }
}

void FakeDaemon::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  answers_.clear();
  responders_.clear();
  served_.clear();
  seen_.clear();
  token_.clear();
}

void FakeDaemon::answer(const std::string& key, FakeAnswer answer) {
  answerSequence(key, {std::move(answer)});
}

void FakeDaemon::answerSequence(const std::string& key, std::vector<FakeAnswer> answers) {
  std::lock_guard<std::mutex> lock(mutex_);
  answers_[key] = std::move(answers);
  served_[key] = 0;
}

void FakeDaemon::answerBy(const std::string& key,
                          std::function<FakeAnswer(const SeenRequest&)> respond) {
  std::lock_guard<std::mutex> lock(mutex_);
  responders_[key] = std::move(respond);
}

void FakeDaemon::requireToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  token_ = token;
}

std::string FakeDaemon::url() const {
  if (!unix_socket_.empty()) return "unix:" + unix_socket_;
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::vector<SeenRequest> FakeDaemon::seen() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seen_;
}

FakeAnswer FakeDaemon::handle(const SeenRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  seen_.push_back(request);
  if (!token_.empty() && request.authorization != "Bearer " + token_) {
    return {401, envelope(401, "unauthorized", "missing or wrong admin token")};
  }
  const std::string key = request.method + " " + request.uri;
  if (auto by = responders_.find(key); by != responders_.end()) return by->second(request);
  auto it = answers_.find(key);
  if (it == answers_.end() || it->second.empty()) {
    return {404, envelope(404, "not_found", "no route " + key)};
  }
  std::size_t& served = served_[key];
  const FakeAnswer& answer = it->second[std::min(served, it->second.size() - 1)];
  ++served;
  return answer;
}

uint16_t closedPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  uint16_t port = socket.address().port();
  socket.close();
  return port;
}

}  // namespace cc::ctl::testing
