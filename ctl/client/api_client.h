#pragma once
// A daemon API as the ctl sees it: JSON in and out, the error envelope, one message per failure.

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <optional>
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
  Headers headers;          // of the answer
  Poco::Dynamic::Var json;  // parsed body when it is JSON
  ApiError error;           // the envelope when the daemon answered non-2xx
  std::string problem;      // what went wrong and how to fix it, when !ok()

  bool ok() const { return exit == ExitCode::kOk; }
  std::string header(const std::string& name) const { return findHeader(headers, name); }
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
  /// Sends `body` as it is, as `content_type` (an NDJSON import batch).
  Reply send(const std::string& method, const std::string& target, const std::string& body,
             const std::string& content_type) const;
  /// A GET whose 2xx body goes to `sink` as it arrives instead of into Reply::body (an export).
  /// A body cut short is a failure (kFailure) whose problem says so.
  Reply receive(const std::string& target, const BodySink& sink) const;

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

  // The failed Reply when the token could not be read; nullopt when calls may go out.
  std::optional<Reply> tokenFailure() const;
  Headers authorization() const;
};

/// Revokes the token `api` sends (POST /api/auth/logout) when it goes out of scope: for a token
/// the ctl minted for one verb, so that it does not outlive the verb. A failure is ignored: the
/// token expires by itself.
struct TokenRevoker {
  const ApiClient& api;
  ~TokenRevoker();
};

/// A /health, /health/live or /health/ready answer that says the daemon serves: 2xx with status
/// pass or warn (a 503 "fail" does not, nor does a body without a status).
bool healthServes(const Reply& reply);

/// Turns a raw exchange into a Reply (exit code, parsed JSON, message). Exposed for tests.
Reply makeReply(const HttpExchange& exchange, const ApiClient& api);

}  // namespace cc::ctl::client
