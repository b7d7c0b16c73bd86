#pragma once
// What one daemon tells the others on the same Redis: revoked tokens, invalidated cache entries
// and the domain events of its WebSocket streams.

#include <Poco/JSON/Object.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "shared_state/bus_message.h"
#include "shared_state/redis_settings.h"
#include "shared_state/redis_subscriber.h"

namespace cc::shared_state {

/// The bus's counters. A plain value.
struct MessageBusStats {
  uint64_t published = 0;         ///< PUBLISH answered by Redis
  uint64_t publish_failures = 0;  ///< messages Redis could not be given (down, timeout)
  uint64_t dropped = 0;           ///< messages refused because the queue was full
  uint64_t received = 0;          ///< messages of other instances handled
  uint64_t resyncs = 0;           ///< subscriptions regained after a loss
  std::size_t queued = 0;
};

/// The message bus on Redis pub/sub (bus.backend = redis). announce() queues a message and
/// returns at once: one publisher thread sends the queue in order on a connection of its own
/// (shared_state::RedisWire), what has gathered meanwhile in one PUBLISH (up to kMaxBatch
/// messages, an invalidation of the same prefix once), so a dead Redis never holds a request, a
/// burst of writes costs a round trip per batch rather than per message, and the messages of
/// one instance arrive everywhere in the order they were announced. A PUBLISH that fails is
/// tried again a second later with what gathered meanwhile, the queue bounded by
/// Options::max_queue (past it announce() drops and counts); at stop() what is queued is sent
/// once more, and dropped if Redis still does not take it. A RedisSubscriber hands the other
/// instances' messages to `on_message` (an instance's own are skipped: it applied them when it
/// announced them). Pub/sub keeps nothing for a subscriber that is away: after a lost
/// subscription is regained `on_resync` runs, so that the caches that may have missed
/// revocations and invalidations are dropped and subscribers told. Thread-safe.
class MessageBus {
 public:
  struct Options {
    std::string channel = "cc:bus";
    std::chrono::milliseconds reconnect_max{2000};
    std::size_t max_queue = 10000;
  };
  using MessageHandler = std::function<void(const BusMessage&)>;
  using ResyncHandler = std::function<void()>;
  static constexpr std::size_t kMaxBatch = 512;

  MessageBus(RedisSettings settings, const common::Clock& clock, Options options,
             MessageHandler on_message, ResyncHandler on_resync);
  ~MessageBus();
  MessageBus(const MessageBus&) = delete;
  MessageBus& operator=(const MessageBus&) = delete;

  void start();
  void stop();

  /// Queues `message` for every other instance.
  void announce(BusMessage message);

  const std::string& instance() const { return instance_; }
  const std::string& channel() const { return options_.channel; }
  MessageBusStats stats() const;
  RedisSubscriberStats subscriberStats() const { return subscriber_.stats(); }
  /// The /admin/status view.
  Poco::JSON::Object::Ptr toJson() const;

 private:
  void publishLoop();
  void received(const std::string& payload);

  const RedisSettings settings_;
  const Options options_;
  const std::string instance_;
  const MessageHandler on_message_;
  const ResyncHandler on_resync_;

  mutable std::mutex mu_;
  std::condition_variable queued_;
  std::deque<BusMessage> queue_;
  bool stopping_ = false;
  MessageBusStats counts_;
  std::thread publisher_;
  RedisSubscriber subscriber_;
};

}  // namespace cc::shared_state
