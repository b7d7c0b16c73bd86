#include "common/swappable.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

namespace cc::common {
namespace {

TEST(SwappableTest, GetReturnsTheValueSetLastOnThisThreadAndOthers) {
  Swappable<const std::string> value(std::make_shared<const std::string>("first"));
  EXPECT_EQ(value.get(), "first");
  value.set(std::make_shared<const std::string>("second"));
  EXPECT_EQ(value.get(), "second");  // this thread had looked before: it looks again
  std::string seen;
  std::thread([&] { seen = value.get(); }).join();
  EXPECT_EQ(seen, "second");
  std::thread setter([&] { value.set(std::make_shared<const std::string>("third")); });
  setter.join();
  EXPECT_EQ(value.get(), "third");
  EXPECT_EQ(*value.share(), "third");
}

TEST(SwappableTest, AReplacedValueLivesForTheRetainedSwapsThenGoes) {
  auto first = std::make_shared<const std::string>("first");
  std::weak_ptr<const std::string> watch = first;
  Swappable<const std::string> value(std::move(first));
  const std::string& held = value.get();
  for (std::size_t i = 0; i < Swappable<const std::string>::kRetained; ++i) {
    value.set(std::make_shared<const std::string>("next " + std::to_string(i)));
    ASSERT_FALSE(watch.expired()) << "after swap " << i + 1;
    EXPECT_EQ(held, "first");
  }
  value.set(std::make_shared<const std::string>("last"));
  EXPECT_TRUE(watch.expired());
  EXPECT_EQ(value.get(), "last");
}

TEST(SwappableTest, EachSwappableIsLookedAtApartOnOneThread) {
  Swappable<const std::string> a(std::make_shared<const std::string>("a"));
  Swappable<const std::string> b(std::make_shared<const std::string>("b"));
  EXPECT_EQ(a.get(), "a");
  EXPECT_EQ(b.get(), "b");
  b.set(std::make_shared<const std::string>("b2"));
  EXPECT_EQ(a.get(), "a");
  EXPECT_EQ(b.get(), "b2");
  // Many made and gone on this thread (a test's pattern): each still reads its own.
  for (int i = 0; i < 200; ++i) {
    Swappable<const std::string> c(std::make_shared<const std::string>(std::to_string(i)));
    ASSERT_EQ(c.get(), std::to_string(i));
  }
  EXPECT_EQ(a.get(), "a");
  EXPECT_EQ(b.get(), "b2");
}

}  // namespace
}  // namespace cc::common
