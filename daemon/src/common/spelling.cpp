#include "common/spelling.h"

#include <algorithm>

namespace cc::common {
namespace {

std::size_t levenshtein(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::optional<std::string> closestSpelling(std::string_view unknown,
                                           const std::vector<std::string_view>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, unknown.size() / 4);
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (std::string_view name : candidates) {
    // The distance is at least the length difference: skip names that cannot be within the
    // limit, so a long unknown name costs a length compare per candidate, not a full table.
    std::size_t gap =
        unknown.size() > name.size() ? unknown.size() - name.size() : name.size() - unknown.size();
    if (gap > limit) continue;
    std::size_t d = levenshtein(unknown, name);
    if (!best || d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  if (!best || best_distance > limit) return std::nullopt;
  return std::string(*best);
}

std::string didYouMean(std::string_view unknown, const std::vector<std::string_view>& candidates) {
  auto hint = closestSpelling(unknown, candidates);
  return hint ? " (did you mean '" + *hint + "'?)" : std::string();
}

}  // namespace cc::common
