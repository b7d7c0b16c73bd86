#pragma once
// A fresh database per test (a directory under ::testing::TempDir() for SQLite, a database of
// its own on the test server for PostgreSQL), a FakeClock, and a Store.

#include <gtest/gtest.h>
#include <unistd.h>

#include <Poco/File.h>

#include <memory>
#include <ostream>
#include <string>

#include "common/clock.h"
#include "store/store.h"
#ifndef _WIN32
#include "unit/store/postgresql/pg_test_database.h"
#endif

namespace cc::store {

using namespace domain;  // the store tests build and compare domain values

/// The fixture of both kinds of store test: `Base` is ::testing::Test for a test of one backend,
/// ::testing::TestWithParam<StoreBackend> for the contract every backend must keep.
template <class Base>
class BasicStoreFixture : public Base {
 protected:
  /// The backend this test runs against.
  virtual StoreBackend backend() const = 0;

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';  // a parameterised test's name holds slashes
    }
    dir_ = ::testing::TempDir() + "cc_store_" + name + "_" + std::to_string(::getpid()) + "/";
    Poco::File dir(dir_);
    if (dir.exists()) dir.remove(true);
    dir.createDirectories();
    options_.path = dir_ + "controlcenter.db";
    options_.pool.min = 1;
    options_.pool.max = 8;
    if (backend() == StoreBackend::kPostgresql) {
#ifdef _WIN32
      GTEST_SKIP() << "no PostgreSQL connector in this build";
#else
      if (postgresql::PgTestDatabase::serverUrl().empty()) {
        GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
      }
      pg_ = std::make_unique<postgresql::PgTestDatabase>();
      options_.backend = StoreBackend::kPostgresql;
      options_.postgresql = pg_->settings();
#endif
    }
  }

  void TearDown() override {
    store_.reset();
#ifndef _WIN32
    pg_.reset();
#endif
    Poco::File dir(dir_);
    if (dir.exists()) dir.remove(true);
  }

  Store& open() {
    store_.reset();
    auto opened = Store::open(options_, clock_);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) throw std::runtime_error(opened.error().message);
    store_ = std::move(*opened);
    return *store_;
  }

  AgentInput agent(const std::string& name, AgentLevel level = AgentLevel::kL1,
                   const std::string& role = "worker") {
    AgentInput in;
    in.name = name;
    in.level = level;
    in.role = role;
    return in;
  }

  ProjectInput project(const std::string& name) {
    ProjectInput in;
    in.name = name;
    return in;
  }

  common::FakeClock clock_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
  std::string dir_;
#ifndef _WIN32
  std::unique_ptr<postgresql::PgTestDatabase> pg_;
#endif
};

/// The store contract: a TEST_P on this runs on every backend (INSTANTIATE_STORE_CONTRACT).
class StoreFixture : public BasicStoreFixture<::testing::TestWithParam<StoreBackend>> {
 protected:
  StoreBackend backend() const override { return GetParam(); }
};

/// A test of what only SQLite has (its files, statements and plans).
class SqliteStoreFixture : public BasicStoreFixture<::testing::Test> {
 protected:
  StoreBackend backend() const override { return StoreBackend::kSqlite; }
};

inline std::string storeBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param == StoreBackend::kSqlite ? "sqlite" : "postgresql";
}

/// For gtest's messages ("where GetParam() = postgresql").
inline void PrintTo(StoreBackend backend, std::ostream* os) {
  *os << (backend == StoreBackend::kSqlite ? "sqlite" : "postgresql");
}

}  // namespace cc::store

/// Runs every TEST_P of `suite` on SQLite and on PostgreSQL (the latter skipped only when
/// CC_TEST_PG_URL is unset).
#define INSTANTIATE_STORE_CONTRACT(suite)                                             \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                           \
                           ::testing::Values(::cc::store::StoreBackend::kSqlite,      \
                                             ::cc::store::StoreBackend::kPostgresql), \
                           ::cc::store::storeBackendName)
