#include "config/config.h"

#include <fstream>
#include <set>
#include <stdexcept>

#include "config/key_table.h"
#include "config/properties_parser.h"

namespace cc::config {
namespace {

// Bounds on one value's expansion. Without them a few lines whose values each hold several
// references to the next key (or to themselves) expand exponentially: eight levels of eight
// references is 16 million copies, a hang and gigabytes for a 1.5 KB file.
constexpr int kMaxReferences = 1000;
constexpr std::size_t kMaxExpandedBytes = 64 * 1024;  // added to a value by its references

struct Expansion {
  explicit Expansion(const std::map<std::string, std::string>& values) : raw(values) {}
  const std::map<std::string, std::string>& raw;
  std::vector<std::string> unknown;
  int references_left = kMaxReferences;
  bool too_large = false;
};

// Replaces ${key} with that key's raw value, a few levels deep; unknown references stay as they
// are and are reported. Stops, marking `too_large`, past the bounds above.
std::string expand(const std::string& value, int depth, Expansion& ex) {
  std::string out;
  std::size_t pos = 0;
  while (pos < value.size()) {
    std::size_t open = value.find("${", pos);
    if (open == std::string::npos) break;
    std::size_t close = value.find('}', open + 2);
    if (close == std::string::npos) break;
    out.append(value, pos, open - pos);
    std::string ref = value.substr(open + 2, close - open - 2);
    auto it = ex.raw.find(ref);
    if (it != ex.raw.end() && depth < 8) {
      if (--ex.references_left < 0) ex.too_large = true;
      if (!ex.too_large) out += expand(it->second, depth + 1, ex);
      // Only what references add counts: a long literal value stays as valid as it was.
      if (out.size() > value.size() + kMaxExpandedBytes) ex.too_large = true;
    } else {
      ex.unknown.push_back(ref);
      out.append(value, open, close - open + 1);
    }
    if (ex.too_large) return out;
    pos = close + 1;
  }
  out.append(value, pos, std::string::npos);
  return out;
}

}  // namespace

const Config::Entry& Config::entry(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) throw std::out_of_range("unknown config key " + key);
  return it->second;
}

std::string Config::getString(const std::string& key) const { return entry(key).value; }
int64_t Config::getInt(const std::string& key) const { return parseInt(entry(key).value).value(); }
bool Config::getBool(const std::string& key) const { return parseBool(entry(key).value).value(); }
double Config::getDouble(const std::string& key) const {
  return parseDouble(entry(key).value).value();
}
std::vector<std::string> Config::getList(const std::string& key) const {
  return parseList(entry(key).value);
}

bool ConfigLoader::splitDefine(const std::string& text, std::pair<std::string, std::string>& out) {
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  out = {text.substr(0, eq), text.substr(eq + 1)};
  auto trim = [](std::string& s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
  };
  trim(out.first);
  trim(out.second);
  return true;
}

LoadResult ConfigLoader::load(const std::string& file, const Defines& defines) {
  LoadResult result;
  std::map<std::string, std::string> raw;
  std::map<std::string, std::string> source;
  std::map<std::string, int> line_of;
  for (const auto& spec : keyTable()) {
    if (spec.name.find('*') != std::string::npos) continue;
    raw[spec.name] = spec.default_value;
    source[spec.name] = "default";
  }

  auto accept = [&](const std::string& key, const std::string& value, const std::string& from,
                    int line) {
    const KeySpec* spec = findKey(key);
    if (spec == nullptr) {
      std::string msg = from + ": unknown key '" + key + "'";
      if (auto hint = suggestKey(key)) msg += " (did you mean '" + *hint + "'?)";
      result.problems.push_back(msg);
      return;
    }
    raw[key] = value;
    source[key] = from;
    line_of[key] = line;
  };

  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      result.problems.push_back(file + ": cannot read the config file");
    } else {
      auto entries = parseProperties(in);
      for (const auto& e : entries) {
        if (!e.error.empty()) {
          result.problems.push_back(file + ":" + std::to_string(e.line) + ": " + e.error);
        } else {
          accept(e.key, e.value, file, e.line);
        }
      }
    }
  }
  for (const auto& [key, value] : defines) accept(key, value, "--define", 0);

  auto config = std::make_shared<Config>();
  config->file_ = file;
  for (const auto& [key, value] : raw) {
    Expansion ex(raw);
    std::string expanded = expand(value, 0, ex);
    if (ex.too_large) {
      result.problems.push_back(key + ": expands to more than " + std::to_string(kMaxReferences) +
                                " references or " + std::to_string(kMaxExpandedBytes) +
                                " bytes (a ${key} loop?)");
      config->entries_[key] = {value, source[key], line_of[key]};
      continue;
    }
    for (const auto& ref : ex.unknown) {
      result.problems.push_back(key + ": refers to unknown key '${" + ref + "}'");
    }
    const KeySpec* spec = findKey(key);
    if (spec != nullptr) {
      if (auto problem = checkValue(*spec, expanded)) {
        result.problems.push_back(key + ": " + *problem + " (from " + source[key] + ")");
      }
    }
    config->entries_[key] = {expanded, source[key], line_of[key]};
  }
  result.config = std::move(config);
  return result;
}

ConfigPtr ConfigLoader::withReloadable(const Config& running, const Config& next) {
  auto merged = std::make_shared<Config>(running);
  // Every reloadable key as the new layers have it, its source too: a value that moved from the
  // default into the file (or to another line) is shown as coming from there.
  for (const auto& [key, entry] : running.entries_) {
    const KeySpec* spec = findKey(key);
    if (spec != nullptr && spec->reloadable && next.entries_.count(key) == 0) {
      merged->entries_.erase(key);
    }
  }
  for (const auto& [key, entry] : next.entries_) {
    const KeySpec* spec = findKey(key);
    if (spec != nullptr && spec->reloadable) merged->entries_[key] = entry;
  }
  return merged;
}

std::string shownValue(const std::string& key, const std::string& value) {
  return isSecretKey(key) ? kRedacted : value;
}

std::vector<ShownEntry> shownEntries(const Config& config) {
  std::vector<ShownEntry> out;
  out.reserve(config.entries().size());
  for (const auto& [key, entry] : config.entries()) {
    const KeySpec* spec = findKey(key);
    ShownEntry shown;
    shown.key = key;
    shown.redacted = isSecretKey(key);
    shown.value = shown.redacted ? kRedacted : entry.value;
    shown.source = entry.line > 0 ? entry.source + ":" + std::to_string(entry.line) : entry.source;
    shown.reloadable = spec != nullptr && spec->reloadable;
    out.push_back(std::move(shown));
  }
  return out;
}

std::vector<Change> diff(const Config& before, const Config& after) {
  std::vector<Change> out;
  std::set<std::string> keys;
  for (const auto& [k, e] : before.entries()) keys.insert(k);
  for (const auto& [k, e] : after.entries()) keys.insert(k);
  for (const auto& k : keys) {
    auto b = before.entries().find(k);
    auto a = after.entries().find(k);
    std::string old_value = b == before.entries().end() ? "" : b->second.value;
    std::string new_value = a == after.entries().end() ? "" : a->second.value;
    if (old_value == new_value) continue;
    const KeySpec* spec = findKey(k);
    out.push_back({k, shownValue(k, old_value), shownValue(k, new_value),
                   spec != nullptr && spec->reloadable});
  }
  return out;
}

}  // namespace cc::config
