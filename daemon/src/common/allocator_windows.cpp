#include "common/allocator.h"

namespace cc::common {

// The Windows heap has neither arenas to bound nor a trim call worth making.
bool limitAllocatorArenas(int /*arenas*/) { return false; }
bool releaseFreeMemory() { return false; }

}  // namespace cc::common
