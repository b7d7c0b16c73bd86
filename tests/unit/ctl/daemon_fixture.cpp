#include "unit/ctl/daemon_fixture.h"

namespace cc::ctl::testing {

FakeDaemon* CtlDaemonFixture::shared_public_ = nullptr;
FakeDaemon* CtlDaemonFixture::shared_admin_ = nullptr;

void CtlDaemonFixture::SetUpTestSuite() {
  shared_public_ = new FakeDaemon;
  shared_admin_ = new FakeDaemon;
}

void CtlDaemonFixture::TearDownTestSuite() {
  delete shared_public_;
  delete shared_admin_;
  shared_public_ = nullptr;
  shared_admin_ = nullptr;
}

void CtlDaemonFixture::SetUp() {
  CtlFixture::SetUp();
  public_.reset();
  admin_.reset();
  admin_.requireToken(kAdminToken);
  env_["CONTROLCENTER_URL"] = public_.url();
  env_["CONTROLCENTER_ADMIN_URL"] = admin_.url();
  env_["CONTROLCENTER_TOKEN_FILE"] = writeFile("admin.token", std::string(kAdminToken) + "\n");
}

}  // namespace cc::ctl::testing
