#include "store/sql_token_repository.h"

#include <algorithm>
#include <tuple>

namespace cc::store {

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const char* const kTokenSelect = "SELECT hash, username, role, created_at, expires_at FROM tokens";

TokenRecord readTokenRow(const SqlRow& row) {
  TokenRecord t;
  t.hash = row.text(0);
  t.username = row.text(1);
  t.role = domain::parseRole(row.text(2)).value_or(domain::Role::kViewer);
  t.created_at_ms = row.integer(3);
  t.expires_at_ms = row.integer(4);
  return t;
}

}  // namespace

Status SqlTokenRepository::insert(const TokenRecord& record, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    // KEY SHARE: a removal of the user on another instance waits for this insert, then deletes
    // the token with the user.
    std::optional<bool> disabled;
    db_.query(s,
              std::string("SELECT disabled FROM users WHERE username = ?") +
                  db_.lockClause(RowLock::kKeyShare),
              {record.username}, [&](const SqlRow& row) { disabled = row.boolean(0); });
    if (!disabled) return Error::notFound("no user named '" + record.username + "'");
    if (*disabled) {
      return Error{
          common::ErrorCode::kForbidden, "user '" + record.username + "' is disabled", {}, 0};
    }
    db_.exec(s,
             "INSERT INTO tokens (hash, username, role, created_at, expires_at)"
             " VALUES (?, ?, ?, ?, ?)",
             {record.hash, record.username, std::string(toString(record.role)),
              record.created_at_ms, record.expires_at_ms});
    return common::Ok{};
  });
}

Result<std::optional<TokenRecord>> SqlTokenRepository::find(const std::string& hash,
                                                            common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::optional<TokenRecord>> {
    std::optional<TokenRecord> found;
    db_.query(s, std::string(kTokenSelect) + " WHERE hash = ?", {hash},
              [&](const SqlRow& row) { found = readTokenRow(row); });
    return found;
  });
}

Result<std::vector<TokenRecord>> SqlTokenRepository::listForUser(const std::string& username,
                                                                 int64_t now_ms,
                                                                 common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<TokenRecord>> {
    std::vector<TokenRecord> tokens;
    db_.query(s, std::string(kTokenSelect) + " WHERE username = ? AND expires_at > ?",
              {username, now_ms}, [&](const SqlRow& row) { tokens.push_back(readTokenRow(row)); });
    // Sorted here, by bytes: an ORDER BY would sort in a temporary B-tree on SQLite (an index
    // for it is not worth its cost on every login), and by the collation on PostgreSQL.
    std::sort(tokens.begin(), tokens.end(), [](const TokenRecord& a, const TokenRecord& b) {
      return std::tie(a.created_at_ms, a.hash) < std::tie(b.created_at_ms, b.hash);
    });
    return tokens;
  });
}

Result<std::vector<std::string>> SqlTokenRepository::removeByPrefix(const std::string& username,
                                                                    const std::string& hash_prefix,
                                                                    common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<std::vector<std::string>> {
    std::vector<std::string> hashes;
    db_.query(s, "DELETE FROM tokens WHERE username = ? AND substr(hash, 1, ?) = ? RETURNING hash",
              {username, static_cast<int64_t>(hash_prefix.size()), hash_prefix},
              [&](const SqlRow& row) { hashes.push_back(row.text(0)); });
    return hashes;
  });
}

Result<bool> SqlTokenRepository::remove(const std::string& hash, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<bool> {
    return db_.exec(s, "DELETE FROM tokens WHERE hash = ?", {hash}) > 0;
  });
}

Result<int64_t> SqlTokenRepository::removeForUser(const std::string& username,
                                                  common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<int64_t> {
    return db_.exec(s, "DELETE FROM tokens WHERE username = ?", {username});
  });
}

Result<int64_t> SqlTokenRepository::removeExpired(int64_t now_ms, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<int64_t> {
    return db_.exec(s, "DELETE FROM tokens WHERE expires_at <= ?", {now_ms});
  });
}

}  // namespace cc::store
