#pragma once
// CtlFixture plus a fake public and admin daemon, shared by a suite and reset before each test.

#include <string>

#include "unit/ctl/ctl_fixture.h"
#include "unit/ctl/fake_daemon.h"

namespace cc::ctl::testing {

/// The environment points the ctl at public_ and admin_; the admin API wants `kAdminToken`,
/// which the token file holds. Servers are shared by a suite because stopping one takes a poll
/// interval.
class CtlDaemonFixture : public CtlFixture {
 protected:
  static constexpr const char* kAdminToken = "tok-123";

  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static FakeDaemon* shared_public_;
  static FakeDaemon* shared_admin_;
  FakeDaemon& public_ = *shared_public_;
  FakeDaemon& admin_ = *shared_admin_;
};

}  // namespace cc::ctl::testing
