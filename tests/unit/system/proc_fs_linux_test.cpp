#include "system/proc_fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <fstream>
#include <string>

namespace cc::system {
namespace {

TEST(ProcFsTest, ASysctlFileReadsAfterALargeFileGrewTheBuffer) {
  if (::access("/proc/sys/kernel/osrelease", R_OK) != 0) GTEST_SKIP() << "no /proc/sys here";
  Poco::TemporaryFile root;
  Poco::File(root.path()).createDirectories();
  {
    // Larger than the kernel's largest sysctl read buffer (KMALLOC_MAX_SIZE, 4 MiB on x86-64),
    // as /proc/net/tcp becomes under many connections.
    std::ofstream big(root.path() + "/big");
    big << std::string(6 << 20, 'x');
  }
  ASSERT_EQ(::symlink("/proc/sys/kernel/osrelease", (root.path() + "/osrelease").c_str()), 0);

  ProcFs fs(root.path());
  std::string_view text;
  ASSERT_EQ(fs.read("big", text), ProcFs::Status::kOk) << fs.lastError();
  EXPECT_EQ(text.size(), std::size_t{6} << 20);
  ASSERT_EQ(fs.read("osrelease", text), ProcFs::Status::kOk) << fs.lastError();
  EXPECT_FALSE(text.empty());
}

}  // namespace
}  // namespace cc::system
