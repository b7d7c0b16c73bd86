#include "app/overload_check.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace cc::app {

DescriptorShedding DescriptorShedding::of(const std::vector<http::ServerShedding>& listeners) {
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

namespace {

void addBudget(http::BudgetStats& sum, const http::BudgetStats& one) {
  sum.held += one.held;
  sum.limit = std::max(sum.limit, one.limit);
  sum.refused += one.refused;
  if (one.exhausted_at && (!sum.exhausted_at || *one.exhausted_at > *sum.exhausted_at)) {
    sum.exhausted_at = one.exhausted_at;
  }
}

}  // namespace

MemoryShedding MemoryShedding::of(const std::vector<http::ServerShedding>& listeners) {
  MemoryShedding sum;
  for (const auto& s : listeners) {
    addBudget(sum.requests, s.request_memory);
    addBudget(sum.responses, s.response_memory);
  }
  return sum;
}

health::CheckResult overloadCheck(const DescriptorShedding& descriptors,
                                  const MemoryShedding& memory, common::SteadyTime now) {
  // Built in one string: the check runs at every /health.
  std::string shed;
  shed.reserve(256);
  auto count = [&shed](int64_t n, std::string_view what) {
    shed += std::to_string(n);
    shed += what;
  };
  count(descriptors.refused, " connection(s) answered 503 overloaded, ");
  count(descriptors.idle_closed, " idle keep-alive connection(s) closed, ");
  count(memory.requests.refused, " request(s) refused for want of room for their body, ");
  count(memory.responses.refused,
        " answer(s) replaced by 503 for want of room to send them since start");
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
  auto also = [&](const std::string& what) { why += (why.empty() ? "" : " and ") + what; };
  if (recent(memory.requests.exhausted_at)) {
    also("request bodies at overload.max_request_bytes " + ago(*memory.requests.exhausted_at) +
         " s ago");
  }
  if (recent(memory.responses.exhausted_at)) {
    also("answers at overload.max_response_bytes " + ago(*memory.responses.exhausted_at) +
         " s ago");
  }
  if (!why.empty()) return {health::HealthStatus::kWarn, why + ": " + shed};
  shed.insert(0, "not shedding; ");
  return {health::HealthStatus::kPass, std::move(shed)};
}

}  // namespace cc::app
