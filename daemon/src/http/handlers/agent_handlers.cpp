#include "http/handlers/agent_handlers.h"

#include "domain/agent.h"
#include "domain/bulk_records.h"
#include "http/error_envelope.h"
#include "http/handlers/bulk_transfer.h"
#include "http/handlers/domain_request.h"
#include "http/json_body.h"

namespace cc::http::handlers {
namespace {

constexpr const char* kTopic = "agents";
constexpr const char* kPrefix = "/api/agents";

Reply fail(const common::Error& error, const RequestContext& ctx) {
  return errorReply(error, ctx.request_id);
}

std::string listJson(const domain::Page<domain::Agent>& page, const domain::AgentFilter& filter) {
  const auto& w = filter.window;
  return domain::pageToJson(page, filter.sort, w.limit,
                            w.cursor ? std::nullopt : std::optional<int64_t>(w.offset));
}

void announce(const DomainServices& services, const std::string& type, const domain::Agent& agent) {
  announceChange(services, kTopic, kPrefix, type, agent.id, "agent", domain::toJson(agent));
}

Reply list(DomainServices& services, RequestContext& ctx) {
  auto filter = domain::parseAgentFilter(ctx.query);
  if (!filter) return fail(filter.error(), ctx);
  auto page = services.store.agents().list(*filter, ctx.deadline);
  if (!page) return fail(page.error(), ctx);
  return Reply::json(200, listJson(*page, *filter));
}

// Agents that heartbeated within agents.active_window_s, most recent first, a page at a time.
Reply active(DomainServices& services, RequestContext& ctx) {
  auto filter = domain::parseActiveAgentsFilter(ctx.query, services.active_window_s);
  if (!filter) return fail(filter.error(), ctx);
  auto page = services.store.agents().list(*filter, ctx.deadline);
  if (!page) return fail(page.error(), ctx);
  return Reply::json(200, listJson(*page, *filter));
}

Reply stats(DomainServices& services, RequestContext& ctx) {
  auto counts = services.store.agents().stats(ctx.deadline);
  if (!counts) return fail(counts.error(), ctx);
  return Reply::json(200, domain::toJson(*counts));
}

Reply create(DomainServices& services, RequestContext& ctx) {
  auto body = parseJsonObject(ctx, domain::agentBodyFields().memberCheck());
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseAgentInput(**body, false);
  if (!input) return fail(input.error(), ctx);
  auto agent = services.store.agents().create(*input, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  announce(services, "agent.created", *agent);
  Reply reply = Reply::json(201, domain::toJson(*agent));
  reply.setHeader("Location", std::string(kPrefix) + "/" + std::to_string(agent->id));
  return reply;
}

Reply get(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  auto agent = services.store.agents().get(*id, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  return Reply::json(200, domain::toJson(*agent));
}

Reply patch(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  auto body = parseJsonObject(ctx, domain::agentBodyFields().memberCheck());
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseAgentInput(**body, true);
  if (!input) return fail(input.error(), ctx);
  auto agent = services.store.agents().patch(*id, *input, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  announce(services, "agent.updated", *agent);
  return Reply::json(200, domain::toJson(*agent));
}

Reply remove(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  if (auto st = services.store.agents().remove(*id, ctx.deadline); !st.ok()) {
    return fail(st.error(), ctx);
  }
  announceChange(services, kTopic, kPrefix, "agent.deleted", *id, {}, {});
  return Reply::noContent();
}

Reply heartbeat(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "agent");
  if (!id) return fail(id.error(), ctx);
  auto agent = services.store.agents().heartbeat(*id, ctx.deadline);
  if (!agent) return fail(agent.error(), ctx);
  announce(services, "agent.heartbeat", *agent);
  return Reply::json(200, domain::toJson(*agent));
}

BulkCollection<domain::Agent> bulkAgents(DomainServices& services) {
  auto bulk = repositoryCollection<domain::Agent, domain::AgentFilter>(
      services, kTopic, kPrefix, domain::parseAgentFilter, domain::parseAgentRecord,
      domain::agentRecordFields(), &store::Store::agents);
  store::AgentRepository& agents = services.store.agents();
  bulk.load = [&agents](const std::vector<domain::Agent>& rows, common::SteadyTime deadline) {
    return agents.loadBatch(rows, deadline);
  };
  bulk.end_load = [&agents](common::SteadyTime deadline) { return agents.endBulkLoad(deadline); };
  return bulk;
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
  auto bulk = std::make_shared<const BulkCollection<domain::Agent>>(bulkAgents(services));
  router.add(
      "GET", "/api/agents/export",
      [&services, bulk](RequestContext& ctx) { return exportCollection(*bulk, services, ctx); },
      bulkRouteOptions(false));
  router.add(
      "POST", "/api/agents/import",
      [&services, bulk](RequestContext& ctx) { return importCollection(*bulk, services, ctx); },
      bulkRouteOptions(true));
  router.add("GET", "/api/agents/{id}", bindServices(services, get), reads);
  router.add("PATCH", "/api/agents/{id}", bindServices(services, patch), writes);
  router.add("DELETE", "/api/agents/{id}", bindServices(services, remove), writes);
  router.add("POST", "/api/agents/{id}/heartbeat", bindServices(services, heartbeat), writes);
}

}  // namespace cc::http::handlers
