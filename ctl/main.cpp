#include "commands/ctl_main.h"

int main(int argc, char** argv) { return cc::ctl::runCtl(argc, argv); }
