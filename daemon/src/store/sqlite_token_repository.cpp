#include "store/sqlite_token_repository.h"

#include "store/sql.h"

namespace cc::store {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

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
    auto rs = sql::query(
        s, "SELECT hash, username, role, created_at, expires_at FROM tokens WHERE hash = ?",
        {hash});
    if (rs.rowCount() == 0) return std::optional<TokenRecord>();
    TokenRecord t;
    t.hash = sql::textAt(rs, 0, 0);
    t.username = sql::textAt(rs, 1, 0);
    t.role = parseRole(sql::textAt(rs, 2, 0)).value_or(Role::kViewer);
    t.created_at_ms = sql::intAt(rs, 3, 0);
    t.expires_at_ms = sql::intAt(rs, 4, 0);
    return std::optional<TokenRecord>(std::move(t));
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

}  // namespace cc::store
