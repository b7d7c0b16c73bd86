#include <gtest/gtest.h>

#include "unit/ctl/daemon_fixture.h"
#include "unit/ctl/fake_daemon.h"

namespace cc::ctl {
namespace {

// What GET /admin/pool answers (buckets keyed by bound in ms, cumulative), the writer and the
// log's checkpoints.
constexpr const char* kPool =
    R"({"min":5,"max":50,"size":6,"in_use":1,"idle":5,"waiting":0,"acquired_total":12,)"
    R"("timeouts_total":0,"wait_ms":{"buckets":{"0.1":3,"0.5":5,"1":6,"10":9,"100":11,)"
    R"("2.5":7,"+Inf":12},"sum":60,"count":12},"writer":{"batches_total":40,"writes_total":100,)"
    R"("largest_batch":9,"failed_batches_total":1,"queue_timeouts_total":2,)"
    R"("writer_opens_total":3,"queued":4},"checkpoints":{"checkpoints_total":7,)"
    R"("backstop_total":1,"failures_total":2,"wal_pages":850,"last_backfilled_pages":900,)"
    R"("last_error":"disk I/O error: short write"}})";

class CtlPoolTest : public testing::CtlDaemonFixture {};

TEST_F(CtlPoolTest, ShowsTheWriterCheckpointsAndTheWaitHistogramInTheOrderOfItsBounds) {
  admin_.answer("GET /admin/pool", {200, kPool});
  auto outcome = run({"pool"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  const std::string& out = outcome.out;
  EXPECT_NE(out.find("mean wait:"), std::string::npos) << out;
  EXPECT_NE(out.find("40 (1 lost)"), std::string::npos) << out;
  EXPECT_NE(out.find("100 (2.5 a commit, at most 9)"), std::string::npos) << out;
  EXPECT_NE(out.find("4 waiting, 2 gave up"), std::string::npos) << out;
  EXPECT_NE(out.find("850"), std::string::npos) << out;
  EXPECT_NE(out.find("7 (1 by the writer, 2 failed)"), std::string::npos) << out;
  EXPECT_NE(out.find("disk I/O error: short write"), std::string::npos) << out;
  // Every bucket, ascending, +Inf last, whatever order the JSON object's keys come in.
  const std::size_t header = out.find("WAIT <=");
  ASSERT_NE(header, std::string::npos) << out;
  std::size_t at = header;
  for (const char* count : {" 3\n", " 5\n", " 6\n", " 7\n", " 9\n", " 11\n", " 12\n"}) {
    const std::size_t next = out.find(count, at);
    ASSERT_NE(next, std::string::npos) << count << " after " << at << ":\n" << out;
    at = next + 1;
  }
  EXPECT_LT(out.find("+Inf", header), out.rfind(" 12\n"));
}

}  // namespace
}  // namespace cc::ctl
