#include "common/clock.h"

#include <cstdio>

namespace cc::common {
namespace {

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  int64_t wallMillis() const override {
    return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const Clock& Clock::system() {
  static const SystemClock clock;
  return clock;
}

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil), so that no time zone database or timegm is involved.
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool leapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

struct CivilDate {
  int64_t year;
  int64_t month;
  int64_t day;
};

// The inverse of daysFromCivil (Hinnant's civil_from_days).
CivilDate civilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// Floor division: times before 1970 still land on the right day and millisecond.
int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

// Computed, not gmtime_r: no time zone state, and the same code on every platform.
void appendIsoTime(std::string& out, int64_t unix_ms) {
  const int64_t secs = floorDiv(unix_ms, 1000);
  const int64_t millis = unix_ms - secs * 1000;
  const int64_t days = floorDiv(secs, 86400);
  const int64_t of_day = secs - days * 86400;
  const CivilDate date = civilFromDays(days);
  if (date.year < 0 || date.year > 9999) {
    // Room for any int64_t in every field: the compiler cannot see that they are bounded, and
    // -Wformat-truncation is an error in the sanitizer build.
    char buf[160];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(date.year), static_cast<long long>(date.month),
                  static_cast<long long>(date.day), static_cast<long long>(of_day / 3600),
                  static_cast<long long>(of_day / 60 % 60), static_cast<long long>(of_day % 60),
                  static_cast<long long>(millis));
    out += buf;
    return;
  }
  // Every field has its fixed width here: digits written straight, no formatted output (three
  // times a row of every agent page).
  char buf[24];
  auto put = [&buf](std::size_t at, int64_t v, std::size_t width) {
    for (std::size_t k = width; k-- > 0; v /= 10) buf[at + k] = static_cast<char>('0' + v % 10);
  };
  put(0, date.year, 4);
  buf[4] = '-';
  put(5, date.month, 2);
  buf[7] = '-';
  put(8, date.day, 2);
  buf[10] = 'T';
  put(11, of_day / 3600, 2);
  buf[13] = ':';
  put(14, of_day / 60 % 60, 2);
  buf[16] = ':';
  put(17, of_day % 60, 2);
  buf[19] = '.';
  put(20, millis, 3);
  buf[23] = 'Z';
  out.append(buf, sizeof buf);
}

std::string formatIsoTime(int64_t unix_ms) {
  std::string out;
  appendIsoTime(out, unix_ms);
  return out;
}

std::optional<int64_t> parseIsoTime(std::string_view text) {
  std::size_t at = 0;
  auto digits = [&](std::size_t n) -> std::optional<int64_t> {
    if (at + n > text.size()) return std::nullopt;
    int64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      char c = text[at + i];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    at += n;
    return v;
  };
  auto expect = [&](char c) {
    if (at >= text.size() || text[at] != c) return false;
    ++at;
    return true;
  };
  auto year = digits(4);
  if (!year || !expect('-')) return std::nullopt;
  auto month = digits(2);
  if (!month || !expect('-')) return std::nullopt;
  auto day = digits(2);
  if (!day || !expect('T')) return std::nullopt;
  auto hour = digits(2);
  if (!hour || !expect(':')) return std::nullopt;
  auto minute = digits(2);
  if (!minute || !expect(':')) return std::nullopt;
  auto second = digits(2);
  if (!second) return std::nullopt;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t first = at;
    int64_t scale = 100;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first) return std::nullopt;
  }
  int64_t offset_min = 0;
  if (expect('Z')) {
    // UTC
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int64_t sign = text[at] == '-' ? -1 : 1;
    ++at;
    auto oh = digits(2);
    if (!oh || !expect(':')) return std::nullopt;
    auto om = digits(2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_min = sign * (*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*month < 1 || *month > 12 || *day < 1) return std::nullopt;
  int64_t month_days = kDays[*month - 1] + (*month == 2 && leapYear(*year) ? 1 : 0);
  if (*day > month_days || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  const int64_t seconds = daysFromCivil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 +
                          *second - offset_min * 60;
  const int64_t unix_ms = seconds * 1000 + millis;
  if (unix_ms < 0) return std::nullopt;
  return unix_ms;
}

}  // namespace cc::common
