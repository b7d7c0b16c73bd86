#include "shared_state/redis_pool.h"

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Redis/Client.h>
#include <Poco/Redis/Error.h>

#include <exception>

#include "shared_state/redis_wire.h"

namespace cc::shared_state {

using Poco::Redis::Array;

std::string redisErrorText(const RedisReply& reply) {
  if (reply.isNull() || !reply->isError()) return {};
  auto* error = dynamic_cast<const Poco::Redis::Type<Poco::Redis::Error>*>(reply.get());
  return error == nullptr ? std::string("error") : error->value().getMessage();
}

struct RedisPool::Connection {
  Poco::Redis::Client client;
  common::SteadyTime last_used{};
};

RedisPool::RedisPool(RedisSettings settings, const common::Clock& clock, Options options)
    : settings_(std::move(settings)), clock_(clock), options_(options) {
  counts_.max = std::max<std::size_t>(1, options_.max_connections);
}

RedisPool::~RedisPool() = default;

common::Error RedisPool::fail(const std::string& what, bool discarded) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.failures;
  if (discarded) ++counts_.discards;
  counts_.last_error = what;
  counts_.last_error_ms = clock_.wallMillis();
  down_until_ = clock_.now() + options_.retry_interval;
  return common::Error::dependencyUnavailable("redis " + settings_.url.display() + ": " + what);
}

common::Result<RedisPool::ConnectionPtr> RedisPool::connect() {
  auto connection = std::make_unique<Connection>();
  const Poco::Timespan timeout(std::chrono::microseconds(settings_.timeout).count());
  std::string step = "connect";
  try {
    auto address = redisAddress(settings_.url);
    if (!address) return fail(address.error().message, false);
    connection->client.connect(*address, timeout);
    connection->client.setReceiveTimeout(timeout);
    if (auto args = redisAuthCommand(settings_); !args.empty()) {
      step = "AUTH";
      Array auth;
      for (const auto& arg : args) auth << arg;
      std::string refused = redisErrorText(connection->client.sendCommand(auth));
      if (!refused.empty()) return fail("AUTH refused: " + refused, false);
    }
    if (settings_.url.db != 0) {
      step = "SELECT";
      Array select;
      select << "SELECT" << std::to_string(settings_.url.db);
      std::string refused = redisErrorText(connection->client.sendCommand(select));
      if (!refused.empty()) return fail("SELECT refused: " + refused, false);
    }
  } catch (const Poco::Exception& e) {
    return fail(step + ": " + e.displayText(), false);
  } catch (const std::exception& e) {
    return fail(step + ": " + e.what(), false);
  }
  connection->last_used = clock_.now();
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.connections;
  return connection;
}

bool RedisPool::stillAlive(Connection& connection) {
  try {
    Array ping;
    ping << "PING";
    RedisReply reply = connection.client.sendCommand(ping);
    return !reply.isNull() && !reply->isError();
  } catch (const Poco::Exception&) {
    return false;
  } catch (const std::exception&) {
    return false;
  }
}

common::Result<RedisPool::ConnectionPtr> RedisPool::borrow() {
  std::unique_lock<std::mutex> lock(mu_);
  ++counts_.borrows;
  if (clock_.now() < down_until_) {
    ++counts_.failures;
    return common::Error::dependencyUnavailable("redis " + settings_.url.display() +
                                                " failed recently (" + counts_.last_error +
                                                "); not retried yet");
  }
  // A real-time bound, whatever the clock: it is the socket timeouts' too.
  const auto deadline = std::chrono::steady_clock::now() + settings_.timeout;
  while (true) {
    while (!idle_.empty()) {
      ConnectionPtr connection = std::move(idle_.back());
      idle_.pop_back();
      if (clock_.now() - connection->last_used < options_.idle_check) return connection;
      lock.unlock();
      bool alive = stillAlive(*connection);
      lock.lock();
      if (alive) return connection;
      // An idle connection the server (or a firewall) closed meanwhile: drop it and try the
      // next, or a new one.
      --open_;
      ++counts_.discards;
    }
    if (open_ < counts_.max) break;
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= counts_.max) {
      ++counts_.failures;
      return common::Error::dependencyUnavailable("redis " + settings_.url.display() + ": all " +
                                                  std::to_string(counts_.max) +
                                                  " connections busy for redis.timeout_ms");
    }
  }
  ++open_;
  lock.unlock();
  auto connection = connect();
  if (!connection) {
    lock.lock();
    --open_;
    returned_.notify_one();
  }
  return connection;
}

void RedisPool::giveBack(ConnectionPtr connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connection) {
    connection->last_used = clock_.now();
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  returned_.notify_one();
}

common::Result<RedisReply> RedisPool::execute(const Poco::Redis::Array& command) {
  auto borrowed = borrow();
  if (!borrowed) return borrowed.error();
  ConnectionPtr connection = std::move(*borrowed);
  std::string failure;
  RedisReply reply;
  try {
    reply = connection->client.sendCommand(command);
  } catch (const Poco::Exception& e) {
    failure = e.displayText();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure.empty() && reply.isNull()) failure = "no reply";
  if (!failure.empty()) {
    // Out of step with the server (or not connected at all): never reused.
    connection.reset();
    giveBack(nullptr);
    return fail(failure, true);
  }
  giveBack(std::move(connection));
  return reply;
}

RedisPoolStats RedisPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  RedisPoolStats s = counts_;
  s.idle = idle_.size();
  s.in_use = open_ - idle_.size();
  s.down = clock_.now() < down_until_;
  return s;
}

Poco::JSON::Object::Ptr RedisPool::toJson() const {
  RedisPoolStats s = stats();
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("url", settings_.url.display());
  o->set("state", s.down ? "down" : "up");
  o->set("timeout_ms", static_cast<int64_t>(settings_.timeout.count()));
  o->set("max", s.max);
  o->set("idle", s.idle);
  o->set("in_use", s.in_use);
  o->set("connections", s.connections);
  o->set("borrows", s.borrows);
  o->set("failures", s.failures);
  o->set("discards", s.discards);
  if (s.last_error.empty()) {
    o->set("last_error", Poco::Dynamic::Var());
    o->set("last_error_at", Poco::Dynamic::Var());
  } else {
    o->set("last_error", s.last_error);
    o->set("last_error_at", common::formatIsoTime(s.last_error_ms));
  }
  return o;
}

}  // namespace cc::shared_state
