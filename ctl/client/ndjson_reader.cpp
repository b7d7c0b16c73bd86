#include "client/ndjson_reader.h"

#include <cstring>

namespace cc::ctl::client {

LineReader::LineReader(std::istream& in, std::size_t cap) : in_(in), cap_(cap), block_(1 << 18) {}

bool LineReader::fill() {
  if (eof_) return false;
  in_.read(block_.data(), static_cast<std::streamsize>(block_.size()));
  end_ = static_cast<std::size_t>(in_.gcount());
  at_ = 0;
  if (end_ == 0) eof_ = true;
  return end_ > 0;
}

bool LineReader::next(FileLine& line) {
  line.text.clear();
  line.bytes = 0;
  line.too_long = false;
  bool any = false;
  while (true) {
    if (at_ == end_ && !fill()) break;
    any = true;
    const char* start = block_.data() + at_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - at_));
    const std::size_t n =
        newline != nullptr ? static_cast<std::size_t>(newline - start) : end_ - at_;
    line.bytes += n;
    // One byte past the cap is kept for a '\r' that the line end may still drop.
    if (!line.too_long && line.text.size() + n <= cap_ + 1) {
      line.text.append(start, n);
    } else if (!line.too_long) {
      line.too_long = true;
      line.text.clear();
      line.text.shrink_to_fit();
    }
    at_ += n;
    consumed_ += n;
    if (newline != nullptr) {
      ++at_;
      ++consumed_;
      break;
    }
  }
  if (!any) return false;
  if (!line.too_long) {
    if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
    line.bytes = line.text.size();
    if (line.bytes > cap_) {
      line.too_long = true;
      line.text.clear();
    }
  }
  line.number = ++number_;
  return true;
}

}  // namespace cc::ctl::client
