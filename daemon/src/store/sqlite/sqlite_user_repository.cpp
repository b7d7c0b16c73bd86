#include "store/sqlite/sqlite_user_repository.h"

#include "store/last_admin.h"
#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

std::vector<UserRecord> readUsers(const Poco::Data::RecordSet& rs) {
  std::vector<UserRecord> out;
  for (std::size_t r = 0; r < rs.rowCount(); ++r) {
    UserRecord u;
    u.user.username = sql::textAt(rs, 0, r);
    u.user.role = parseRole(sql::textAt(rs, 1, r)).value_or(Role::kViewer);
    u.password_hash = sql::textAt(rs, 2, r);
    u.user.created_at_ms = sql::intAt(rs, 3, r);
    u.user.disabled = sql::intAt(rs, 4, r) != 0;
    out.push_back(std::move(u));
  }
  return out;
}

const char* const kUserColumns =
    "SELECT username, role, password_hash, created_at, disabled FROM users";

Error noSuchUser(const std::string& username) {
  return Error::notFound("no user named '" + username + "'");
}

// Inside the write transaction, so two concurrent removals cannot both pass: without an enabled
// admin nobody can write any more, not even to create a new admin.
bool isLastEnabledAdmin(Session& s, const std::string& username) {
  const int64_t others = sql::scalar(
      s, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND username <> ?",
      {username});
  const int64_t self = sql::scalar(
      s, "SELECT COUNT(*) FROM users WHERE username = ? AND role = 'admin' AND disabled = 0",
      {username});
  return self > 0 && others == 0;
}

}  // namespace

Result<std::vector<User>> SqliteUserRepository::list(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<User>> {
    std::vector<User> out;
    for (auto& r : readUsers(sql::query(s, std::string(kUserColumns) + " ORDER BY username"))) {
      out.push_back(std::move(r.user));
    }
    return out;
  });
}

Result<UserRecord> SqliteUserRepository::find(const std::string& username,
                                              common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<UserRecord> {
    auto users =
        readUsers(sql::query(s, std::string(kUserColumns) + " WHERE username = ?", {username}));
    if (users.empty()) return noSuchUser(username);
    return users.front();
  });
}

Status SqliteUserRepository::create(const UserRecord& record, common::SteadyTime deadline) {
  if (auto st = validateUsername(record.user.username); !st.ok()) return st;
  return db_.write(deadline, [&](Session& s) -> Status {
    if (sql::scalar(s, "SELECT COUNT(*) FROM users WHERE username = ?", {record.user.username}) >
        0) {
      return Error::conflict("a user named '" + record.user.username + "' already exists");
    }
    sql::exec(s,
              "INSERT INTO users (username, role, password_hash, created_at, disabled) "
              "VALUES (?, ?, ?, ?, ?)",
              {record.user.username, std::string(toString(record.user.role)), record.password_hash,
               record.user.created_at_ms, int64_t{record.user.disabled ? 1 : 0}});
    return common::Ok{};
  });
}

Status SqliteUserRepository::remove(const std::string& username, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    // Explicit rather than relying on ON DELETE CASCADE, so revocation does not hinge on the
    // foreign_keys pragma.
    if (isLastEnabledAdmin(s, username)) return lastAdminError(username, "deleting it");
    sql::exec(s, "DELETE FROM tokens WHERE username = ?", {username});
    if (sql::exec(s, "DELETE FROM users WHERE username = ?", {username}) == 0) {
      return noSuchUser(username);
    }
    return common::Ok{};
  });
}

Status SqliteUserRepository::setPasswordHash(const std::string& username, const std::string& hash,
                                             common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (sql::exec(s, "UPDATE users SET password_hash = ? WHERE username = ?", {hash, username}) ==
        0) {
      return noSuchUser(username);
    }
    return common::Ok{};
  });
}

Result<UserUpdate> SqliteUserRepository::update(const std::string& username,
                                                const UserChange& change,
                                                common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<UserUpdate> {
    auto rows =
        readUsers(sql::query(s, std::string(kUserColumns) + " WHERE username = ?", {username}));
    if (rows.empty()) return noSuchUser(username);
    const User before = rows.front().user;
    UserUpdate out{before, 0};
    out.user.role = change.role.value_or(before.role);
    out.user.disabled = change.disabled.value_or(before.disabled);
    const bool demotes = before.role == Role::kAdmin && out.user.role != Role::kAdmin;
    const bool disables = !before.disabled && out.user.disabled;
    if ((demotes || disables) && isLastEnabledAdmin(s, username)) {
      return lastAdminError(username, lastAdminChange(demotes, disables));
    }
    sql::exec(s, "UPDATE users SET role = ?, disabled = ? WHERE username = ?",
              {std::string(toString(out.user.role)), int64_t{out.user.disabled ? 1 : 0}, username});
    // Tokens carry the role they were issued with: a new role starts with new tokens.
    if (out.user.role != before.role || out.user.disabled) {
      out.tokens_revoked = sql::exec(s, "DELETE FROM tokens WHERE username = ?", {username});
    }
    return out;
  });
}

Result<int64_t> SqliteUserRepository::count(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<int64_t> {
    return sql::scalar(s, "SELECT COUNT(*) FROM users");
  });
}

}  // namespace cc::store::sqlite
