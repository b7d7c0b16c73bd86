#include "auth/token_service.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include "auth/secure_random.h"

namespace cc::auth {

using common::Error;
using common::ErrorCode;

namespace {

constexpr std::size_t kTokenBytes = 32;

Error unauthorized(const std::string& why) { return Error{ErrorCode::kUnauthorized, why, {}, 0}; }

bool wellFormed(const std::string& token) {
  return token.size() == kTokenBytes * 2 &&
         token.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TokenService::TokenService(store::TokenRepository& repo, const common::Clock& clock,
                           Options options)
    : repo_(repo), clock_(clock), options_(options) {}

std::string TokenService::hashToken(const std::string& token) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(token);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::string TokenService::tokenId(const std::string& token) {
  return hashToken(token).substr(0, kIdLength);
}

common::Result<IssuedToken> TokenService::issue(const std::string& username, domain::Role role,
                                                std::optional<int64_t> ttl_s,
                                                common::SteadyTime deadline) {
  int64_t ttl = ttl_s.value_or(options_.ttl_s);
  if (ttl < 1) return Error::invalid("ttl_s", "must be at least 1 second");
  IssuedToken issued;
  issued.token = toHex(randomBytes(kTokenBytes));
  domain::TokenRecord record;
  record.hash = hashToken(issued.token);
  record.username = username;
  record.role = role;
  record.created_at_ms = clock_.wallMillis();
  record.expires_at_ms = record.created_at_ms + ttl * 1000;
  issued.expires_at_ms = record.expires_at_ms;
  if (auto st = repo_.insert(record, deadline); !st.ok()) return st.error();
  return issued;
}

bool TokenService::answersFromCache(const std::string& token) const {
  if (token.empty() || !wellFormed(token)) return true;
  const std::string hash = hashToken(token);
  const int64_t now = clock_.wallMillis();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(hash);
  if (it == index_.end()) return false;
  if (it->second->identity.expires_at_ms <= now) return true;
  return options_.cache_lifetime_ms == 0 ||
         now - it->second->cached_at_ms < options_.cache_lifetime_ms;
}

common::Result<domain::Identity> TokenService::validate(const std::string& token,
                                                        common::SteadyTime deadline) {
  if (token.empty()) return unauthorized("missing bearer token");
  if (!wellFormed(token)) return unauthorized("invalid bearer token");
  const std::string hash = hashToken(token);
  const int64_t now = clock_.wallMillis();
  uint64_t epoch = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(hash);
    if (it != index_.end()) {
      if (it->second->identity.expires_at_ms <= now) {
        lru_.erase(it->second);
        index_.erase(it);
        return unauthorized("bearer token expired");
      }
      const bool stale = options_.cache_lifetime_ms > 0 &&
                         now - it->second->cached_at_ms >= options_.cache_lifetime_ms;
      if (!stale) {
        lru_.splice(lru_.begin(), lru_, it->second);
        it->second->last_used_ms = now;
        ++hits_;
        return it->second->identity;
      }
      // Asked of the store again below, and cached anew when it is still there.
      lru_.erase(it->second);
      index_.erase(it);
    }
    ++misses_;
    epoch = revocations_;
  }
  auto found = repo_.find(hash, deadline);
  if (!found.ok()) return found.error();
  if (!*found) return unauthorized("invalid or revoked bearer token");
  const domain::TokenRecord& record = **found;
  if (record.expires_at_ms <= now) return unauthorized("bearer token expired");
  domain::Identity identity{record.username, record.role, record.expires_at_ms};
  cacheInsert(hash, identity, now, epoch);
  return identity;
}

void TokenService::cacheInsert(const std::string& hash, const domain::Identity& identity,
                               int64_t now_ms, uint64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  // A revocation since the lookup started may concern this very token: do not resurrect it.
  if (epoch != revocations_ || index_.count(hash) != 0 || options_.cache_size == 0) return;
  lru_.push_front({hash, identity, now_ms, now_ms});
  index_[hash] = lru_.begin();
  while (lru_.size() > options_.cache_size) {
    index_.erase(lru_.back().hash);
    lru_.pop_back();
  }
}

common::Status TokenService::revoke(const std::string& token, common::SteadyTime deadline) {
  const std::string hash = hashToken(token);
  auto removed = repo_.remove(hash, deadline);
  // Forgotten and told whatever the store said: it may have deleted the token before it failed.
  revoked({Revocation::Kind::kHash, hash});
  if (!removed.ok()) return removed.error();
  return common::Ok{};
}

void TokenService::forgetHash(const std::string& hash) {
  if (auto it = index_.find(hash); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
}

common::Result<int64_t> TokenService::revokeUser(const std::string& username,
                                                 common::SteadyTime deadline) {
  auto removed = repo_.removeForUser(username, deadline);
  forgetUser(username);
  return removed;
}

common::Status TokenService::revokeById(const std::string& username, const std::string& id,
                                        common::SteadyTime deadline) {
  const Error none = Error::notFound("user '" + username + "' has no token with id '" + id + "'");
  // Anything but a full-length lowercase hex id would match several tokens, or none.
  if (id.size() != kIdLength || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return none;
  }
  auto removed = repo_.removeByPrefix(username, id, deadline);
  if (removed.ok()) {
    for (const auto& hash : *removed) revoked({Revocation::Kind::kHash, hash});
  } else {
    // The store may or may not have deleted it; the cache must not keep what may be revoked.
    revoked({Revocation::Kind::kIdPrefix, id});
  }
  if (!removed.ok()) return removed.error();
  if (removed->empty()) return none;
  return common::Ok{};
}

common::Result<std::vector<TokenSummary>> TokenService::listUser(const std::string& username,
                                                                 common::SteadyTime deadline) {
  auto records = repo_.listForUser(username, clock_.wallMillis(), deadline);
  if (!records.ok()) return records.error();
  std::vector<TokenSummary> out;
  out.reserve(records->size());
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& record : *records) {
    TokenSummary summary{record.hash.substr(0, kIdLength), record.role, record.created_at_ms,
                         record.expires_at_ms, std::nullopt};
    if (auto it = index_.find(record.hash); it != index_.end()) {
      summary.last_used_ms = it->second->last_used_ms;
    }
    out.push_back(std::move(summary));
  }
  return out;
}

void TokenService::forgetUser(const std::string& username) {
  revoked({Revocation::Kind::kUser, username});
}

void TokenService::revoked(const Revocation& revocation) {
  forgetRevoked(revocation);
  if (listener_) listener_(revocation);
}

void TokenService::forgetRevoked(const Revocation& revocation) {
  std::lock_guard<std::mutex> lock(mu_);
  ++revocations_;
  switch (revocation.kind) {
    case Revocation::Kind::kHash:
      forgetHash(revocation.value);
      break;
    case Revocation::Kind::kIdPrefix:
      forgetWhere([&revocation](const Entry& e) {
        return e.hash.compare(0, revocation.value.size(), revocation.value) == 0;
      });
      break;
    case Revocation::Kind::kUser:
      forgetWhere(
          [&revocation](const Entry& e) { return e.identity.username == revocation.value; });
      break;
  }
}

void TokenService::forgetAll() {
  std::lock_guard<std::mutex> lock(mu_);
  ++revocations_;
  lru_.clear();
  index_.clear();
}

void TokenService::forgetWhere(const std::function<bool(const Entry&)>& matches) {
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (matches(*it)) {
      index_.erase(it->hash);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

common::Result<int64_t> TokenService::purgeExpired(common::SteadyTime deadline) {
  return repo_.removeExpired(clock_.wallMillis(), deadline);
}

TokenService::CacheStats TokenService::cacheStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {hits_, misses_, lru_.size()};
}

}  // namespace cc::auth
