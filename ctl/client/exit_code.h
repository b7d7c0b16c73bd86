#pragma once
// The documented exit codes of controlcenterctl, shared by every verb.

namespace cc::ctl::client {

/// What a verb's exit status means. Scripts branch on these; docs/ctl.md lists them.
enum class ExitCode : int {
  kOk = 0,            // the verb did what was asked (health: the daemon passes)
  kFailure = 1,       // the daemon answered with a failure, or is unhealthy, or a gate was missed
  kUnreachable = 2,   // connection refused, timed out, name not resolved
  kUsage = 3,         // unknown verb, bad argument or option, wrong argument count
  kUnauthorized = 4,  // 401/403, or the admin token file cannot be read
  kTimeout = 5,       // `wait`: the condition did not hold before --timeout expired
};

/// Exit code for an HTTP status the daemon answered with: 2xx ok, 401/403 unauthorized, any
/// other status a failure.
constexpr ExitCode exitCodeForStatus(int status) {
  if (status >= 200 && status < 300) return ExitCode::kOk;
  if (status == 401 || status == 403) return ExitCode::kUnauthorized;
  return ExitCode::kFailure;
}

constexpr int toInt(ExitCode code) { return static_cast<int>(code); }

}  // namespace cc::ctl::client
