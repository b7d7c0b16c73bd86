#include "client/api_client.h"

#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <sstream>

#include "client/json_fields.h"

namespace cc::ctl::client {

std::string encodeComponent(const std::string& value) {
  std::string encoded;
  Poco::URI::encode(value, "&=+#?/;:@ ", encoded);
  return encoded;
}

Poco::Dynamic::Var parseJson(const std::string& text) {
  if (text.empty()) return {};
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    return parser.parse(text);
  } catch (const Poco::Exception&) {
    return {};
  }
}

ApiError parseEnvelope(int status, const std::string& body) {
  ApiError error;
  error.status = status;
  auto json = parseJson(body);
  if (!json.isEmpty() && json.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto envelope = child(json.extract<Poco::JSON::Object::Ptr>(), "error");
    error.code = text(envelope, "code");
    error.message = text(envelope, "message");
    error.request_id = text(envelope, "request_id");
    error.field = text(envelope, "field");
    if (envelope->has("status")) error.status = static_cast<int>(integer(envelope, "status"));
  }
  if (error.code.empty()) {
    error.code = "http_" + std::to_string(status);
    error.message = body.substr(0, body.find('\n'));
    if (error.message.size() > 200) error.message.resize(200);
  }
  return error;
}

Poco::JSON::Object::Ptr Reply::object() const {
  if (!json.isEmpty() && json.type() == typeid(Poco::JSON::Object::Ptr)) {
    return json.extract<Poco::JSON::Object::Ptr>();
  }
  return new Poco::JSON::Object;
}

ApiClient::ApiClient(HttpClient http, ApiIdentity identity, std::string token,
                     std::string token_source, std::string token_problem)
    : http_(std::move(http)),
      identity_(std::move(identity)),
      token_(std::move(token)),
      token_source_(std::move(token_source)),
      token_problem_(std::move(token_problem)) {}

std::string ApiClient::describe() const {
  return "the " + identity_.name + " at " + http_.endpoint().text;
}

std::optional<Reply> ApiClient::tokenFailure() const {
  if (token_problem_.empty()) return std::nullopt;
  Reply reply;
  reply.exit = ExitCode::kUnauthorized;
  reply.problem = token_problem_;
  return reply;
}

Headers ApiClient::authorization() const {
  Headers headers;
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  return headers;
}

Reply ApiClient::call(const std::string& method, const std::string& target,
                      const Poco::JSON::Object::Ptr& body) const {
  if (auto failed = tokenFailure()) return *failed;
  std::string payload;
  if (!body.isNull()) {
    std::ostringstream out;
    body->stringify(out);
    payload = out.str();
  }
  return makeReply(http_.send(method, target, payload, authorization()), *this);
}

Reply ApiClient::send(const std::string& method, const std::string& target, const std::string& body,
                      const std::string& content_type) const {
  if (auto failed = tokenFailure()) return *failed;
  Headers headers = authorization();
  headers.emplace_back("Content-Type", content_type);
  return makeReply(http_.send(method, target, body, headers), *this);
}

Reply ApiClient::receive(const std::string& target, const BodySink& sink) const {
  if (auto failed = tokenFailure()) return *failed;
  return makeReply(http_.receive("GET", target, authorization(), sink), *this);
}

TokenRevoker::~TokenRevoker() {
  if (!api.token().empty()) api.call("POST", "/api/auth/logout");
}

Reply makeReply(const HttpExchange& exchange, const ApiClient& api) {
  Reply reply;
  reply.status = exchange.status;
  reply.body = exchange.body;
  reply.headers = exchange.headers;
  if (!exchange.answered()) {
    reply.exit = ExitCode::kUnreachable;
    reply.problem = "cannot reach " + api.describe() + ": " + exchange.detail;
    if (exchange.failure == TransportFailure::kTimeout) {
      reply.problem +=
          "; is controlcenterd overloaded or stopped? (--timeout MS, " + api.identity().hint + ")";
    } else {
      reply.problem += "; is controlcenterd running? (" + api.identity().hint + ")";
    }
    return reply;
  }
  reply.json = parseJson(exchange.body);
  reply.exit = exitCodeForStatus(exchange.status);
  if (reply.ok() && !exchange.body_problem.empty()) {
    reply.exit = ExitCode::kFailure;
    reply.problem = api.describe() + " answered " + std::to_string(exchange.status) +
                    " but its body did not arrive whole: " + exchange.body_problem;
    return reply;
  }
  if (reply.ok()) return reply;
  reply.error = parseEnvelope(exchange.status, exchange.body);
  std::string said = reply.error.code;
  if (!reply.error.field.empty() && reply.error.message.find(reply.error.field) != 0) {
    said += ": " + reply.error.field;
  }
  if (!reply.error.message.empty()) said += ": " + reply.error.message;
  if (!reply.error.request_id.empty()) said += " (request id " + reply.error.request_id + ")";
  if (reply.exit == ExitCode::kUnauthorized) {
    reply.problem = api.describe() + " refused the request with " +
                    std::to_string(exchange.status) + " " + said;
    if (!api.token().empty()) {
      reply.problem += "; the token from " + api.tokenSource() +
                       " is not the running daemon's (--token-file, CONTROLCENTER_TOKEN_FILE)";
    }
    return reply;
  }
  reply.problem = api.describe() + " answered " + std::to_string(exchange.status) + " " + said;
  return reply;
}

bool healthServes(const Reply& reply) {
  if (!reply.ok()) return false;
  const std::string status = text(reply.object(), "status");
  return status == "pass" || status == "warn";
}

}  // namespace cc::ctl::client
