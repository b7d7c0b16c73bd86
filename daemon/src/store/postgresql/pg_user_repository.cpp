#include "store/postgresql/pg_user_repository.h"

#include "store/last_admin.h"
#include "store/postgresql/pg_sql.h"

namespace cc::store::postgresql {

using namespace domain;  // this file maps domain values to rows and back

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const char* const kUserSelect =
    "SELECT username, role, password_hash, created_at, disabled FROM users";

UserRecord readUserRow(const sql::Row& row) {
  UserRecord u;
  u.user.username = row.text(0);
  u.user.role = parseRole(row.text(1)).value_or(Role::kViewer);
  u.password_hash = row.text(2);
  u.user.created_at_ms = row.integer(3);
  u.user.disabled = row.boolean(4);
  return u;
}

std::optional<UserRecord> findUser(Session& s, const std::string& username) {
  std::optional<UserRecord> found;
  sql::run(s, std::string(kUserSelect) + " WHERE username = ?", {username},
           [&](const sql::Row& row) { found = readUserRow(row); });
  return found;
}

Error noUserNamed(const std::string& username) {
  return Error::notFound("no user named '" + username + "'");
}

// Locks every enabled admin's row first, so that two instances removing or disabling the last
// two admins at once are serialised here, and the second finds only one left.
bool isLastAdmin(Session& s, const std::string& username) {
  bool self = false;
  int64_t others = 0;
  sql::run(s, "SELECT username FROM users WHERE role = 'admin' AND NOT disabled FOR UPDATE", {},
           [&](const sql::Row& row) {
             if (row.text(0) == username) {
               self = true;
             } else {
               ++others;
             }
           });
  return self && others == 0;
}

}  // namespace

Result<std::vector<User>> PgUserRepository::list(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<User>> {
    std::vector<User> out;
    sql::run(s, std::string(kUserSelect) + " ORDER BY username", {},
             [&](const sql::Row& row) { out.push_back(readUserRow(row).user); });
    return out;
  });
}

Result<UserRecord> PgUserRepository::find(const std::string& username,
                                          common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<UserRecord> {
    auto found = findUser(s, username);
    if (!found) return noUserNamed(username);
    return *found;
  });
}

Status PgUserRepository::create(const UserRecord& record, common::SteadyTime deadline) {
  if (auto st = validateUsername(record.user.username); !st.ok()) return st;
  return db_.write(deadline, [&](Session& s) -> Status {
    // The primary key decides between instances; this gives the usual message.
    if (sql::exec(s,
                  "INSERT INTO users (username, role, password_hash, created_at, disabled)"
                  " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
                  {record.user.username, std::string(toString(record.user.role)),
                   record.password_hash, record.user.created_at_ms,
                   std::string(record.user.disabled ? "true" : "false")}) == 0) {
      return Error::conflict("a user named '" + record.user.username + "' already exists");
    }
    return common::Ok{};
  });
}

Status PgUserRepository::remove(const std::string& username, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (isLastAdmin(s, username)) return lastAdminError(username, "deleting it");
    // Explicit, as on SQLite, though the foreign key cascades too.
    sql::exec(s, "DELETE FROM tokens WHERE username = ?", {username});
    if (sql::exec(s, "DELETE FROM users WHERE username = ?", {username}) == 0) {
      return noUserNamed(username);
    }
    return common::Ok{};
  });
}

Status PgUserRepository::setPasswordHash(const std::string& username, const std::string& hash,
                                         common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (sql::exec(s, "UPDATE users SET password_hash = ? WHERE username = ?", {hash, username}) ==
        0) {
      return noUserNamed(username);
    }
    return common::Ok{};
  });
}

Result<UserUpdate> PgUserRepository::update(const std::string& username, const UserChange& change,
                                            common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Result<UserUpdate> {
    auto found = findUser(s, username);
    if (!found) return noUserNamed(username);
    const User before = found->user;
    UserUpdate out{before, 0};
    out.user.role = change.role.value_or(before.role);
    out.user.disabled = change.disabled.value_or(before.disabled);
    const bool demotes = before.role == Role::kAdmin && out.user.role != Role::kAdmin;
    const bool disables = !before.disabled && out.user.disabled;
    if ((demotes || disables) && isLastAdmin(s, username)) {
      return lastAdminError(username, lastAdminChange(demotes, disables));
    }
    sql::exec(s, "UPDATE users SET role = ?, disabled = ? WHERE username = ?",
              {std::string(toString(out.user.role)),
               std::string(out.user.disabled ? "true" : "false"), username});
    // Tokens carry the role they were issued with: a new role starts with new tokens.
    if (out.user.role != before.role || out.user.disabled) {
      out.tokens_revoked = sql::exec(s, "DELETE FROM tokens WHERE username = ?", {username});
    }
    return out;
  });
}

Result<int64_t> PgUserRepository::count(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<int64_t> {
    return sql::scalar(s, "SELECT COUNT(*) FROM users");
  });
}

}  // namespace cc::store::postgresql
