#include "ws/session.h"

#include <Poco/JSON/Parser.h>

#include <algorithm>

#include "common/json_text.h"
#include "http/error_envelope.h"
#include "http/json_body.h"

namespace cc::ws {
namespace {

constexpr Topic kAllTopics[] = {kTopicMetrics, kTopicAgents, kTopicProjects};

const FramePtr& pingFrame() {
  static const FramePtr frame = std::make_shared<const std::string>(encodeFrame(Opcode::kPing, ""));
  return frame;
}

std::string topicList(unsigned topics) {
  std::string out = "[";
  for (Topic t : kAllTopics) {
    if ((topics & t) == 0) continue;
    if (out.size() > 1) out += ',';
    out += common::jsonString(topicName(t));
  }
  return out + "]";
}

}  // namespace

const char* endpointName(Endpoint endpoint) {
  return endpoint == Endpoint::kMetrics ? "metrics" : "ws";
}

std::optional<Topic> parseTopic(const std::string& name) {
  for (Topic t : kAllTopics) {
    if (name == topicName(t)) return t;
  }
  return std::nullopt;
}

const char* topicName(Topic topic) {
  switch (topic) {
    case kTopicMetrics:
      return "metrics";
    case kTopicAgents:
      return "agents";
    case kTopicProjects:
      return "projects";
  }
  return "";
}

const char* closeReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kClient:
      return "client";
    case CloseReason::kAuthTimeout:
      return "auth_timeout";
    case CloseReason::kAuthFailed:
      return "auth_failed";
    case CloseReason::kRateLimited:
      return "rate_limited";
    case CloseReason::kTooBig:
      return "message_too_big";
    case CloseReason::kProtocolError:
      return "protocol_error";
    case CloseReason::kIdle:
      return "idle";
    case CloseReason::kSlowConsumer:
      return "slow_consumer";
    case CloseReason::kShutdown:
      return "shutdown";
    case CloseReason::kIoError:
      return "io_error";
  }
  return "";
}

uint16_t closeCodeOf(CloseReason reason) {
  switch (reason) {
    case CloseReason::kClient:
      return close_code::kNormal;
    case CloseReason::kAuthTimeout:
    case CloseReason::kAuthFailed:
    case CloseReason::kRateLimited:
    case CloseReason::kSlowConsumer:
      return close_code::kPolicyViolation;
    case CloseReason::kTooBig:
      return close_code::kMessageTooBig;
    case CloseReason::kProtocolError:
      return close_code::kProtocolError;
    case CloseReason::kIdle:
    case CloseReason::kShutdown:
    case CloseReason::kIoError:
      return close_code::kGoingAway;
  }
  return close_code::kNormal;
}

bool Outbox::push(FramePtr frame) {
  if (frames_.size() >= limit_) return false;
  frames_.push_back(std::move(frame));
  return true;
}

void Outbox::dropUnstarted() {
  if (frames_.empty()) return;
  std::size_t keep = offset_ > 0 ? 1 : 0;
  frames_.erase(frames_.begin() + static_cast<std::ptrdiff_t>(keep), frames_.end());
}

void Outbox::advance(std::size_t n) {
  offset_ += n;
  if (offset_ >= frames_.front()->size()) {
    frames_.pop_front();
    offset_ = 0;
  }
}

Session::Session(const HubSettings& settings, Endpoint endpoint, bool needs_auth,
                 std::optional<http::Identity> identity, const TokenValidator* validator,
                 common::SteadyTime now)
    : settings_(settings),
      endpoint_(endpoint),
      needs_auth_(needs_auth),
      identity_(std::move(identity)),
      validator_(validator),
      rate_{settings.max_messages_per_s, 1.0, std::max(1.0, settings.max_messages_per_s)},
      bucket_(rate_, now),
      auth_deadline_(now + settings.auth_timeout),
      last_received_(now),
      last_ping_(now),
      outbox_(settings.max_send_queue) {
  if (authenticated() && endpoint_ == Endpoint::kMetrics) {
    topics_ = new_topics_ = kTopicMetrics;
  }
}

void Session::onFrame(Opcode opcode, const std::string& payload, common::SteadyTime now) {
  last_received_ = now;
  if (opcode == Opcode::kClose) {
    peer_closed_ = true;
    close(CloseReason::kClient, "");
    return;
  }
  if (closing_ || opcode == Opcode::kPong) return;
  if (!bucket_.take(rate_, now).admitted) {
    close(CloseReason::kRateLimited, "more than ws.max_messages_per_s messages per second", true);
    return;
  }
  if (opcode == Opcode::kPing) {
    queue(std::make_shared<const std::string>(encodeFrame(Opcode::kPong, payload)));
  } else if (opcode == Opcode::kBinary) {
    if (!authenticated()) {
      close(CloseReason::kAuthFailed, "the first message must be an auth message");
    } else {
      replyError("binary messages are not supported; send JSON text");
    }
  } else {
    onText(payload);
  }
}

void Session::onText(const std::string& text) {
  Poco::JSON::Object::Ptr message;
  std::string problem;
  if (auto checked = http::checkJsonText(text); !checked) {
    problem = "malformed JSON: " + checked.error().message;
  } else {
    try {
      Poco::JSON::Parser parser;
      message = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
      problem = "malformed JSON: " + e.message();
    } catch (const std::exception&) {
      problem = "malformed JSON: expected an object";
    }
  }
  std::string type;
  if (message && message->has("type") && message->get("type").isString()) {
    type = message->getValue<std::string>("type");
  } else if (problem.empty()) {
    problem = "a message is an object with a string \"type\"";
  }

  if (!authenticated()) {
    if (type == "auth" && message->has("token") && message->get("token").isString()) {
      onAuth(message->getValue<std::string>("token"));
    } else {
      close(CloseReason::kAuthFailed,
            "the first message must be {\"type\":\"auth\",\"token\":...}");
    }
    return;
  }
  if (!problem.empty()) {
    replyError(problem);
    return;
  }
  if (type == "auth") {
    replyError("already authenticated");
    return;
  }
  if (endpoint_ == Endpoint::kEvents && (type == "subscribe" || type == "unsubscribe")) {
    auto topics = message->getArray("topics");
    if (!topics) {
      replyError("\"topics\" must be an array of topic names");
      return;
    }
    unsigned bits = 0;
    for (std::size_t i = 0; i < topics->size(); ++i) {
      auto value = topics->get(static_cast<unsigned>(i));
      std::optional<Topic> topic;
      if (value.isString()) topic = parseTopic(value.extract<std::string>());
      if (!topic) {
        replyError("unknown topic " +
                   (value.isString() ? "'" + value.extract<std::string>() + "'"
                                     : std::string("(not a string)")) +
                   "; topics are metrics, agents, projects");
        return;
      }
      bits |= *topic;
    }
    onSubscription(type == "subscribe", bits);
    return;
  }
  replyError("unknown message type '" + type + "'");
}

void Session::onAuth(const std::string& token) {
  std::optional<http::Identity> who;
  if (validator_ != nullptr && *validator_) who = (*validator_)(token);
  if (!who) {
    close(CloseReason::kAuthFailed, "invalid token");
    return;
  }
  identity_ = std::move(who);
  if (endpoint_ == Endpoint::kMetrics) {
    topics_ |= kTopicMetrics;
    new_topics_ |= kTopicMetrics;
  }
  reply("{\"type\":\"authenticated\",\"username\":" + common::jsonString(identity_->username) +
        ",\"role\":" + common::jsonString(identity_->role) + "}");
}

void Session::onSubscription(bool subscribe, unsigned topics) {
  if (subscribe) {
    new_topics_ |= topics & ~topics_;
    topics_ |= topics;
  } else {
    topics_ &= ~topics;
    new_topics_ &= ~topics;
  }
  reply(std::string("{\"type\":\"") + (subscribe ? "subscribed" : "unsubscribed") +
        "\",\"topics\":" + topicList(topics_) + "}");
}

unsigned Session::takeNewTopics() {
  unsigned out = closing_ ? 0 : new_topics_;
  new_topics_ = 0;
  return out;
}

void Session::onParseError(uint16_t code, const std::string& why) {
  close(code == close_code::kMessageTooBig ? CloseReason::kTooBig : CloseReason::kProtocolError,
        why, true);
}

void Session::onTick(common::SteadyTime now) {
  if (closing_) return;
  if (!authenticated() && now >= auth_deadline_) {
    close(CloseReason::kAuthTimeout, "no auth message within ws.auth_timeout_ms");
    return;
  }
  if (now - last_received_ >= settings_.idle_timeout) {
    close(CloseReason::kIdle, "nothing received within ws.idle_timeout_s", true);
    return;
  }
  if (now - last_ping_ >= settings_.ping_interval) {
    last_ping_ = now;
    queue(pingFrame());
  }
}

void Session::close(CloseReason reason, const std::string& why, bool drop_queued) {
  if (closing_) return;
  closing_ = reason;
  if (drop_queued) outbox_.dropUnstarted();
  if (reason != CloseReason::kIoError) outbox_.pushAlways(closeFrame(closeCodeOf(reason), why));
}

void Session::deliver(Topic topic, const FramePtr& frame) {
  if (wants(topic)) queue(frame);
}

void Session::reply(const std::string& json) { queue(textFrame(json)); }

void Session::replyError(const std::string& message) {
  reply("{\"type\":\"error\",\"message\":" + common::jsonString(message) + "}");
}

void Session::queue(FramePtr frame) {
  if (closing_) return;
  if (!outbox_.push(std::move(frame))) {
    close(CloseReason::kSlowConsumer, "send queue passed ws.max_send_queue", true);
  }
}

}  // namespace cc::ws
