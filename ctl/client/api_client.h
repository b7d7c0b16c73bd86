#pragma once
// A daemon API as the ctl sees it: JSON in and out, the error envelope, one message per failure.

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "client/exit_code.h"
#include "client/http_client.h"

namespace cc::ctl::client {

/// The daemon's error envelope {"error":{"status","code","message","request_id"[,"field"]}}.
struct ApiError {
  int status = 0;
  std::string code;
  std::string message;
  std::string request_id;
  std::string field;  // the input a validation error is about, when the daemon names one
};

/// Reads the envelope from a non-2xx body. A body that is not an envelope (a proxy's HTML page,
/// an empty 502) still gives an ApiError: code "http_<status>" and the body's first line.
ApiError parseEnvelope(int status, const std::string& body);

/// Percent-encodes a query value or a path segment ("a b/c" -> "a%20b%2Fc").
std::string encodeComponent(const std::string& value);

/// Parses JSON text; an empty Var when the text is not JSON. Objects keep their key order.
Poco::Dynamic::Var parseJson(const std::string& text);

/// The outcome of one API call, ready for a verb: either ok with the parsed body, or an exit code
/// and one message that names the problem and the fix.
struct Reply {
  ExitCode exit = ExitCode::kOk;
  int status = 0;           // HTTP status; 0 when there was no answer
  std::string body;         // raw body
  Poco::Dynamic::Var json;  // parsed body when it is JSON
  ApiError error;           // the envelope when the daemon answered non-2xx
  std::string problem;      // what went wrong and how to fix it, when !ok()

  bool ok() const { return exit == ExitCode::kOk; }
  /// The body as a JSON object; an empty object when it is not one.
  Poco::JSON::Object::Ptr object() const;
};

/// Names an API in messages: "the admin API", and the knobs that point the ctl at it.
struct ApiIdentity {
  std::string name;  // "admin API"
  std::string hint;  // "--admin, CONTROLCENTER_ADMIN_URL"
};

/// Calls one daemon API. When constructed with a token problem (unreadable token file) every call
/// fails with kUnauthorized and that problem, so the verb reports it like any other failure.
/// Immutable after construction; safe to share between threads.
class ApiClient {
 public:
  ApiClient(HttpClient http, ApiIdentity identity, std::string token = {},
            std::string token_source = {}, std::string token_problem = {});

  Reply call(const std::string& method, const std::string& target,
             const Poco::JSON::Object::Ptr& body = nullptr) const;
  Reply get(const std::string& target) const { return call("GET", target); }

  const HttpClient& http() const { return http_; }
  const ApiIdentity& identity() const { return identity_; }
  const std::string& token() const { return token_; }
  /// Where the token came from (a file path), for messages.
  const std::string& tokenSource() const { return token_source_; }
  /// "the admin API at http://127.0.0.1:8081", for messages.
  std::string describe() const;

 private:
  HttpClient http_;
  ApiIdentity identity_;
  std::string token_;
  std::string token_source_;
  std::string token_problem_;
};

/// Turns a raw exchange into a Reply (exit code, parsed JSON, message). Exposed for tests.
Reply makeReply(const HttpExchange& exchange, const ApiClient& api);

}  // namespace cc::ctl::client
