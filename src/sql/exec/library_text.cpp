// Spark 3.5's newer string functions (lcase/ucase, substr, position, char, btrim, split_part,
// elt, find_in_set, mask, url_encode/url_decode, parse_url, to_binary) and every regex / LIKE /
// printf call, with constant or per-row patterns and formats: a constant one is compiled once;
// a column of them is evaluated in runs of rows sharing one value (one compile per distinct
// value through a small cache), each run by the same kernel as the constant case.
#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "sql/columnar/builder.h"
#include "sql/exec/library.h"
#include "sql/kernels/fn_util.h"
#include "sql/kernels/regex_fns.h"
#include "sql/kernels/string_fns.h"
#include "sql/kernels/text_fns.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;
using kern::FixArg;
using kern::StrArg;
namespace utf8 = kern::utf8;
constexpr size_t npos = std::string_view::npos;

Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

void raise(const EvalContext& ctx, const std::string& m) {
  if (ctx.error && ctx.error->empty()) *ctx.error = m;
}

Vec nulls(const col::ColTypePtr& type, int64_t n) { return Vec::flat(col::make_null_column(type, n)); }

Vec slice_of(const Vec& v, int64_t off, int64_t len) {
  return v.constant ? v : Vec::flat(col::slice(v.col, off, len));
}

// Rows in runs sharing one value of string argument k: f(value, args of the run, run length).
template <typename F>
Vec by_runs(const A& x, size_t k, int64_t n, const col::ColTypePtr& type, F&& f) {
  StrArg key(x[k]);
  if (x[k].constant) return key.null(0) ? nulls(type, n) : f(std::string(key[0]), x, n);
  std::vector<col::ColumnPtr> parts;
  for (int64_t i = 0; i < n;) {
    int64_t j = i + 1;
    const bool null = key.null(i);
    while (j < n && key.null(j) == null && (null || key[j] == key[i])) ++j;
    if (null) {
      parts.push_back(col::make_null_column(type, j - i));
    } else {
      A sub;
      for (const auto& v : x) sub.push_back(slice_of(v, i, j - i));
      Vec r = f(std::string(key[i]), sub, j - i);
      parts.push_back(r.col);
    }
    i = j;
  }
  if (parts.empty()) return nulls(type, 0);
  return Vec::flat(parts.size() == 1 ? parts[0] : col::concat(parts));
}

std::string pattern_error(const std::string& fn, const std::string& pat, const std::string& why) {
  return "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `" + fn + "` is invalid: '" + pat +
         "'. " + why;
}

// Compiled patterns of a column, by text (a few distinct ones are the common case).
class RegexCache {
 public:
  Result<std::shared_ptr<kern::Regex>> get(const std::string& fn, const std::string& pat) {
    if (auto it = map_.find(pat); it != map_.end()) return it->second;
    auto re = kern::Regex::compile(pat);
    if (!re) return Result<std::shared_ptr<kern::Regex>>::error(pattern_error(fn, pat, re.error_message()));
    if (map_.size() >= 64) map_.clear();
    map_.emplace(pat, *re);
    return *re;
  }

 private:
  std::unordered_map<std::string, std::shared_ptr<kern::Regex>> map_;
};

std::string group_error(const std::string& fn, int gc, int idx) {
  return "[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `" + fn +
         "` is invalid: Expects group index between 0 and " + std::to_string(gc) + ", but got " + std::to_string(idx) + ".";
}

// Java's find() loop: where the next search starts after a match [b, e).
size_t resume_at(std::string_view s, size_t b, size_t e) {
  if (e != b) return e;
  return b < s.size() ? b + utf8::char_len((unsigned char)s[b]) : s.size() + 1;
}

Vec regexp_count(const Vec& s, const kern::Regex& re, int64_t n) {
  StrArg S(s);
  std::vector<std::pair<size_t, size_t>> g;
  return kern::gen_fixed<int32_t>(kern::type_of(col::TypeId::Int), n, [&](int64_t i, int32_t& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    out = 0;
    for (size_t at = 0; at <= v.size() && re.find_at(v, at, g);) ++out, at = resume_at(v, g[0].first, g[0].second);
    return true;
  });
}

Vec regexp_substr(const Vec& s, const kern::Regex& re, int64_t n) {
  StrArg S(s);
  std::vector<std::pair<size_t, size_t>> g;
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    if (!re.find_at(v, 0, g) || g[0].second == g[0].first) return false;  // NullIf(extract, '')
    out.append(v.substr(g[0].first, g[0].second - g[0].first));
    return true;
  });
}

Vec regexp_instr(const Vec& s, const kern::Regex& re, int group, int64_t n) {
  StrArg S(s);
  std::vector<std::pair<size_t, size_t>> g;
  return kern::gen_fixed<int32_t>(kern::type_of(col::TypeId::Int), n, [&](int64_t i, int32_t& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    out = 0;
    if (re.find_at(v, 0, g) && g[size_t(group)].first != npos)
      out = int32_t(utf8::num_chars(v.substr(0, g[size_t(group)].first)) + 1);
    return true;
  });
}

bool is_regex_fn(const std::string& n) {
  return n == "rlike" || n == "regexp_like" || n == "regexp" || n == "regexp_extract" || n == "regexp_extract_all" ||
         n == "regexp_replace" || n == "regexp_count" || n == "regexp_substr" || n == "regexp_instr";
}

// One regex function over rows sharing one compiled pattern (x[1] is the pattern, unused).
Vec eval_regex(const std::string& name, const kern::Regex& re, const A& x, int64_t n, const col::ColTypePtr& type,
               const EvalContext& ctx) {
  if (name == "rlike" || name == "regexp_like" || name == "regexp") return kern::rlike(x[0], re, n);
  if (name == "regexp_count") return regexp_count(x[0], re, n);
  if (name == "regexp_substr") return regexp_substr(x[0], re, n);
  if (name == "regexp_replace") return kern::regexp_replace(x[0], re, x[2], x[3], n);
  if (name == "regexp_instr") return regexp_instr(x[0], re, 0, n);  // Spark 3.5 ignores idx: the match's start
  // regexp_extract / regexp_extract_all: a group index (a constant in practice)
  FixArg<int32_t> G(x[2]);
  if (!x[2].constant) return nulls(type, n);
  if (G.null(0)) return nulls(type, n);
  int idx = G[0], gc = re.group_count();
  if (idx < 0 || idx > gc) {
    raise(ctx, group_error(name, gc, idx));
    return nulls(type, n);
  }
  if (name == "regexp_extract_all") return kern::regexp_extract_all(x[0], re, idx, n);
  return kern::regexp_extract(x[0], re, idx, n);
}

Result<ExprPtr> lower_regex(const std::string& name, std::vector<ExprPtr>& a, const col::ColTypePtr& type) {
  if ((name == "regexp_extract" || name == "regexp_extract_all") && !literal(a, 2))
    return fail(name + " with a group index that is not a constant is not supported by the native engine yet");
  if (const col::Column* p = literal(a, 1)) {
    if (p->is_null(0)) return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) { return nulls(type, n); });
    std::string pat(p->str(0));
    auto re = kern::Regex::compile(pat);
    if (!re) return fail(pattern_error(name, pat, re.error_message()));
    std::shared_ptr<kern::Regex> r = *re;
    if (name == "regexp_extract" || name == "regexp_extract_all") {
      const col::Column* g = literal(a, 2);
      if (!g->is_null(0)) {
        int idx = g->vals<int32_t>()[0];
        if (idx < 0 || idx > r->group_count()) return fail(group_error(name, r->group_count(), idx));
      }
    }
    if (name == "regexp_replace")
      if (const col::Column* rep = literal(a, 2); rep && !rep->is_null(0))
        if (auto e = kern::check_replacement(rep->str(0), *r)) return fail(*e);
    return bind_kernel(a, type, [name, r, type](const A& x, int64_t n, const EvalContext& ctx) {
      return eval_regex(name, *r, x, n, type, ctx);
    });
  }
  auto cache = std::make_shared<RegexCache>();
  return bind_kernel(a, type, [name, cache, type](const A& x, int64_t n, const EvalContext& ctx) {
    return by_runs(x, 1, n, type, [&](const std::string& pat, const A& sub, int64_t m) {
      auto re = cache->get(name, pat);
      if (!re) {
        raise(ctx, re.error_message());
        return nulls(type, m);
      }
      return eval_regex(name, **re, sub, m, type, ctx);
    });
  });
}

// LIKE / ILIKE with a per-row pattern or an escape character (the core operator takes the
// constant, default-escape case).
std::string lower_text(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) utf8::put(utf8::to_lower(utf8::next(s, i)), out);
  return out;
}

Result<ExprPtr> lower_like(const std::string& name, std::vector<ExprPtr>& a, const col::ColTypePtr& type) {
  char esc = '\\';
  if (a.size() > 2) {
    const col::Column* e = literal(a, 2);
    if (!e || e->is_null(0) || e->str(0).size() != 1)
      return fail("[INVALID_ESCAPE_CHAR] The escape character must be a string literal of length one.");
    esc = e->str(0)[0];
  }
  const bool ci = name == "ilike";
  std::vector<ExprPtr> args{ci ? call(Fn::Lower, {a[0]}, a[0]->type) : a[0], a[1]};
  return bind_kernel(args, type, [ci, esc, type](const A& x, int64_t n, const EvalContext&) {
    return by_runs(x, 1, n, type, [&](const std::string& pat, const A& sub, int64_t m) {
      kern::LikeMatcher lm(ci ? lower_text(pat) : pat, esc);
      return kern::like(sub[0], lm, m);
    });
  });
}

// ---------------------------------------------------------------- small string kernels

Vec chr(const Vec& v, int64_t n) {
  FixArg<int64_t> V(v);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (V.null(i)) return false;
    int64_t x = V[i];
    if (x < 0) return true;
    uint32_t b = uint32_t(x & 0xFF);
    if (b == 0) out.push_back('\0');
    else utf8::put(b, out);
    return true;
  });
}

// UTF8String.trim(trimString): characters in the set removed from both ends.
Vec btrim(const Vec& s, const Vec& chars, int64_t n) {
  StrArg S(s), C(chars);
  std::vector<uint32_t> set;
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || C.null(i)) return false;
    std::string_view v = S[i], c = C[i];
    set.clear();
    for (size_t k = 0; k < c.size();) set.push_back(utf8::next(c, k));
    auto in = [&](uint32_t cp) { return std::find(set.begin(), set.end(), cp) != set.end(); };
    size_t b = 0, e = v.size();
    while (b < e) {
      size_t k = b;
      if (!in(utf8::next(v, k))) break;
      b = k;
    }
    while (e > b) {
      size_t k = e - 1;
      while (k > b && utf8::is_cont((unsigned char)v[k])) --k;
      size_t t = k;
      if (!in(utf8::next(v, t))) break;
      e = k;
    }
    out.append(v.substr(b, e - b));
    return true;
  });
}

Vec split_part(const Vec& s, const Vec& d, const Vec& p, int64_t n, const EvalContext& ctx) {
  StrArg S(s), D(d);
  FixArg<int32_t> P(p);
  std::vector<std::string_view> parts;
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || D.null(i) || P.null(i)) return false;
    int32_t k = P[i];
    if (k == 0) {
      raise(ctx, "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element "
                 "has index 1).");
      return false;
    }
    std::string_view v = S[i], del = D[i];
    parts.clear();
    if (del.empty()) parts.push_back(v);
    else {
      size_t at = 0;
      for (size_t f; (f = v.find(del, at)) != npos; at = f + del.size()) parts.push_back(v.substr(at, f - at));
      parts.push_back(v.substr(at));
    }
    int64_t idx = k > 0 ? k - 1 : int64_t(parts.size()) + k;
    if (idx >= 0 && idx < int64_t(parts.size())) out.append(parts[size_t(idx)]);
    return true;
  });
}

Vec elt(const A& x, int64_t n, col::TypeId id) {
  FixArg<int32_t> I(x[0]);
  std::vector<StrArg> in;
  for (size_t k = 1; k < x.size(); ++k) in.emplace_back(x[k]);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (I.null(i)) return false;
    int32_t k = I[i];
    if (k < 1 || k > int32_t(in.size()) || in[size_t(k - 1)].null(i)) return false;
    out.append(in[size_t(k - 1)][i]);
    return true;
  }, id);
}

Vec find_in_set(const Vec& s, const Vec& list, int64_t n) {
  StrArg S(s), L(list);
  return kern::gen_fixed<int32_t>(kern::type_of(col::TypeId::Int), n, [&](int64_t i, int32_t& out) {
    if (S.null(i) || L.null(i)) return false;
    std::string_view v = S[i], l = L[i];
    out = 0;
    if (v.find(',') != npos) return true;
    int32_t k = 1;
    for (size_t at = 0;; ++k) {
      size_t f = l.find(',', at);
      if (l.substr(at, f == npos ? npos : f - at) == v) { out = k; break; }
      if (f == npos) break;
      at = f + 1;
    }
    return true;
  });
}

// mask: upper-case letters, lower-case letters and digits replaced; a NULL replacement keeps.
Vec mask(const Vec& s, const std::optional<uint32_t> rep[4], int64_t n) {
  StrArg S(s);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    for (size_t k = 0; k < v.size();) {
      uint32_t c = utf8::next(v, k);
      int cls = utf8::to_lower(c) != c ? 0 : utf8::to_upper(c) != c ? 1 : (c >= '0' && c <= '9') ? 2 : 3;
      utf8::put(rep[cls] ? *rep[cls] : c, out);
    }
    return true;
  });
}

// java.net.URLEncoder / URLDecoder with UTF-8.
Vec url_encode(const Vec& s, int64_t n) {
  StrArg S(s);
  static const char* hex = "0123456789ABCDEF";
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    for (unsigned char c : S[i]) {
      if (std::isalnum(c) || c == '.' || c == '-' || c == '*' || c == '_') out.push_back(char(c));
      else if (c == ' ') out.push_back('+');
      else out.push_back('%'), out.push_back(hex[c >> 4]), out.push_back(hex[c & 15]);
    }
    return true;
  });
}

int hex_val(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Vec url_decode(const Vec& s, int64_t n, const EvalContext& ctx) {
  StrArg S(s);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    for (size_t k = 0; k < v.size(); ++k) {
      if (v[k] == '+') { out.push_back(' '); continue; }
      if (v[k] != '%') { out.push_back(v[k]); continue; }
      int h = k + 2 < v.size() ? hex_val(v[k + 1]) : -1, l = k + 2 < v.size() ? hex_val(v[k + 2]) : -1;
      if (h < 0 || l < 0) {
        raise(ctx, "[CANNOT_DECODE_URL] The provided URL cannot be decoded: " + std::string(v) +
                       ". Please ensure that the URL is properly formatted and try again.");
        return false;
      }
      out.push_back(char(h * 16 + l));
      k += 2;
    }
    return true;
  });
}

// java.net.URI's parts of a URL (RFC 2396); nullopt when Java would reject it.
struct Uri {
  std::optional<std::string_view> scheme, authority, userinfo, host, path, query, fragment;
};

bool uri_chars_ok(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' || c == '`' || c == '{' ||
        c == '|' || c == '}')
      return false;
    if (c == '%' && (i + 2 >= s.size() || hex_val(s[i + 1]) < 0 || hex_val(s[i + 2]) < 0)) return false;
  }
  return true;
}

std::optional<Uri> parse_uri(std::string_view s) {
  if (!uri_chars_ok(s)) return std::nullopt;
  Uri u;
  if (size_t h = s.find('#'); h != npos) u.fragment = s.substr(h + 1), s = s.substr(0, h);
  size_t colon = s.find(':');
  if (colon != npos && colon > 0 && std::isalpha((unsigned char)s[0]) &&
      s.substr(0, colon).find_first_of("/?") == npos) {
    for (char c : s.substr(0, colon))
      if (!std::isalnum((unsigned char)c) && c != '+' && c != '-' && c != '.') return std::nullopt;
    u.scheme = s.substr(0, colon);
    s = s.substr(colon + 1);
    if (s.empty()) return std::nullopt;
    if (s[0] != '/') return u;  // opaque: no path, query or authority
  }
  if (s.substr(0, 2) == "//") {
    s = s.substr(2);
    size_t e = s.find_first_of("/?");
    std::string_view auth = s.substr(0, e);
    s = e == npos ? std::string_view{} : s.substr(e);
    if (!auth.empty()) {
      u.authority = auth;
      std::string_view hp = auth;
      if (size_t at = auth.rfind('@'); at != npos) u.userinfo = auth.substr(0, at), hp = auth.substr(at + 1);
      if (!hp.empty() && hp[0] == '[') {
        size_t close = hp.find(']');
        if (close == npos) return std::nullopt;
        u.host = hp.substr(0, close + 1);
      } else {
        size_t pc = hp.rfind(':');
        std::string_view host = hp.substr(0, pc);
        bool ok = !host.empty();
        for (char c : host) ok &= std::isalnum((unsigned char)c) || c == '-' || c == '.';
        if (pc != npos)
          for (char c : hp.substr(pc + 1)) ok &= std::isdigit((unsigned char)c) != 0;
        if (ok) u.host = host;
        else u.userinfo.reset();  // registry-based authority: no host
      }
    }
  }
  size_t q = s.find('?');
  u.path = s.substr(0, q);
  if (q != npos) u.query = s.substr(q + 1);
  return u;
}

Vec parse_url(const A& x, int64_t n) {
  StrArg U(x[0]), P(x[1]);
  std::optional<StrArg> K;
  if (x.size() > 2) K.emplace(x[2]);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (U.null(i) || P.null(i) || (K && K->null(i))) return false;
    auto u = parse_uri(U[i]);
    if (!u) return false;
    std::string_view part = P[i];
    std::optional<std::string_view> r;
    if (part == "HOST") r = u->host;
    else if (part == "PATH") r = u->path;
    else if (part == "QUERY") r = u->query;
    else if (part == "REF") r = u->fragment;
    else if (part == "PROTOCOL") r = u->scheme;
    else if (part == "AUTHORITY") r = u->authority;
    else if (part == "USERINFO") r = u->userinfo;
    else if (part == "FILE") {
      if (!u->path) return false;
      out.append(*u->path);
      if (u->query) out.append("?").append(*u->query);
      return !K;
    }
    if (!r) return false;
    if (!K) { out.append(*r); return true; }
    if (part != "QUERY") return false;
    // (&|^)key=([^&]*)
    std::string key = std::string((*K)[i]) + "=";
    std::string_view q = *r;
    for (size_t at = 0; at <= q.size();) {
      if (q.substr(at, key.size()) == key) {
        size_t e = q.find('&', at + key.size());
        out.append(q.substr(at + key.size(), e == npos ? npos : e - at - key.size()));
        return true;
      }
      size_t amp = q.find('&', at);
      if (amp == npos) break;
      at = amp + 1;
    }
    return false;
  });
}

// to_binary's formats: hex (odd lengths get a leading 0, as Unhex), utf-8, base64.
enum class BinFmt { Hex, Utf8, Base64 };

bool unhex_into(std::string_view v, std::string& out) {
  size_t k = 0;
  if (v.size() % 2) {
    int l = hex_val(v[0]);
    if (l < 0) return false;
    out.push_back(char(l));
    k = 1;
  }
  for (; k < v.size(); k += 2) {
    int h = hex_val(v[k]), l = hex_val(v[k + 1]);
    if (h < 0 || l < 0) return false;
    out.push_back(char(h * 16 + l));
  }
  return true;
}

Vec to_binary(const Vec& s, BinFmt f, bool try_, int64_t n, const EvalContext& ctx) {
  if (f == BinFmt::Base64) return kern::unbase64(s, n);
  StrArg S(s);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    if (f == BinFmt::Utf8) { out.append(v); return true; }
    if (unhex_into(v, out)) return true;
    if (!try_)
      raise(ctx, "[CONVERSION_INVALID_INPUT] The value '" + std::string(v) + "' (\"STRING\") cannot be converted to "
                 "\"BINARY\" because it is malformed. Correct the value as per the syntax, or change its format. Use "
                 "`try_to_binary` to tolerate malformed input and return NULL instead.");
    return false;
  }, col::TypeId::Binary);
}

// sentences(s): Java's BreakIterator sentence then word instances, approximated: a sentence
// ends after [.!?] followed by white space (or the end); words are runs of letters and digits
// (an apostrophe or a point between two such characters stays inside: don't, 3.14).
bool word_char(uint32_t c) {
  if (c < 0x80) return std::isalnum(int(c)) != 0;
  return !(c >= 0x2000 && c <= 0x206F) && !(c >= 0x3000 && c <= 0x303F) && c != 0xA0;
}

Vec sentences(const Vec& s, const col::ColTypePtr& type, int64_t n) {
  StrArg S(s);
  col::ColumnBuilder b(type);
  b.reserve(n);
  std::vector<uint32_t> cps;
  for (int64_t i = 0; i < n; ++i) {
    if (S.null(i)) { b.append_null(); continue; }
    std::string_view v = S[i];
    cps.clear();
    for (size_t k = 0; k < v.size();) cps.push_back(utf8::next(v, k));
    auto& sent = b.child(0);
    bool open = false;
    std::string word;
    auto flush_word = [&] {
      if (!word.empty()) sent.child(0).append_str(word), open = true;
      word.clear();
    };
    for (size_t k = 0; k < cps.size(); ++k) {
      uint32_t c = cps[k];
      if (word_char(c)) { utf8::put(c, word); open = true; continue; }
      if ((c == '\'' || c == '.' || c == 0x2019) && !word.empty() && k + 1 < cps.size() && word_char(cps[k + 1])) {
        utf8::put(c, word);
        continue;
      }
      flush_word();
      if ((c == '.' || c == '!' || c == '?') && (k + 1 == cps.size() || cps[k + 1] == ' ' || cps[k + 1] == '\n' ||
                                                 cps[k + 1] == '\t' || cps[k + 1] == '\r')) {
        if (open) sent.finish_list();
        open = false;
      }
    }
    flush_word();
    if (open) sent.finish_list();
    b.finish_list();
  }
  return Vec::flat(b.finish());
}

// printf / format_string: a constant format checked once, a column of formats per run.
Result<ExprPtr> lower_printf(const std::string& name, std::vector<ExprPtr>& a, const col::ColTypePtr& type) {
  std::vector<col::ColTypePtr> ts;
  for (size_t i = 1; i < a.size(); ++i) ts.push_back(a[i]->type);
  if (const col::Column* f = literal(a, 0)) {
    if (f->is_null(0)) return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) { return nulls(type, n); });
    std::string fmt(f->str(0));
    if (auto e = kern::format_check(fmt, ts)) return fail(*e);
    return bind_kernel(a, type, [fmt](const A& x, int64_t n, const EvalContext&) {
      return kern::format_string(fmt, A(x.begin() + 1, x.end()), n);
    });
  }
  return bind_kernel(a, type, [ts, type](const A& x, int64_t n, const EvalContext& ctx) {
    return by_runs(x, 0, n, type, [&](const std::string& fmt, const A& sub, int64_t m) {
      if (auto e = kern::format_check(fmt, ts)) {
        raise(ctx, *e);
        return nulls(type, m);
      }
      return kern::format_string(fmt, A(sub.begin() + 1, sub.end()), m);
    });
  });
}

template <typename F>
LibKernel k1(F f) { return [f](const A& a, int64_t n, const EvalContext&) { return f(a[0], n); }; }
}  // namespace

std::optional<Result<ExprPtr>> lower_text_call(const std::string& name, std::vector<ExprPtr>& a,
                                               const col::ColTypePtr& type) {
  using col::TypeId;
  if (is_regex_fn(name)) return lower_regex(name, a, type);
  if (name == "like" || name == "ilike") return lower_like(name, a, type);
  if (name == "format_string" || name == "printf") return lower_printf(name, a, type);
  if (name == "lcase") return call(Fn::Lower, a, type);
  if (name == "ucase") return call(Fn::Upper, a, type);
  if (name == "substr") return call(Fn::Substring, a, type);
  if (name == "position")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::locate(x[0], x[1], x[2], n); });
  if (name == "char" || name == "chr") return bind_kernel(a, type, k1(chr));
  if (name == "btrim") {
    if (a.size() == 1) return call(Fn::Trim, a, type);
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return btrim(x[0], x[1], n); });
  }
  if (name == "split_part")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) { return split_part(x[0], x[1], x[2], n, ctx); });
  if (name == "elt") {
    TypeId id = type->id;
    return bind_kernel(a, type, [id](const A& x, int64_t n, const EvalContext&) { return elt(x, n, id); });
  }
  if (name == "find_in_set")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return find_in_set(x[0], x[1], n); });
  if (name == "mask") {
    std::optional<uint32_t> rep[4];
    for (size_t i = 1; i < 5 && i < a.size(); ++i) {
      const col::Column* c = literal(a, i);
      if (!c) return fail("mask with a replacement character that is not a constant is not supported");
      if (c->is_null(0)) continue;
      std::string_view v = c->str(0);
      if (utf8::num_chars(v) != 1)
        return fail("[INVALID_PARAMETER_VALUE.CHARSET] The value of parameter(s) `" +
                    std::string(i == 1 ? "upperChar" : i == 2 ? "lowerChar" : i == 3 ? "digitChar" : "otherChar") +
                    "` in `mask` is invalid: expects a single character, but got '" + std::string(v) + "'.");
      size_t k = 0;
      rep[i - 1] = utf8::next(v, k);
    }
    std::array<std::optional<uint32_t>, 4> r{rep[0], rep[1], rep[2], rep[3]};
    return bind_kernel({a[0]}, type, [r](const A& x, int64_t n, const EvalContext&) { return mask(x[0], r.data(), n); });
  }
  if (name == "url_encode") return bind_kernel(a, type, k1(url_encode));
  if (name == "sentences")
    return bind_kernel({a[0]}, type, [type](const A& x, int64_t n, const EvalContext&) { return sentences(x[0], type, n); });
  if (name == "url_decode")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) { return url_decode(x[0], n, ctx); });
  if (name == "parse_url") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return parse_url(x, n); });
  if (name == "to_binary" || name == "try_to_binary") {
    BinFmt f = BinFmt::Hex;
    if (a.size() > 1) {
      const col::Column* c = literal(a, 1);
      if (!c) return fail("to_binary needs a constant format");
      if (c->is_null(0)) return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) { return nulls(type, n); });
      std::string v(c->str(0));
      for (auto& ch : v) ch = char(std::tolower((unsigned char)ch));
      if (v == "hex") f = BinFmt::Hex;
      else if (v == "utf-8" || v == "utf8") f = BinFmt::Utf8;
      else if (v == "base64") f = BinFmt::Base64;
      else if (name == "try_to_binary")  // nullOnInvalidFormat
        return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) { return nulls(type, n); });
      else
        return fail("[INVALID_PARAMETER_VALUE.BINARY_FORMAT] The value of parameter(s) `format` in `" + name +
                    "` is invalid: expects one of binary formats 'base64', 'hex', 'utf-8', but got '" + std::string(c->str(0)) + "'.");
    }
    bool t = name == "try_to_binary";
    return bind_kernel({a[0]}, type, [f, t](const A& x, int64_t n, const EvalContext& ctx) { return to_binary(x[0], f, t, n, ctx); });
  }
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
