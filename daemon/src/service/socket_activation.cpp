#include "service/socket_activation.h"

namespace cc::service {
namespace {

bool parseCount(const std::string& text, long& out) {
  if (text.empty() || text.size() > 9) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

std::vector<std::string> splitNames(const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = text.find(':', start);
    names.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
    if (colon == std::string::npos) return names;
    start = colon + 1;
  }
}

}  // namespace

common::Result<std::vector<PassedFd>> parseListenFds(const std::string& listen_pid,
                                                     const std::string& listen_fds,
                                                     const std::string& listen_fdnames,
                                                     long own_pid) {
  std::vector<PassedFd> passed;
  if (listen_pid.empty()) return passed;
  long pid = 0;
  if (!parseCount(listen_pid, pid)) {
    return common::Error::badRequest("LISTEN_PID='" + listen_pid + "' is not a process id");
  }
  if (pid != own_pid) return passed;
  long count = 0;
  if (!parseCount(listen_fds, count)) {
    return common::Error::badRequest("LISTEN_FDS='" + listen_fds + "' is not a count");
  }
  std::vector<std::string> names;
  if (!listen_fdnames.empty()) {
    names = splitNames(listen_fdnames);
    if (names.size() != static_cast<std::size_t>(count)) {
      return common::Error::badRequest("LISTEN_FDNAMES='" + listen_fdnames + "' names " +
                                       std::to_string(names.size()) + " descriptor(s) but " +
                                       "LISTEN_FDS=" + listen_fds);
    }
  }
  for (long i = 0; i < count; ++i) {
    passed.push_back({kListenFdsStart + static_cast<int>(i),
                      names.empty() ? std::string() : names[static_cast<std::size_t>(i)]});
  }
  return passed;
}

common::Result<std::vector<std::pair<std::string, int>>> assignListenRoles(
    const std::vector<PassedFd>& passed) {
  static const char* const kRoles[] = {"http", "admin", kAdminUnixFdName};
  constexpr int kRoleCount = 3;
  constexpr int kPositionalRoles = 2;  // http, admin; admin-unix only by name
  if (passed.size() > kRoleCount) {
    return common::Error::badRequest(
        std::to_string(passed.size()) +
        " listening sockets were passed (LISTEN_FDS); controlcenterd takes at most three, named "
        "http, admin and admin-unix (FileDescriptorName=)");
  }
  int by_role[kRoleCount] = {-1, -1, -1};
  std::vector<const PassedFd*> unnamed;
  for (const auto& p : passed) {
    int role = -1;
    for (int r = 0; r < kRoleCount; ++r) {
      if (p.name == kRoles[r]) role = r;
    }
    if (role < 0) {
      unnamed.push_back(&p);
    } else if (by_role[role] >= 0) {
      return common::Error::badRequest("two listening sockets are named '" + p.name +
                                       "' in LISTEN_FDNAMES");
    } else {
      by_role[role] = p.fd;
    }
  }
  // Without FileDescriptorName= systemd names each descriptor after its socket unit, so any
  // name that is not a role counts as unnamed and is placed by position. The Unix socket is
  // never guessed: a TCP listener taken for it would make admin.socket silently unused.
  for (const PassedFd* p : unnamed) {
    int role = 0;
    while (role < kPositionalRoles && by_role[role] >= 0) ++role;
    if (role == kPositionalRoles) {
      return common::Error::badRequest(
          "LISTEN_FDS descriptor " + std::to_string(p->fd) +
          (p->name.empty() ? std::string(" (unnamed)") : " (" + p->name + ")") +
          " has no role left: http and admin are taken; name a Unix socket admin-unix "
          "(FileDescriptorName=)");
    }
    by_role[role] = p->fd;
  }
  std::vector<std::pair<std::string, int>> roles;
  for (int r = 0; r < kRoleCount; ++r) {
    if (by_role[r] >= 0) roles.emplace_back(kRoles[r], by_role[r]);
  }
  return roles;
}

}  // namespace cc::service
