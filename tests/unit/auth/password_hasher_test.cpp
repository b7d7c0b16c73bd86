#include "auth/password_hasher.h"

#include <gtest/gtest.h>

namespace cc::auth {
namespace {

class PasswordHasherTest : public ::testing::Test {};

TEST_F(PasswordHasherTest, RoundTripAndWrongPassword) {
  std::string encoded = PasswordHasher::hash("correct horse");
  EXPECT_TRUE(PasswordHasher::verify("correct horse", encoded));
  EXPECT_FALSE(PasswordHasher::verify("correct horsE", encoded));
  EXPECT_FALSE(PasswordHasher::verify("", encoded));
}

TEST_F(PasswordHasherTest, StoresSchemeIterationsAndA16ByteSaltThatDiffersPerHash) {
  std::string first = PasswordHasher::hash("same password");
  std::string second = PasswordHasher::hash("same password", 10);
  EXPECT_EQ(first.rfind("pbkdf2-sha256$", 0), 0u) << first;
  auto a = PasswordHasher::parse(first);
  auto b = PasswordHasher::parse(second);
  ASSERT_TRUE(a && b);
  EXPECT_GE(a->iterations, 100000u);
  EXPECT_GE(b->iterations, 100000u);  // fewer are raised to the floor
  EXPECT_EQ(a->salt_hex.size(), 32u);
  EXPECT_EQ(a->key_hex.size(), 64u);
  EXPECT_NE(a->salt_hex, b->salt_hex);
  EXPECT_NE(a->key_hex, b->key_hex);
}

TEST_F(PasswordHasherTest, MalformedHashesNeverVerify) {
  for (const char* bad :
       {"", "plain", "pbkdf2-sha256$0$aa$bb", "md5$1$aa$bb", "pbkdf2-sha256$100000$zz$bb"}) {
    EXPECT_FALSE(PasswordHasher::parse(bad)) << bad;
    EXPECT_FALSE(PasswordHasher::verify("x", bad)) << bad;
  }
}

TEST_F(PasswordHasherTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(PasswordHasher::constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(PasswordHasher::constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(PasswordHasher::constantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(PasswordHasher::constantTimeEquals("", "a"));
  EXPECT_TRUE(PasswordHasher::constantTimeEquals("", ""));
}

}  // namespace
}  // namespace cc::auth
