#include "store/sql_user_repository.h"

#include "store/last_admin.h"

namespace cc::store {

using common::Error;
using common::Result;
using common::Status;
using Poco::Data::Session;

namespace {

const char* const kUserSelect =
    "SELECT username, role, password_hash, created_at, disabled FROM users";

UserRecord readUserRow(const SqlRow& row) {
  UserRecord u;
  u.user.username = row.text(0);
  u.user.role = domain::parseRole(row.text(1)).value_or(Role::kViewer);
  u.password_hash = row.text(2);
  u.user.created_at_ms = row.integer(3);
  u.user.disabled = row.boolean(4);
  return u;
}

Error noUserNamed(const std::string& username) {
  return Error::notFound("no user named '" + username + "'");
}

}  // namespace

std::optional<UserRecord> SqlUserRepository::findUser(Session& s, const std::string& username) {
  std::optional<UserRecord> found;
  db_.query(s, std::string(kUserSelect) + " WHERE username = ?", {username},
            [&](const SqlRow& row) { found = readUserRow(row); });
  return found;
}

// Inside the write transaction, so two concurrent removals cannot both pass: without an enabled
// admin nobody can write any more, not even to create a new admin. Every enabled admin's row is
// locked first, so that two instances removing or disabling the last two admins at once are
// serialised here, and the second finds only one left.
bool SqlUserRepository::isLastEnabledAdmin(Session& s, const std::string& username) {
  bool self = false;
  int64_t others = 0;
  db_.query(s,
            std::string("SELECT username FROM users WHERE role = 'admin' AND disabled = ?") +
                db_.lockClause(RowLock::kUpdate),
            {db_.boolValue(false)}, [&](const SqlRow& row) {
              if (row.text(0) == username) {
                self = true;
              } else {
                ++others;
              }
            });
  return self && others == 0;
}

Result<std::vector<User>> SqlUserRepository::list(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<std::vector<User>> {
    std::vector<User> out;
    db_.query(s, std::string(kUserSelect) + " ORDER BY username", {},
              [&](const SqlRow& row) { out.push_back(readUserRow(row).user); });
    return out;
  });
}

Result<UserRecord> SqlUserRepository::find(const std::string& username,
                                           common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<UserRecord> {
    auto found = findUser(s, username);
    if (!found) return noUserNamed(username);
    return *found;
  });
}

Status SqlUserRepository::create(const UserRecord& record, common::SteadyTime deadline) {
  if (auto st = domain::validateUsername(record.user.username); !st.ok()) return st;
  return db_.write(deadline, [&](Session& s) -> Status {
    // The primary key decides between instances.
    if (db_.exec(
            s,
            "INSERT INTO users (username, role, password_hash, created_at, disabled)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
            {record.user.username, std::string(toString(record.user.role)), record.password_hash,
             record.user.created_at_ms, db_.boolValue(record.user.disabled)}) == 0) {
      return Error::conflict("a user named '" + record.user.username + "' already exists");
    }
    return common::Ok{};
  });
}

Status SqlUserRepository::remove(const std::string& username, common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (isLastEnabledAdmin(s, username)) return lastAdminError(username, "deleting it");
    // Explicit rather than relying on ON DELETE CASCADE, so revocation does not hinge on
    // SQLite's foreign_keys pragma.
    db_.exec(s, "DELETE FROM tokens WHERE username = ?", {username});
    if (db_.exec(s, "DELETE FROM users WHERE username = ?", {username}) == 0) {
      return noUserNamed(username);
    }
    return common::Ok{};
  });
}

Status SqlUserRepository::setPasswordHash(const std::string& username, const std::string& hash,
                                          common::SteadyTime deadline) {
  return db_.write(deadline, [&](Session& s) -> Status {
    if (db_.exec(s, "UPDATE users SET password_hash = ? WHERE username = ?", {hash, username}) ==
        0) {
      return noUserNamed(username);
    }
    return common::Ok{};
  });
}

Result<UserUpdate> SqlUserRepository::update(const std::string& username, const UserChange& change,
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
    if ((demotes || disables) && isLastEnabledAdmin(s, username)) {
      return lastAdminError(username, lastAdminChange(demotes, disables));
    }
    db_.exec(s, "UPDATE users SET role = ?, disabled = ? WHERE username = ?",
             {std::string(toString(out.user.role)), db_.boolValue(out.user.disabled), username});
    // Tokens carry the role they were issued with: a new role starts with new tokens.
    if (out.user.role != before.role || out.user.disabled) {
      out.tokens_revoked = db_.exec(s, "DELETE FROM tokens WHERE username = ?", {username});
    }
    return out;
  });
}

Result<int64_t> SqlUserRepository::count(common::SteadyTime deadline) {
  return db_.read(deadline, [&](Session& s) -> Result<int64_t> {
    return db_.scalar(s, "SELECT COUNT(*) FROM users");
  });
}

}  // namespace cc::store
