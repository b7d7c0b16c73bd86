#include "unit/ctl/ctl_fixture.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <fstream>
#include <sstream>

#include "commands/context.h"
#include "commands/ctl_main.h"

namespace cc::ctl::testing {

void CtlFixture::SetUp() {
  dir_ = Poco::TemporaryFile::tempName();
  Poco::File(dir_).createDirectories();
}

void CtlFixture::TearDown() { Poco::File(dir_).remove(true); }

CtlOutcome CtlFixture::run(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::ostringstream out;
  std::ostringstream err;
  std::istringstream in(stdin_text);
  Io io(out, err, in);
  io.env = [this](const std::string& name) -> std::optional<std::string> {
    auto it = env_.find(name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  };
  io.clock = &clock_;
  io.sleep = [this](std::chrono::milliseconds d) { clock_.advance(d); };
  CtlOutcome outcome;
  outcome.code = runCtl(args, io);
  outcome.out = out.str();
  outcome.err = err.str();
  return outcome;
}

std::string CtlFixture::writeFile(const std::string& name, const std::string& text) {
  const std::string path = dir_ + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace cc::ctl::testing
