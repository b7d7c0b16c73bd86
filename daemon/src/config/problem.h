#pragma once
// One thing wrong with a configuration, naming the key at fault.

#include <string>
#include <vector>

namespace cc::config {

/// A problem a component's settings builder found in a configuration the key table accepted:
/// keys that do not fit together (a listed rule without a rate, a key for an unlisted rule).
/// `message` is the whole line, starting with the key. A plain value.
struct Problem {
  std::string key;
  std::string message;
};
using Problems = std::vector<Problem>;

/// `key`: `what`, as every problem reads.
inline Problem keyProblem(const std::string& key, const std::string& what) {
  return {key, key + ": " + what};
}

}  // namespace cc::config
