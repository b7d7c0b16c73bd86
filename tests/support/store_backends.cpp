#include "support/store_backends.h"

namespace cc::testing {

using store::StoreBackend;

void StoreBackendTest::SetUp() {
  if (GetParam() != StoreBackend::kPostgresql) return;
  if (store::postgresql::PgTestDatabase::serverUrl().empty()) {
    GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
  }
  pg_ = std::make_unique<store::postgresql::PgTestDatabase>();
}

std::vector<std::string> StoreBackendTest::backendArgs() const {
  if (!pg_) return {};
  return {"-D", "db.backend=postgresql", "-D", "db.url=" + pg_->url()};
}

std::string storeBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "sqlite" : "postgresql";
}

}  // namespace cc::testing
