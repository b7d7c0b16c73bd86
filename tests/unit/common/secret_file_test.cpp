#include "common/secret_file.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace cc::common {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override { Poco::File(dir_.path()).createDirectories(); }
  std::string write(const std::string& text, mode_t mode) {
    std::string path = dir_.path() + "/secret";
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  Poco::TemporaryFile dir_;
};

TEST_F(SecretFileTest, ReadsTheFirstLineOfAnOwnerOnlyFile) {
  auto key = readSecretFile(write("0123456789abcdef \r\nsecond line\n", 0600));
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, "0123456789abcdef");
  auto read_only = readSecretFile(write("k", 0400));
  ASSERT_TRUE(read_only.ok());
  EXPECT_EQ(*read_only, "k");
}

TEST_F(SecretFileTest, RefusesAFileOthersMayReadNamingItsMode) {
  for (mode_t mode : {0640, 0604, 0660}) {
    const std::string path = write("key", mode);
    auto key = readSecretFile(path);
    ASSERT_FALSE(key.ok()) << std::oct << mode;
    EXPECT_NE(key.error().message.find(path), std::string::npos) << key.error().message;
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(key.error().message.find(std::string("mode ") + text), std::string::npos)
        << key.error().message;
  }
}

TEST_F(SecretFileTest, AMissingFileIsAnErrorNamingIt) {
  auto key = readSecretFile(dir_.path() + "/none");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find(dir_.path() + "/none"), std::string::npos);
}

}  // namespace
}  // namespace cc::common
