#pragma once
// An immutable, validated configuration snapshot, and the loader that layers its sources.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cc::config {

/// Effective values of every key: built-in defaults < config file < --define. Immutable once
/// loaded, so a snapshot may be shared between threads freely.
class Config {
 public:
  struct Entry {
    std::string value;   // after ${key} expansion
    std::string source;  // "default", the file path, or "--define"
    int line = 0;        // the line of `source` that set it, when a file did
  };

  std::string getString(const std::string& key) const;
  int64_t getInt(const std::string& key) const;
  int getInt32(const std::string& key) const { return static_cast<int>(getInt(key)); }
  bool getBool(const std::string& key) const;
  double getDouble(const std::string& key) const;
  std::vector<std::string> getList(const std::string& key) const;
  bool has(const std::string& key) const { return entries_.count(key) != 0; }

  /// Every effective key (table keys with defaults plus wildcard keys that were set), sorted.
  const std::map<std::string, Entry>& entries() const { return entries_; }
  /// The config file this snapshot came from; empty for built-in defaults only.
  const std::string& file() const { return file_; }

 private:
  friend class ConfigLoader;
  const Entry& entry(const std::string& key) const;
  std::map<std::string, Entry> entries_;
  std::string file_;
};

using ConfigPtr = std::shared_ptr<const Config>;

/// The outcome of loading: a config when there were no problems, and one line per problem,
/// each naming the key (or the file).
struct LoadResult {
  ConfigPtr config;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty() && config != nullptr; }
};

/// Reads the layers and checks every key against the table. Stateless and thread-safe.
class ConfigLoader {
 public:
  using Defines = std::vector<std::pair<std::string, std::string>>;

  static LoadResult load(const std::string& file, const Defines& defines);
  /// The running config with only its reloadable keys taken from `next`: what a reload applies.
  static ConfigPtr withReloadable(const Config& running, const Config& next);
  /// Splits "key=value" from --define; false when there is no '='.
  static bool splitDefine(const std::string& text, std::pair<std::string, std::string>& out);
};

/// One key of the effective configuration as operators may see it: GET /admin/config.
struct ShownEntry {
  std::string key;
  std::string value;   // kRedacted for a secret key
  std::string source;  // "default", "FILE:LINE" or "--define"
  bool reloadable = false;
  bool redacted = false;
};

/// What a secret key's value is shown as.
inline constexpr const char* kRedacted = "[redacted]";

/// Every effective key of `config`, sorted, with where its value came from and secret values
/// (isSecretKey) replaced by kRedacted. After a reload, the reloaded values and their sources.
std::vector<ShownEntry> shownEntries(const Config& config);

/// `value` as it may be shown for `key`: kRedacted when the key is secret.
std::string shownValue(const std::string& key, const std::string& value);

/// A key whose value differs between two snapshots; the values of a secret key come redacted
/// (reload answers and logs show them), so only the key says that it changed.
struct Change {
  std::string key;
  std::string old_value;
  std::string new_value;
  bool reloadable;
};
std::vector<Change> diff(const Config& before, const Config& after);

}  // namespace cc::config
