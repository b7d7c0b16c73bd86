#include "middleware/rate_limit_config.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "config/key_table.h"

namespace cc::middleware {
namespace {

using common::Error;
using config::keyProblem;
using config::Problems;

std::string_view withoutQuery(std::string_view path) {
  std::size_t q = path.find('?');
  return q == std::string_view::npos ? path : path.substr(0, q);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

RateKey rateKeyFrom(const std::string& text) {
  if (text == "token") return RateKey::kToken;
  if (text == "global") return RateKey::kGlobal;
  return RateKey::kIp;
}

// The key table checked each value (rate, burst, key, paths, methods); what is left is whether
// the rule has what it needs.
RateLimitRule readRule(const config::Config& cfg, const std::string& name, Problems& problems) {
  const std::string prefix = "ratelimit.rule." + name + ".";
  RateLimitRule rule;
  rule.name = name;
  if (cfg.has(prefix + "paths")) rule.paths = cfg.getList(prefix + "paths");
  if (rule.paths.empty()) {
    problems.push_back(keyProblem(prefix + "paths", "rule '" + name + "' has no paths"));
  }
  if (cfg.has(prefix + "methods")) {
    for (const auto& m : cfg.getList(prefix + "methods")) rule.methods.push_back(upper(m));
  }
  if (cfg.has(prefix + "rate")) {
    rule.rate = *Rate::parse(cfg.getString(prefix + "rate"));
  } else {
    problems.push_back(keyProblem(prefix + "rate", "rule '" + name + "' has no rate"));
  }
  // A missing burst allows one period's worth of requests at once.
  rule.burst = cfg.has(prefix + "burst") ? cfg.getInt(prefix + "burst") : rule.rate.count;
  if (cfg.has(prefix + "key")) rule.key = rateKeyFrom(cfg.getString(prefix + "key"));
  return rule;
}

}  // namespace

void addUnlistedRuleProblems(const config::Config& cfg, const std::string& prefix,
                             const std::set<std::string>& listed, const std::string& list_key,
                             Problems& problems) {
  for (const auto& [key, entry] : cfg.entries()) {
    if (key.compare(0, prefix.size(), prefix) != 0 || entry.source == "default") continue;
    std::size_t dot = key.find('.', prefix.size());
    std::string name = key.substr(prefix.size(), dot - prefix.size());
    if (listed.count(name) == 0) {
      problems.push_back(keyProblem(key, "rule '" + name + "' is not listed in " + list_key));
    }
  }
}

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

std::shared_ptr<const RateLimitConfig> RateLimitConfig::fromConfig(const config::Config& cfg,
                                                                   Problems& problems) {
  auto out = std::make_shared<RateLimitConfig>();
  out->enabled = cfg.getBool("ratelimit.enabled");
  out->enforce = cfg.getString("ratelimit.mode") == "enforce";
  out->max_keys = static_cast<std::size_t>(cfg.getInt("ratelimit.max_keys"));
  out->exempt = cfg.getList("ratelimit.exempt");
  std::vector<IpNetwork> proxies;
  for (const auto& item : cfg.getList("ratelimit.trusted_proxies")) {
    proxies.push_back(*IpNetwork::parse(item));
  }
  out->trusted_proxies = TrustedProxies(std::move(proxies));

  std::set<std::string> listed;
  for (const auto& name : cfg.getList("ratelimit.rules")) {
    listed.insert(name);
    out->rules.push_back(readRule(cfg, name, problems));
  }
  // Built-in defaults of the shipped rules are exempt, so that leaving one out of the list
  // disables it.
  addUnlistedRuleProblems(cfg, "ratelimit.rule.", listed, "ratelimit.rules", problems);
  return out;
}

}  // namespace cc::middleware
