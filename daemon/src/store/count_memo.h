#pragma once
// Capped counts of a search, kept while the index that answered them is unchanged.

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cc::store {

/// The capped counts of searches (SqlDatabase::searchCount), each kept with the version of the
/// index it was counted in, as the backend read it in the same transaction: a lookup gives the
/// count only for that version, so a count is never older than the index it is asked of. Every
/// page of one search, and the same search asked again, then counts its matches once between
/// two changes of the index. At most `capacity` searches, the least recently used out first.
/// Thread-safe.
class CountMemo {
 public:
  static constexpr std::size_t kCapacity = 256;

  explicit CountMemo(std::size_t capacity = kCapacity) : capacity_(capacity) {}

  /// The count kept for `key` if it was counted in index `version`.
  std::optional<int64_t> find(const std::string& key, const std::string& version);
  /// Keeps `count` for `key` as counted in `version`, in place of what was kept for it.
  void keep(const std::string& key, const std::string& version, int64_t count);

  std::size_t size() const;

 private:
  struct Entry {
    std::string version;
    int64_t count;
    std::list<std::string>::iterator position;
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> order_;  // most recently used first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace cc::store
