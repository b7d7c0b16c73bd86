#pragma once
// controlcenterd's entry point: options, configuration, and the process lifecycle.

namespace cc::app {

/// Runs the daemon (a Poco ServerApplication) and returns the process exit code.
int runDaemon(int argc, char** argv);

}  // namespace cc::app
