#include "store/postgresql/failure.h"

#include <gtest/gtest.h>

namespace cc::store::postgresql {
namespace {

using common::ErrorCode;

// The shape of Poco 1.11's error for a statement that failed to run.
std::string pocoText(const std::string& state) {
  return "PostgreSQL: postgresql_stmt_execute error: ERROR:  something\n Severity: ERROR State: " +
         state + " Detail: N/A Hint: N/A Constraint: N/A";
}

TEST(PgFailureTest, ReadsTheSqlStateOutOfPocosText) {
  EXPECT_EQ(sqlStateIn(pocoText("23505")), "23505");
  EXPECT_EQ(sqlStateIn(pocoText("40P01")), "40P01");
  EXPECT_EQ(sqlStateIn("x: relation does not exist State: 42P01"), "42P01");
}

TEST(PgFailureTest, FindsNoStateWhereTheTextHasNone) {
  EXPECT_EQ(sqlStateIn(pocoText("N/A")), "");
  EXPECT_EQ(sqlStateIn("postgresql_stmt_prepare error: ERROR:  syntax error SELEC 1"), "");
  EXPECT_EQ(sqlStateIn(""), "");
  EXPECT_EQ(sqlStateIn("State: 2350"), "");  // a code cut short by the end of the text
  EXPECT_EQ(sqlStateIn("State: "), "");
  EXPECT_EQ(sqlStateIn("State: 235055"), "");
  EXPECT_EQ(sqlStateIn("State: 23a05 "), "");
}

TEST(PgFailureTest, TakesTheLastStateWhenTheMessageQuotesOne) {
  EXPECT_EQ(sqlStateIn("ERROR: name 'State: 11111 ' taken Severity: ERROR State: 23505 Detail:"),
            "23505");
}

TEST(PgFailureTest, AUniqueViolationIsAConflict) {
  Failure f = classifyFailure(pocoText("23505"));
  EXPECT_EQ(f.code, ErrorCode::kConflict);
  EXPECT_FALSE(f.retryable);
  EXPECT_FALSE(f.reopen);
}

TEST(PgFailureTest, SerializationFailuresAndDeadlocksAreRetryable) {
  for (const char* state : {"40001", "40P01"}) {
    Failure f = classifyFailure(pocoText(state));
    EXPECT_TRUE(f.retryable) << state;
    EXPECT_EQ(f.code, ErrorCode::kDependencyUnavailable) << state;
  }
  EXPECT_FALSE(classifyFailure(pocoText("40002")).retryable);
}

TEST(PgFailureTest, ACancelledStatementIsATimeoutAndAFullDiskIsInsufficientStorage) {
  EXPECT_EQ(classifyFailure(pocoText("57014")).code, ErrorCode::kTimeout);
  EXPECT_EQ(classifyFailure(pocoText("53100")).code, ErrorCode::kInsufficientStorage);
}

TEST(PgFailureTest, ALostConnectionIsReopened) {
  for (const char* state : {"08006", "08003", "57P01", "57P02", "57P03"}) {
    EXPECT_TRUE(classifyFailure(pocoText(state)).reopen) << state;
  }
  EXPECT_TRUE(classifyFailure("server closed the connection unexpectedly").reopen);
  EXPECT_TRUE(classifyFailure("Connection Error: connection to server failed").reopen);
  EXPECT_FALSE(classifyFailure(pocoText("23505")).reopen);
  EXPECT_FALSE(classifyFailure(pocoText("42601")).reopen);
}

}  // namespace
}  // namespace cc::store::postgresql
