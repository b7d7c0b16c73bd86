#pragma once
// The protocol state of one WebSocket connection, without sockets: messages in, frames out.

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "http/request_context.h"
#include "middleware/token_bucket.h"
#include "ws/frame.h"
#include "ws/hub_settings.h"

namespace cc::ws {

/// Checks a bearer token; nullopt when it is not valid. Must be thread-safe: the I/O threads
/// call it for first-message authentication.
using TokenValidator = std::function<std::optional<http::Identity>(const std::string& token)>;

enum class Endpoint { kMetrics, kEvents };    // /api/system/metrics, /api/system/ws
const char* endpointName(Endpoint endpoint);  // "metrics", "ws"

/// Topics a connection may subscribe to, as bits.
enum Topic : unsigned { kTopicMetrics = 1, kTopicAgents = 2, kTopicProjects = 4 };
std::optional<Topic> parseTopic(const std::string& name);
const char* topicName(Topic topic);

/// Why a connection ended; each has a counter and a close code.
enum class CloseReason {
  kClient,         // the client sent close or hung up
  kAuthTimeout,    // 1008: no auth message within ws.auth_timeout_ms
  kAuthFailed,     // 1008: the first message was not a valid auth message
  kRateLimited,    // 1008: more than ws.max_messages_per_s
  kTooBig,         // 1009: a message over ws.max_message_bytes
  kProtocolError,  // 1002: bad framing
  kIdle,           // 1001: nothing received within ws.idle_timeout_s
  kSlowConsumer,   // 1008: the send queue passed ws.max_send_queue
  kShutdown,       // 1001: the daemon is stopping
  kIoError,        // the socket failed
};
constexpr int kCloseReasonCount = 10;
const char* closeReasonName(CloseReason reason);
uint16_t closeCodeOf(CloseReason reason);

/// Frames waiting to be written to one socket, and how much of the first was already written.
/// A frame is either written whole or not started, so dropping never cuts one in half.
/// Not thread-safe.
class Outbox {
 public:
  explicit Outbox(std::size_t limit) : limit_(limit) {}
  /// False (nothing queued) when `limit` frames are already waiting.
  bool push(FramePtr frame);
  /// Queues regardless of the limit (the close frame).
  void pushAlways(FramePtr frame) { frames_.push_back(std::move(frame)); }
  /// Drops every frame not yet started.
  void dropUnstarted();
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  /// The bytes still to write of the first frame.
  const char* data() const { return frames_.front()->data() + offset_; }
  std::size_t remaining() const { return frames_.front()->size() - offset_; }
  /// Marks `n` bytes of the first frame written (n <= remaining()).
  void advance(std::size_t n);

 private:
  std::size_t limit_;
  std::deque<FramePtr> frames_;
  std::size_t offset_ = 0;
};

/// One connection's protocol: authentication (token given at upgrade, or a first
/// {"type":"auth"} message within the auth timeout), subscribe/unsubscribe, the inbound rate
/// limit, ping and idle timing, and the bounded send queue. It never blocks and never touches a
/// socket: the I/O loop feeds it parsed frames and time, and writes what is in its outbox.
/// Once closing() it queues nothing but its close frame and ignores further messages.
/// Not thread-safe: owned by one I/O thread.
class Session {
 public:
  /// `identity` is set when the upgrade already authenticated (or none is needed, with
  /// `needs_auth` false); otherwise the first message must authenticate via `validator`.
  Session(const HubSettings& settings, Endpoint endpoint, bool needs_auth,
          std::optional<http::Identity> identity, const TokenValidator* validator,
          common::SteadyTime now);

  /// A complete message or control frame from the client.
  void onFrame(Opcode opcode, const std::string& payload, common::SteadyTime now);
  /// The parser failed: close with its code (1009 too big, 1002 protocol).
  void onParseError(uint16_t code, const std::string& why);
  /// Deadlines: auth timeout, pings, idle timeout.
  void onTick(common::SteadyTime now);
  /// Starts closing: drops unstarted frames when `drop_queued`, queues the close frame.
  void close(CloseReason reason, const std::string& why, bool drop_queued = false);

  /// Queues a published frame when the session is open, authenticated and subscribed to
  /// `topic`. Closes the session as a slow consumer when the outbox is full.
  void deliver(Topic topic, const FramePtr& frame);
  bool wants(Topic topic) const { return authenticated() && !closing_ && (topics_ & topic); }
  /// Topics subscribed since the last call (so the loop can send the latest metrics at once).
  unsigned takeNewTopics();

  bool authenticated() const { return identity_.has_value() || !needs_auth_; }
  const std::optional<http::Identity>& identity() const { return identity_; }
  unsigned topics() const { return topics_; }
  Endpoint endpoint() const { return endpoint_; }
  bool closing() const { return closing_.has_value(); }
  std::optional<CloseReason> closeReason() const { return closing_; }
  /// The client's close frame arrived (or it must not be waited for).
  bool peerClosed() const { return peer_closed_; }
  Outbox& outbox() { return outbox_; }

 private:
  void onText(const std::string& text);
  void onAuth(const std::string& token);
  void onSubscription(bool subscribe, unsigned topics);
  void reply(const std::string& json);
  void replyError(const std::string& message);
  void queue(FramePtr frame);

  const HubSettings& settings_;
  Endpoint endpoint_;
  bool needs_auth_;
  std::optional<http::Identity> identity_;
  const TokenValidator* validator_;
  middleware::BucketLimit rate_;
  middleware::TokenBucket bucket_;
  common::SteadyTime auth_deadline_;
  common::SteadyTime last_received_;
  common::SteadyTime last_ping_;
  unsigned topics_ = 0;
  unsigned new_topics_ = 0;
  std::optional<CloseReason> closing_;
  bool peer_closed_ = false;
  Outbox outbox_;
};

}  // namespace cc::ws
