// String kernels of issue 14, following Spark 3.5's UTF8String methods (lpad, subStringIndex,
// indexOf, toTitleCase, levenshteinDistance, soundex) and StringTranslate / Overlay.
#include "sql/kernels/text_fns.h"

#include <algorithm>
#include <climits>
#include <unordered_map>

#include "sql/kernels/fn_util.h"

namespace spp::sql::kern {

namespace utf8 {
int64_t num_chars(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); i += char_len((unsigned char)s[i])) ++n;
  return n;
}
size_t offset_of(std::string_view s, int64_t k) {
  size_t i = 0;
  while (k > 0 && i < s.size()) { i += char_len((unsigned char)s[i]); --k; }
  return std::min(i, s.size());
}
uint32_t next(std::string_view s, size_t& i) {
  unsigned char c = (unsigned char)s[i];
  size_t n = std::min(char_len(c), s.size() - i);
  uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3f);
  i += n;
  return cp;
}
void put(uint32_t cp, std::string& out) {
  if (cp < 0x80) out.push_back(char(cp));
  else if (cp < 0x800) { out.push_back(char(0xc0 | (cp >> 6))); out.push_back(char(0x80 | (cp & 0x3f))); }
  else if (cp < 0x10000) {
    out.push_back(char(0xe0 | (cp >> 12))); out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(char(0xf0 | (cp >> 18))); out.push_back(char(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3f))); out.push_back(char(0x80 | (cp & 0x3f)));
  }
}
std::string_view substring_sql(std::string_view v, int64_t p, int64_t l) {
  int64_t nc = num_chars(v);
  int64_t start = p > 0 ? p - 1 : (p < 0 ? nc + p : 0);
  int64_t end = std::clamp<int64_t>(start + l, INT_MIN, INT_MAX);
  start = std::max<int64_t>(start, 0);
  if (start >= end) return {};
  size_t bs = offset_of(v, start), be = offset_of(v, std::min(end, nc));
  return v.substr(bs, be - bs);
}
// Case mapping for ASCII, Latin-1, Greek and Cyrillic (as the upper/lower kernels).
uint32_t to_upper(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c >= 0xe0 && c <= 0xfe && c != 0xf7) return c - 32;
  if (c == 0xff) return 0x178;
  if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) return c - 32;
  if (c >= 0x430 && c <= 0x44f) return c - 32;
  if (c >= 0x450 && c <= 0x45f) return c - 80;
  return c;
}
uint32_t to_lower(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xc0 && c <= 0xde && c != 0xd7) return c + 32;
  if (c == 0x178) return 0xff;
  if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) return c + 32;
  if (c >= 0x410 && c <= 0x42f) return c + 32;
  if (c >= 0x400 && c <= 0x40f) return c + 80;
  return c;
}
}  // namespace utf8

namespace {
using utf8::num_chars;
using utf8::offset_of;

// UTF8String.indexOf(v, start): character index of v at or after character `start`, -1 if absent.
int64_t index_of(std::string_view s, std::string_view v, int64_t start) {
  if (v.empty()) return 0;
  size_t i = 0;
  int64_t c = 0;
  while (i < s.size() && c < start) { i += utf8::char_len((unsigned char)s[i]); ++c; }
  do {
    if (i + v.size() > s.size()) return -1;
    if (s.compare(i, v.size(), v) == 0) return c;
    i += utf8::char_len((unsigned char)s[i]);
    ++c;
  } while (i < s.size());
  return -1;
}

// The first `k` characters (k <= 0: empty).
std::string_view prefix_chars(std::string_view s, int64_t k) { return k <= 0 ? std::string_view{} : s.substr(0, offset_of(s, k)); }

template <bool kLeft>
Vec pad(const Vec& s, const Vec& len, const Vec& padv, int64_t n) {
  StrArg S(s), P(padv);
  FixArg<int32_t> L(len);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || L.null(i) || P.null(i)) return false;
    std::string_view v = S[i], p = P[i];
    int64_t want = L[i], spaces = want - num_chars(v);
    if (spaces <= 0 || p.empty()) { out.append(prefix_chars(v, want)); return true; }
    int64_t pc = num_chars(p), count = spaces / pc;
    if (!kLeft) out.append(v);
    for (int64_t k = 0; k < count; ++k) out.append(p);
    out.append(prefix_chars(p, spaces - pc * count));
    if (kLeft) out.append(v);
    return true;
  });
}
}  // namespace

Vec initcap(const Vec& s, int64_t n) {
  StrArg S(s);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    bool start = true;
    for (size_t k = 0; k < v.size();) {
      uint32_t cp = utf8::next(v, k);
      cp = start ? utf8::to_upper(utf8::to_lower(cp)) : utf8::to_lower(cp);
      utf8::put(cp, out);
      start = cp == ' ';
    }
    return true;
  });
}

Vec lpad(const Vec& s, const Vec& len, const Vec& p, int64_t n) { return pad<true>(s, len, p, n); }
Vec rpad(const Vec& s, const Vec& len, const Vec& p, int64_t n) { return pad<false>(s, len, p, n); }

Vec repeat(const Vec& s, const Vec& times, int64_t n) {
  StrArg S(s);
  FixArg<int32_t> T(times);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || T.null(i)) return false;
    for (int32_t k = 0; k < T[i]; ++k) out.append(S[i]);
    return true;
  });
}

Vec reverse(const Vec& s, int64_t n) {
  StrArg S(s);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    out.resize(v.size());
    // Copy each character's bytes to the mirrored position.
    for (size_t k = 0; k < v.size();) {
      size_t l = std::min(utf8::char_len((unsigned char)v[k]), v.size() - k);
      std::copy(v.begin() + long(k), v.begin() + long(k + l), out.end() - long(k + l));
      k += l;
    }
    return true;
  });
}

Vec instr(const Vec& s, const Vec& sub, int64_t n) {
  StrArg S(s), B(sub);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (S.null(i) || B.null(i)) return false;
    o = int32_t(index_of(S[i], B[i], 0) + 1);
    return true;
  });
}

Vec locate(const Vec& sub, const Vec& s, const Vec& pos, int64_t n) {
  StrArg S(s), B(sub);
  FixArg<int32_t> P(pos);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (P.null(i)) { o = 0; return true; }  // Hive: a NULL start position gives 0
    if (B.null(i) || S.null(i)) return false;
    o = P[i] < 1 ? 0 : int32_t(index_of(S[i], B[i], P[i] - 1) + 1);
    return true;
  });
}

Vec substring_index(const Vec& s, const Vec& delim, const Vec& count, int64_t n) {
  StrArg S(s), D(delim);
  FixArg<int32_t> C(count);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || D.null(i) || C.null(i)) return false;
    std::string_view v = S[i], d = D[i];
    int64_t cnt = C[i];
    if (d.empty() || cnt == 0) return true;
    if (cnt > 0) {
      size_t idx = std::string_view::npos;
      for (; cnt > 0; --cnt) {
        idx = v.find(d, idx == std::string_view::npos ? 0 : idx + 1);
        if (idx == std::string_view::npos) { out.append(v); return true; }
      }
      out.append(v.substr(0, idx));
      return true;
    }
    // From the right: rfind starting one byte before the previous match (overlaps allowed).
    int64_t idx = int64_t(v.size()) - int64_t(d.size()) + 1;
    for (cnt = -cnt; cnt > 0; --cnt) {
      if (idx - 1 < 0) { out.append(v); return true; }
      size_t f = v.rfind(d, size_t(idx - 1));
      if (f == std::string_view::npos) { out.append(v); return true; }
      idx = int64_t(f);
    }
    out.append(v.substr(size_t(idx) + d.size()));
    return true;
  });
}

Vec left(const Vec& s, const Vec& len, int64_t n) {
  StrArg S(s);
  FixArg<int32_t> L(len);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || L.null(i)) return false;
    out.append(utf8::substring_sql(S[i], 1, L[i]));
    return true;
  });
}

Vec right(const Vec& s, const Vec& len, int64_t n) {
  StrArg S(s);
  FixArg<int32_t> L(len);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || L.null(i)) return false;
    int64_t l = L[i];
    if (l > 0) out.append(utf8::substring_sql(S[i], -l, l));
    return true;
  });
}

Vec translate(const Vec& s, const Vec& from, const Vec& to, int64_t n) {
  StrArg S(s), F(from), T(to);
  // The dictionary is rebuilt only when the matching/replace strings change (usually literals).
  std::unordered_map<uint32_t, int64_t> dict;  // code point -> replacement (-1: delete)
  std::string_view last_f, last_t;
  bool built = false;
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || F.null(i) || T.null(i)) return false;
    if (!built || F[i] != last_f || T[i] != last_t) {
      dict.clear();
      last_f = F[i];
      last_t = T[i];
      built = true;
      size_t j = 0;
      for (size_t k = 0; k < last_f.size();) {
        uint32_t m = utf8::next(last_f, k);
        int64_t rep = j < last_t.size() ? int64_t(utf8::next(last_t, j)) : -1;
        dict.emplace(m, rep);  // the first mapping of a character wins
      }
    }
    std::string_view v = S[i];
    for (size_t k = 0; k < v.size();) {
      size_t at = k;
      uint32_t cp = utf8::next(v, k);
      auto it = dict.find(cp);
      if (it == dict.end()) out.append(v.substr(at, k - at));
      else if (it->second >= 0) utf8::put(uint32_t(it->second), out);
    }
    return true;
  });
}

Vec replace(const Vec& s, const Vec& search, const Vec& rep, int64_t n) {
  StrArg S(s), F(search), R(rep);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || F.null(i) || R.null(i)) return false;
    std::string_view v = S[i], f = F[i], r = R[i];
    if (f.empty()) { out.append(v); return true; }
    size_t start = 0;
    for (size_t at; (at = v.find(f, start)) != std::string_view::npos; start = at + f.size()) {
      out.append(v.substr(start, at - start));
      out.append(r);
    }
    out.append(v.substr(start));
    return true;
  });
}

Vec ascii(const Vec& s, int64_t n) {
  StrArg S(s);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    size_t k = 0;
    o = v.empty() ? 0 : int32_t(utf8::next(v, k));
    return true;
  });
}

Vec byte_length(const Vec& s, int bits_per_byte, int64_t n) {
  StrArg S(s);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (S.null(i)) return false;
    o = int32_t(S[i].size()) * bits_per_byte;
    return true;
  });
}

Vec levenshtein(const Vec& a, const Vec& b, const Vec* threshold, int64_t n) {
  StrArg A(a), B(b);
  std::vector<uint32_t> x, y;
  std::vector<int32_t> prev, cur;
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (A.null(i) || B.null(i)) return false;
    int64_t thr = -1;
    if (threshold) {
      FixArg<int32_t> T(*threshold);
      if (T.null(i)) return false;
      thr = T[i];
    }
    x.clear();
    y.clear();
    for (size_t k = 0; k < A[i].size();) x.push_back(utf8::next(A[i], k));
    for (size_t k = 0; k < B[i].size();) y.push_back(utf8::next(B[i], k));
    prev.resize(y.size() + 1);
    cur.resize(y.size() + 1);
    for (size_t j = 0; j <= y.size(); ++j) prev[j] = int32_t(j);
    for (size_t p = 1; p <= x.size(); ++p) {
      cur[0] = int32_t(p);
      for (size_t j = 1; j <= y.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[p - 1] == y[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    o = prev[y.size()];
    if (threshold && o > thr) o = -1;
    return true;
  });
}

Vec soundex(const Vec& s, int64_t n) {
  // Spark's US English table: vowels/y 0, h/w 7 (skipped without resetting the last code).
  static const char kCodes[] = "01230127022455012623017202";
  StrArg S(s);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    if (v.empty()) return true;
    auto up = [](char ch) { return ch >= 'a' && ch <= 'z' ? char(ch - 32) : ch; };
    char b = up(v[0]);
    if (b < 'A' || b > 'Z') { out.append(v); return true; }  // first character must be a letter
    char sx[4] = {b, '0', '0', '0'};
    int sxi = 1;
    char last = kCodes[b - 'A'];
    for (size_t k = 1; k < v.size(); ++k) {
      b = up(v[k]);
      if (b < 'A' || b > 'Z') { last = '0'; continue; }
      char code = kCodes[b - 'A'];
      if (code == '7') continue;
      if (code != '0' && code != last) {
        sx[sxi++] = code;
        if (sxi > 3) break;
      }
      last = code;
    }
    out.assign(sx, 4);
    return true;
  });
}

Vec overlay(const Vec& s, const Vec& rep, const Vec& pos, const Vec& len, int64_t n) {
  StrArg S(s), R(rep);
  FixArg<int32_t> P(pos), L(len);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || R.null(i) || P.null(i) || L.null(i)) return false;
    std::string_view v = S[i], r = R[i];
    int64_t p = P[i], l = L[i] >= 0 ? L[i] : num_chars(r);
    out.append(utf8::substring_sql(v, 1, p - 1));
    out.append(r);
    out.append(utf8::substring_sql(v, int32_t(p + l), INT_MAX));  // Java int arithmetic
    return true;
  });
}

}  // namespace spp::sql::kern
