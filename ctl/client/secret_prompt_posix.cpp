#include "client/secret_prompt.h"

#include <termios.h>
#include <unistd.h>

namespace cc::ctl::client {

std::optional<std::string> readSecretFromTerminal(int fd, std::ostream& prompt_out,
                                                  const std::string& prompt) {
  prompt_out << prompt << std::flush;
  termios saved{};
  const bool is_terminal = tcgetattr(fd, &saved) == 0;
  if (is_terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = false;
  char c = 0;
  while (read(fd, &c, 1) == 1) {
    got = true;
    if (c == '\n') break;
    line.push_back(c);
  }
  if (is_terminal) tcsetattr(fd, TCSAFLUSH, &saved);
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace cc::ctl::client
