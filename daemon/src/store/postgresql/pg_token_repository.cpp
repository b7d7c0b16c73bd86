#include "store/postgresql/pg_token_repository.h"

#include "store/postgresql/pg_sql.h"

namespace cc::store::postgresql {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const char* const kTokenSelect = "SELECT hash, username, role, created_at, expires_at FROM tokens";

TokenRecord readTokenRow(const sql::Row& row) {
  TokenRecord t;
  t.hash = row.text(0);
  t.username = row.text(1);
  t.role = parseRole(row.text(2)).value_or(Role::kViewer);
  t.created_at_ms = row.integer(3);
  t.expires_at_ms = row.integer(4);
  return t;
}

}  // namespace

Status PgTokenRepository::insert(const TokenRecord& record, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    // KEY SHARE: a removal of the user on another instance waits for this insert, then deletes
    // the token with the user.
    std::optional<bool> disabled;
    sql::run(s, "SELECT disabled FROM users WHERE username = ? FOR KEY SHARE", {record.username},
             [&](const sql::Row& row) { disabled = row.boolean(0); });
    if (!disabled) return Error::notFound("no user named '" + record.username + "'");
    if (*disabled) {
      return Error{
          common::ErrorCode::kForbidden, "user '" + record.username + "' is disabled", {}, 0};
    }
    sql::exec(s,
              "INSERT INTO tokens (hash, username, role, created_at, expires_at)"
              " VALUES (?, ?, ?, ?, ?)",
              {record.hash, record.username, std::string(toString(record.role)),
               record.created_at_ms, record.expires_at_ms});
    return common::Ok{};
  });
}

Result<std::optional<TokenRecord>> PgTokenRepository::find(const std::string& hash,
                                                           common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::optional<TokenRecord>> {
    std::optional<TokenRecord> found;
    sql::run(s, std::string(kTokenSelect) + " WHERE hash = ?", {hash},
             [&](const sql::Row& row) { found = readTokenRow(row); });
    return found;
  });
}

Result<std::vector<TokenRecord>> PgTokenRepository::listForUser(const std::string& username,
                                                                int64_t now_ms,
                                                                common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<TokenRecord>> {
    std::vector<TokenRecord> tokens;
    sql::run(s,
             std::string(kTokenSelect) +
                 " WHERE username = ? AND expires_at > ? ORDER BY created_at, hash COLLATE \"C\"",
             {username, now_ms}, [&](const sql::Row& row) { tokens.push_back(readTokenRow(row)); });
    return tokens;
  });
}

Result<std::vector<std::string>> PgTokenRepository::removeByPrefix(const std::string& username,
                                                                   const std::string& hash_prefix,
                                                                   common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<std::vector<std::string>> {
    std::vector<std::string> hashes;
    sql::run(s, "DELETE FROM tokens WHERE username = ? AND left(hash, ?) = ? RETURNING hash",
             {username, static_cast<int64_t>(hash_prefix.size()), hash_prefix},
             [&](const sql::Row& row) { hashes.push_back(row.text(0)); });
    return hashes;
  });
}

Result<bool> PgTokenRepository::remove(const std::string& hash, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<bool> {
    return sql::exec(s, "DELETE FROM tokens WHERE hash = ?", {hash}) > 0;
  });
}

Result<int64_t> PgTokenRepository::removeForUser(const std::string& username,
                                                 common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<int64_t> {
    return sql::exec(s, "DELETE FROM tokens WHERE username = ?", {username});
  });
}

Result<int64_t> PgTokenRepository::removeExpired(int64_t now_ms, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<int64_t> {
    return sql::exec(s, "DELETE FROM tokens WHERE expires_at <= ?", {now_ms});
  });
}

}  // namespace cc::store::postgresql
