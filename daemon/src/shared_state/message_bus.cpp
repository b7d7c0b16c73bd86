#include "shared_state/message_bus.h"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>

#include "auth/secure_random.h"
#include "shared_state/redis_wire.h"

namespace cc::shared_state {

MessageBus::MessageBus(RedisSettings settings, const common::Clock& clock, Options options,
                       MessageHandler on_message, ResyncHandler on_resync)
    : settings_(std::move(settings)),
      options_(std::move(options)),
      instance_(auth::toHex(auth::randomBytes(8))),
      on_message_(std::move(on_message)),
      on_resync_(std::move(on_resync)),
      subscriber_(
          settings_, options_.channel, clock, RedisSubscriber::Options{options_.reconnect_max},
          [this](const std::string& payload) { received(payload); },
          [this](bool after_loss) {
            if (!after_loss) return;
            {
              std::lock_guard<std::mutex> lock(mu_);
              ++counts_.resyncs;
            }
            spdlog::warn(
                "message bus: subscribed again after a loss; dropping the token and "
                "response caches, telling WebSocket subscribers to resync");
            if (on_resync_) on_resync_();
          }) {}

MessageBus::~MessageBus() { stop(); }

void MessageBus::start() {
  subscriber_.start();
  std::lock_guard<std::mutex> lock(mu_);
  if (publisher_.joinable()) return;
  stopping_ = false;
  publisher_ = std::thread([this] { publishLoop(); });
}

void MessageBus::stop() {
  subscriber_.stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  if (publisher_.joinable()) publisher_.join();
}

void MessageBus::announce(BusMessage message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= options_.max_queue) {
      ++counts_.dropped;
      return;
    }
    queue_.push_back(std::move(message));
  }
  queued_.notify_one();
}

void MessageBus::publishLoop() {
  // Off the requests' path: a large batch on a busy machine may take longer than
  // redis.timeout_ms.
  const std::chrono::milliseconds wait =
      std::max(settings_.timeout, std::chrono::milliseconds(1000));
  std::optional<RedisWire> wire;
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // What is queued at stop still goes out: a revocation announced just before a shutdown
    // must reach the others.
    if (queue_.empty()) return;
    // What gathered while the last PUBLISH was out goes in this one; an invalidation of a
    // prefix already in the batch adds nothing.
    std::vector<BusMessage> batch;
    std::size_t taken = 0;
    while (!queue_.empty() && taken < kMaxBatch) {
      BusMessage m = std::move(queue_.front());
      queue_.pop_front();
      ++taken;
      const bool repeated =
          m.kind == BusMessage::Kind::kCacheInvalidated &&
          std::any_of(batch.begin(), batch.end(), [&m](const BusMessage& earlier) {
            return earlier.kind == BusMessage::Kind::kCacheInvalidated && earlier.value == m.value;
          });
      if (!repeated) batch.push_back(std::move(m));
    }
    const std::string payload = encodeBusMessages(instance_, batch);
    lock.unlock();
    std::string error;
    try {
      if (!wire) wire = RedisWire::open(settings_, wait);
      wire->send({"PUBLISH", options_.channel, payload});
      wire->expect(wait, "PUBLISH");
    } catch (const Poco::Exception& e) {
      error = e.displayText();
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!error.empty()) {
      wire.reset();  // out of step with the server, or never connected
      if (!failing) {
        spdlog::warn("message bus: PUBLISH failed ({}); kept and tried again every second", error);
      }
    } else if (failing) {
      spdlog::info("message bus: PUBLISH works again");
    }
    failing = !error.empty();
    lock.lock();
    if (!failing) {
      counts_.published += taken;
      continue;
    }
    ++counts_.publish_failures;
    if (stopping_) {
      counts_.dropped += taken + queue_.size();
      queue_.clear();
      return;
    }
    // Back to the front, in order, for the next attempt (the queue may pass max_queue by at
    // most a batch: announce() refuses past it).
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    queued_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

void MessageBus::received(const std::string& payload) {
  // Its own messages come back to every instance: it applied them when it announced them.
  if (sentBy(payload, instance_)) return;
  auto decoded = decodeBusMessages(payload);
  if (!decoded) {
    spdlog::debug("message bus: ignored a message this version cannot read");
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    counts_.received += decoded->second.size();
  }
  if (!on_message_) return;
  for (const auto& m : decoded->second) on_message_(m);
}

MessageBusStats MessageBus::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  MessageBusStats s = counts_;
  s.queued = queue_.size();
  return s;
}

Poco::JSON::Object::Ptr MessageBus::toJson() const {
  MessageBusStats s = stats();
  RedisSubscriberStats sub = subscriber_.stats();
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("backend", "redis");
  o->set("url", settings_.url.display());
  o->set("channel", options_.channel);
  o->set("instance", instance_);
  o->set("state", sub.subscribed ? "subscribed" : "connecting");
  o->set("since", common::formatIsoTime(sub.since_ms));
  o->set("published", s.published);
  o->set("publish_failures", s.publish_failures);
  o->set("dropped", s.dropped);
  o->set("queued", s.queued);
  o->set("received", s.received);
  o->set("resyncs", s.resyncs);
  o->set("subscription_losses", sub.losses);
  if (sub.last_error.empty()) {
    o->set("last_error", Poco::Dynamic::Var());
    o->set("last_error_at", Poco::Dynamic::Var());
  } else {
    o->set("last_error", sub.last_error);
    o->set("last_error_at", common::formatIsoTime(sub.last_error_ms));
  }
  return o;
}

}  // namespace cc::shared_state
