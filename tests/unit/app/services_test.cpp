#include "app/services.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "http/handlers/agent_handlers.h"
#include "http/router.h"

namespace cc::app {
namespace {

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override { Poco::File(dir_.path()).createDirectories(); }
  std::unique_ptr<Services> create(const config::ConfigLoader::Defines& defines) {
    config::ConfigLoader::Defines all = {{"daemon.state_dir", dir_.path()}};
    all.insert(all.end(), defines.begin(), defines.end());
    auto built = DaemonSettings::load("", all);
    EXPECT_TRUE(built.ok()) << (built.problems.empty() ? "" : built.problems.front().message);
    auto services = Services::create(*built.settings, common::Clock::system());
    EXPECT_TRUE(services.ok()) << services.error().message;
    return std::move(*services);
  }
  Poco::TemporaryFile dir_;
};

// What RouteRunner leaves behind when a client got its 504: the handler, still in the store on
// the executor. Shutting down then must not free what the handler touches when it returns (it
// announces its write through the domain services to the hub); under ASan the wrong order is a
// heap-use-after-free.
TEST_F(ServicesTest, AHandlerStillInTheStoreAtShutdownFinishesAgainstLiveServices) {
  std::unique_ptr<Services> services = create({});
  services->store->faults().set({300, 0});  // what PUT /admin/faults/db {"delay_ms":300} does
  http::Router router;
  http::handlers::addAgentRoutes(router, *services->domain);
  http::RouteMatch match = router.match("POST", "/api/agents");
  ASSERT_NE(match.route, nullptr);

  http::RequestContext ctx;
  ctx.method = "POST";
  ctx.path = "/api/agents";
  ctx.body = R"({"name":"late","level":"L1","role":"r"})";
  ctx.header_copies["content-type"] = "application/json";
  ctx.started = common::Clock::system().now();
  ctx.deadline = ctx.started + std::chrono::seconds(30);
  std::atomic<int> status{0};
  ASSERT_TRUE(services->executor->submit(
      [&status, handler = match.route->handler, ctx]() mutable { status = handler(ctx).status; }));
  while (services->executor->busy() == 0) std::this_thread::yield();
  services.reset();  // while the handler sleeps in the injected delay
  EXPECT_EQ(status.load(), 201);
}

}  // namespace
}  // namespace cc::app
