#pragma once
// A real Store on a temporary file behind the domain and store-admin routes, served by an
// in-process HttpServer on 127.0.0.1:0, with a test middleware standing in for authentication.

#include <Poco/JSON/Object.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "auth/token_service.h"
#include "auth/user_service.h"
#include "http/handlers/domain_services.h"
#include "http/http_server.h"
#include "unit/store/store_fixture.h"

namespace cc::http::testing {

/// One HTTP answer as the client saw it.
struct Response {
  int status = 0;  // 0: no answer
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& name) const;
  /// The body as a JSON object (empty object when it is not one).
  Poco::JSON::Object::Ptr json() const;
  /// error.code and error.field of an envelope, "" when absent.
  std::string errorCode() const;
  std::string errorField() const;
};

/// Headers a request carries by default: `X-Test-Role: admin`, and Content-Type
/// application/json when there is a body. Pass {"X-Test-Role",""} to send no role.
using Headers = std::map<std::string, std::string>;

/// Call start() (after adjusting options_) to open the store and serve
/// addAuthRoutes + addAgentRoutes + addProjectRoutes + admin::addStoreAdminRoutes.
/// The test middleware authenticates a Bearer token through the real TokenService, else takes
/// the role from X-Test-Role; it answers 401 without either, 403 for a viewer on a `writes`
/// route, and sets each request's deadline to the FakeClock's now + 10 s.
class DomainApiFixture : public store::SqliteStoreFixture {
 protected:
  void TearDown() override;

  void start();
  Response call(const std::string& method, const std::string& target, const std::string& body = {},
                const Headers& headers = {});
  /// POST /api/auth/login for a user created here; returns the token.
  std::string loginAs(const std::string& username, const std::string& password, domain::Role role);
  /// Creates an agent over HTTP and returns its id.
  int64_t createAgent(const std::string& name, const std::string& level = "L1",
                      const std::string& extra_fields = {});
  int64_t createProject(const std::string& name, const std::string& extra_fields = {});

  std::vector<std::pair<std::string, std::string>> published() const;
  std::vector<std::string> invalidated() const;

  /// Set before start() to serve more routes beside the domain's (services_ is set by then).
  std::function<void(Router&)> extra_routes_;
  std::unique_ptr<auth::TokenService> tokens_;
  std::unique_ptr<auth::UserService> users_;
  std::unique_ptr<handlers::DomainServices> services_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  std::string address_;

 private:
  mutable std::mutex events_mu_;
  std::vector<std::pair<std::string, std::string>> published_;
  std::vector<std::string> invalidated_;
};

/// A DomainApiFixture already serving, for tests that keep the default store options.
class ServedApiFixture : public DomainApiFixture {
 protected:
  void SetUp() override {
    DomainApiFixture::SetUp();
    start();
  }
};

/// The "name" of each element of a list answer's "items", in order.
std::vector<std::string> itemNames(const Response& response);

/// The event JSON's "type", for comparing published events.
std::string eventType(const std::string& event_json);

}  // namespace cc::http::testing
