#include "app/memory_trimmer.h"

namespace cc::app {

bool MemoryTrimmer::tick(int64_t passed_bytes) {
  if (after_bytes_ <= 0 || passed_bytes - passed_at_last_ < after_bytes_) return false;
  passed_at_last_ = passed_bytes;
  if (!release_()) return false;
  ++releases_;
  return true;
}

}  // namespace cc::app
