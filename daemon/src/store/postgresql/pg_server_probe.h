#pragma once
// Whether the PostgreSQL server answers, asked on a connection of its own: for readiness.

#include <chrono>

#include "common/clock.h"
#include "common/result.h"
#include "store/postgresql/connection_settings.h"

struct pg_conn;

namespace cc::store::postgresql {

/// Asks the server `SELECT 1` on one libpq connection that belongs to the probe alone (opened on
/// first use, and again after any failure), never on a pooled session: a pool that is busy
/// serving is no sign of a server that is down, and the probe costs the server one connection
/// and one simple query per call. Every call ends by its deadline, connecting included: libpq
/// is driven without blocking (PQconnectStart, PQsendQuery, poll), so neither a refused
/// connection, a server that stopped answering nor a network that drops packets holds it
/// longer (only a host name's resolution, done by libpq before it connects, is not bounded).
/// Not thread-safe: one thread probes at a time.
class ServerProbe {
 public:
  explicit ServerProbe(ConnectionSettings settings);
  ~ServerProbe();
  ServerProbe(const ServerProbe&) = delete;
  ServerProbe& operator=(const ServerProbe&) = delete;

  /// Ok when the server answered `SELECT 1` before `deadline` (by `clock`; the wait itself is in
  /// real time); else kDependencyUnavailable (or kTimeout) with libpq's reason (the caller names
  /// the server). A failure closes the connection; when the connection it held fails (the
  /// server closed it since the last call) it opens a new one and asks again within the deadline.
  common::Status probe(const common::Clock& clock, common::SteadyTime deadline);

  /// Connections opened since construction (1 while the server keeps answering).
  uint64_t connectsTotal() const { return connects_; }

 private:
  common::Status connect(std::chrono::steady_clock::time_point until);
  common::Status selectOne(std::chrono::steady_clock::time_point until);
  common::Status fail(common::ErrorCode code, const std::string& why);

  const ConnectionSettings settings_;
  pg_conn* connection_ = nullptr;
  uint64_t connects_ = 0;
};

}  // namespace cc::store::postgresql
