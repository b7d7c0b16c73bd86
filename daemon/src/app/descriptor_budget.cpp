#include "app/descriptor_budget.h"

namespace cc::app {

DescriptorBudget DescriptorBudget::of(const config::Config& config) {
  DescriptorBudget budget;
  auto add = [&](const std::string& key, int64_t per_unit) {
    const int64_t value = config.getInt(key);
    budget.needed += value * per_unit;
    budget.breakdown += (budget.breakdown.empty() ? "" : " + ") +
                        (per_unit == 1 ? "" : std::to_string(per_unit) + " x ") + key + " " +
                        std::to_string(value);
  };
  add("http.threads", 1);
  add("http.queue", 1);
  add("ws.max_connections", 1);
  add("admin.threads", 1);
  add("db.pool.max", 2);
  budget.needed += kMargin;
  budget.breakdown += " + " + std::to_string(kMargin) + " for listeners, log and store files";
  return budget;
}

std::optional<std::string> descriptorLimitWarning(const DescriptorBudget& budget,
                                                  std::optional<int64_t> soft_limit) {
  if (!soft_limit || *soft_limit >= budget.needed) return std::nullopt;
  return "RLIMIT_NOFILE is " + std::to_string(*soft_limit) + " but the configured connections " +
         "may need " + std::to_string(budget.needed) + " descriptors (" + budget.breakdown +
         "); at the limit idle keep-alive connections are closed and new ones answered 503 " +
         "overloaded. Raise LimitNOFILE= in the systemd unit (or ulimit -n), or lower those keys";
}

}  // namespace cc::app
