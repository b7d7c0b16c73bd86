#include "store/postgresql/failure.h"

#include <cctype>

namespace cc::store::postgresql {

std::string sqlStateIn(std::string_view text) {
  constexpr std::string_view kMarker = "State: ";
  // The last marker: a message or detail may itself contain the words.
  for (std::size_t at = text.rfind(kMarker); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : text.rfind(kMarker, at - 1)) {
    const std::string_view code = text.substr(at + kMarker.size(), 5);
    const bool shaped = code.size() == 5 && [&] {
      for (char c : code) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0 &&
            std::isupper(static_cast<unsigned char>(c)) == 0) {
          return false;
        }
      }
      return true;
    }();
    if (!shaped) continue;
    // Only now is `end` known to lie within the text (a short code ends it early).
    const std::size_t end = at + kMarker.size() + 5;
    if (end == text.size() || std::isspace(static_cast<unsigned char>(text[end])) != 0) {
      return std::string(code);
    }
  }
  return "";
}

Failure classifyFailure(std::string_view text) {
  Failure f;
  f.sqlstate = sqlStateIn(text);
  const std::string_view state = f.sqlstate;
  const std::string_view cls = state.substr(0, 2);
  if (state == "23505") {
    f.code = common::ErrorCode::kConflict;
  } else if (state == "57014") {
    f.code = common::ErrorCode::kTimeout;
  } else if (state == "53100") {
    f.code = common::ErrorCode::kInsufficientStorage;
  }
  f.retryable = state == "40001" || state == "40P01";
  f.reopen = cls == "08" || state == "57P01" || state == "57P02" || state == "57P03";
  if (state.empty()) {
    // Errors Poco raises without a state: libpq's own words for a connection that is gone.
    for (std::string_view words :
         {"server closed the connection", "no connection to the server", "Connection Error",
          "could not receive data from server", "could not send data to server",
          "terminating connection", "not connected"}) {
      if (text.find(words) != std::string_view::npos) f.reopen = true;
    }
  }
  return f;
}

}  // namespace cc::store::postgresql
