#include "store/sqlite/sqlite_token_repository.h"

#include <algorithm>
#include <tuple>

#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const char* const kTokenColumns = "SELECT hash, username, role, created_at, expires_at FROM tokens";

std::vector<TokenRecord> readTokens(const Poco::Data::RecordSet& rs) {
  std::vector<TokenRecord> out;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    TokenRecord t;
    t.hash = sql::textAt(rs, 0, r);
    t.username = sql::textAt(rs, 1, r);
    t.role = parseRole(sql::textAt(rs, 2, r)).value_or(Role::kViewer);
    t.created_at_ms = sql::intAt(rs, 3, r);
    t.expires_at_ms = sql::intAt(rs, 4, r);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Status SqliteTokenRepository::insert(const TokenRecord& record, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    auto state = sql::query(s, "SELECT disabled FROM users WHERE username = ?", {record.username});
    if (state.rowCount() == 0) return Error::notFound("no user named '" + record.username + "'");
    if (sql::intAt(state, 0, 0) != 0) {
      return Error{
          common::ErrorCode::kForbidden, "user '" + record.username + "' is disabled", {}, 0};
    }
    sql::exec(s,
              "INSERT INTO tokens (hash, username, role, created_at, expires_at) "
              "VALUES (?, ?, ?, ?, ?)",
              {record.hash, record.username, std::string(toString(record.role)),
               record.created_at_ms, record.expires_at_ms});
    return common::Ok{};
  });
}

Result<std::optional<TokenRecord>> SqliteTokenRepository::find(const std::string& hash,
                                                               common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::optional<TokenRecord>> {
    auto rows = readTokens(sql::query(s, std::string(kTokenColumns) + " WHERE hash = ?", {hash}));
    if (rows.empty()) return std::optional<TokenRecord>();
    return std::optional<TokenRecord>(std::move(rows.front()));
  });
}

Result<std::vector<TokenRecord>> SqliteTokenRepository::listForUser(const std::string& username,
                                                                    int64_t now_ms,
                                                                    common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<TokenRecord>> {
    auto tokens = readTokens(
        sql::query(s, std::string(kTokenColumns) + " WHERE username = ? AND expires_at > ?",
                   {username, now_ms}));
    // Sorted here: an ORDER BY would sort in a temporary B-tree, an index for it is not worth
    // its cost on every login.
    std::sort(tokens.begin(), tokens.end(), [](const TokenRecord& a, const TokenRecord& b) {
      return std::tie(a.created_at_ms, a.hash) < std::tie(b.created_at_ms, b.hash);
    });
    return tokens;
  });
}

Result<std::vector<std::string>> SqliteTokenRepository::removeByPrefix(
    const std::string& username, const std::string& hash_prefix, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<std::vector<std::string>> {
    const std::string match = " WHERE username = ? AND substr(hash, 1, ?) = ?";
    const sql::Params params = {username, static_cast<int64_t>(hash_prefix.size()), hash_prefix};
    std::vector<std::string> hashes;
    for (auto& t : readTokens(sql::query(s, std::string(kTokenColumns) + match, params))) {
      hashes.push_back(std::move(t.hash));
    }
    sql::exec(s, "DELETE FROM tokens" + match, params);
    return hashes;
  });
}

Result<bool> SqliteTokenRepository::remove(const std::string& hash, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<bool> {
    return sql::exec(s, "DELETE FROM tokens WHERE hash = ?", {hash}) > 0;
  });
}

Result<int64_t> SqliteTokenRepository::removeForUser(const std::string& username,
                                                     common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<int64_t> {
    return sql::exec(s, "DELETE FROM tokens WHERE username = ?", {username});
  });
}

Result<int64_t> SqliteTokenRepository::removeExpired(int64_t now_ms, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<int64_t> {
    return sql::exec(s, "DELETE FROM tokens WHERE expires_at <= ?", {now_ms});
  });
}

}  // namespace cc::store::sqlite
