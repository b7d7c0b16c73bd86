#include "unit/http/domain_api_fixture.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "admin/store_admin_routes.h"
#include "http/error_envelope.h"
#include "http/handlers/agent_handlers.h"
#include "http/handlers/auth_handlers.h"
#include "http/handlers/domain_request.h"
#include "http/handlers/project_handlers.h"
#include "http/middleware.h"
#include "http/pipeline.h"

namespace cc::http::testing {
namespace {

// Stands in for the daemon's auth middleware, which is not part of these tests.
class TestAuth final : public Middleware {
 public:
  TestAuth(auth::TokenService& tokens, const common::Clock& clock)
      : tokens_(tokens), clock_(clock) {}

  std::optional<Reply> onRequest(RequestContext& ctx, const Route* route) override {
    // The connection's deadline is on the real steady clock; the store measures budgets on the
    // FakeClock, so restate it there.
    ctx.deadline = clock_.now() + std::chrono::seconds(10);
    if (route == nullptr || route->options.is_public) return std::nullopt;
    const std::string& token = ctx.bearer_token;
    if (!token.empty()) {
      auto identity = tokens_.validate(token, ctx.deadline);
      if (!identity) {
        Reply reply = errorReply(identity.error(), ctx.request_id);
        reply.setHeader("WWW-Authenticate", "Bearer realm=\"controlcenter\"");
        return reply;
      }
      ctx.identity = Identity{identity->username, std::string(domain::toString(identity->role))};
    } else if (std::string role = ctx.header("X-Test-Role"); !role.empty()) {
      ctx.identity = Identity{"tester", role};
    } else {
      return errorReply({common::ErrorCode::kUnauthorized, "no credentials", {}, 0},
                        ctx.request_id);
    }
    if (route->options.writes && ctx.identity->role != "admin") {
      return errorReply({common::ErrorCode::kForbidden, "viewers may not write", {}, 0},
                        ctx.request_id);
    }
    return std::nullopt;
  }

 private:
  auth::TokenService& tokens_;
  const common::Clock& clock_;
};

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(text);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
      return value.extract<Poco::JSON::Object::Ptr>();
    }
  } catch (const Poco::Exception&) {
    // Not JSON: the caller sees an empty object.
  }
  return new Poco::JSON::Object;
}

}  // namespace

std::string Response::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

Poco::JSON::Object::Ptr Response::json() const { return parseObject(body); }

std::string Response::errorCode() const {
  auto error = json()->getObject("error");
  return error.isNull() ? "" : error->optValue<std::string>("code", "");
}

std::string Response::errorField() const {
  auto error = json()->getObject("error");
  return error.isNull() ? "" : error->optValue<std::string>("field", "");
}

std::vector<std::string> itemNames(const Response& response) {
  std::vector<std::string> out;
  auto items = response.json()->getArray("items");
  for (std::size_t i = 0; items && i < items->size(); ++i) {
    out.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("name"));
  }
  return out;
}

std::string eventType(const std::string& event_json) {
  return parseObject(event_json)->optValue<std::string>("type", "");
}

void DomainApiFixture::TearDown() {
  if (server_) server_->stop();
  server_.reset();
  services_.reset();
  users_.reset();
  tokens_.reset();
  SqliteStoreFixture::TearDown();
}

void DomainApiFixture::start() {
  store::Store& store = open();
  tokens_ =
      std::make_unique<auth::TokenService>(store.tokens(), clock_, auth::TokenService::Options{});
  users_ = std::make_unique<auth::UserService>(store.users(), *tokens_, clock_);
  services_.reset(new handlers::DomainServices{store, *tokens_, *users_, clock_, 60, {}, {}});
  services_->publish = [this](const std::string& topic, const std::string& event) {
    std::lock_guard<std::mutex> lock(events_mu_);
    published_.emplace_back(topic, event);
  };
  services_->invalidate = [this](const std::string& prefix) {
    std::lock_guard<std::mutex> lock(events_mu_);
    invalidated_.push_back(prefix);
  };

  router_ = std::make_shared<Router>();
  handlers::addAuthRoutes(*router_, *services_);
  handlers::addAgentRoutes(*router_, *services_);
  handlers::addProjectRoutes(*router_, *services_);
  admin::addStoreAdminRoutes(*router_, *services_);
  if (extra_routes_) extra_routes_(*router_);
  auto pipeline = std::make_shared<Pipeline>(router_);
  pipeline->use(std::make_shared<TestAuth>(*tokens_, clock_));

  auto settings = std::make_shared<ServerSettings>();
  settings->threads = 16;
  settings->queue = 256;
  settings->access_log = false;
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  server_ = std::make_unique<HttpServer>(std::move(socket), settings, pipeline);
  server_->start();
  address_ = server_->boundAddress();
}

Response DomainApiFixture::call(const std::string& method, const std::string& target,
                                const std::string& body, const Headers& headers) {
  Headers all{{"X-Test-Role", "admin"}};
  if (!body.empty()) all["Content-Type"] = "application/json";
  for (const auto& [k, v] : headers) all[k] = v;
  Response out;
  try {
    Poco::Net::HTTPClientSession session{Poco::Net::SocketAddress(address_)};
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : all) {
      if (!v.empty()) request.set(k, v);
    }
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    out.status = response.getStatus();
    for (const auto& [k, v] : response) out.headers[k] = v;
    Poco::StreamCopier::copyToString(in, out.body);
  } catch (const Poco::Exception& e) {
    out.status = 0;
    out.body = e.displayText();
  }
  return out;
}

std::string DomainApiFixture::loginAs(const std::string& username, const std::string& password,
                                      domain::Role role) {
  auto created = users_->create(username, password, role);
  EXPECT_TRUE(created.ok()) << created.error().message;
  Response r = call("POST", "/api/auth/login",
                    R"({"username":")" + username + R"(","password":")" + password + R"("})");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json()->optValue<std::string>("token", "");
}

int64_t DomainApiFixture::createAgent(const std::string& name, const std::string& level,
                                      const std::string& extra_fields) {
  Response r = call("POST", "/api/agents",
                    R"({"name":")" + name + R"(","level":")" + level + R"(","role":"worker")" +
                        extra_fields + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json()->optValue<int64_t>("id", 0);
}

int64_t DomainApiFixture::createProject(const std::string& name, const std::string& extra_fields) {
  Response r = call("POST", "/api/projects", R"({"name":")" + name + "\"" + extra_fields + "}");
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json()->optValue<int64_t>("id", 0);
}

std::vector<std::pair<std::string, std::string>> DomainApiFixture::published() const {
  std::lock_guard<std::mutex> lock(events_mu_);
  return published_;
}

std::vector<std::string> DomainApiFixture::invalidated() const {
  std::lock_guard<std::mutex> lock(events_mu_);
  return invalidated_;
}

}  // namespace cc::http::testing
