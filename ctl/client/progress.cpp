#include "client/progress.h"

#include <algorithm>

namespace cc::ctl::client {

Progress::Progress(std::ostream& out, bool terminal, const common::Clock& clock, std::string what)
    : out_(out), terminal_(terminal), clock_(clock), what_(std::move(what)), last_(clock.now()) {}

void Progress::update(uint64_t done, uint64_t total, const std::string& detail) {
  // A bar shows at once; a plain line only once the transfer has run a while, so that a short
  // one leaves only its summary.
  const auto every = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  const auto now = clock_.now();
  if ((drawn_ || !terminal_) && now - last_ < every) return;
  last_ = now;
  draw(done, total, detail);
}

void Progress::finish(uint64_t done, uint64_t total, const std::string& detail) {
  // Off a terminal a run too short for a progress line needs none: the summary follows.
  if (!terminal_ && !drawn_) return;
  draw(done, total, detail);
  if (terminal_) out_ << "\n";
  out_.flush();
}

void Progress::draw(uint64_t done, uint64_t total, const std::string& detail) {
  drawn_ = true;
  const int percent =
      total > 0 ? static_cast<int>(std::min<uint64_t>(done, total) * 100 / total) : -1;
  if (!terminal_) {
    out_ << what_ << ": ";
    if (percent >= 0) out_ << percent << "%, ";
    out_ << detail << "\n";
    out_.flush();
    return;
  }
  constexpr int kWidth = 30;
  std::string bar;
  if (percent >= 0) {
    const int filled = percent * kWidth / 100;
    bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
          std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] " +
          (percent < 10    ? "  "
           : percent < 100 ? " "
                           : "") +
          std::to_string(percent) + "%  ";
  }
  // \r and erase-to-end-of-line redraw the bar in place, whatever was there before.
  out_ << "\r\x1b[K" << what_ << " " << bar << detail;
  out_.flush();
}

}  // namespace cc::ctl::client
