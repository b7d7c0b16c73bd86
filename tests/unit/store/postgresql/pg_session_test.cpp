#include "store/postgresql/pg_session.h"

#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Nullable.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "config/config.h"
#include "store/deadline.h"
#include "store/postgresql/failure.h"
#include "store/postgresql/pg_server_probe.h"
#include "store/session_pool.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::store::postgresql {
namespace {

using common::ErrorCode;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;
using std::chrono::milliseconds;

class PgSessionTest : public PgFixture {
 protected:
  SessionPool& pool() {
    if (!pool_) {
      PoolOptions options;
      options.min = 0;
      options.max = 2;
      options.acquire_timeout = milliseconds(2000);
      pool_ = std::make_unique<SessionPool>(options, sessionFactory(db_->settings()), clock_,
                                            answersSelectOne);
    }
    return *pool_;
  }

  static int backendPid(Poco::Data::Session& session) {
    return std::stoi(execSimple(session, "SELECT pg_backend_pid()"));
  }

  // The text of the exception `fn` throws ("" when it throws none).
  template <class F>
  static std::string failureOf(F&& fn) {
    try {
      fn();
    } catch (const Poco::Exception& e) {
      return e.displayText();
    }
    return "";
  }

  common::FakeClock clock_;
  std::unique_ptr<SessionPool> pool_;
};

TEST(PgStatementTimeoutTest, IsTheTimeLeftRoundedUpAndNeverZeroUnlessThereIsNoDeadline) {
  common::FakeClock clock;
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  EXPECT_EQ(statementTimeoutFor(clock, clock.now() + milliseconds(250)), milliseconds(250));
  EXPECT_EQ(statementTimeoutFor(clock, clock.now() + microseconds(1500)), milliseconds(2));
  EXPECT_EQ(statementTimeoutFor(clock, clock.now()), milliseconds(1));
  EXPECT_EQ(statementTimeoutFor(clock, clock.now() - milliseconds(5)), milliseconds(1));
  EXPECT_EQ(statementTimeoutFor(clock, kNoDeadline), milliseconds(0));
}

TEST_F(PgSessionTest, ASessionAnswersAndCommitsSynchronously) {
  auto session = db_->open();
  int one = 0;
  *session << "SELECT 1", into(one), now;
  EXPECT_EQ(one, 1);
  EXPECT_EQ(execSimple(*session, "SHOW synchronous_commit"), "on");
  EXPECT_EQ(execSimple(*session, "SELECT current_database()"), db_->name());
}

TEST_F(PgSessionTest, APasswordFromThePasswordFileAuthenticatesOverTcp) {
  const char* tcp = std::getenv("CC_TEST_PG_TCP_URL");
  const char* password_file = std::getenv("CC_TEST_PG_PASSWORD_FILE");
  if (tcp == nullptr || password_file == nullptr) {
    GTEST_SKIP() << "CC_TEST_PG_TCP_URL and CC_TEST_PG_PASSWORD_FILE are unset (an outside "
                    "server); scripts/test.sh sets them";
  }
  auto load = [&](const std::string& file) {
    auto loaded = config::ConfigLoader::load(
        "", {{"db.backend", "postgresql"}, {"db.url", tcp}, {"db.password_file", file}});
    EXPECT_TRUE(loaded.ok());
    config::Problems problems;
    ConnectionSettings settings = ConnectionSettings::fromConfig(*loaded.config, problems);
    EXPECT_TRUE(problems.empty()) << problems.front().message;
    return settings;
  };
  auto session = openSession(load(password_file));
  EXPECT_EQ(execSimple(*session, "SELECT 1"), "1");

  // A wrong password: refused by the server, and the error names the server but not the password.
  const std::string wrong = ::testing::TempDir() + "/cc_wrong_password";
  std::ofstream(wrong) << "not-the-password\n";
  ASSERT_EQ(::chmod(wrong.c_str(), 0600), 0);
  std::string text = failureOf([&] { openSession(load(wrong)); });
  EXPECT_NE(text.find("cannot connect to postgresql://postgres@127.0.0.1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("password authentication failed"), std::string::npos) << text;
  EXPECT_EQ(text.find("not-the-password"), std::string::npos) << text;
  std::remove(wrong.c_str());
}

TEST_F(PgSessionTest, AFailedConnectNamesTheServerAndComesWithinTheConnectTimeout) {
  ConnectionSettings settings = db_->settings();
  settings.url.host = "/nonexistent-socket-dir";
  std::string text = failureOf([&] { openSession(settings); });
  EXPECT_NE(text.find("cannot connect to postgresql://"), std::string::npos) << text;
  EXPECT_TRUE(classifyFailure(text).reopen) << text;
}

TEST_F(PgSessionTest, ThePoolValidatesWithARealQueryAndReplacesAKilledSession) {
  int first_pid = 0;
  {
    auto lease = pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok()) << lease.error().message;
    first_pid = backendPid(lease->session());
  }
  // Poco's isConnected() still says yes after this; only a real query finds out.
  auto admin = db_->openServer();
  EXPECT_EQ(execSimple(*admin, "SELECT pg_terminate_backend(" + std::to_string(first_pid) + ")"),
            "t");
  for (int i = 0; i < 100; ++i) {
    if (execSimple(*admin, "SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                               std::to_string(first_pid)) == "0") {
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  EXPECT_NE(backendPid(lease->session()), first_pid);
  PoolStats stats = pool().stats();
  EXPECT_EQ(stats.validation_failures_total, 1U);
  EXPECT_EQ(stats.created_total, 2U);
  EXPECT_EQ(stats.size, 1);
}

TEST_F(PgSessionTest, AnUnreachableServerGivesDependencyUnavailableAndFreesTheSlot) {
  ConnectionSettings settings = db_->settings();
  settings.url.host = "/nonexistent-socket-dir";
  SessionPool unreachable(PoolOptions{0, 1, milliseconds(100)}, sessionFactory(settings), clock_,
                          answersSelectOne);
  for (int i = 0; i < 2; ++i) {
    auto lease = unreachable.acquire(kNoDeadline);
    ASSERT_FALSE(lease.ok());
    EXPECT_EQ(lease.error().code, ErrorCode::kDependencyUnavailable);
    EXPECT_NE(lease.error().message.find("cannot connect to"), std::string::npos);
  }
  EXPECT_EQ(unreachable.stats().size, 0);
}

TEST_F(PgSessionTest, AServerProbeKeepsItsConnectionAndReplacesOneTheServerClosed) {
  ServerProbe probe(db_->settings());
  for (int i = 0; i < 3; ++i) {
    common::Status st = probe.probe(clock_, clock_.now() + milliseconds(5000));
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  EXPECT_EQ(probe.connectsTotal(), 1U) << "one connection for every probe";

  // As a server restart would: every connection to the database is closed (waiting until it
  // is gone), and the probe's own must be found dead and replaced within the same call.
  auto admin = db_->openServer();
  execSimple(*admin,
             "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '" +
                 db_->name() + "' AND pid <> pg_backend_pid()");
  common::Status again = probe.probe(clock_, clock_.now() + milliseconds(5000));
  EXPECT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(probe.connectsTotal(), 2U);
}

TEST_F(PgSessionTest, AServerProbeOfAnUnreachableServerFailsWithLibpqsReason) {
  ConnectionSettings settings = db_->settings();
  settings.url.host = "/nonexistent-socket-dir";
  ServerProbe probe(settings);
  common::Status st = probe.probe(clock_, clock_.now() + milliseconds(5000));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_NE(st.error().message.find("cannot connect"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("nonexistent-socket-dir"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(probe.connectsTotal(), 0U);
}

TEST_F(PgSessionTest, AServerProbeEndsByItsDeadlineWhenNothingAnswers) {
  // A listener that never speaks: the TCP connect succeeds and the startup packet waits for an
  // answer that never comes (a server that hangs, or a network that drops what it sends back).
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  ConnectionSettings settings = db_->settings();
  settings.url.host = "127.0.0.1";
  settings.url.port = silent.address().port();
  settings.url.sslmode = "disable";
  settings.connect_timeout = std::chrono::seconds(60);
  ServerProbe probe(settings);
  // The fake clock stands still: the probe's 200 ms pass in real time.
  common::Status st = probe.probe(clock_, clock_.now() + milliseconds(200));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kTimeout) << st.error().message;
}

TEST_F(PgSessionTest, StatementTimeoutFromTheDeadlineCancelsAStatementThatRunsPastIt) {
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  setStatementTimeout(lease->session(),
                      statementTimeoutFor(clock_, clock_.now() + milliseconds(50)));
  EXPECT_EQ(execSimple(lease->session(), "SHOW statement_timeout"), "50ms");
  const auto started = std::chrono::steady_clock::now();
  std::string text = failureOf([&] { execSimple(lease->session(), "SELECT pg_sleep(5)"); });
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  Failure failure = classifyFailure(text);
  EXPECT_EQ(failure.sqlstate, "57014") << text;
  EXPECT_EQ(failure.code, ErrorCode::kTimeout);
  EXPECT_FALSE(failure.reopen);

  // The session stays good, and the next lease's limit replaces this one's.
  setStatementTimeout(lease->session(), statementTimeoutFor(clock_, kNoDeadline));
  EXPECT_EQ(execSimple(lease->session(), "SHOW statement_timeout"), "0");
  EXPECT_EQ(execSimple(lease->session(), "SELECT pg_sleep(0.06)"), "");
}

TEST_F(PgSessionTest, SqlStatesOfRealFailuresAreReadFromPocosExceptionText) {
  auto session = db_->open();
  execSimple(*session, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  int k = 1;
  *session << "INSERT INTO t (k, v) VALUES ($1, 0)", use(k), now;
  // Through a Poco statement (prepared server-side), as the repositories will run them.
  std::string text =
      failureOf([&] { *session << "INSERT INTO t (k, v) VALUES ($1, 0)", use(k), now; });
  Failure duplicate = classifyFailure(text);
  EXPECT_EQ(duplicate.sqlstate, "23505") << text;
  EXPECT_EQ(duplicate.code, ErrorCode::kConflict);
  EXPECT_FALSE(duplicate.retryable);

  // A real serialization failure: a repeatable-read transaction updates a row another one
  // changed after its snapshot.
  auto other = db_->open();
  execSimple(*session, "BEGIN ISOLATION LEVEL REPEATABLE READ");
  execSimple(*session, "SELECT v FROM t WHERE k = 1");
  execSimple(*other, "UPDATE t SET v = 1 WHERE k = 1");
  text = failureOf([&] { *session << "UPDATE t SET v = 2 WHERE k = $1", use(k), now; });
  execSimple(*session, "ROLLBACK");
  Failure serialization = classifyFailure(text);
  EXPECT_EQ(serialization.sqlstate, "40001") << text;
  EXPECT_TRUE(serialization.retryable);
  EXPECT_EQ(serialization.code, ErrorCode::kDependencyUnavailable);

  text = failureOf([&] { execSimple(*session, "SELECT * FROM missing_table"); });
  EXPECT_EQ(classifyFailure(text).sqlstate, "42P01") << text;
}

// What the PostgreSQL repositories must design around in Poco 1.11's connector, pinned so that
// an upgrade that changes it is noticed.
TEST_F(PgSessionTest, PocosConnectorReadsBoolAsTextAndNullOnlyIntoNullable) {
  auto session = db_->open();
  std::string flag;
  *session << "SELECT true", into(flag), now;
  EXPECT_EQ(flag, "t");
  int plain = 42;
  *session << "SELECT CAST(NULL AS INTEGER)", into(plain), now;
  EXPECT_EQ(plain, 0) << "a NULL reads as the type's default, indistinguishable from a real 0";
  Poco::Nullable<int> nullable(7);
  *session << "SELECT CAST(NULL AS INTEGER)", into(nullable), now;
  EXPECT_TRUE(nullable.isNull());
}

}  // namespace
}  // namespace cc::store::postgresql
