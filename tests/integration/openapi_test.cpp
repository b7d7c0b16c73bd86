#include <gtest/gtest.h>

#include "support/api_calls.h"
#include "support/daemon_process.h"

// The OpenAPI document the real daemon serves on its public listener.

namespace cc::testing {
namespace {

TEST(OpenApiTest, TheDocumentIsServedWithoutATokenAsTheCheckedInFile) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto r = daemon.get("/api/openapi.json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(jsonField(r.body, "openapi"), "3.1.0");
  EXPECT_EQ(r.body, readTextFile(std::string(CC_SOURCE_DIR) + "/docs/openapi.json"));
}

}  // namespace
}  // namespace cc::testing
