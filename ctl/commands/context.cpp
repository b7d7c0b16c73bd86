#include "commands/context.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <thread>

#include "client/output.h"
#include "client/secret_prompt.h"

namespace cc::ctl {

Context::Context(Io& io, client::Settings settings, client::Endpoint public_endpoint,
                 client::Endpoint admin_endpoint)
    : io_(io),
      settings_(std::move(settings)),
      public_endpoint_(std::move(public_endpoint)),
      admin_endpoint_(std::move(admin_endpoint)) {}

const client::ApiClient& Context::publicApi() {
  if (!public_api_) {
    public_api_ = std::make_unique<client::ApiClient>(
        client::HttpClient(public_endpoint_, settings_.timeout),
        client::ApiIdentity{"public API", "--url, CONTROLCENTER_URL, --config"});
  }
  return *public_api_;
}

const client::ApiClient& Context::adminApi() {
  if (!admin_api_) {
    auto token = client::readTokenFile(settings_.token_file);
    admin_api_ = std::make_unique<client::ApiClient>(
        client::HttpClient(admin_endpoint_, settings_.timeout),
        client::ApiIdentity{"admin API", "--admin, CONTROLCENTER_ADMIN_URL, --config"},
        token.ok() ? token.value() : std::string(), settings_.token_file,
        token.ok() ? std::string() : token.error().message);
  }
  return *admin_api_;
}

int Context::mintToken(const std::string& role, int64_t ttl_s, std::string& token) {
  auto body = Poco::JSON::Object::Ptr(new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER));
  body->set("role", role);
  body->set("ttl_s", ttl_s);
  client::Reply reply = adminApi().call("POST", "/admin/tokens", body);
  if (!reply.ok()) return fail(reply);
  auto object = reply.object();
  token = object->optValue<std::string>("token", "");
  if (token.empty()) {
    return fail(client::ExitCode::kFailure,
                adminApi().describe() + " minted no token (POST /admin/tokens)");
  }
  return 0;
}

std::unique_ptr<client::ApiClient> Context::publicApiAs(const std::string& token,
                                                        const std::string& source) {
  return std::make_unique<client::ApiClient>(
      client::HttpClient(public_endpoint_, settings_.timeout),
      client::ApiIdentity{"public API", "--url, CONTROLCENTER_URL, --config"}, token, source);
}

int Context::fail(const client::Reply& reply) { return fail(reply.exit, reply.problem); }

int Context::fail(client::ExitCode code, const std::string& message) {
  io_.err << "controlcenterctl: " << message << "\n";
  return client::toInt(code);
}

int Context::printJson(const Poco::Dynamic::Var& document) {
  client::printJsonDocument(io_.out, document);
  return 0;
}

std::optional<std::string> Context::readPassword(const std::string& prompt, bool confirm,
                                                 std::string& problem) {
  if (!io_.in_tty) {
    auto line = client::readSecretLine(io_.in);
    if (!line) problem = "no password on stdin; pipe it in or run on a terminal";
    return line;
  }
  auto first = client::readSecretFromTerminal(io_.in_fd, io_.err, prompt + ": ");
  if (!first) {
    problem = "no password entered";
    return std::nullopt;
  }
  if (confirm) {
    auto second = client::readSecretFromTerminal(io_.in_fd, io_.err, "Repeat " + prompt + ": ");
    if (!second || *second != *first) {
      problem = "the two passwords differ; try again";
      return std::nullopt;
    }
  }
  return first;
}

void Context::sleep(std::chrono::milliseconds duration) {
  if (io_.sleep) {
    io_.sleep(duration);
  } else {
    std::this_thread::sleep_for(duration);
  }
}

}  // namespace cc::ctl
