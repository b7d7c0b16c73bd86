#pragma once
// Reads files under a root directory ("/" in production, a fixture tree in tests) with plain
// read().

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cc::system {

/// Reads small kernel files (/proc, /sys, /etc) relative to a root directory into one buffer
/// that is reused across reads, so a sampling round allocates almost nothing.
/// Not thread-safe: one instance belongs to one sampling thread.
class ProcFs {
 public:
  enum class Status { kOk, kMissing, kFailed };

  /// `root` is prepended to every relative path ("proc/stat" -> root + "/proc/stat").
  explicit ProcFs(std::string root = "/");

  /// Reads at most `max_bytes` of `rel` (0: the whole file). On kOk, `out` views the text until
  /// the next read. kMissing when the file does not exist (a container without it); kFailed for
  /// any other error, described by lastError().
  Status read(std::string_view rel, std::string_view& out, std::size_t max_bytes = 0);

  /// Calls `fn` with the name of every entry of directory `rel` except "." and "..".
  /// Returns kMissing/kFailed like read().
  Status listDir(std::string_view rel, const std::function<void(std::string_view)>& fn);

  /// The absolute path of `rel` under the root.
  std::string path(std::string_view rel) const;
  const std::string& root() const { return root_; }
  /// "path: strerror" of the last failed call.
  const std::string& lastError() const { return last_error_; }

 private:
  Status fail(int err);
  std::string root_;  // always ends with '/'
  std::string path_;  // reused for the absolute path of each read
  std::string buffer_;
  std::string last_error_;
};

}  // namespace cc::system
