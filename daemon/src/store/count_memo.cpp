#include "store/count_memo.h"

namespace cc::store {

std::optional<int64_t> CountMemo::find(const std::string& key, const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.version != version) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.position);
  return it->second.count;
}

void CountMemo::keep(const std::string& key, const std::string& version, int64_t count) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second.version = version;
    it->second.count = count;
    order_.splice(order_.begin(), order_, it->second.position);
    return;
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(key);
  entries_.emplace(key, Entry{version, count, order_.begin()});
}

std::size_t CountMemo::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

}  // namespace cc::store
