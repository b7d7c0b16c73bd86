#include "store/postgresql/pg_sql.h"

#include <Poco/Data/PostgreSQL/SessionHandle.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "store/postgresql/pg_session.h"

namespace cc::store::postgresql::sql {
namespace {

using Poco::Data::PostgreSQL::SessionHandle;

// The statements one connection has prepared, by their text. Used by one thread at a time, as
// its connection is.
struct StatementCache {
  // Past this many the connection forgets them all (DEALLOCATE ALL) and starts again: the
  // repositories issue far fewer distinct statements, so this only bounds a runaway.
  static constexpr std::size_t kCapacity = 256;
  std::unordered_map<std::string, std::string> names;
  uint64_t next = 0;
};

// Caches by connection: a session registers through withStatementCache and leaves when its
// deleter runs, before the connection closes.
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }
  void add(PGconn* connection) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    caches_[connection] = std::make_unique<StatementCache>();
  }
  void remove(PGconn* connection) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    caches_.erase(connection);
  }
  StatementCache* find(PGconn* connection) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = caches_.find(connection);
    return it == caches_.end() ? nullptr : it->second.get();
  }

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<PGconn*, std::unique_ptr<StatementCache>> caches_;
};

SessionHandle& handleOf(Poco::Data::Session& session) {
  return *Poco::AnyCast<SessionHandle*>(session.getProperty("handle"));
}

// A result freed when it goes out of scope.
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The text form of each parameter, kept alive for the call; nullptr binds NULL.
struct TextParams {
  explicit TextParams(const Params& params) {
    texts.reserve(params.size());
    for (const auto& p : params) {
      if (const auto* n = std::get_if<int64_t>(&p)) {
        texts.push_back(std::to_string(*n));
      } else if (const auto* s = std::get_if<std::string>(&p)) {
        texts.push_back(*s);
      } else {
        texts.emplace_back();
      }
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      values.push_back(std::holds_alternative<std::monostate>(params[i]) ? nullptr
                                                                         : texts[i].c_str());
    }
  }
  std::vector<std::string> texts;
  std::vector<const char*> values;
};

// Runs the statement on the connection, prepared once when the connection has a cache.
ResultPtr execute(PGconn* connection, const std::string& sql, const TextParams& params) {
  const int n = static_cast<int>(params.values.size());
  StatementCache* cache = Registry::instance().find(connection);
  if (cache == nullptr) {
    return ResultPtr(PQexecParams(connection, numberPlaceholders(sql).c_str(), n, nullptr,
                                  params.values.data(), nullptr, nullptr, 0),
                     PQclear);
  }
  auto it = cache->names.find(sql);
  if (it == cache->names.end()) {
    if (cache->names.size() >= StatementCache::kCapacity) {
      ResultPtr cleared(PQexec(connection, "DEALLOCATE ALL"), PQclear);
      if (PQresultStatus(cleared.get()) != PGRES_COMMAND_OK) {
        throwStatementFailure(connection, cleared.release(), "DEALLOCATE ALL");
      }
      cache->names.clear();
    }
    const std::string name = "cc_stmt_" + std::to_string(++cache->next);
    ResultPtr prepared(
        PQprepare(connection, name.c_str(), numberPlaceholders(sql).c_str(), n, nullptr), PQclear);
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      throwStatementFailure(connection, prepared.release(), sql);
    }
    it = cache->names.emplace(sql, name).first;
  }
  return ResultPtr(
      PQexecPrepared(connection, it->second.c_str(), n, params.values.data(), nullptr, nullptr, 0),
      PQclear);
}

}  // namespace

bool Row::isNull(int col) const { return PQgetisnull(result_, row_, col) != 0; }

int64_t Row::integer(int col) const {
  return std::strtoll(PQgetvalue(result_, row_, col), nullptr, 10);
}

bool Row::boolean(int col) const { return PQgetvalue(result_, row_, col)[0] == 't'; }

std::string Row::text(int col) const {
  return std::string(PQgetvalue(result_, row_, col),
                     static_cast<std::size_t>(PQgetlength(result_, row_, col)));
}

std::string numberPlaceholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  char quote = 0;  // the quote character of the literal or identifier we are in
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++next);
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t run(Poco::Data::Session& session, const std::string& sql, const Params& params,
                const std::function<void(const Row&)>& row) {
  SessionHandle& handle = handleOf(session);
  PGconn* connection = handle;
  const TextParams text(params);
  ResultPtr result(nullptr, PQclear);
  {
    // Poco's own calls on this connection take the same lock.
    Poco::FastMutex::ScopedLock lock(handle.mutex());
    result = execute(connection, sql, text);
  }
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK) {
    const char* changed = PQcmdTuples(result.get());
    return changed[0] == '\0' ? 0 : static_cast<std::size_t>(std::strtoull(changed, nullptr, 10));
  }
  if (status != PGRES_TUPLES_OK) throwStatementFailure(connection, result.release(), sql);
  const int rows = PQntuples(result.get());
  if (row) {
    for (int r = 0; r < rows; ++r) row(Row(result.get(), r));
  }
  return static_cast<std::size_t>(rows);
}

int64_t exec(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  return static_cast<int64_t>(run(session, sql, params, {}));
}

int64_t scalar(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  int64_t value = 0;
  run(session, sql, params, [&](const Row& row) { value = row.integer(0); });
  return value;
}

std::string containsPattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

PooledSession withStatementCache(PooledSession session) {
  PGconn* connection = handleOf(*session);
  Registry::instance().add(connection);
  auto inner = session.get_deleter();
  Poco::Data::Session* raw = session.release();
  return PooledSession(raw, [connection, inner](Poco::Data::Session* s) {
    // Before the connection closes (and its address may be reused by the next one).
    Registry::instance().remove(connection);
    inner(s);
  });
}

std::size_t cachedStatements(Poco::Data::Session& session) {
  const StatementCache* cache = Registry::instance().find(handleOf(session));
  return cache == nullptr ? 0 : cache->names.size();
}

}  // namespace cc::store::postgresql::sql
