#include "app/overload_check.h"

#include <algorithm>
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

MemoryShedding MemoryShedding::of(const std::vector<http::ServerStats>& listeners) {
  MemoryShedding sum;
  for (const auto& s : listeners) {
    sum.held += s.request_bytes_held;
    sum.limit = std::max(sum.limit, s.request_bytes_limit);
    sum.refused += s.shed_request_memory;
    if (s.request_memory_exhausted_at &&
        (!sum.last || *s.request_memory_exhausted_at > *sum.last)) {
      sum.last = s.request_memory_exhausted_at;
    }
  }
  return sum;
}

health::CheckResult overloadCheck(const DescriptorShedding& descriptors,
                                  const MemoryShedding& memory, common::SteadyTime now) {
  const std::string shed =
      std::to_string(descriptors.refused) + " connection(s) answered 503 overloaded, " +
      std::to_string(descriptors.idle_closed) + " idle keep-alive connection(s) closed, " +
      std::to_string(memory.refused) +
      " request(s) refused for want of room for their body since start";
  auto recent = [&](const std::optional<common::SteadyTime>& at) {
    return at && now - *at < kOverloadWindow;
  };
  auto ago = [&](common::SteadyTime at) {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - at).count());
  };
  std::string why;
  if (recent(descriptors.last)) {
    why = "out of file descriptors " + ago(*descriptors.last) + " s ago (RLIMIT_NOFILE)";
  }
  if (recent(memory.last)) {
    if (!why.empty()) why += " and ";
    why += "request bodies at overload.max_request_bytes " + ago(*memory.last) + " s ago";
  }
  if (!why.empty()) return {health::HealthStatus::kWarn, why + ": " + shed};
  return {health::HealthStatus::kPass, "not shedding; " + shed};
}

}  // namespace cc::app
