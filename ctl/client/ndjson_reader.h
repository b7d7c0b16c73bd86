#pragma once
// Reading an NDJSON file a line at a time in bounded memory, for the import.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace cc::ctl::client {

/// One line of a file as the import reads it.
struct FileLine {
  int64_t number = 0;     // 1-based
  std::string text;       // without the line end ('\n', or "\r\n"); empty when too_long
  std::size_t bytes = 0;  // the line's length without its end
  bool too_long = false;  // longer than the reader's cap: its bytes were skipped, not kept
};

/// Reads lines from `in` in blocks, holding one block and at most `cap` bytes of a line, so that
/// a file of any size, or a line of any length, takes bounded memory. A last line needs no '\n'.
/// Not thread-safe.
class LineReader {
 public:
  LineReader(std::istream& in, std::size_t cap);
  /// The next line; false at the end of the input.
  bool next(FileLine& line);
  /// Bytes consumed so far, line ends included: progress through the file.
  uint64_t bytesRead() const { return consumed_; }

 private:
  bool fill();

  std::istream& in_;
  std::size_t cap_;
  std::vector<char> block_;
  std::size_t at_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  int64_t number_ = 0;
  uint64_t consumed_ = 0;
};

}  // namespace cc::ctl::client
