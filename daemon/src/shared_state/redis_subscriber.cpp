#include "shared_state/redis_subscriber.h"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>

#include "shared_state/redis_wire.h"

namespace cc::shared_state {

namespace {

using Clock = std::chrono::steady_clock;
using common::Error;

// How long the loop waits on the socket before it looks at stop() and the PING again.
constexpr std::chrono::milliseconds kPollSlice{200};

}  // namespace

RedisSubscriber::RedisSubscriber(RedisSettings settings, std::string channel,
                                 const common::Clock& clock, Options options,
                                 MessageHandler on_message, SubscribedHandler on_subscribed)
    : settings_(std::move(settings)),
      channel_(std::move(channel)),
      clock_(clock),
      options_(options),
      on_message_(std::move(on_message)),
      on_subscribed_(std::move(on_subscribed)) {
  stats_.since_ms = clock_.wallMillis();
}

RedisSubscriber::~RedisSubscriber() { stop(); }

void RedisSubscriber::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void RedisSubscriber::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RedisSubscriberStats RedisSubscriber::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void RedisSubscriber::setSubscribed(bool subscribed, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (subscribed) {
    ++stats_.subscriptions;
  } else {
    if (stats_.subscribed) ++stats_.losses;
    stats_.last_error = error;
    stats_.last_error_ms = clock_.wallMillis();
  }
  if (stats_.subscribed != subscribed) stats_.since_ms = clock_.wallMillis();
  stats_.subscribed = subscribed;
}

void RedisSubscriber::run() {
  bool subscribed_once = false;
  bool warned = false;
  std::chrono::milliseconds backoff{100};
  while (!stopping_) {
    const uint64_t before = stats().subscriptions;
    Error error = session(subscribed_once);
    if (stopping_) break;
    const bool got_in = stats().subscriptions != before;
    setSubscribed(false, error.message);
    if (got_in) backoff = std::chrono::milliseconds(100);
    // Said once for each outage, not for every attempt within it.
    if (got_in || !warned) {
      spdlog::warn("redis subscriber on {} ({}): {}; subscribing again", channel_,
                   settings_.url.display(), error.message);
      warned = true;
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, backoff, [this] { return stopping_.load(); });
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
}

Error RedisSubscriber::session(bool& subscribed_once) {
  // Not on a request's path: a reply may take longer than redis.timeout_ms here.
  const std::chrono::milliseconds wait = std::max(settings_.timeout, options_.ping_timeout);
  try {
    RedisWire wire = RedisWire::open(settings_, wait);
    wire.send({"SUBSCRIBE", channel_});
    RespValue confirmed = wire.expect(wait, "SUBSCRIBE");
    if (!confirmed.isArrayOf(3) || confirmed.items[0].str() != "subscribe") {
      return Error::dependencyUnavailable("an unexpected answer to SUBSCRIBE");
    }
    const bool after_loss = subscribed_once;
    subscribed_once = true;
    setSubscribed(true, "");
    spdlog::info("redis subscriber: subscribed to {} on {}", channel_, settings_.url.display());
    if (on_subscribed_) on_subscribed_(after_loss);

    auto last_heard = Clock::now();
    std::optional<Clock::time_point> ping_sent;
    while (!stopping_) {
      auto value = wire.next(kPollSlice);
      const auto now = Clock::now();
      if (value) {
        last_heard = now;
        if (value->type == RespValue::Type::kError) {
          return Error::dependencyUnavailable("redis: " + value->text);
        }
        if (value->isArrayOf(3) && value->items[0].str() == "message") {
          {
            std::lock_guard<std::mutex> lock(mu_);
            ++stats_.messages;
          }
          if (on_message_) on_message_(value->items[2].str());
        } else if (value->isArrayOf(2) && value->items[0].str() == "pong") {
          ping_sent.reset();
        }
        continue;
      }
      if (ping_sent) {
        if (now - *ping_sent > options_.ping_timeout) {
          return Error::dependencyUnavailable(
              "no PONG within " + std::to_string(options_.ping_timeout.count()) + " ms");
        }
      } else if (now - last_heard >= options_.ping_interval) {
        wire.send({"PING"});
        ping_sent = now;
      }
    }
    return Error::dependencyUnavailable("stopped");
  } catch (const Poco::Exception& e) {
    return Error::dependencyUnavailable(e.displayText());
  } catch (const std::exception& e) {
    return Error::dependencyUnavailable(e.what());
  }
}

}  // namespace cc::shared_state
