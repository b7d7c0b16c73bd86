#include "store/postgresql/pg_session.h"

#include <Poco/Data/DataException.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/PostgreSQLException.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>
#include <libpq-fe.h>

#include <mutex>

#include "store/deadline.h"

namespace cc::store::postgresql {

void throwStatementFailure(PGconn* connection, PGresult* result, const std::string& sql) {
  // Both copied before PQclear, which frees what they point into.
  const char* field = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = field != nullptr ? field : "N/A";
  std::string why = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  PQclear(result);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  throw Poco::Data::PostgreSQL::StatementException(sql.substr(0, 200) + ": " + why +
                                                   " State: " + state);
}

std::string execSimple(Poco::Data::Session& session, const std::string& sql) {
  auto* handle =
      Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session.getProperty("handle"));
  PGconn* connection = *handle;
  PGresult* result = nullptr;
  {
    // Poco's own calls on this connection take the same lock.
    Poco::FastMutex::ScopedLock lock(handle->mutex());
    result = PQexec(connection, sql.c_str());
  }
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throwStatementFailure(connection, result, sql);
  }
  std::string first;
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0 && PQnfields(result) > 0) {
    first = PQgetvalue(result, 0, 0);
  }
  PQclear(result);
  return first;
}

namespace {

PGconn* connectionOf(Poco::Data::Session& session) {
  try {
    return *Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session.getProperty("handle"));
  } catch (const Poco::Exception&) {
    return nullptr;
  }
}

// Poco's SessionHandle calls PQfinish only on a good connection; a bad one (the server closed
// it) is ours to free, after Poco is done with the session (it only reads the status then).
void closePgSession(Poco::Data::Session* session) {
  if (session == nullptr) return;
  PGconn* connection = connectionOf(*session);
  const bool bad = connection != nullptr && PQstatus(connection) != CONNECTION_OK;
  delete session;
  if (bad) PQfinish(connection);
}

}  // namespace

PooledSession openSession(const ConnectionSettings& settings) {
  static std::once_flag registered;
  std::call_once(registered, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
  const std::string conninfo = settings.conninfo();
  {
    // See the header: Poco would leak the connection of a failed attempt, libpq does not.
    PGconn* probe = PQconnectdb(conninfo.c_str());
    const bool ok = probe != nullptr && PQstatus(probe) == CONNECTION_OK;
    std::string why = probe != nullptr ? PQerrorMessage(probe) : "out of memory";
    PQfinish(probe);
    if (!ok) {
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      throw Poco::Data::ConnectionFailedException("cannot connect to " + settings.url.display() +
                                                  ": Connection Error: " + why);
    }
  }
  PooledSession session(nullptr, closePgSession);
  try {
    session.reset(
        new Poco::Data::Session(Poco::Data::PostgreSQL::Connector::KEY, conninfo,
                                static_cast<std::size_t>(settings.connect_timeout.count())));
  } catch (const Poco::Exception& e) {
    // libpq's reason names the host and port, never the password.
    throw Poco::Data::ConnectionFailedException("cannot connect to " + settings.url.display() +
                                                ": " + e.message());
  }
  execSimple(*session, "SET synchronous_commit = on");
  return session;
}

SessionPool::Factory sessionFactory(ConnectionSettings settings) {
  return [settings = std::move(settings)] { return openSession(settings); };
}

bool answersSelectOne(Poco::Data::Session& session) {
  try {
    return execSimple(session, "SELECT 1") == "1";
  } catch (...) {
    return false;  // whatever the reason, this session is not one to hand out
  }
}

void setStatementTimeout(Poco::Data::Session& session, std::chrono::milliseconds timeout) {
  execSimple(session, "SET statement_timeout = " + std::to_string(timeout.count()));
}

std::chrono::milliseconds statementTimeoutFor(const common::Clock& clock,
                                              common::SteadyTime deadline) {
  if (deadline == kNoDeadline) return std::chrono::milliseconds(0);
  const auto left = remainingBudget(clock, deadline);
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left);
  return std::max(ms, std::chrono::milliseconds(1));
}

}  // namespace cc::store::postgresql
