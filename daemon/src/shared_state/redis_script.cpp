#include "shared_state/redis_script.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>

namespace cc::shared_state {
namespace {

using Poco::Redis::Array;

Array scriptCommand(const char* verb, const std::string& script_or_sha,
                    const std::vector<std::string>& keys, const std::vector<std::string>& args) {
  Array command;
  command << verb << script_or_sha << std::to_string(keys.size());
  for (const auto& k : keys) command << k;
  for (const auto& a : args) command << a;
  return command;
}

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  Poco::SHA1Engine sha1;
  sha1.update(source_);
  sha1_ = Poco::DigestEngine::digestToHex(sha1.digest());
}

common::Result<RedisReply> evalScript(RedisPool& pool, const RedisScript& script,
                                      const std::vector<std::string>& keys,
                                      const std::vector<std::string>& args) {
  auto reply = pool.execute(scriptCommand("EVALSHA", script.sha1(), keys, args));
  if (!reply) return reply;
  if ((*reply)->isError() && redisErrorText(*reply).rfind("NOSCRIPT", 0) == 0) {
    reply = pool.execute(scriptCommand("EVAL", script.source(), keys, args));
    if (!reply) return reply;
  }
  if ((*reply)->isError()) {
    return common::Error::dependencyUnavailable("redis script refused: " + redisErrorText(*reply));
  }
  return reply;
}

namespace {

template <class T>
std::optional<T> replyElement(const RedisReply& reply, std::size_t index) {
  auto* array = dynamic_cast<const Poco::Redis::Type<Array>*>(reply.get());
  if (array == nullptr || array->value().isNull() || index >= array->value().size()) {
    return std::nullopt;
  }
  try {
    return array->value().template get<T>(index);
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<int64_t> replyInteger(const RedisReply& reply, std::size_t index) {
  return replyElement<Poco::Int64>(reply, index);
}

std::optional<std::string> replyString(const RedisReply& reply, std::size_t index) {
  auto bulk = replyElement<Poco::Redis::BulkString>(reply, index);
  if (!bulk || bulk->isNull()) return std::nullopt;
  return bulk->value();
}

}  // namespace cc::shared_state
