#include "domain/user.h"

#include "common/clock.h"
#include "domain/input.h"

namespace cc::domain {

using common::Error;
using common::Result;
using common::Status;

std::string_view toString(Role role) { return role == Role::kAdmin ? "admin" : "viewer"; }

std::optional<Role> parseRole(std::string_view text) {
  if (text == "admin") return Role::kAdmin;
  if (text == "viewer") return Role::kViewer;
  return std::nullopt;
}

Status validateUsername(const std::string& username) {
  if (username.empty() || username.size() > kMaxUsername) {
    return Error::invalid("username",
                          "must be 1 to " + std::to_string(kMaxUsername) + " characters long");
  }
  for (char c : username) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return Error::invalid("username", "may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
  }
  return common::Ok{};
}

Status validatePassword(const std::string& password) {
  return checkText("password", password, kMinPassword, kMaxPassword);
}

Result<UserInput> parseUserInput(const Poco::JSON::Object& body, bool partial) {
  std::vector<std::string> known = {"password", "role", "disabled"};
  if (!partial) known.emplace_back("username");
  if (auto st = json_input::rejectUnknown(body, known); !st.ok()) return st.error();
  UserInput in;
  auto username = json_input::text(body, "username");
  if (!username.ok()) return username.error();
  in.username = *username;
  auto password = json_input::text(body, "password");
  if (!password.ok()) return password.error();
  in.password = *password;
  auto role = json_input::text(body, "role");
  if (!role.ok()) return role.error();
  if (*role) {
    in.role = parseRole(**role);
    if (!in.role) return Error::invalid("role", "must be one of admin, viewer");
  }
  auto disabled = json_input::boolean(body, "disabled");
  if (!disabled.ok()) return disabled.error();
  in.disabled = *disabled;
  if (!partial) {
    if (!in.username) return json_input::required("username");
    if (!in.password) return json_input::required("password");
  }
  if (in.username) {
    if (auto st = validateUsername(*in.username); !st.ok()) return st.error();
  }
  if (in.password) {
    if (auto st = validatePassword(*in.password); !st.ok()) return st.error();
  }
  return in;
}

Result<UserChange> parseUserChange(const Poco::JSON::Object& body) {
  if (body.has("password")) {
    return Error::invalid("password", "is changed with POST /admin/users/{name}/password");
  }
  auto input = parseUserInput(body, true);
  if (!input.ok()) return input.error();
  return UserChange{input->role, input->disabled};
}

Poco::JSON::Object::Ptr toJson(const User& user) {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("username", user.username);
  out->set("role", std::string(toString(user.role)));
  out->set("created_at", common::formatIsoTime(user.created_at_ms));
  out->set("disabled", user.disabled);
  return out;
}

}  // namespace cc::domain
