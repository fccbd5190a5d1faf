#include "sql/exec/datetime_pattern.h"

#include "sql/kernels/cast.h"

namespace spp::sql::exec {

namespace {
const char* kMonths[] = {"january", "february", "march", "april", "may", "june", "july",
                         "august", "september", "october", "november", "december"};
const char* kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// Case-insensitive match of a full or 3-letter name at s[i]; returns the index or -1.
int match_name(std::string_view s, size_t& i, const char* const* names, int n, bool full) {
  for (int k = 0; k < n; ++k) {
    std::string_view nm = names[k];
    if (!full) nm = nm.substr(0, 3);
    if (s.size() - i < nm.size()) continue;
    bool ok = true;
    for (size_t j = 0; j < nm.size() && ok; ++j) ok = lower(s[i + j]) == nm[j];
    if (ok) { i += nm.size(); return k; }
  }
  return -1;
}

bool digits(std::string_view s, size_t& i, int min, int max, int64_t& v) {
  size_t st = i;
  v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && int(i - st) < max) v = v * 10 + (s[i++] - '0');
  return int(i - st) >= min;
}
}  // namespace

Result<DateTimePattern> DateTimePattern::compile(std::string_view p) {
  DateTimePattern out;
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '\'') {
      size_t j = i + 1;
      std::string lit;
      while (j < p.size()) {
        if (p[j] == '\'') {
          if (j + 1 < p.size() && p[j + 1] == '\'') { lit += '\''; j += 2; continue; }
          break;
        }
        lit += p[j++];
      }
      if (j >= p.size() && !(i + 1 < p.size() && p[i + 1] == '\''))
        return Result<DateTimePattern>::error("Pattern ends without closing quote: " + std::string(p));
      if (i + 1 < p.size() && p[i + 1] == '\'') { lit = "'"; j = i + 1; }
      out.items_.push_back({0, 0, lit});
      i = j + 1;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      size_t j = i;
      while (j < p.size() && p[j] == c) ++j;
      int n = int(j - i);
      static const std::string_view ok = "yuMLdHhkKamsSEXxZ";
      if (ok.find(c) == std::string_view::npos)
        return Result<DateTimePattern>::error("Unsupported datetime pattern letter '" + std::string(1, c) + "' in: " + std::string(p));
      out.items_.push_back({c, n, {}});
      i = j;
      continue;
    }
    if (c == '[') { out.items_.push_back({'[', 0, {}}); ++i; continue; }
    if (c == ']') { out.items_.push_back({']', 0, {}}); ++i; continue; }
    out.items_.push_back({0, 0, std::string(1, c)});
    ++i;
  }
  int depth = 0;
  for (auto& it : out.items_) {
    depth += it.letter == '[' ? 1 : it.letter == ']' ? -1 : 0;
    if (depth < 0) return Result<DateTimePattern>::error("Unmatched ']' in datetime pattern: " + std::string(p));
  }
  if (depth != 0) return Result<DateTimePattern>::error("Unclosed '[' in datetime pattern: " + std::string(p));
  return out;
}

bool DateTimePattern::parse_items(std::string_view s, size_t from, size_t to, size_t& i, Fields& f) const {
  int64_t& year = f.year; int64_t& month = f.month; int64_t& day = f.day; int64_t& hour = f.hour;
  int64_t& minute = f.minute; int64_t& sec = f.sec; int64_t& frac = f.frac; int& ampm = f.ampm;
  bool& hour12 = f.hour12;
  Parsed& r = f.r;
  for (size_t x = from; x < to; ++x) {
    const Item& it = items_[x];
    if (it.letter == '[') {
      // Optional section: parsed when it matches, skipped (with its fields) otherwise.
      size_t end = x + 1;
      for (int d = 1; end < to; ++end) {
        d += items_[end].letter == '[' ? 1 : items_[end].letter == ']' ? -1 : 0;
        if (d == 0) break;
      }
      Fields saved = f;
      size_t si = i;
      if (!parse_items(s, x + 1, end, i, f)) { f = saved; i = si; }
      x = end;
      continue;
    }
    if (it.letter == ']') continue;
    if (!it.letter) {
      if (s.compare(i, it.literal.size(), it.literal) != 0) return false;
      i += it.literal.size();
      continue;
    }
    int n = it.count;
    int64_t v = 0;
    switch (it.letter) {
      case 'y': case 'u':
        if (n == 2) {
          if (!digits(s, i, 2, 2, v)) return false;
          year = 2000 + v;  // two-digit years: 2000..2099 (Spark's base)
        } else {
          if (!digits(s, i, n == 1 ? 1 : n, n == 1 ? 9 : std::max(n, 9), v)) return false;
          year = v;
        }
        break;
      case 'M': case 'L':
        if (n >= 3) {
          int k = match_name(s, i, kMonths, 12, n >= 4);
          if (k < 0) return false;
          month = k + 1;
        } else if (!digits(s, i, n, 2, month)) {
          return false;
        }
        break;
      case 'd': if (!digits(s, i, n, 2, day)) return false; break;
      case 'H': case 'k': if (!digits(s, i, n, 2, hour)) return false; if (it.letter == 'k' && hour == 24) hour = 0; break;
      case 'h': case 'K': if (!digits(s, i, n, 2, hour)) return false; hour12 = true; if (it.letter == 'h' && hour == 12) hour = 0; break;
      case 'm': if (!digits(s, i, n, 2, minute)) return false; break;
      case 's': if (!digits(s, i, n, 2, sec)) return false; break;
      case 'S': {
        // Spark parses fractions of 1..n digits for S..S.
        size_t st = i;
        if (!digits(s, i, 1, n, v)) return false;
        int got = int(i - st);
        if (got > 6) { for (int k = got; k > 6; --k) v /= 10; got = 6; }
        for (int k = got; k < 6; ++k) v *= 10;
        frac = v;
        break;
      }
      case 'a': {
        if (s.size() - i < 2) return false;
        char a = lower(s[i]), b = lower(s[i + 1]);
        if (b != 'm' || (a != 'a' && a != 'p')) return false;
        ampm = a == 'p';
        i += 2;
        break;
      }
      case 'E':
        if (match_name(s, i, kDays, 7, n >= 4) < 0) return false;  // checked, not used
        break;
      case 'X': case 'x': case 'Z': {
        if (it.letter == 'X' && i < s.size() && s[i] == 'Z') { ++i; r.has_offset = true; r.offset_seconds = 0; break; }
        if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
        int sign = s[i++] == '-' ? -1 : 1;
        int64_t oh = 0, om = 0;
        if (!digits(s, i, 2, 2, oh)) return false;
        bool colon = (it.letter != 'Z' && n == 3) || (it.letter == 'Z' && n == 5);
        if (n > 1 || it.letter == 'Z' || (i < s.size() && s[i] >= '0' && s[i] <= '9')) {
          if (colon) {
            if (i >= s.size() || s[i] != ':') return false;
            ++i;
          }
          if (!digits(s, i, 2, 2, om)) return false;
        }
        if (oh > 18 || om > 59) return false;
        r.has_offset = true;
        r.offset_seconds = sign * (oh * 3600 + om * 60);
        break;
      }
      default: return false;
    }
  }
  return true;
}

std::optional<DateTimePattern::Parsed> DateTimePattern::parse(std::string_view s) const {
  Fields f;
  size_t i = 0;
  if (!parse_items(s, 0, items_.size(), i, f)) return std::nullopt;
  int64_t year = f.year, month = f.month, day = f.day, hour = f.hour, minute = f.minute, sec = f.sec, frac = f.frac;
  int ampm = f.ampm;
  bool hour12 = f.hour12;
  Parsed r = f.r;
  if (i != s.size()) return std::nullopt;
  if (hour12) {
    if (hour > 11) return std::nullopt;
    if (ampm == 1) hour += 12;
  } else if (ampm >= 0 && hour < 12 && ampm == 1) {
    hour += 12;
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59) return std::nullopt;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > mdays[month - 1] + (month == 2 && leap)) return std::nullopt;
  int64_t days = kern::days_from_civil(year, unsigned(month), unsigned(day));
  // Years far past Spark's range overflow microseconds: no value (null), never UB.
  int64_t mins = 0, micros = 0;
  if (__builtin_mul_overflow(days, int64_t(1440), &mins) || __builtin_mul_overflow(mins + hour * 60 + minute, int64_t(60000000), &micros) ||
      __builtin_add_overflow(micros, int64_t(sec) * 1000000 + frac, &r.micros))
    return std::nullopt;
  return r;
}

std::optional<int32_t> DateTimePattern::parse_date(std::string_view s) const {
  auto p = parse(s);
  if (!p) return std::nullopt;
  int64_t us = p->micros;
  return int32_t(us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL));
}

std::optional<int64_t> DateTimePattern::parse_timestamp(std::string_view s, const kern::TimeZone& tz) const {
  auto p = parse(s);
  if (!p) return std::nullopt;
  return p->has_offset ? p->micros - p->offset_seconds * 1000000 : tz.to_utc(p->micros);
}

std::optional<int64_t> DateTimePattern::parse_timestamp_ntz(std::string_view s) const {
  auto p = parse(s);
  if (!p || p->has_offset) return std::nullopt;
  return p->micros;
}

namespace {
void pad(std::string& out, int64_t v, int width) {
  std::string d = std::to_string(v < 0 ? -v : v);
  if (v < 0) out += '-';
  for (int k = int(d.size()); k < width; ++k) out += '0';
  out += d;
}
std::string title(const char* name, bool full) {
  std::string s = full ? name : std::string(name, 3);
  s[0] = char(s[0] - 'a' + 'A');
  return s;
}
}  // namespace

void DateTimePattern::format(int64_t local, int64_t offset_seconds, std::string& out) const {
  const int64_t kDay = 86400000000LL;
  int64_t days = local >= 0 ? local / kDay : -((-local + kDay - 1) / kDay);
  int64_t us = local - days * kDay;
  int64_t y = 0;
  unsigned mo = 1, d = 1;
  kern::civil_from_days(days, y, mo, d);
  const int64_t hour = us / 3600000000LL, minute = us / 60000000 % 60, sec = us / 1000000 % 60, frac = us % 1000000;
  for (const Item& it : items_) {
    const int n = it.count;
    switch (it.letter) {
      case 0: out += it.literal; break;
      case '[': case ']': break;
      case 'y': case 'u':
        if (n == 2) pad(out, ((y % 100) + 100) % 100, 2);
        else pad(out, y, n);
        break;
      case 'M': case 'L':
        if (n >= 3) out += title(kMonths[mo - 1], n >= 4);
        else pad(out, mo, n);
        break;
      case 'd': pad(out, d, n); break;
      case 'H': pad(out, hour, n); break;
      case 'k': pad(out, hour == 0 ? 24 : hour, n); break;
      case 'h': pad(out, hour % 12 == 0 ? 12 : hour % 12, n); break;
      case 'K': pad(out, hour % 12, n); break;
      case 'm': pad(out, minute, n); break;
      case 's': pad(out, sec, n); break;
      case 'S': {
        std::string f;
        pad(f, frac, 6);
        f.resize(size_t(std::min(n, 6)), '0');
        out += f;
        for (int k = 6; k < n; ++k) out += '0';
        break;
      }
      case 'a': out += hour < 12 ? "AM" : "PM"; break;
      case 'E': out += title(kDays[((days % 7) + 7 + 3) % 7], n >= 4); break;  // 1970-01-01 was a Thursday
      case 'X': case 'x': case 'Z': {
        if (it.letter == 'X' && offset_seconds == 0) { out += 'Z'; break; }
        int64_t o = offset_seconds < 0 ? -offset_seconds : offset_seconds;
        out += offset_seconds < 0 ? '-' : '+';
        pad(out, o / 3600, 2);
        const bool colon = (it.letter != 'Z' && (n == 3 || n == 5)) || (it.letter == 'Z' && n == 5);
        if (n > 1 || o % 3600 != 0 || it.letter == 'Z') {
          if (colon) out += ':';
          pad(out, o / 60 % 60, 2);
        }
        break;
      }
      default: break;
    }
  }
}

}  // namespace spp::sql::exec
