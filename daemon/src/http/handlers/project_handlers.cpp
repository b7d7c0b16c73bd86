#include "http/handlers/project_handlers.h"

#include "domain/bulk_records.h"
#include "domain/input.h"
#include "domain/project.h"
#include "http/error_envelope.h"
#include "http/handlers/bulk_transfer.h"
#include "http/handlers/domain_request.h"
#include "http/json_body.h"

namespace cc::http::handlers {
namespace {

constexpr const char* kTopic = "projects";
constexpr const char* kPrefix = "/api/projects";

Reply fail(const common::Error& error, const RequestContext& ctx) {
  return errorReply(error, ctx.request_id);
}

void announce(const DomainServices& services, const std::string& type,
              const domain::Project& project) {
  announceChange(services, kTopic, kPrefix, type, project.id, "project", domain::toJson(project));
}

Reply list(DomainServices& services, RequestContext& ctx) {
  auto filter = domain::parseProjectFilter(ctx.query);
  if (!filter) return fail(filter.error(), ctx);
  auto page = services.store.projects().list(*filter, ctx.deadline);
  if (!page) return fail(page.error(), ctx);
  const auto& w = filter->window;
  return Reply::json(
      200, domain::pageToJson(*page, filter->sort, w.limit,
                              w.cursor ? std::nullopt : std::optional<int64_t>(w.offset)));
}

Reply create(DomainServices& services, RequestContext& ctx) {
  auto body = parseJsonObject(ctx, domain::projectBodyFields().memberCheck());
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseProjectInput(**body, false);
  if (!input) return fail(input.error(), ctx);
  auto project = services.store.projects().create(*input, ctx.deadline);
  if (!project) return fail(project.error(), ctx);
  announce(services, "project.created", *project);
  Reply reply = Reply::json(201, domain::toJson(*project));
  reply.setHeader("Location", std::string(kPrefix) + "/" + std::to_string(project->id));
  return reply;
}

Reply get(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "project");
  if (!id) return fail(id.error(), ctx);
  auto project = services.store.projects().get(*id, ctx.deadline);
  if (!project) return fail(project.error(), ctx);
  return Reply::json(200, domain::toJson(*project));
}

Reply patch(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "project");
  if (!id) return fail(id.error(), ctx);
  auto body = parseJsonObject(ctx, domain::projectBodyFields().memberCheck());
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseProjectInput(**body, true);
  if (!input) return fail(input.error(), ctx);
  auto project = services.store.projects().patch(*id, *input, ctx.deadline);
  if (!project) return fail(project.error(), ctx);
  announce(services, "project.updated", *project);
  return Reply::json(200, domain::toJson(*project));
}

Reply remove(DomainServices& services, RequestContext& ctx) {
  auto id = pathId(ctx, "project");
  if (!id) return fail(id.error(), ctx);
  if (auto st = domain::rejectUnknownParams(ctx.query, {"force"}); !st.ok()) {
    return fail(st.error(), ctx);
  }
  auto force = queryFlag(ctx, "force", false);
  if (!force) return fail(force.error(), ctx);
  if (auto st = services.store.projects().remove(*id, *force, ctx.deadline); !st.ok()) {
    return fail(st.error(), ctx);
  }
  announceChange(services, kTopic, kPrefix, "project.deleted", *id, {}, {});
  // A forced delete may have detached agents; their cached answers are stale too.
  if (*force && services.invalidate) services.invalidate("/api/agents");
  return Reply::noContent();
}

BulkCollection<domain::Project> bulkProjects(DomainServices& services) {
  return repositoryCollection<domain::Project, domain::ProjectFilter>(
      services, kTopic, kPrefix, domain::parseProjectFilter, domain::parseProjectRecord,
      domain::projectRecordFields(), &store::Store::projects);
}

}  // namespace

void addProjectRoutes(Router& router, DomainServices& services) {
  RouteOptions reads;
  reads.uses_store = true;
  RouteOptions writes = reads;
  writes.writes = true;

  router.add("GET", "/api/projects", bindServices(services, list), reads);
  router.add("POST", "/api/projects", bindServices(services, create), writes);
  auto bulk = std::make_shared<const BulkCollection<domain::Project>>(bulkProjects(services));
  router.add(
      "GET", "/api/projects/export",
      [&services, bulk](RequestContext& ctx) { return exportCollection(*bulk, services, ctx); },
      bulkRouteOptions(false));
  router.add(
      "POST", "/api/projects/import",
      [&services, bulk](RequestContext& ctx) { return importCollection(*bulk, services, ctx); },
      bulkRouteOptions(true));
  router.add("GET", "/api/projects/{id}", bindServices(services, get), reads);
  router.add("PATCH", "/api/projects/{id}", bindServices(services, patch), writes);
  router.add("DELETE", "/api/projects/{id}", bindServices(services, remove), writes);
}

}  // namespace cc::http::handlers
