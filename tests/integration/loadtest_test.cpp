#include <gtest/gtest.h>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

// The mixed scenario writes (POST then DELETE an agent): every request must be valid for the
// real API, so a run against the daemon sees no 4xx and no 5xx.
TEST(LoadtestTest, MixedScenarioSendsOnlyValidRequests) {
  DaemonProcess d({"-D", "ratelimit.enabled=false"});
  ASSERT_TRUE(d.start()) << d.log();
  auto r =
      runProgram({CC_CTL_PATH, "--url", "http://" + d.httpAddress(), "--admin",
                  "http://" + d.adminAddress(), "--token-file", d.stateDir() + "/admin.token", "-o",
                  "json", "loadtest", "--scenario", "mixed", "--users", "6", "--requests", "300"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(jsonField(r.out, "total.client_errors"), "0") << r.out;
  EXPECT_EQ(jsonField(r.out, "total.server_errors"), "0") << r.out;
  EXPECT_EQ(jsonField(r.out, "total.errors"), "0") << r.out;
  EXPECT_NE(r.out.find("POST /api/agents"), std::string::npos) << "the scenario writes";
}

}  // namespace
}  // namespace cc::testing
