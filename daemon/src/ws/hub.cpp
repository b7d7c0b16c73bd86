#include "ws/hub.h"

#include "http/json_body.h"

namespace cc::ws {

const char* refuseReasonName(RefuseReason reason) {
  switch (reason) {
    case RefuseReason::kBadRequest:
      return "bad_request";
    case RefuseReason::kUnauthorized:
      return "unauthorized";
    case RefuseReason::kCapacity:
      return "capacity";
    case RefuseReason::kPerClient:
      return "per_client";
    case RefuseReason::kShuttingDown:
      return "shutting_down";
  }
  return "";
}

Hub::Hub(HubSettings settings, SnapshotSource snapshots, TokenValidator validator,
         http::Reactor& reactor)
    : settings_(std::move(settings)),
      snapshots_(std::move(snapshots)),
      validator_(std::move(validator)),
      admission_(settings_.max_connections, settings_.max_connections_per_client) {
  ConnectionSet::Hooks hooks;
  hooks.latest_metrics = [this] { return latestMetrics(); };
  hooks.closed = [this](Endpoint, CloseReason reason) { ++closed_[static_cast<int>(reason)]; };
  for (int i = 0; i < reactor.loops(); ++i) {
    sets_.push_back(std::make_unique<ConnectionSet>(reactor, static_cast<std::size_t>(i), settings_,
                                                    validator_, hooks));
  }
}

Hub::~Hub() { shutdown(); }

void Hub::start() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (started_ || stopped_) return;
  for (auto& set : sets_) set->start();
  started_ = true;
}

void Hub::shutdown() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (stopped_.exchange(true)) return;
  admission_.close();
  for (auto& set : sets_) set->shutdown();
}

void Hub::publish(Topic topic, std::string_view json) {
  if (!started_ || stopped_) return;
  FramePtr frame = textFrame(json);
  for (auto& set : sets_) set->publish(topic, frame);
}

common::Result<Admission::Ticket> Hub::admit(Endpoint endpoint, const std::string& client) {
  if (!started_ || stopped_) {
    countRefused(RefuseReason::kShuttingDown);
    return common::Error::unavailable(common::ErrorCode::kUnavailable,
                                      "WebSocket streams are not running");
  }
  auto ticket = admission_.admit(endpoint, client);
  if (!ticket) {
    countRefused(stopped_ ? RefuseReason::kShuttingDown
                 : ticket.error().code == common::ErrorCode::kRateLimited
                     ? RefuseReason::kPerClient
                     : RefuseReason::kCapacity);
  }
  return ticket;
}

void Hub::countRefused(RefuseReason reason) { ++refused_[static_cast<int>(reason)]; }

std::optional<http::Identity> Hub::validate(const std::string& token) const {
  if (!validator_ || token.empty()) return std::nullopt;
  return validator_(token);
}

void Hub::adopt(Handoff handoff) {
  ++accepted_;
  ConnectionSet* least = sets_.front().get();
  for (auto& set : sets_) {
    if (set->connections() < least->connections()) least = set.get();
  }
  least->adopt(std::move(handoff));
}

MetricsFrame Hub::latestMetrics() {
  auto snapshot = snapshots_ ? snapshots_() : nullptr;
  std::lock_guard<std::mutex> lock(metrics_mutex_);
  if (snapshot && !snapshot->metrics_frame_json.empty() &&
      snapshot->sampled_at_ms != metrics_.sampled_at_ms) {
    metrics_.sampled_at_ms = snapshot->sampled_at_ms;
    metrics_.frame = textFrame(snapshot->metrics_frame_json);
  }
  return metrics_;
}

HubStats Hub::stats() const {
  HubStats s;
  s.connections_metrics = admission_.current(Endpoint::kMetrics);
  s.connections_ws = admission_.current(Endpoint::kEvents);
  s.accepted_total = accepted_.load();
  for (int i = 0; i < kRefuseReasonCount; ++i) s.refused[i] = refused_[i].load();
  for (int i = 0; i < kCloseReasonCount; ++i) s.closed[i] = closed_[i].load();
  return s;
}

Poco::JSON::Object::Ptr Hub::statusJson() const {
  HubStats s = stats();
  auto o = http::newObject();
  auto connections = http::newObject();
  connections->set("metrics", s.connections_metrics);
  connections->set("ws", s.connections_ws);
  o->set("connections", connections);
  o->set("accepted_total", s.accepted_total);
  auto refused = http::newObject();
  for (int i = 0; i < kRefuseReasonCount; ++i) {
    refused->set(refuseReasonName(static_cast<RefuseReason>(i)), s.refused[i]);
  }
  o->set("refused", refused);
  auto closed = http::newObject();
  for (int i = 0; i < kCloseReasonCount; ++i) {
    closed->set(closeReasonName(static_cast<CloseReason>(i)), s.closed[i]);
  }
  o->set("closed", closed);
  auto limits = http::newObject();
  limits->set("max_connections", settings_.max_connections);
  limits->set("max_connections_per_client", settings_.max_connections_per_client);
  limits->set("max_messages_per_s", settings_.max_messages_per_s);
  limits->set("max_message_bytes", static_cast<int64_t>(settings_.max_message_bytes));
  limits->set("max_send_queue", static_cast<int64_t>(settings_.max_send_queue));
  limits->set("io_threads", static_cast<int>(sets_.size()));  // the reactor's loops
  o->set("limits", limits);
  return o;
}

void Hub::registerMetrics(metrics::Registry& registry) {
  registry.addCollector([this](std::vector<metrics::CollectedFamily>& out) {
    HubStats s = stats();
    metrics::CollectedFamily connections{"controlcenter_ws_connections",
                                         "Open WebSocket connections by endpoint.",
                                         metrics::MetricType::kGauge,
                                         {},
                                         {}};
    connections.samples.push_back(
        {{{"endpoint", "metrics"}}, static_cast<double>(s.connections_metrics)});
    connections.samples.push_back({{{"endpoint", "ws"}}, static_cast<double>(s.connections_ws)});
    out.push_back(std::move(connections));

    out.push_back({"controlcenter_ws_accepted_total",
                   "WebSocket upgrades accepted.",
                   metrics::MetricType::kCounter,
                   {{{}, static_cast<double>(s.accepted_total)}},
                   {}});
    metrics::CollectedFamily refused{"controlcenter_ws_refused_total",
                                     "WebSocket upgrades refused before the handshake, by reason.",
                                     metrics::MetricType::kCounter,
                                     {},
                                     {}};
    for (int i = 0; i < kRefuseReasonCount; ++i) {
      refused.samples.push_back({{{"reason", refuseReasonName(static_cast<RefuseReason>(i))}},
                                 static_cast<double>(s.refused[i])});
    }
    out.push_back(std::move(refused));
    metrics::CollectedFamily closed{"controlcenter_ws_closed_total",
                                    "WebSocket connections closed, by reason.",
                                    metrics::MetricType::kCounter,
                                    {},
                                    {}};
    for (int i = 0; i < kCloseReasonCount; ++i) {
      closed.samples.push_back({{{"reason", closeReasonName(static_cast<CloseReason>(i))}},
                                static_cast<double>(s.closed[i])});
    }
    out.push_back(std::move(closed));
  });
}

}  // namespace cc::ws
