#include "store/postgresql/pg_server_probe.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <string>

#include "store/deadline.h"

namespace cc::store::postgresql {

using common::Error;
using common::ErrorCode;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::string libpqReason(const pg_conn* connection) {
  std::string why = connection != nullptr ? PQerrorMessage(connection) : "out of memory";
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return why.empty() ? "no reason given" : why;
}

// Waits until the connection's socket is readable (or writable) or `until` passes; false on
// timeout. EINTR goes round again with the time that is left.
bool waitForSocket(pg_conn* connection, bool for_write, SteadyClock::time_point until) {
  pollfd fd{PQsocket(connection), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(until - SteadyClock::now()).count();
    if (left <= 0) return false;
    const int ready = ::poll(&fd, 1, static_cast<int>(left));
    if (ready > 0) return true;  // readable, writable, or an error libpq will report
    if (ready == 0) return false;
    if (errno != EINTR) return true;  // let libpq find out what is wrong with the socket
  }
}

}  // namespace

ServerProbe::ServerProbe(ConnectionSettings settings) : settings_(std::move(settings)) {}

ServerProbe::~ServerProbe() { PQfinish(connection_); }

common::Status ServerProbe::fail(ErrorCode code, const std::string& why) {
  PQfinish(connection_);
  connection_ = nullptr;
  if (code == ErrorCode::kTimeout) return Error{ErrorCode::kTimeout, why, {}, 0};
  return Error::dependencyUnavailable(why);
}

common::Status ServerProbe::probe(const common::Clock& clock, common::SteadyTime deadline) {
  const auto budget = remainingBudget(clock, deadline);
  if (budget.count() <= 0) return fail(ErrorCode::kTimeout, "no time left to ask");
  const auto until = SteadyClock::now() + budget;
  const bool reused = connection_ != nullptr && PQstatus(connection_) == CONNECTION_OK;
  if (reused) {
    common::Status st = selectOne(until);
    // A connection the server closed since the last probe (a restart) says nothing about the
    // server now: a new one, within the same deadline, does.
    if (st.ok() || st.error().code == ErrorCode::kTimeout) return st;
  }
  if (auto st = connect(until); !st.ok()) return st;
  return selectOne(until);
}

common::Status ServerProbe::connect(SteadyClock::time_point until) {
  PQfinish(connection_);
  // libpq's connect_timeout applies only to a blocking connect; this one ends at `until`.
  connection_ = PQconnectStart(settings_.conninfo().c_str());
  if (connection_ == nullptr || PQstatus(connection_) == CONNECTION_BAD) {
    return fail(ErrorCode::kDependencyUnavailable, "cannot connect: " + libpqReason(connection_));
  }
  // As libpq's documentation prescribes: wait for writing first, then as PQconnectPoll says.
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  for (;;) {
    if (state == PGRES_POLLING_OK) break;
    if (state == PGRES_POLLING_FAILED) {
      return fail(ErrorCode::kDependencyUnavailable, "cannot connect: " + libpqReason(connection_));
    }
    if (!waitForSocket(connection_, state == PGRES_POLLING_WRITING, until)) {
      return fail(ErrorCode::kTimeout, "no connection within the probe's time");
    }
    state = PQconnectPoll(connection_);
  }
  if (PQsetnonblocking(connection_, 1) != 0) {
    return fail(ErrorCode::kDependencyUnavailable, libpqReason(connection_));
  }
  ++connects_;
  return common::Ok{};
}

common::Status ServerProbe::selectOne(SteadyClock::time_point until) {
  if (PQsendQuery(connection_, "SELECT 1") == 0) {
    return fail(ErrorCode::kDependencyUnavailable,
                "SELECT 1 not sent: " + libpqReason(connection_));
  }
  for (int pending = PQflush(connection_); pending != 0; pending = PQflush(connection_)) {
    if (pending < 0 || !waitForSocket(connection_, true, until)) {
      return pending < 0 ? fail(ErrorCode::kDependencyUnavailable, libpqReason(connection_))
                         : fail(ErrorCode::kTimeout, "SELECT 1 not sent within the probe's time");
    }
  }
  std::string answer;
  bool answered = false;
  std::string error;
  for (;;) {
    while (PQisBusy(connection_) != 0) {
      if (!waitForSocket(connection_, false, until)) {
        return fail(ErrorCode::kTimeout, "no answer to SELECT 1 within the probe's time");
      }
      if (PQconsumeInput(connection_) == 0) {
        return fail(ErrorCode::kDependencyUnavailable, libpqReason(connection_));
      }
    }
    PGresult* result = PQgetResult(connection_);
    if (result == nullptr) break;  // the query is done
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
      answer = PQgetvalue(result, 0, 0);
      answered = true;
    } else if (error.empty()) {
      error = PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  if (!answered || answer != "1") {
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    return fail(ErrorCode::kDependencyUnavailable,
                "SELECT 1 failed: " + (error.empty() ? libpqReason(connection_) : error));
  }
  return common::Ok{};
}

}  // namespace cc::store::postgresql
