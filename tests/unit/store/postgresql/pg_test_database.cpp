#include "unit/store/postgresql/pg_test_database.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "store/postgresql/pg_session.h"

namespace cc::store::postgresql {

std::string PgTestDatabase::serverUrl() {
  const char* url = std::getenv("CC_TEST_PG_URL");
  return url == nullptr ? "" : url;
}

PgTestDatabase::PgTestDatabase() {
  auto url = parseConnectionUrl(serverUrl());
  if (!url) throw std::runtime_error("CC_TEST_PG_URL: " + url.error().message);
  server_.url = *url;
  server_.connect_timeout = std::chrono::seconds(10);
  // Unique across the test processes ctest runs side by side, and across runs.
  static std::atomic<int> counter{0};
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000;
  name_ = "cc_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
          std::to_string(stamp);
  execSimple(*openServer(), "CREATE DATABASE " + name_);
}

PgTestDatabase::~PgTestDatabase() {
  try {
    execSimple(*openServer(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "cannot drop the test database " << name_ << ": " << e.displayText();
  }
}

ConnectionSettings PgTestDatabase::settings() const {
  ConnectionSettings s = server_;
  s.url.dbname = name_;
  return s;
}

PooledSession PgTestDatabase::open() const { return openSession(settings()); }

PooledSession PgTestDatabase::openServer() const { return openSession(server_); }

}  // namespace cc::store::postgresql
