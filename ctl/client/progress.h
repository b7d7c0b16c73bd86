#pragma once
// Progress of a long transfer on stderr: a bar redrawn in place on a terminal, plain lines
// otherwise.

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "common/clock.h"

namespace cc::ctl::client {

/// Reports how far a transfer has got. On a terminal a one-line bar is redrawn at most every
/// 100 ms; elsewhere (a log, a pipe) a plain line is written at most every 5 s, so that output
/// stays readable in a file. Single-threaded.
class Progress {
 public:
  Progress(std::ostream& out, bool terminal, const common::Clock& clock, std::string what);
  /// `done` of `total` (0: unknown), and a few words on what has happened ("12000 lines").
  void update(uint64_t done, uint64_t total, const std::string& detail);
  /// Draws the last state and, on a terminal, ends the bar's line.
  void finish(uint64_t done, uint64_t total, const std::string& detail);

 private:
  void draw(uint64_t done, uint64_t total, const std::string& detail);

  std::ostream& out_;
  bool terminal_;
  const common::Clock& clock_;
  std::string what_;
  bool drawn_ = false;
  common::SteadyTime last_{};
};

}  // namespace cc::ctl::client
