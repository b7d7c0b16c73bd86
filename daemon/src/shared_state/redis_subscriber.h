#pragma once
// One channel of Redis pub/sub, read on a connection and a thread of its own.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "shared_state/redis_settings.h"

namespace cc::shared_state {

/// The subscriber's state and counters. A plain value.
struct RedisSubscriberStats {
  bool subscribed = false;
  int64_t since_ms = 0;        ///< wall time the subscription (or the outage) began
  uint64_t subscriptions = 0;  ///< SUBSCRIBE confirmed, the first one included
  uint64_t losses = 0;         ///< subscriptions lost (connection closed, error, no PONG)
  uint64_t messages = 0;       ///< messages received on the channel
  std::string last_error;      ///< empty until the first failure
  int64_t last_error_ms = 0;
};

/// Subscribes to `channel` on the Redis of `settings` and hands every message's payload to
/// `on_message`, on its own thread, in the order Redis sent them. Written on a plain socket with
/// shared_state::RespReader rather than Poco's Redis client, whose AsyncReader sleeps 100 ms after
/// each reply and stops for good on the first exception: this loop waits on the socket, sends a
/// PING after a second of silence and drops a connection that does not answer it within
/// `ping_timeout` (a server stopped or cut off, not only one that closed), then connects,
/// authenticates and subscribes again with exponential backoff (100 ms doubling up to
/// `reconnect_max`). `on_subscribed(after_loss)` runs on that thread each time a SUBSCRIBE is
/// confirmed; `after_loss` is true when an earlier subscription was lost, so the messages sent
/// meanwhile are gone. Thread-safe.
class RedisSubscriber {
 public:
  struct Options {
    std::chrono::milliseconds reconnect_max{2000};
    std::chrono::milliseconds ping_interval{1000};
    std::chrono::milliseconds ping_timeout{2000};
  };
  using MessageHandler = std::function<void(const std::string& payload)>;
  using SubscribedHandler = std::function<void(bool after_loss)>;

  RedisSubscriber(RedisSettings settings, std::string channel, const common::Clock& clock,
                  Options options, MessageHandler on_message, SubscribedHandler on_subscribed);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  void start();
  /// Ends the subscription and joins the thread; the handlers are not called after it returns.
  void stop();

  RedisSubscriberStats stats() const;
  const std::string& channel() const { return channel_; }

 private:
  void run();
  /// One connection: connect, AUTH, SUBSCRIBE, then read until an error or stop(). The error.
  common::Error session(bool& subscribed_once);
  void setSubscribed(bool subscribed, const std::string& error);

  const RedisSettings settings_;
  const std::string channel_;
  const common::Clock& clock_;
  const Options options_;
  const MessageHandler on_message_;
  const SubscribedHandler on_subscribed_;

  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  RedisSubscriberStats stats_;
  std::thread thread_;
};

}  // namespace cc::shared_state
