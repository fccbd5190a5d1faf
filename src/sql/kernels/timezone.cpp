// TimeZone (timezone.h): Java's ZoneId.of grammar, tz database regions via date/tz.h.
#include "sql/kernels/timezone.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <regex>

#include <date/tz.h>

namespace spp::sql::kern {

struct ZoneRules {
  std::string name;
  const date::time_zone* zone = nullptr;
  // offsets[i] holds from starts[i] (UTC seconds) up to starts[i + 1]; the first interval (the
  // zone's LMT) reaches back forever. The table ends at 2038 (TZif files list transitions to
  // 2037); later instants of a zone still changing offsets are read in the year of 2010-2037 with
  // the same calendar (leap year, weekday of January 1st), as java.time applies the last rules.
  std::vector<int64_t> starts;
  std::vector<int32_t> offsets;
  int64_t end = 0;
  bool dst_tail = false;
};

namespace {
constexpr int64_t kMicros = 1000000;
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

std::shared_ptr<const ZoneRules> load_rules(const date::time_zone* z) {
  auto r = std::make_shared<ZoneRules>();
  r->name = std::string(z->name());
  r->zone = z;
  using namespace std::chrono;
  const auto first = date::sys_days{date::year{1800} / 1 / 1};
  const auto last = date::sys_days{date::year{2038} / 1 / 1};
  date::sys_seconds t = first;
  r->end = last.time_since_epoch().count() * 86400;
  // The interval holding the table's beginning reaches back to the first transition.
  auto info = z->get_info(t);
  r->starts.push_back(INT64_MIN);
  r->offsets.push_back(int32_t(info.offset.count()));
  while (info.end < last) {
    t = info.end;
    info = z->get_info(t);
    int32_t off = int32_t(info.offset.count());
    if (off == r->offsets.back()) continue;  // a change of abbreviation or of DST flag only
    r->starts.push_back(t.time_since_epoch().count());
    r->offsets.push_back(off);
  }
  const int64_t y2030 = date::sys_days{date::year{2030} / 1 / 1}.time_since_epoch().count() * 86400;
  r->dst_tail = r->starts.back() >= y2030;
  return r;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int64_t jan1(int64_t y) { return date::sys_days{date::year{int(y)} / 1 / 1}.time_since_epoch().count(); }
// Seconds to subtract from `s` (past 2038) to land on the same day and time of a 2010-2037 year
// with the same calendar.
int64_t tail_shift(int64_t s) {
  // The Gregorian calendar repeats every 400 years (146097 days, a whole number of weeks): whole
  // cycles first, so the year below stays within date's range (|year| <= 32767) and the shift
  // always lands before 2038 (a year 220401 used to recurse without end in to_utc).
  constexpr int64_t kCycle = int64_t{146097} * 86400;
  const int64_t base = jan1(2038) * 86400;
  const int64_t cycles = s >= base + kCycle ? (s - base) / kCycle : 0;
  s -= cycles * kCycle;
  const int64_t days = floor_div(s, 86400);
  const auto ymd = date::year_month_day{date::sys_days(date::days(static_cast<int>(days)))};
  const int64_t y = int(ymd.year());
  const int64_t wd = ((jan1(y) % 7) + 7 + 4) % 7;
  for (int64_t y2 = 2010; y2 <= 2037; ++y2)
    if (leap(y2) == leap(y) && ((jan1(y2) % 7) + 7 + 4) % 7 == wd) return cycles * kCycle + (jan1(y) - jan1(y2)) * 86400;
  return cycles * kCycle;
}

Result<int64_t> parse_offset(std::string_view s, std::string_view whole) {
  // ZoneOffset.of: Z, +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss; at most 18 hours.
  auto bad = [&] { return Result<int64_t>::error("Invalid ID for ZoneOffset, invalid format: " + std::string(whole)); };
  if (s == "Z") return int64_t{0};
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return bad();
  int sign = s[0] == '-' ? -1 : 1;
  std::string_view d = s.substr(1);
  auto num = [&](size_t at, int64_t& v) {
    if (at + 2 > d.size() || !isdigit(static_cast<unsigned char>(d[at])) || !isdigit(static_cast<unsigned char>(d[at + 1]))) return false;
    v = (d[at] - '0') * 10 + (d[at + 1] - '0');
    return true;
  };
  int64_t h = 0, m = 0, sec = 0;
  switch (d.size()) {
    case 1:
      if (!isdigit(static_cast<unsigned char>(d[0]))) return bad();
      h = d[0] - '0';
      break;
    case 2: if (!num(0, h)) return bad(); break;
    case 4: if (!num(0, h) || !num(2, m)) return bad(); break;
    case 5: if (!num(0, h) || d[2] != ':' || !num(3, m)) return bad(); break;
    case 6: if (!num(0, h) || !num(2, m) || !num(4, sec)) return bad(); break;
    case 8: if (!num(0, h) || d[2] != ':' || !num(3, m) || d[5] != ':' || !num(6, sec)) return bad(); break;
    default: return bad();
  }
  if (h > 18 || m > 59 || sec > 59 || (h == 18 && (m || sec)))
    return Result<int64_t>::error("Zone offset not in valid range: -18:00 to +18:00");
  return sign * (h * 3600 + m * 60 + sec);
}

std::string offset_id(int64_t o) {
  if (o == 0) return "Z";
  char buf[64];
  int64_t a = o < 0 ? -o : o;
  if (a % 60)
    std::snprintf(buf, sizeof buf, "%c%02lld:%02lld:%02lld", o < 0 ? '-' : '+', (long long)(a / 3600), (long long)(a / 60 % 60), (long long)(a % 60));
  else
    std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", o < 0 ? '-' : '+', (long long)(a / 3600), (long long)(a / 60 % 60));
  return buf;
}
}  // namespace

Result<TimeZone> TimeZone::of(std::string_view raw) {
  using R = Result<TimeZone>;
  // Spark pads `+h:mm` and `+hh:m` (accepted before 3.0) before ZoneId.of.
  static const std::regex kHour("([+\\-])(\\d):"), kMinute("([+\\-])(\\d\\d):(\\d)$");
  std::string id = std::regex_replace(std::string(raw), kHour, "$010$2:", std::regex_constants::format_first_only);
  id = std::regex_replace(id, kMinute, "$1$2:0$3", std::regex_constants::format_first_only);
  // java.time.ZoneId.SHORT_IDS
  static const std::map<std::string, std::string, std::less<>> kShort = {
      {"ACT", "Australia/Darwin"}, {"AET", "Australia/Sydney"}, {"AGT", "America/Argentina/Buenos_Aires"},
      {"ART", "Africa/Cairo"}, {"AST", "America/Anchorage"}, {"BET", "America/Sao_Paulo"}, {"BST", "Asia/Dhaka"},
      {"CAT", "Africa/Harare"}, {"CNT", "America/St_Johns"}, {"CST", "America/Chicago"}, {"CTT", "Asia/Shanghai"},
      {"EAT", "Africa/Addis_Ababa"}, {"ECT", "Europe/Paris"}, {"IET", "America/Indiana/Indianapolis"},
      {"IST", "Asia/Kolkata"}, {"JST", "Asia/Tokyo"}, {"MIT", "Pacific/Apia"}, {"NET", "Asia/Yerevan"},
      {"NST", "Pacific/Auckland"}, {"PLT", "Asia/Karachi"}, {"PNT", "America/Phoenix"}, {"PRT", "America/Puerto_Rico"},
      {"PST", "America/Los_Angeles"}, {"SST", "Pacific/Guadalcanal"}, {"VST", "Asia/Ho_Chi_Minh"},
      {"EST", "-05:00"}, {"MST", "-07:00"}, {"HST", "-10:00"}};
  if (auto it = kShort.find(id); it != kShort.end()) id = it->second;
  if (id == "Z" || (!id.empty() && (id[0] == '+' || id[0] == '-'))) {
    auto o = parse_offset(id, id);
    if (!o) return R::error(o.error_message());
    TimeZone tz(o.value());
    tz.name_ = std::string(raw);
    return tz;
  }
  if (id == "UTC" || id == "GMT" || id == "UT") {
    TimeZone tz(0);
    tz.name_ = std::string(raw);
    return tz;
  }
  for (std::string_view p : {"UTC", "GMT", "UT"})
    if (id.size() > p.size() && id.compare(0, p.size(), p) == 0 && (id[p.size()] == '+' || id[p.size()] == '-')) {
      auto o = parse_offset(std::string_view(id).substr(p.size()), id);
      if (!o) return R::error(o.error_message());
      TimeZone tz(o.value());
      tz.name_ = std::string(raw);
      return tz;
    }
  static const std::regex kRegion("[A-Za-z][A-Za-z0-9~/._+-]+");
  if (!std::regex_match(id, kRegion)) return R::error("Invalid ID for region-based ZoneId, invalid format: " + id);
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const ZoneRules>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[id];
  if (!slot) {
    const date::time_zone* z = nullptr;
    try {
      z = date::locate_zone(id);
    } catch (const std::exception&) {
      cache.erase(id);
      return R::error("Unknown time-zone ID: " + id);
    }
    slot = load_rules(z);
  }
  TimeZone tz;
  tz.rules_ = slot;
  tz.name_ = std::string(raw);
  return tz;
}

int64_t TimeZone::offset_at(int64_t utc) const {
  if (!rules_) return fixed_;
  const ZoneRules& r = *rules_;
  int64_t s = floor_div(utc, kMicros);
  if (s >= r.end && r.dst_tail) s -= tail_shift(s);
  auto it = std::upper_bound(r.starts.begin(), r.starts.end(), s);
  return r.offsets[size_t(it - r.starts.begin()) - 1];
}

int64_t TimeZone::to_utc(int64_t local) const {
  if (!rules_) return local - fixed_ * kMicros;
  const ZoneRules& r = *rules_;
  int64_t ls = floor_div(local, kMicros);
  if (ls >= r.end + 86400 && r.dst_tail) {
    const int64_t shift = tail_shift(ls);
    return to_utc(local - shift * kMicros) + shift * kMicros;
  }
  // Candidate intervals around the one holding `ls` read as UTC (offsets are under a day).
  const size_t n = r.starts.size();
  size_t i = size_t(std::upper_bound(r.starts.begin(), r.starts.end(), ls - 86400) - r.starts.begin()) - 1;
  size_t hi = size_t(std::upper_bound(r.starts.begin(), r.starts.end(), ls + 86400) - r.starts.begin());
  auto start = [&](size_t k) { return r.starts[k]; };
  auto stop = [&](size_t k) { return k + 1 < n ? r.starts[k + 1] : INT64_MAX; };
  for (size_t k = i; k < hi; ++k) {  // earliest interval whose wall clock holds `ls`
    int64_t u = ls - r.offsets[k];
    if (u >= start(k) && u < stop(k)) return local - int64_t(r.offsets[k]) * kMicros;
  }
  for (size_t k = i; k < hi; ++k) {  // a gap: the offset before it, moving the time later
    int64_t u = ls - r.offsets[k];
    if (u >= stop(k) && k + 1 < n && ls - r.offsets[k + 1] < start(k + 1)) return local - int64_t(r.offsets[k]) * kMicros;
  }
  return local - int64_t(r.offsets[i]) * kMicros;
}

std::string TimeZone::id() const { return !name_.empty() ? name_ : rules_ ? rules_->name : offset_id(fixed_); }

}  // namespace spp::sql::kern
