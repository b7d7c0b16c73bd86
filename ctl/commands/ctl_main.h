#pragma once
// Entry points of controlcenterctl: parse, resolve settings, run one verb, return its exit code.

#include <string>
#include <vector>

namespace cc::ctl {

struct Io;

/// main() of controlcenterctl with the process's streams, terminal flags and environment.
int runCtl(int argc, char** argv);

/// The same with everything injected, for tests: `args` excludes argv[0].
int runCtl(const std::vector<std::string>& args, Io& io);

}  // namespace cc::ctl
