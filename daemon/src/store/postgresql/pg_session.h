#pragma once
// Sessions to a PostgreSQL server through Poco::Data::PostgreSQL.

#include <Poco/Data/Session.h>

#include <chrono>
#include <memory>

#include "store/postgresql/connection_settings.h"
#include "store/session_pool.h"

struct pg_conn;
struct pg_result;

namespace cc::store::postgresql {

/// Opens one session to the server `settings` names (Poco's connector registered on first use),
/// with synchronous_commit on, so that a commit returns only once the server has it on disk
/// whatever the server's default. Throws Poco::Data::ConnectionFailedException naming
/// `settings.url.display()` and libpq's reason, never the password. Thread-safe.
///
/// Poco 1.11 frees a connection only while it is good: one that failed to open, or that the
/// server closed, would leak (some 45 KB each, with every retry against a server that is down).
/// So the connection is first tried with libpq directly (freed either way, at the cost of a
/// second connect for each new session), and the session comes with a deleter that frees what
/// Poco leaves behind.
PooledSession openSession(const ConnectionSettings& settings);

/// A SessionPool::Factory opening sessions with `settings`.
SessionPool::Factory sessionFactory(ConnectionSettings settings);

/// The pool's borrow check for PostgreSQL sessions (SessionPool::Check): `SELECT 1` as one
/// simple query, where a Poco statement would prepare, describe, run and deallocate it (four
/// round trips). False on any failure: Poco's isConnected() still says yes after the server has
/// closed the connection, so only a real query finds out.
bool answersSelectOne(Poco::Data::Session& session);

/// Runs `sql` (our own text, never input: it takes no parameters) as one simple query: no
/// server-side prepare and no DEALLOCATE, one round trip. Returns the first column of the first
/// row ("" when there is none). Throws Poco's StatementException, whose text carries the
/// SQLSTATE as Poco's own statement errors do ("... State: 42P01"), for classifyFailure().
std::string execSimple(Poco::Data::Session& session, const std::string& sql);

/// Throws the StatementException for `result` (a failed statement `sql`, which it frees; nullptr
/// when libpq returned none) on `connection`: libpq's message and " State: " with the SQLSTATE
/// ("N/A" without one), as Poco's own statement errors read.
[[noreturn]] void throwStatementFailure(pg_conn* connection, pg_result* result,
                                        const std::string& sql);

/// Sets statement_timeout on `session` (0: none) until the next call, in one round trip and
/// with no prepared statement. A lease from a PostgreSQL pool calls it before its first
/// statement, so that no earlier lease's limit lingers; a statement that runs past it fails with
/// SQLSTATE 57014, which classifyFailure() makes kTimeout. Throws as Poco does.
void setStatementTimeout(Poco::Data::Session& session, std::chrono::milliseconds timeout);

/// The statement_timeout for work that must end by `deadline`: the time left by `clock`, rounded
/// up to whole milliseconds and at least 1 (0 would mean no limit); 0 for store::kNoDeadline.
std::chrono::milliseconds statementTimeoutFor(const common::Clock& clock,
                                              common::SteadyTime deadline);

}  // namespace cc::store::postgresql
