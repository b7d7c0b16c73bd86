#pragma once
namespace cc::app {
int runDaemon(int argc, char** argv);
}
