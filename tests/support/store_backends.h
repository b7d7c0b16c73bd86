#pragma once
// Integration tests that run once per store backend: SQLite, and PostgreSQL on a database of
// their own on the CC_TEST_PG_URL server.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store_options.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::testing {

/// A fixture parameterised by the backend. SetUp skips the PostgreSQL case (only) when
/// CC_TEST_PG_URL is unset, else creates its database; a derived SetUp calls it first and
/// returns when IsSkipped(). Daemons the derived fixture holds go before the database does
/// (members of a derived class are destroyed first).
class StoreBackendTest : public ::testing::TestWithParam<store::StoreBackend> {
 protected:
  void SetUp() override;
  /// The -D arguments that put a daemon on this test's backend (none for SQLite).
  std::vector<std::string> backendArgs() const;

  std::unique_ptr<store::postgresql::PgTestDatabase> pg_;
};

/// "sqlite" or "postgresql": the test name suffix for INSTANTIATE_TEST_SUITE_P.
std::string storeBackendName(const ::testing::TestParamInfo<store::StoreBackend>& info);

/// Both backends, for INSTANTIATE_TEST_SUITE_P(Backends, Fixture, kStoreBackends,
/// storeBackendName).
inline const auto kStoreBackends =
    ::testing::Values(store::StoreBackend::kSqlite, store::StoreBackend::kPostgresql);

}  // namespace cc::testing
