#pragma once
// Runs controlcenterctl in-process with captured streams, a fake clock and a scratch directory.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace cc::ctl::testing {

/// What one run of the ctl printed and returned.
struct CtlOutcome {
  int code = -1;
  std::string out;
  std::string err;
};

/// Base fixture: env_ is the whole environment the ctl sees; sleeping advances clock_.
class CtlFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  CtlOutcome run(const std::vector<std::string>& args, const std::string& stdin_text = {});
  /// Writes `text` to a file in the scratch directory and returns its path.
  std::string writeFile(const std::string& name, const std::string& text);

  std::map<std::string, std::string> env_;
  common::FakeClock clock_;
  std::string dir_;
};

}  // namespace cc::ctl::testing
