// String kernels.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "sql/kernels/string_fns.h"

#include <pcre2.h>

#include <algorithm>
#include <climits>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/kernels/byte_scan.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::kern {

namespace {

// Characters as the bytes that do not continue one (the count length() and substring have
// always used; utf8::num_chars steps by lead-byte width, which differs on invalid UTF-8).
int64_t lead_bytes(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += !utf8::is_cont(c);
  return n;
}

// Applies f(string_view, std::string& out) -> bool(valid) to every row; a string result.
template <typename F>
Vec map_str(const Vec& s, int64_t n, F f) {
  col::ColumnBuilder b(type_of(TypeId::String));
  b.reserve(n);
  std::string tmp;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = s.constant ? 0 : i;
    if (s.col->is_null(r)) { b.append_null(); continue; }
    tmp.clear();
    f(s.col->str(r), tmp);
    b.append_str(tmp);
  }
  return Vec::flat(b.finish());
}

template <typename F>
Vec case_map(const Vec& s, int64_t n, F map_cp) {
  return map_str(s, n, [&](std::string_view v, std::string& out) {
    out.reserve(v.size());
    for (size_t i = 0; i < v.size();) {
      unsigned char c = (unsigned char)v[i];
      if (c < 0x80) { out.push_back(char(map_cp(c))); ++i; continue; }
      utf8::put(map_cp(utf8::next(v, i)), out);
    }
  });
}

// Boolean result of f(a, b) per row, NULL if either is NULL.
template <typename F>
Vec pred2(const Vec& a, const Vec& b, int64_t n, F f) {
  auto out = new_bool(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t x = a.constant ? 0 : i, y = b.constant ? 0 : i;
    if (a.col->is_null(x) || b.col->is_null(y)) continue;
    if (f(a.col->str(x), b.col->str(y))) col::set_bit(out->values->data(), i);
  }
  set_validity(*out, and_validity(a, b, n));
  return Vec::flat(out);
}

}  // namespace

Vec upper(const Vec& s, int64_t n) { return case_map(s, n, utf8::to_upper); }
Vec lower(const Vec& s, int64_t n) { return case_map(s, n, utf8::to_lower); }

Vec length(const Vec& s, int64_t n) {
  auto out = new_fixed(type_of(TypeId::Int), n);
  int32_t* o = out->values->as<int32_t>();
  bool bytes = s.type().id == TypeId::Binary;
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = s.constant ? 0 : i;
    if (s.col->is_null(r)) continue;
    std::string_view v = s.col->str(r);
    o[i] = int32_t(bytes ? int64_t(v.size()) : lead_bytes(v));
  }
  set_validity(*out, copy_validity(s, n));
  return Vec::flat(out);
}

Vec trim(const Vec& s, int64_t n) {
  return map_str(s, n, [](std::string_view v, std::string& out) {
    size_t a = v.find_first_not_of(' ');
    if (a == std::string_view::npos) return;
    out.assign(v.substr(a, v.find_last_not_of(' ') - a + 1));
  });
}
Vec ltrim(const Vec& s, int64_t n) {
  return map_str(s, n, [](std::string_view v, std::string& out) {
    size_t a = v.find_first_not_of(' ');
    if (a != std::string_view::npos) out.assign(v.substr(a));
  });
}
Vec rtrim(const Vec& s, int64_t n) {
  return map_str(s, n, [](std::string_view v, std::string& out) {
    size_t b = v.find_last_not_of(' ');
    if (b != std::string_view::npos) out.assign(v.substr(0, b + 1));
  });
}

Vec substring(const Vec& s, const Vec& pos, const Vec& len, int64_t n) {
  col::ColumnBuilder b(type_of(TypeId::String));
  b.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = s.constant ? 0 : i, rp = pos.constant ? 0 : i, rl = len.constant ? 0 : i;
    if (s.col->is_null(r) || pos.col->is_null(rp) || len.col->is_null(rl)) { b.append_null(); continue; }
    std::string_view v = s.col->str(r);
    int64_t p = pos.col->vals<int32_t>()[rp], l = len.col->vals<int32_t>()[rl];
    // UTF8String.substringSQL
    int64_t nc = lead_bytes(v);
    int64_t start = p > 0 ? p - 1 : (p < 0 ? nc + p : 0);
    int64_t end = std::clamp<int64_t>(start + l, INT_MIN, INT_MAX);
    start = std::max<int64_t>(start, 0);
    if (start >= end) { b.append_str(""); continue; }
    size_t bs = utf8::offset_of(v, start), be = utf8::offset_of(v, std::min(end, nc));
    b.append_str(v.substr(bs, be - bs));
  }
  return Vec::flat(b.finish());
}

Vec concat(const std::vector<Vec>& args, int64_t n) {
  col::ColumnBuilder b(type_of(TypeId::String));
  b.reserve(n);
  std::string tmp;
  for (int64_t i = 0; i < n; ++i) {
    tmp.clear();
    bool null = false;
    for (const auto& a : args) {
      int64_t r = a.constant ? 0 : i;
      if (a.col->is_null(r)) { null = true; break; }
      tmp += a.col->str(r);
    }
    null ? b.append_null() : b.append_str(tmp);
  }
  return Vec::flat(b.finish());
}

Vec concat_ws(const Vec& sep, const std::vector<Vec>& args, int64_t n) {
  col::ColumnBuilder b(type_of(TypeId::String));
  b.reserve(n);
  std::string tmp;
  for (int64_t i = 0; i < n; ++i) {
    int64_t rs = sep.constant ? 0 : i;
    if (sep.col->is_null(rs)) { b.append_null(); continue; }
    std::string_view sp = sep.col->str(rs);
    tmp.clear();
    bool first = true;
    for (const auto& a : args) {
      int64_t r = a.constant ? 0 : i;
      if (a.col->is_null(r)) continue;
      if (a.type().id == TypeId::Array) {  // array<string> arguments are flattened
        const int32_t* o = a.col->offsets();
        const Column& el = *a.col->children[0];
        for (int32_t e = o[r]; e < o[r + 1]; ++e) {
          if (el.is_null(e)) continue;
          if (!first) tmp += sp;
          tmp += el.str(e);
          first = false;
        }
        continue;
      }
      if (!first) tmp += sp;
      tmp += a.col->str(r);
      first = false;
    }
    b.append_str(tmp);
  }
  return Vec::flat(b.finish());
}

Vec starts_with(const Vec& s, const Vec& p, int64_t n) {
  return pred2(s, p, n, [](std::string_view a, std::string_view b) { return a.substr(0, b.size()) == b; });
}
Vec ends_with(const Vec& s, const Vec& p, int64_t n) {
  return pred2(s, p, n, [](std::string_view a, std::string_view b) { return a.size() >= b.size() && a.substr(a.size() - b.size()) == b; });
}
Vec contains(const Vec& s, const Vec& p, int64_t n) {
  return pred2(s, p, n, [](std::string_view a, std::string_view b) { return a.find(b) != std::string_view::npos; });
}

// ---- LIKE ---------------------------------------------------------------------------------
LikeMatcher::LikeMatcher(std::string_view p, char escape) {
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == escape && i + 1 < p.size()) { c = p[++i]; }
    else if (c == '%') { if (toks_.empty() || toks_.back().kind != Tok::Any) toks_.push_back({Tok::Any, {}}); continue; }
    else if (c == '_') { toks_.push_back({Tok::One, {}}); continue; }
    if (toks_.empty() || toks_.back().kind != Tok::Lit) toks_.push_back({Tok::Lit, {}});
    toks_.back().lit.push_back(c);
  }
}

bool LikeMatcher::matches(std::string_view s) const {
  // Greedy wildcard matching with one backtrack point (the last %): linear for these patterns.
  size_t ti = 0, si = 0, star_t = SIZE_MAX, star_s = 0;
  while (true) {
    if (ti < toks_.size()) {
      const Tok& t = toks_[ti];
      if (t.kind == Tok::Any) { star_t = ti++; star_s = si; continue; }
      if (t.kind == Tok::One && si < s.size()) { si += utf8::char_len((unsigned char)s[si]); ++ti; continue; }
      if (t.kind == Tok::Lit && s.substr(si, t.lit.size()) == t.lit) { si += t.lit.size(); ++ti; continue; }
    } else if (si == s.size()) {
      return true;
    }
    if (star_t == SIZE_MAX || star_s >= s.size()) return false;
    star_s += utf8::char_len((unsigned char)s[star_s]);
    si = star_s;
    ti = star_t + 1;
  }
}

Vec like(const Vec& s, const LikeMatcher& m, int64_t n) {
  auto out = new_bool(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = s.constant ? 0 : i;
    if (!s.col->is_null(r) && m.matches(s.col->str(r))) col::set_bit(out->values->data(), i);
  }
  set_validity(*out, copy_validity(s, n));
  return Vec::flat(out);
}

// ---- regex --------------------------------------------------------------------------------
namespace {
// Java regex -> PCRE2: Java's POSIX classes (\p{Alpha}, \p{Lower}, ...) are ASCII-only, PCRE2
// reads the same names as Unicode properties, so they become [[:alpha:]]; Java-only properties
// (\p{javaLowerCase}, \p{IsAlphabetic}, \p{InGreek}) are rejected (nullopt + the construct).
std::optional<std::string> java_to_pcre(std::string_view p, std::string& bad) {
  static const char* kPosix[][2] = {{"Lower", "lower"}, {"Upper", "upper"}, {"ASCII", "ascii"}, {"Alpha", "alpha"},
                                    {"Digit", "digit"}, {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"},
                                    {"Print", "print"}, {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"},
                                    {"Space", "space"}};
  std::string out;
  int depth = 0;  // inside [...]
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      if (e == 'Q') {  // \Q...\E: copied verbatim
        size_t end = p.find("\\E", i + 2);
        end = end == std::string_view::npos ? p.size() : end + 2;
        out.append(p.substr(i, end - i));
        i = end - 1;
        continue;
      }
      if ((e == 'p' || e == 'P') && i + 2 < p.size() && p[i + 2] == '{') {
        size_t close = p.find('}', i + 3);
        if (close != std::string_view::npos) {
          std::string_view name = p.substr(i + 3, close - i - 3);
          if (name.rfind("Is", 0) == 0 && name.size() > 2 && name != "IsL") name = name.substr(2);
          const char* posix = nullptr;
          for (auto& m : kPosix) if (name == m[0]) posix = m[1];
          if (posix) {
            std::string cls = std::string("[:") + (e == 'P' ? "^" : "") + posix + ":]";
            out += depth > 0 ? cls : "[" + cls + "]";
            i = close;
            continue;
          }
          if (name.rfind("java", 0) == 0 || name.rfind("In", 0) == 0 || name == "Alphabetic" || name == "Letter" ||
              name == "Ideographic" || name == "White_Space" || name.find('=') != std::string_view::npos) {
            bad = std::string(p.substr(i, close - i + 1));
            return std::nullopt;
          }
        }
      }
      out.push_back(c);
      out.push_back(e);
      ++i;
      continue;
    }
    if (c == '[') ++depth;
    else if (c == ']' && depth > 0) --depth;
    out.push_back(c);
  }
  return out;
}
}  // namespace

Result<std::shared_ptr<Regex>> Regex::compile(std::string_view java_pattern) {
  std::string bad;
  auto translated = java_to_pcre(java_pattern, bad);
  if (!translated)
    return Result<std::shared_ptr<Regex>>::error("invalid regular expression '" + std::string(java_pattern) +
                                                 "': the Java construct " + bad + " is not supported");
  std::string_view pattern = *translated;
  int err = 0;
  PCRE2_SIZE off = 0;
  // Java's line terminators (\n, \r\n, \r, \u0085, \u2028, \u2029) for `.` and `$`.
  pcre2_compile_context* cc = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_NO_UTF_CHECK, &err, &off, cc);
  pcre2_compile_context_free(cc);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    return Result<std::shared_ptr<Regex>>::error("invalid regular expression '" + std::string(java_pattern) + "': " +
                                                 reinterpret_cast<char*>(buf));
  }
  std::shared_ptr<Regex> r(new Regex());
  r->is_literal_ = !pattern.empty() && pattern.find_first_of(".$|()[]{}^?*+\\") == std::string_view::npos;
  pattern = java_pattern;  // error texts and the literal fast path use the user's pattern
  if (r->is_literal_) r->literal_ = std::string(pattern);
  r->code_ = code;
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
  r->match_ = pcre2_match_data_create_from_pattern(code, nullptr);
  return r;
}

Regex::~Regex() {
  if (match_) pcre2_match_data_free(static_cast<pcre2_match_data*>(match_));
  if (code_) pcre2_code_free(static_cast<pcre2_code*>(code_));
}

bool Regex::find(std::string_view s) const {
  int rc = pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0,
                       static_cast<pcre2_match_data*>(match_), nullptr);
  return rc >= 0;
}

bool Regex::find_at(std::string_view s, size_t start, std::vector<std::pair<size_t, size_t>>& groups) const {
  auto* md = static_cast<pcre2_match_data*>(match_);
  int rc = pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md,
                       nullptr);
  if (rc < 0) return false;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  groups.assign(size_t(group_count()) + 1, {std::string_view::npos, std::string_view::npos});
  for (int k = 0; k < rc; ++k)
    if (ov[2 * k] != PCRE2_UNSET) groups[size_t(k)] = {ov[2 * k], ov[2 * k + 1]};
  return true;
}

int Regex::group_count() const {
  uint32_t n = 0;
  pcre2_pattern_info(static_cast<pcre2_code*>(code_), PCRE2_INFO_CAPTURECOUNT, &n);
  return int(n);
}

int Regex::group_index(std::string_view name) const {
  std::string z(name);
  int k = pcre2_substring_number_from_name(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(z.c_str()));
  return k < 0 ? -1 : k;
}

std::vector<std::string_view> Regex::split(std::string_view s, int limit) const {
  std::vector<std::string_view> out;
  if (is_literal_ && literal_.size() == 1) {  // one byte (" ", ","): memchr, no compare per hit
    const char sep = literal_[0];
    size_t start = 0;
    while (limit <= 0 || int(out.size()) < limit - 1) {
      const void* at = start < s.size() ? std::memchr(s.data() + start, sep, s.size() - start) : nullptr;
      if (!at) break;
      const size_t e = size_t(static_cast<const char*>(at) - s.data());
      out.push_back(s.substr(start, e - start));
      start = e + 1;
    }
    out.push_back(s.substr(start));
    return out;
  }
  if (is_literal_) {
    size_t start = 0;
    for (size_t at; (limit <= 0 || int(out.size()) < limit - 1) && (at = s.find(literal_, start)) != s.npos;
         start = at + literal_.size())
      out.push_back(s.substr(start, at - start));
    out.push_back(s.substr(start));
    return out;
  }
  auto* md = static_cast<pcre2_match_data*>(match_);
  size_t start = 0, from = 0;
  while (from <= s.size() && (limit <= 0 || int(out.size()) < limit - 1)) {
    int rc = pcre2_match(static_cast<pcre2_code*>(code_), reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), from, 0, md, nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t ms = ov[0], me = ov[1];
    if (me == ms) {  // zero-width match: never splits at 0 (Java 8+), advance one char
      if (ms == 0 || ms >= s.size()) { if (ms >= s.size()) break; from = ms + utf8::char_len((unsigned char)s[ms]); continue; }
      out.push_back(s.substr(start, ms - start));
      start = ms;
      from = ms + utf8::char_len((unsigned char)s[ms]);
      continue;
    }
    out.push_back(s.substr(start, ms - start));
    start = from = me;
  }
  out.push_back(s.substr(start));
  if (s.empty()) return {s};  // "".split(x) = [""]
  return out;
}

Vec rlike(const Vec& s, const Regex& re, int64_t n) {
  auto out = new_bool(n);
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = s.constant ? 0 : i;
    if (!s.col->is_null(r) && re.find(s.col->str(r))) col::set_bit(out->values->data(), i);
  }
  set_validity(*out, copy_validity(s, n));
  return Vec::flat(out);
}

namespace {

// The list column of split's result over element buffers filled by the caller.
Vec split_result(const Vec& s, int64_t n, col::BufferPtr list_off, col::BufferPtr elem_off, int64_t elems_n, col::BufferPtr data) {
  auto elems = std::make_shared<Column>();
  elems->type = type_of(TypeId::String);
  elems->length = elems_n;
  elems->values = std::move(elem_off);
  elems->data = std::move(data);
  auto list = std::make_shared<Column>();
  list->type = col::make_type(ColType::array(ColType::scalar(TypeId::String), false));
  list->length = n;
  list->values = std::move(list_off);
  list->children.push_back(std::move(elems));
  set_validity(*list, copy_validity(s, n));
  return Vec::flat(list);
}

// split at one byte (`limit` <= 0: every piece, trailing empty ones kept) of a flat string column:
// one pass over the rows' bytes (contiguous in the column) 64 at a time, a bit per separator;
// the pieces are copied straight into the element buffers (16 bytes at a time when short), the
// element count known up front from a first pass that counts separators. A one-byte pattern is
// ASCII, so it never matches inside a multibyte UTF-8 character.
Vec split_byte(const Vec& s, char sep, int64_t n) {
  const Column& in = s.c();
  const int32_t* o = in.offsets();
  static const char kEmpty[64] = {};
  const bool has_data = in.data && in.data->data();
  const char* d = has_data ? reinterpret_cast<const char*>(in.data->data()) : kEmpty;
  const int64_t base = o[0], end = o[n];
  // Bytes at and after d that may be read (16-byte copies past a piece): the buffer's capacity.
  const int64_t readable = has_data ? int64_t(in.data->capacity()) : 0;
  const uint8_t* valid = in.null_count > 0 ? in.validity_bits() : nullptr;
  auto block = [&](int64_t b) { return byte_mask64_at(d, b, end, sep); };
  const int64_t seps = count_byte(d, base, end, sep);
  const int64_t max_pieces = seps + n;  // a valid row: its separators + 1
  SPP_CHECK(end - base < INT32_MAX && max_pieces < INT32_MAX, "split: a batch of over 2 GiB or 2^31 pieces");
  auto data = std::make_shared<col::Buffer>(size_t(end - base) + 16);  // + 16: short pieces copied 16 bytes at a time
  auto elem_off = std::make_shared<col::Buffer>(size_t(max_pieces + 1) * 4);
  auto list_off = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
  char* out = reinterpret_cast<char*>(data->data());
  int32_t* eo = elem_off->as<int32_t>();
  int32_t* lo = list_off->as<int32_t>();
  int32_t pos = 0;
  int64_t pieces = 0, row = 0, p = base;  // p: where the current piece starts
  auto emit = [&](int64_t from, int64_t to) {
    const int64_t len = to - from;
    if (len <= 16 && from + 16 <= readable) std::memcpy(out + pos, d + from, 16);
    else if (len > 0) std::memcpy(out + pos, d + from, size_t(len));
    pos += int32_t(len);
    eo[++pieces] = pos;
  };
  // Ends every row whose bytes end at or before q: its last piece, then the next row starts.
  auto close_rows = [&](int64_t q) {
    while (row < n && o[row + 1] <= q) {
      if (!valid || col::get_bit(valid, in.offset + row)) emit(p, o[row + 1]);
      lo[++row] = int32_t(pieces);
      if (row < n) p = o[row];
    }
  };
  eo[0] = 0;
  lo[0] = 0;
  for (int64_t b = base; b < end; b += 64) {
    for (uint64_t m = block(b); m != 0; m &= m - 1) {
      const int64_t q = b + __builtin_ctzll(m);
      if (q >= o[row + 1]) close_rows(q);
      if (!valid || col::get_bit(valid, in.offset + row)) emit(p, q);
      p = q + 1;
    }
  }
  close_rows(INT64_MAX);
  data->resize(size_t(pos));  // zeroes the slack the 16-byte copies wrote
  return split_result(s, n, std::move(list_off), std::move(elem_off), pieces, std::move(data));
}

}  // namespace

Vec split(const Vec& s, const Regex& re, int limit, int64_t n) {
  // Written straight into the list's buffers (no builder call per piece): the pieces' bytes
  // never exceed the input's, so the element data is sized once.
  const Column& in = s.c();
  const bool strings = col::is_var_binary(in.id());
  const std::string_view lit = re.literal();
  if (strings && !s.constant && limit <= 0 && lit.size() == 1 && n > 0) return split_byte(s, lit[0], n);
  int64_t bytes = 0;
  if (strings && s.constant) bytes = in.is_null(0) ? 0 : int64_t(in.str(0).size()) * n;
  else if (strings && n > 0) bytes = int64_t(in.offsets()[n]) - in.offsets()[0];
  SPP_CHECK(bytes < INT32_MAX, "split: string data of a column over 2 GiB");
  auto data = std::make_shared<col::Buffer>(0);
  data->reserve(size_t(bytes));
  auto list_off = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
  int32_t* lo = list_off->as<int32_t>();
  std::vector<int32_t> elem_off;
  elem_off.reserve(size_t(n) * 4 + 1);
  elem_off.push_back(0);
  char* out = reinterpret_cast<char*>(data->data());
  int32_t pos = 0;
  auto piece = [&](std::string_view part) {
    if (!part.empty()) std::memcpy(out + pos, part.data(), part.size());
    pos += int32_t(part.size());
    elem_off.push_back(pos);
  };
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = s.constant ? 0 : i;
    if (in.is_null(r)) {
    } else if (!lit.empty()) {  // a literal of several bytes: searched for, no vector per row
      const std::string_view v = in.str(r);
      size_t start = 0, pieces = 0;
      for (size_t at; (limit <= 0 || int(pieces) < limit - 1) && (at = v.find(lit, start)) != v.npos; start = at + lit.size(), ++pieces)
        piece(v.substr(start, at - start));
      piece(v.substr(start));
    } else {
      for (auto part : re.split(in.str(r), limit)) piece(part);
    }
    lo[i + 1] = int32_t(elem_off.size() - 1);
  }
  data->resize(size_t(pos));
  auto eo = std::make_shared<col::Buffer>(elem_off.size() * 4);
  std::memcpy(eo->data(), elem_off.data(), elem_off.size() * 4);
  return split_result(s, n, std::move(list_off), std::move(eo), int64_t(elem_off.size()) - 1, std::move(data));
}

}  // namespace spp::sql::kern
