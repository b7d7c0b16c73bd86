#include "app/overload_check.h"

#include <string>

namespace cc::app {

DescriptorShedding DescriptorShedding::of(const std::vector<http::ServerStats>& listeners) {
  DescriptorShedding sum;
  for (const auto& s : listeners) {
    sum.accept_failures += s.accept_failures;
    sum.refused += s.shed_descriptors;
    sum.idle_closed += s.idle_closed_descriptors;
    if (s.descriptors_exhausted_at && (!sum.last || *s.descriptors_exhausted_at > *sum.last)) {
      sum.last = s.descriptors_exhausted_at;
    }
  }
  return sum;
}

health::CheckResult overloadCheck(const DescriptorShedding& shedding, common::SteadyTime now) {
  const std::string shed =
      std::to_string(shedding.refused) + " connection(s) answered 503 overloaded, " +
      std::to_string(shedding.idle_closed) + " idle keep-alive connection(s) closed since start";
  if (shedding.last && now - *shedding.last < kOverloadWindow) {
    const auto ago = std::chrono::duration_cast<std::chrono::seconds>(now - *shedding.last).count();
    return {health::HealthStatus::kWarn,
            "out of file descriptors " + std::to_string(ago) + " s ago (RLIMIT_NOFILE): " + shed};
  }
  return {health::HealthStatus::kPass, "not shedding; " + shed};
}

}  // namespace cc::app
