#pragma once
// A file built into the binary by CMake (cmake/embed_files.cmake), so the package needs no copy.

#include <string_view>

namespace cc::common {

/// One embedded file: its path relative to the embedded folder, and its bytes. Both point into
/// static storage and live as long as the program.
struct EmbeddedFile {
  std::string_view name;
  std::string_view bytes;
};

}  // namespace cc::common
