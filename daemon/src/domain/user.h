#pragma once
// The user and token domain: accounts, roles, identities and stored token records.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cc::domain {

enum class Role { kAdmin, kViewer };

std::string_view toString(Role role);
std::optional<Role> parseRole(std::string_view text);

inline constexpr std::size_t kMaxUsername = 64;
inline constexpr std::size_t kMinPassword = 8;
inline constexpr std::size_t kMaxPassword = 1024;

/// An account as shown to clients: never the password hash.
struct User {
  std::string username;
  Role role = Role::kViewer;
  int64_t created_at_ms = 0;
  bool disabled = false;
};

/// An account as stored, with its encoded password hash (see cc::auth::PasswordHasher).
struct UserRecord {
  User user;
  std::string password_hash;
};

/// Who a credential belongs to. `expires_at_ms` is 0 for a password login (no expiry).
struct Identity {
  std::string username;
  Role role = Role::kViewer;
  int64_t expires_at_ms = 0;
};

/// A stored bearer token: only the SHA-256 of the token, never the token itself.
struct TokenRecord {
  std::string hash;  // lowercase hex SHA-256 of the token
  std::string username;
  Role role = Role::kViewer;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
};

/// An administrator's change to an account; a field left out keeps its value.
struct UserChange {
  std::optional<Role> role;
  std::optional<bool> disabled;
};

/// Fields of a user create (username, password required; role defaults to viewer) or patch.
struct UserInput {
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<Role> role;
  std::optional<bool> disabled;
};

/// 1..64 characters of [A-Za-z0-9_.-]; Error::invalid("username", …) otherwise.
common::Status validateUsername(const std::string& username);
/// 8..1024 characters; Error::invalid("password", …) otherwise.
common::Status validatePassword(const std::string& password);
/// Reads a request body; errors name the field. A patch may not rename (username is rejected).
common::Result<UserInput> parseUserInput(const Poco::JSON::Object& body, bool partial);
/// Reads a PATCH /admin/users/{name} body: only `role` and `disabled`; a password is refused
/// with a pointer to its own route.
common::Result<UserChange> parseUserChange(const Poco::JSON::Object& body);

Poco::JSON::Object::Ptr toJson(const User& user);

}  // namespace cc::domain
