#pragma once
// Reads a password: from a terminal without echo, or the first line of piped input.

#include <istream>
#include <optional>
#include <ostream>
#include <string>

namespace cc::ctl::client {

/// Prompts on `prompt_out` and reads one line from the terminal on `fd` with echo switched off
/// (restored afterwards, also on failure). nullopt when the terminal is closed (EOF).
std::optional<std::string> readSecretFromTerminal(int fd, std::ostream& prompt_out,
                                                  const std::string& prompt);

/// The first line of `in` without its line ending; nullopt at EOF.
std::optional<std::string> readSecretLine(std::istream& in);

}  // namespace cc::ctl::client
