#pragma once
// Prepared statements kept per SQLite connection, so that a pooled session parses each query once.

#include <Poco/Data/Session.h>

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace cc::store::sqlite::sql {

/// The statements one connection has prepared, least recently used first out past `capacity`.
/// Used by one thread at a time, as its connection is (the registry around it is thread-safe).
class StatementCache {
 public:
  static constexpr std::size_t kCapacity = 64;

  explicit StatementCache(std::size_t capacity = kCapacity) : capacity_(capacity) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  /// The idle statement for `sql`, or nullptr when there is none (never prepared, or in use by
  /// an enclosing call on the same connection); it is busy until give() hands it back.
  sqlite3_stmt* take(const std::string& sql);
  /// Keeps `stmt`, prepared from `sql` and reset, for the next take(); finalizes whatever falls
  /// out past the capacity. A statement already kept under `sql` wins: `stmt` is finalized.
  void give(const std::string& sql, sqlite3_stmt* stmt);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    sqlite3_stmt* stmt;
    bool busy;
  };
  using Order = std::list<std::string>;  // most recently used first
  struct Slot {
    Entry entry;
    Order::iterator position;
  };

  std::size_t capacity_;
  Order order_;
  std::unordered_map<std::string, Slot> entries_;
};

/// A statement for one call: from the connection's cache when it has one, freshly prepared
/// otherwise; reset (and handed back to the cache) when it goes out of scope, so that no read
/// transaction outlives the call. Failures to prepare throw the Poco SQLite exception.
class PreparedStatement {
 public:
  PreparedStatement(sqlite3* db, const std::string& sql);
  ~PreparedStatement();
  PreparedStatement(const PreparedStatement&) = delete;
  PreparedStatement& operator=(const PreparedStatement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_;
  const std::string& sql_;
  StatementCache* cache_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Deletes a session after finalizing the statements cached for its connection.
struct SessionCloser {
  void operator()(Poco::Data::Session* session) const;
};
using SessionPtr = std::unique_ptr<Poco::Data::Session, SessionCloser>;

/// Takes ownership of `session` and caches the statements run on it until it is deleted. Only
/// sessions that went through here reuse statements; any other session prepares per call.
SessionPtr withStatementCache(std::unique_ptr<Poco::Data::Session> session);

/// How many statements are cached for `session`'s connection (0 when it has no cache).
std::size_t cachedStatements(Poco::Data::Session& session);

}  // namespace cc::store::sqlite::sql
