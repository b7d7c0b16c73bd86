#include "app/daemon_app.h"
namespace cc::app {
int runDaemon(int, char**) { return 0; }
}
