#include "app/daemon_app.h"

int main(int argc, char** argv) { return cc::app::runDaemon(argc, argv); }
