#include "store/sqlite/statement_cache.h"

#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <shared_mutex>

namespace cc::store::sqlite::sql {
namespace {

// Caches by connection. A session registers here through withStatementCache and leaves through
// SessionCloser, before it closes: a connection must not close with statements still prepared.
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }

  void add(sqlite3* db) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    caches_.emplace(db, std::make_unique<StatementCache>());
  }
  std::unique_ptr<StatementCache> remove(sqlite3* db) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto it = caches_.find(db);
    if (it == caches_.end()) return nullptr;
    auto cache = std::move(it->second);
    caches_.erase(it);
    return cache;
  }
  StatementCache* find(sqlite3* db) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = caches_.find(db);
    return it == caches_.end() ? nullptr : it->second.get();
  }

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<sqlite3*, std::unique_ptr<StatementCache>> caches_;
};

}  // namespace

StatementCache::~StatementCache() {
  for (auto& [sql, slot] : entries_) sqlite3_finalize(slot.entry.stmt);
}

sqlite3_stmt* StatementCache::take(const std::string& sql) {
  auto it = entries_.find(sql);
  if (it == entries_.end() || it->second.entry.busy) return nullptr;
  it->second.entry.busy = true;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.entry.stmt;
}

void StatementCache::give(const std::string& sql, sqlite3_stmt* stmt) {
  auto it = entries_.find(sql);
  if (it != entries_.end()) {
    if (it->second.entry.stmt == stmt) {
      it->second.entry.busy = false;
    } else {
      sqlite3_finalize(stmt);  // a nested call's copy of a statement the cache already keeps
    }
    return;
  }
  order_.push_front(sql);
  entries_.emplace(sql, Slot{{stmt, false}, order_.begin()});
  // Evict from the least recently used end, passing over statements an enclosing call still runs.
  while (entries_.size() > capacity_) {
    auto victim = std::find_if(order_.rbegin(), order_.rend(), [&](const std::string& key) {
      return !entries_.at(key).entry.busy;
    });
    if (victim == order_.rend()) break;
    auto slot = entries_.find(*victim);
    sqlite3_finalize(slot->second.entry.stmt);
    entries_.erase(slot);
    order_.erase(std::next(victim).base());
  }
}

PreparedStatement::PreparedStatement(sqlite3* db, const std::string& sql)
    : db_(db), sql_(sql), cache_(Registry::instance().find(db)) {
  if (cache_ != nullptr) stmt_ = cache_->take(sql);
  if (stmt_ != nullptr) return;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    Poco::Data::SQLite::Utility::throwException(db, rc);
  }
}

PreparedStatement::~PreparedStatement() {
  // Resetting ends the statement's part in the read transaction; the result code repeats the
  // step's error, which the caller has already seen.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (cache_ != nullptr) {
    cache_->give(sql_, stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

void SessionCloser::operator()(Poco::Data::Session* session) const {
  if (session == nullptr) return;
  try {
    Registry::instance().remove(Poco::Data::SQLite::Utility::dbHandle(*session));
  } catch (const Poco::Exception&) {
    // a session that never connected has no handle and no cache
  }
  delete session;
}

SessionPtr withStatementCache(std::unique_ptr<Poco::Data::Session> session) {
  SessionPtr owned(session.release());
  if (owned != nullptr) Registry::instance().add(Poco::Data::SQLite::Utility::dbHandle(*owned));
  return owned;
}

std::size_t cachedStatements(Poco::Data::Session& session) {
  const StatementCache* cache =
      Registry::instance().find(Poco::Data::SQLite::Utility::dbHandle(session));
  return cache == nullptr ? 0 : cache->size();
}

}  // namespace cc::store::sqlite::sql
