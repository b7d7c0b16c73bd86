#include "middleware/rate_limit_config.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/key_table.h"

namespace cc::middleware {
namespace {

using common::Error;

std::string_view withoutQuery(std::string_view path) {
  std::size_t q = path.find('?');
  return q == std::string_view::npos ? path : path.substr(0, q);
}

bool validRuleName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Error keyError(const std::string& key, const std::string& what) {
  return Error::invalid(key, key + ": " + what);
}

}  // namespace

common::Result<std::vector<std::string>> readPathList(const config::Config& cfg,
                                                      const std::string& key, bool required) {
  std::vector<std::string> paths = cfg.has(key) ? cfg.getList(key) : std::vector<std::string>{};
  if (required && paths.empty()) return keyError(key, "must list at least one path");
  for (const auto& p : paths) {
    if (p.front() != '/') return keyError(key, "path '" + p + "' must start with '/'");
    std::size_t star = p.find('*');
    if (star != std::string::npos && star != p.size() - 1) {
      return keyError(key, "'*' may only end a path, got '" + p + "'");
    }
  }
  return paths;
}

std::optional<std::string> unlistedRuleKey(const config::Config& cfg, const std::string& prefix,
                                           const std::set<std::string>& listed) {
  for (const auto& [key, entry] : cfg.entries()) {
    if (key.compare(0, prefix.size(), prefix) != 0 || entry.source == "default") continue;
    std::size_t dot = key.find('.', prefix.size());
    if (listed.count(key.substr(prefix.size(), dot - prefix.size())) == 0) return key;
  }
  return std::nullopt;
}

namespace {

common::Result<RateLimitRule> readRule(const config::Config& cfg, const std::string& name) {
  const std::string prefix = "ratelimit.rule." + name + ".";
  RateLimitRule rule;
  rule.name = name;

  auto paths = readPathList(cfg, prefix + "paths", true);
  if (!paths) return paths.error();
  rule.paths = std::move(*paths);

  if (cfg.has(prefix + "methods")) {
    for (const auto& m : cfg.getList(prefix + "methods")) {
      std::string method = upper(m);
      if (!std::all_of(method.begin(), method.end(),
                       [](unsigned char c) { return std::isupper(c); })) {
        return keyError(prefix + "methods", "'" + m + "' is not an HTTP method");
      }
      rule.methods.push_back(method);
    }
  }

  if (!cfg.has(prefix + "rate"))
    return keyError(prefix + "rate", "rule '" + name + "' has no rate");
  auto rate = Rate::parse(cfg.getString(prefix + "rate"));
  if (!rate) return keyError(prefix + "rate", rate.error().message);
  rule.rate = *rate;

  // A missing burst allows one period's worth of requests at once.
  rule.burst = rule.rate.count;
  if (cfg.has(prefix + "burst")) {
    auto burst = config::parseInt(cfg.getString(prefix + "burst"));
    if (!burst || *burst < 1) {
      return keyError(prefix + "burst",
                      "must be a whole number >= 1, got '" + cfg.getString(prefix + "burst") + "'");
    }
    rule.burst = *burst;
  }

  if (cfg.has(prefix + "key")) {
    std::string key = cfg.getString(prefix + "key");
    if (key == "ip") {
      rule.key = RateKey::kIp;
    } else if (key == "token") {
      rule.key = RateKey::kToken;
    } else if (key == "global") {
      rule.key = RateKey::kGlobal;
    } else {
      return keyError(prefix + "key", "must be ip, token or global, got '" + key + "'");
    }
  }
  return rule;
}

}  // namespace

common::Result<Rate> Rate::parse(std::string_view text) {
  std::string s(text);
  s.erase(std::remove_if(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); }),
          s.end());
  std::size_t slash = s.find('/');
  auto bad = [&] {
    return Error::badRequest("expected N/s, N/m or N/h, got '" + std::string(text) + "'");
  };
  if (slash == std::string::npos) return bad();
  auto count = config::parseInt(s.substr(0, slash));
  std::string unit = s.substr(slash + 1);
  if (!count || *count < 1 ||
      s.substr(0, slash).find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  Rate r;
  r.count = *count;
  if (unit == "s") {
    r.period_s = 1;
  } else if (unit == "m") {
    r.period_s = 60;
  } else if (unit == "h") {
    r.period_s = 3600;
  } else {
    return bad();
  }
  return r;
}

std::string Rate::toString() const {
  const char* unit = period_s == 3600 ? "h" : period_s == 60 ? "m" : "s";
  return std::to_string(count) + "/" + unit;
}

std::string_view rateKeyName(RateKey key) {
  switch (key) {
    case RateKey::kIp:
      return "ip";
    case RateKey::kToken:
      return "token";
    case RateKey::kGlobal:
      return "global";
  }
  return "ip";
}

bool pathMatches(const std::vector<std::string>& patterns, std::string_view path) {
  path = withoutQuery(path);
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      std::string_view prefix(p.data(), p.size() - 1);
      if (path.substr(0, prefix.size()) == prefix) return true;
    } else if (path == p) {
      return true;
    }
  }
  return false;
}

bool RateLimitRule::matches(std::string_view method, std::string_view path) const {
  if (!methods.empty()) {
    bool found = std::any_of(methods.begin(), methods.end(), [&](const std::string& m) {
      return m.size() == method.size() &&
             std::equal(m.begin(), m.end(), method.begin(), [](char a, char b) {
               return a == std::toupper(static_cast<unsigned char>(b));
             });
    });
    if (!found) return false;
  }
  return pathMatches(paths, path);
}

const RateLimitRule* RateLimitConfig::match(std::string_view method, std::string_view path) const {
  for (const auto& rule : rules) {
    if (rule.matches(method, path)) return &rule;
  }
  return nullptr;
}

common::Result<std::shared_ptr<const RateLimitConfig>> RateLimitConfig::fromConfig(
    const config::Config& cfg) {
  auto out = std::make_shared<RateLimitConfig>();
  out->enabled = cfg.getBool("ratelimit.enabled");
  std::string mode = cfg.getString("ratelimit.mode");
  if (mode != "enforce" && mode != "shadow") {
    return keyError("ratelimit.mode", "must be enforce or shadow, got '" + mode + "'");
  }
  out->enforce = mode == "enforce";

  int64_t max_keys = cfg.getInt("ratelimit.max_keys");
  if (max_keys < 1) return keyError("ratelimit.max_keys", "must be >= 1");
  out->max_keys = static_cast<std::size_t>(max_keys);

  auto exempt = readPathList(cfg, "ratelimit.exempt", false);
  if (!exempt) return exempt.error();
  out->exempt = std::move(*exempt);

  std::vector<IpNetwork> proxies;
  for (const auto& item : cfg.getList("ratelimit.trusted_proxies")) {
    auto net = IpNetwork::parse(item);
    if (!net) return keyError("ratelimit.trusted_proxies", net.error().message);
    proxies.push_back(*net);
  }
  out->trusted_proxies = TrustedProxies(std::move(proxies));

  std::set<std::string> listed;
  for (const auto& name : cfg.getList("ratelimit.rules")) {
    if (!validRuleName(name)) {
      return keyError("ratelimit.rules", "'" + name + "' is not a valid rule name");
    }
    if (!listed.insert(name).second) {
      return keyError("ratelimit.rules", "rule '" + name + "' is listed twice");
    }
    auto rule = readRule(cfg, name);
    if (!rule) return rule.error();
    out->rules.push_back(std::move(*rule));
  }

  // A rule key for an unlisted rule is most likely a typo or a forgotten list entry. Built-in
  // defaults of the shipped rules are exempt, so that leaving one out of the list disables it.
  if (auto key = unlistedRuleKey(cfg, "ratelimit.rule.", listed)) {
    std::size_t start = std::string("ratelimit.rule.").size();
    return keyError(*key, "rule '" + key->substr(start, key->find('.', start) - start) +
                              "' is not listed in ratelimit.rules");
  }
  return std::shared_ptr<const RateLimitConfig>(std::move(out));
}

}  // namespace cc::middleware
