#include "http/handlers/agent_handlers.h"

#include <algorithm>

#include "domain/agent.h"
#include "http/error_envelope.h"
#include "http/handlers/domain_request.h"
#include "http/json_body.h"

namespace cc::http::handlers {
namespace {

constexpr const char* kTopic = "agents";
constexpr const char* kPrefix = "/api/agents";

Reply fail(const common::Error& error, const RequestContext& ctx) {
  return errorReply(error, ctx.request_id);
}

Poco::JSON::Object::Ptr listJson(const domain::Page<domain::Agent>& page, int64_t limit,
                                 int64_t offset) {
  auto out = domain::pageToJson(page);
  out->set("limit", limit);
  out->set("offset", offset);
  return out;
}

void announce(const DomainServices& services, const std::string& type, const domain::Agent& agent) {
  announceChange(services, kTopic, kPrefix, type, agent.id, "agent", domain::toJson(agent));
}

Reply list(DomainServices& services, RequestContext& ctx) {
  auto filter = domain::parseAgentFilter(ctx.query);
  if (!filter) return fail(filter.error(), ctx);
  auto page = services.store.agents().list(*filter, ctx.deadline);
  if (!page) return fail(page.error(), ctx);
  return jsonReply(200, listJson(*page, filter->limit, filter->offset));
}

Reply active(DomainServices& services, RequestContext& ctx) {
  int64_t limit = domain::kDefaultLimit;
  int64_t offset = 0;
  std::string unused_q;
  std::string unused_sort;
  if (auto st = domain::readListParams(ctx.query, unused_q, unused_sort, limit, offset); !st.ok()) {
    return fail(st.error(), ctx);
  }
  if (auto st = domain::checkWindow(limit, offset); !st.ok()) return fail(st.error(), ctx);
  auto agents = services.store.agents().active(services.active_window_s, ctx.deadline);
  if (!agents) return fail(agents.error(), ctx);
  // The active set is small (bounded by recent heartbeats), so it is windowed here rather
  // than in SQL.
  domain::Page<domain::Agent> page;
  page.total = static_cast<int64_t>(agents->size());
  auto first = std::min<int64_t>(offset, page.total);
  auto last = std::min<int64_t>(first + limit, page.total);
  page.items.assign(agents->begin() + first, agents->begin() + last);
  return jsonReply(200, listJson(page, limit, offset));
}

Reply stats(DomainServices& services, RequestContext& ctx) {
  auto counts = services.store.agents().stats(ctx.deadline);
  if (!counts) return fail(counts.error(), ctx);
  return jsonReply(200, domain::toJson(*counts));
}

Reply create(DomainServices& services, RequestContext& ctx) {
  auto body = parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseAgentInput(**body, false);
  if (!input) return fail(input.error(), ctx);
  auto agent = services.store.agents().create(*input, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  announce(services, "agent.created", *agent);
  Reply reply = jsonReply(201, domain::toJson(*agent));
  reply.setHeader("Location", std::string(kPrefix) + "/" + std::to_string(agent->id));
  return reply;
}

Reply get(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  auto agent = services.store.agents().get(*id, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  return jsonReply(200, domain::toJson(*agent));
}

Reply patch(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  auto body = parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseAgentInput(**body, true);
  if (!input) return fail(input.error(), ctx);
  auto agent = services.store.agents().patch(*id, *input, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  announce(services, "agent.updated", *agent);
  return jsonReply(200, domain::toJson(*agent));
}

Reply remove(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  if (auto st = services.store.agents().remove(*id, ctx.deadline); !st.ok()) {
    return fail(st.error(), ctx);
  }
  announceChange(services, kTopic, kPrefix, "agent.deleted", *id, {}, nullptr);
  return Reply::noContent();
}

Reply heartbeat(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  auto agent = services.store.agents().heartbeat(*id, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  announce(services, "agent.heartbeat", *agent);
  return jsonReply(200, domain::toJson(*agent));
}

}  // namespace

void addAgentRoutes(Router& router, DomainServices& services) {
  RouteOptions reads;
  reads.uses_store = true;
  RouteOptions writes = reads;
  writes.writes = true;
  router.add("GET", "/api/agents", bindServices(services, list), reads);
  router.add("POST", "/api/agents", bindServices(services, create), writes);
  router.add("GET", "/api/agents/active", bindServices(services, active), reads);
  router.add("GET", "/api/agents/stats", bindServices(services, stats), reads);
  router.add("GET", "/api/agents/{id}", bindServices(services, get), reads);
  router.add("PATCH", "/api/agents/{id}", bindServices(services, patch), writes);
  router.add("DELETE", "/api/agents/{id}", bindServices(services, remove), writes);
  router.add("POST", "/api/agents/{id}/heartbeat", bindServices(services, heartbeat), writes);
}

}  // namespace cc::http::handlers
