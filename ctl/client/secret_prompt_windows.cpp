#include "client/secret_prompt.h"

#include <Poco/UnWindows.h>  // windows.h as Poco needs it (lean, winsock2 first)
#include <io.h>

namespace cc::ctl::client {

std::optional<std::string> readSecretFromTerminal(int fd, std::ostream& prompt_out,
                                                  const std::string& prompt) {
  prompt_out << prompt << std::flush;
  HANDLE in = reinterpret_cast<HANDLE>(_get_osfhandle(fd));
  if (in == INVALID_HANDLE_VALUE) return std::nullopt;
  DWORD saved = 0;
  const bool is_console = GetConsoleMode(in, &saved) != 0;
  if (is_console) SetConsoleMode(in, saved & ~static_cast<DWORD>(ENABLE_ECHO_INPUT));
  std::string line;
  bool got = false;
  char c = 0;
  DWORD n = 0;
  while (ReadFile(in, &c, 1, &n, nullptr) && n == 1) {
    got = true;
    if (c == '\n') break;
    line.push_back(c);
  }
  if (is_console) {
    SetConsoleMode(in, saved);
    prompt_out << "\n" << std::flush;  // the Enter that was not echoed
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace cc::ctl::client
