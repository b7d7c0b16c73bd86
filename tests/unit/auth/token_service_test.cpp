#include "auth/token_service.h"

#include <gtest/gtest.h>

#include <vector>

#include "auth/user_service.h"
#include "unit/store/store_fixture.h"

namespace cc::auth {
namespace {

using common::ErrorCode;
using domain::Role;
using std::chrono::seconds;

class TokenServiceTest : public store::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped()) return;
    reopen();
    ASSERT_TRUE(users_->create("alice", "alice-password", Role::kAdmin).ok());
  }
  void reopen() {
    users_.reset();
    tokens_.reset();
    open();
    tokens_ =
        std::make_unique<TokenService>(store_->tokens(), clock_, TokenService::Options{3600, 100});
    users_ = std::make_unique<UserService>(store_->users(), *tokens_, clock_);
  }
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<UserService> users_;
};

TEST_P(TokenServiceTest, IssuedTokenValidatesAndIsStoredOnlyAsItsHash) {
  auto issued = tokens_->issue("alice", Role::kAdmin);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->token.size(), 64u);
  EXPECT_EQ(issued->expires_at_ms, clock_.wallMillis() + 3600 * 1000);

  auto id = tokens_->validate(issued->token);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->username, "alice");
  EXPECT_EQ(id->role, Role::kAdmin);
  EXPECT_EQ(id->expires_at_ms, issued->expires_at_ms);

  EXPECT_FALSE(store_->tokens().find(issued->token)->has_value());
  EXPECT_TRUE(store_->tokens().find(TokenService::hashToken(issued->token))->has_value());
  EXPECT_NE(tokens_->issue("alice", Role::kAdmin)->token, issued->token);
}

TEST_P(TokenServiceTest, SecondValidationComesFromTheCacheWithoutTheDatabase) {
  auto issued = tokens_->issue("alice", Role::kAdmin);
  ASSERT_TRUE(tokens_->validate(issued->token).ok());
  EXPECT_EQ(tokens_->cacheStats().misses, 1u);
  store_->faults().set({0, 1.0});  // the database now fails every call
  auto cached = tokens_->validate(issued->token);
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(tokens_->cacheStats().hits, 1u);
  EXPECT_EQ(store_->faults().injectedErrors(), 0u);

  auto other = tokens_->issue("alice", Role::kAdmin);  // fails: the store is down
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kDependencyUnavailable);
}

TEST_P(TokenServiceTest, UncachedValidationWhileTheStoreIsDownIsNotAnAuthFailure) {
  auto issued = tokens_->issue("alice", Role::kAdmin);
  store_->faults().set({0, 1.0});
  auto result = tokens_->validate(issued->token);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kDependencyUnavailable);
}

TEST_P(TokenServiceTest, MissingMalformedAndUnknownTokensAreUnauthorized) {
  for (const std::string& token :
       {std::string(), std::string("abc"), std::string(64, 'Z'), std::string(64, 'a')}) {
    auto result = tokens_->validate(token);
    ASSERT_FALSE(result.ok()) << token;
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthorized) << token;
  }
}

TEST_P(TokenServiceTest, TokensExpireEvenWhenCached) {
  auto issued = tokens_->issue("alice", Role::kAdmin, 60);
  ASSERT_TRUE(tokens_->validate(issued->token).ok());
  clock_.advance(seconds(59));
  EXPECT_TRUE(tokens_->validate(issued->token).ok());
  clock_.advance(seconds(1));
  EXPECT_EQ(tokens_->validate(issued->token).error().code, ErrorCode::kUnauthorized);

  auto uncached = tokens_->issue("alice", Role::kAdmin, 60);
  clock_.advance(seconds(61));
  EXPECT_EQ(tokens_->validate(uncached->token).error().code, ErrorCode::kUnauthorized);
  auto purged = tokens_->purgeExpired();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
}

TEST_P(TokenServiceTest, RevocationTakesEffectAtOnceEvenWhenCached) {
  auto issued = tokens_->issue("alice", Role::kAdmin);
  ASSERT_TRUE(tokens_->validate(issued->token).ok());
  ASSERT_TRUE(tokens_->validate(issued->token).ok());
  EXPECT_EQ(tokens_->cacheStats().size, 1u);
  ASSERT_TRUE(tokens_->revoke(issued->token).ok());
  EXPECT_EQ(tokens_->cacheStats().size, 0u);
  EXPECT_EQ(tokens_->validate(issued->token).error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(tokens_->revoke(issued->token).ok());  // idempotent
}

// Another daemon on the same database revokes (here: a second service on the same store): this
// one's cache cannot know, so it asks the store again once the entry is older than the lifetime.
TEST_P(TokenServiceTest, ARevocationElsewhereHoldsOnceTheCacheLifetimeHasPassed) {
  TokenService here(store_->tokens(), clock_, TokenService::Options{3600, 100, 1000});
  TokenService elsewhere(store_->tokens(), clock_, TokenService::Options{3600, 100, 1000});
  auto issued = elsewhere.issue("alice", Role::kAdmin);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  ASSERT_TRUE(here.validate(issued->token).ok());
  clock_.advance(std::chrono::milliseconds(999));
  ASSERT_TRUE(here.validate(issued->token).ok());
  EXPECT_EQ(here.cacheStats().hits, 1u) << "within the lifetime the cache answers";
  ASSERT_TRUE(elsewhere.revoke(issued->token).ok());
  EXPECT_TRUE(here.validate(issued->token).ok()) << "still cached here, for 1 ms more";
  clock_.advance(std::chrono::milliseconds(1));
  auto after = here.validate(issued->token);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(here.cacheStats().size, 0u);
}

// What the bus carries between daemons: each revocation here is told to the listener, and one
// told by another daemon ends the cached token here at once, whatever the cache lifetime.
TEST_P(TokenServiceTest, RevocationsAreToldAndThoseOfOthersEndCachedTokensAtOnce) {
  std::vector<TokenService::Revocation> told;
  TokenService here(store_->tokens(), clock_, TokenService::Options{3600, 100, 0});
  TokenService elsewhere(store_->tokens(), clock_, TokenService::Options{3600, 100, 0});
  elsewhere.setRevocationListener(
      [&told](const TokenService::Revocation& r) { told.push_back(r); });

  auto one = elsewhere.issue("alice", Role::kAdmin);
  auto two = elsewhere.issue("alice", Role::kAdmin);
  ASSERT_TRUE(here.validate(one->token).ok());
  ASSERT_TRUE(here.validate(two->token).ok());

  ASSERT_TRUE(elsewhere.revoke(one->token).ok());
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].kind, TokenService::Revocation::Kind::kHash);
  EXPECT_EQ(told[0].value, TokenService::hashToken(one->token));
  EXPECT_TRUE(here.validate(one->token).ok()) << "kept for ever here (lifetime 0) until told";
  here.forgetRevoked(told[0]);
  EXPECT_EQ(here.validate(one->token).error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(here.validate(two->token).ok()) << "only the revoked token goes";

  ASSERT_TRUE(elsewhere.revokeUser("alice").ok());
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[1].kind, TokenService::Revocation::Kind::kUser);
  EXPECT_EQ(told[1].value, "alice");
  here.forgetRevoked(told[1]);
  EXPECT_EQ(here.validate(two->token).error().code, ErrorCode::kUnauthorized);

  auto three = elsewhere.issue("alice", Role::kAdmin);
  ASSERT_TRUE(here.validate(three->token).ok());
  ASSERT_TRUE(elsewhere.revokeById("alice", TokenService::tokenId(three->token)).ok());
  ASSERT_EQ(told.size(), 3u);
  EXPECT_EQ(told[2].kind, TokenService::Revocation::Kind::kHash);
  here.forgetRevoked(told[2]);
  EXPECT_EQ(here.validate(three->token).error().code, ErrorCode::kUnauthorized);

  auto four = elsewhere.issue("alice", Role::kAdmin);
  ASSERT_TRUE(here.validate(four->token).ok());
  here.forgetAll();
  EXPECT_EQ(here.cacheStats().size, 0u);
  EXPECT_TRUE(here.validate(four->token).ok()) << "a resync asks the store, which still has it";
  EXPECT_EQ(told.size(), 3u) << "nothing here told the listener";
}

TEST_P(TokenServiceTest, AnUnrevokedTokenIsCachedAnewAfterItsLifetime) {
  TokenService here(store_->tokens(), clock_, TokenService::Options{3600, 100, 1000});
  auto issued = here.issue("alice", Role::kAdmin);
  ASSERT_TRUE(here.validate(issued->token).ok());
  clock_.advance(std::chrono::milliseconds(1500));
  ASSERT_TRUE(here.validate(issued->token).ok());  // from the store again
  ASSERT_TRUE(here.validate(issued->token).ok());  // and cached from then on
  EXPECT_EQ(here.cacheStats().misses, 2u);
  EXPECT_EQ(here.cacheStats().hits, 1u);
  EXPECT_EQ(here.cacheStats().size, 1u);
}

TEST_P(TokenServiceTest, DisablingRemovingOrDemotingAUserRevokesTheirCachedTokens) {
  ASSERT_TRUE(users_->create("bob", "bob-password", Role::kAdmin).ok());
  // Neither alice nor bob is the last enabled admin, which could be neither disabled nor demoted.
  ASSERT_TRUE(users_->create("carol", "carol-password", Role::kAdmin).ok());
  auto alice = tokens_->issue("alice", Role::kAdmin);
  auto bob = tokens_->issue("bob", Role::kAdmin);
  ASSERT_TRUE(tokens_->validate(alice->token).ok());
  ASSERT_TRUE(tokens_->validate(bob->token).ok());

  ASSERT_TRUE(users_->setDisabled("alice", true).ok());
  EXPECT_EQ(tokens_->validate(alice->token).error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(tokens_->validate(bob->token).ok());
  EXPECT_EQ(tokens_->issue("alice", Role::kAdmin).error().code, ErrorCode::kForbidden);

  ASSERT_TRUE(users_->setRole("bob", Role::kViewer).ok());
  EXPECT_EQ(tokens_->validate(bob->token).error().code, ErrorCode::kUnauthorized);
  auto again = tokens_->issue("bob", Role::kViewer);
  ASSERT_TRUE(tokens_->validate(again->token).ok());
  ASSERT_TRUE(users_->remove("bob").ok());
  EXPECT_EQ(tokens_->validate(again->token).error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(tokens_->issue("bob", Role::kViewer).error().code, ErrorCode::kNotFound);
}

TEST_P(TokenServiceTest, TokensSurviveReopening) {
  auto issued = tokens_->issue("alice", Role::kAdmin);
  reopen();
  auto id = tokens_->validate(issued->token);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->username, "alice");
  EXPECT_EQ(tokens_->cacheStats().misses, 1u);
}

TEST_P(TokenServiceTest, CacheIsBoundedLeastRecentlyUsedFirst) {
  tokens_ =
      std::make_unique<TokenService>(store_->tokens(), clock_, TokenService::Options{3600, 2});
  auto a = tokens_->issue("alice", Role::kAdmin);
  auto b = tokens_->issue("alice", Role::kAdmin);
  auto c = tokens_->issue("alice", Role::kAdmin);
  for (const auto* t : {&a, &b, &c}) ASSERT_TRUE(tokens_->validate((*t)->token).ok());
  EXPECT_EQ(tokens_->cacheStats().size, 2u);
  ASSERT_TRUE(tokens_->validate(c->token).ok());  // hit
  ASSERT_TRUE(tokens_->validate(a->token).ok());  // evicted before: a miss
  auto stats = tokens_->cacheStats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 4u);
}

TEST_P(TokenServiceTest, AUsersTokensAreListedByIdWithoutTheTokenOrItsHash) {
  ASSERT_TRUE(users_->create("bob", "bob-password", Role::kViewer).ok());
  auto older = tokens_->issue("alice", Role::kAdmin, 60);
  clock_.advance(seconds(5));
  auto newer = tokens_->issue("alice", Role::kViewer);
  auto expired = tokens_->issue("alice", Role::kAdmin, 1);
  ASSERT_TRUE(tokens_->issue("bob", Role::kViewer).ok());
  clock_.advance(seconds(2));
  ASSERT_TRUE(tokens_->validate(newer->token).ok());
  const int64_t used_at = clock_.wallMillis();
  clock_.advance(seconds(1));

  auto listed = tokens_->listUser("alice");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);  // the expired one is not live, bob's are not alice's
  const TokenSummary& first = (*listed)[0];
  const TokenSummary& second = (*listed)[1];
  EXPECT_EQ(first.id, TokenService::tokenId(older->token));
  EXPECT_EQ(first.id.size(), TokenService::kIdLength);
  EXPECT_EQ(first.id, TokenService::hashToken(older->token).substr(0, TokenService::kIdLength));
  EXPECT_EQ(older->token.find(first.id), std::string::npos);
  EXPECT_EQ(first.role, Role::kAdmin);
  EXPECT_EQ(first.expires_at_ms, older->expires_at_ms);
  EXPECT_FALSE(first.last_used_ms.has_value());  // never presented since start
  EXPECT_EQ(second.id, TokenService::tokenId(newer->token));
  EXPECT_EQ(second.role, Role::kViewer);
  EXPECT_EQ(second.created_at_ms + 3600 * 1000, second.expires_at_ms);
  ASSERT_TRUE(second.last_used_ms.has_value());
  EXPECT_EQ(*second.last_used_ms, used_at);
  EXPECT_NE(TokenService::tokenId(expired->token), first.id);

  // A cache hit moves the last use on.
  ASSERT_TRUE(tokens_->validate(newer->token).ok());
  EXPECT_EQ(*tokens_->listUser("alice")->at(1).last_used_ms, clock_.wallMillis());
  EXPECT_TRUE(tokens_->listUser("nobody")->empty());
}

TEST_P(TokenServiceTest, RevokingOneTokenByIdEndsItAtOnceEvenWhenCached) {
  ASSERT_TRUE(users_->create("bob", "bob-password", Role::kViewer).ok());
  auto keep = tokens_->issue("alice", Role::kAdmin);
  auto drop = tokens_->issue("alice", Role::kAdmin);
  auto bobs = tokens_->issue("bob", Role::kViewer);
  for (const auto* t : {&keep, &drop, &bobs}) ASSERT_TRUE(tokens_->validate((*t)->token).ok());
  ASSERT_EQ(tokens_->cacheStats().size, 3u);

  // Another user's id, a malformed id and a prefix shorter than an id match nothing.
  const std::string id = TokenService::tokenId(drop->token);
  EXPECT_EQ(tokens_->revokeById("bob", id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(tokens_->revokeById("alice", id.substr(0, 8)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(tokens_->revokeById("alice", "ZZZZZZZZZZZZZZZZ").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(tokens_->validate(drop->token).ok());

  ASSERT_TRUE(tokens_->revokeById("alice", id).ok());
  EXPECT_EQ(tokens_->validate(drop->token).error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(tokens_->validate(keep->token).ok());
  EXPECT_TRUE(tokens_->validate(bobs->token).ok());
  EXPECT_EQ(tokens_->revokeById("alice", id).error().code, ErrorCode::kNotFound);  // already gone

  auto all = tokens_->revokeUser("alice");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, 1);
  EXPECT_EQ(tokens_->validate(keep->token).error().code, ErrorCode::kUnauthorized);
  EXPECT_TRUE(tokens_->validate(bobs->token).ok());
  EXPECT_EQ(*tokens_->revokeUser("alice"), 0);
}

INSTANTIATE_STORE_CONTRACT(TokenServiceTest);

}  // namespace
}  // namespace cc::auth
