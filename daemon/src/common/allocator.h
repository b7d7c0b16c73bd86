#pragma once
// The process's allocator: how many arenas it may grow, and giving free memory back.

namespace cc::common {

/// Bounds the allocator's arenas to `arenas` (glibc's M_ARENA_MAX; 0 leaves its default of eight
/// per core), unless the environment already sets MALLOC_ARENA_MAX, which then wins. glibc gives
/// each thread that meets a locked arena a new one and keeps what each grew, so with hundreds of
/// worker threads a burst of large bodies leaves RSS far above what is in use. Call once, early,
/// before other threads allocate. False where there is nothing to set (another allocator,
/// Windows).
bool limitAllocatorArenas(int arenas);

/// Returns free memory to the system (glibc's malloc_trim(0): the top of each arena and free
/// pages inside them). Costs a walk of every arena under its lock: call from a background
/// thread, not a request. False where the allocator has no such call.
bool releaseFreeMemory();

}  // namespace cc::common
