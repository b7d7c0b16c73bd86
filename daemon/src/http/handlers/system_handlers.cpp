#include "http/handlers/system_handlers.h"

#include "http/error_envelope.h"
#include "system/process_query.h"

namespace cc::http::handlers {
namespace {

using Section = std::string system::SystemSnapshot::*;

Reply notYet(const RequestContext& ctx) {
  return errorReply(common::Error::unavailable(common::ErrorCode::kUnavailable,
                                               "no host metrics sampled yet; retry in a second", 1),
                    ctx.request_id);
}

}  // namespace

void addSystemRoutes(Router& router, const system::SystemSampler& sampler) {
  const std::pair<const char*, Section> sections[] = {
      {"/api/system/info", &system::SystemSnapshot::info_json},
      {"/api/system/stats", &system::SystemSnapshot::stats_json},
      {"/api/system/disk", &system::SystemSnapshot::disk_json},
      {"/api/system/network", &system::SystemSnapshot::network_json},
  };
  for (const auto& [path, section] : sections) {
    router.add("GET", path, [&sampler, member = section](RequestContext& ctx) {
      auto snapshot = sampler.snapshot();
      if (!snapshot) return notYet(ctx);
      return Reply::json(200, (*snapshot).*member);
    });
  }
  router.add("GET", "/api/system/processes", [&sampler](RequestContext& ctx) {
    auto query = system::ProcessQuery::parse(ctx.query);
    if (!query) return errorReply(query.error(), ctx.request_id);
    auto snapshot = sampler.snapshot();
    if (!snapshot) return notYet(ctx);
    return Reply::json(200, system::processesJson(*snapshot, *query));
  });
}

}  // namespace cc::http::handlers
