// Regular-expression functions (regex_fns.h).
#include "sql/kernels/regex_fns.h"

#include <cctype>

#include "sql/kernels/fn_util.h"

namespace spp::sql::kern {

namespace {
using Groups = std::vector<std::pair<size_t, size_t>>;
constexpr size_t npos = std::string_view::npos;

// Where Java's find() resumes after a match [b, e): at e, or one character on when it was empty.
size_t resume_at(std::string_view s, size_t b, size_t e) {
  if (e != b) return e;
  return b < s.size() ? b + utf8::char_len((unsigned char)s[b]) : s.size() + 1;
}

// One step of a parsed Java replacement: literal text or a group reference.
struct RepPart {
  std::string lit;
  int group = -1;
};

// Matcher.appendReplacement's parsing: `\x` is x, `$n` takes digits while the number stays a
// valid group, `${name}` a named group.
std::optional<std::string> parse_replacement(std::string_view r, const Regex& re, std::vector<RepPart>& out) {
  out.clear();
  RepPart cur;
  const int gc = re.group_count();
  for (size_t i = 0; i < r.size();) {
    char ch = r[i];
    if (ch == '\\') {
      if (i + 1 >= r.size()) return std::string("java.lang.IllegalArgumentException: character to be escaped is missing");
      cur.lit.push_back(r[i + 1]);
      i += 2;
      continue;
    }
    if (ch != '$') { cur.lit.push_back(ch); ++i; continue; }
    if (++i >= r.size()) return std::string("java.lang.IllegalArgumentException: Illegal group reference: group index is missing");
    int g;
    if (r[i] == '{') {
      size_t close = r.find('}', i);
      if (close == npos) return std::string("java.lang.IllegalArgumentException: named capturing group is missing trailing '}'");
      std::string_view name = r.substr(i + 1, close - i - 1);
      g = re.group_index(name);
      if (g < 0) return "java.lang.IllegalArgumentException: No group with name {" + std::string(name) + "}";
      i = close + 1;
    } else {
      if (!std::isdigit((unsigned char)r[i])) return std::string("java.lang.IllegalArgumentException: Illegal group reference");
      g = r[i++] - '0';
      if (g > gc) return "java.lang.IndexOutOfBoundsException: No group " + std::to_string(g);
      while (i < r.size() && std::isdigit((unsigned char)r[i]) && g * 10 + (r[i] - '0') <= gc) g = g * 10 + (r[i++] - '0');
    }
    out.push_back(std::move(cur));
    cur = RepPart{};
    out.back().group = g;
  }
  out.push_back(std::move(cur));
  return std::nullopt;
}
}  // namespace

Vec regexp_extract(const Vec& s, const Regex& re, int group, int64_t n) {
  StrArg S(s);
  Groups g;
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    std::string_view v = S[i];
    if (re.find_at(v, 0, g) && g[size_t(group)].first != npos)
      out.append(v.substr(g[size_t(group)].first, g[size_t(group)].second - g[size_t(group)].first));
    return true;
  });
}

Vec regexp_extract_all(const Vec& s, const Regex& re, int group, int64_t n) {
  StrArg S(s);
  Groups g;
  col::ColumnBuilder b(col::make_type(col::ColType::array(col::ColType::scalar(TypeId::String), true)));
  b.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (S.null(i)) { b.append_null(); continue; }
    std::string_view v = S[i];
    for (size_t at = 0; at <= v.size() && re.find_at(v, at, g);) {
      auto [gb, ge] = g[size_t(group)];
      b.child(0).append_str(gb == npos ? std::string_view{} : v.substr(gb, ge - gb));
      at = resume_at(v, g[0].first, g[0].second);
    }
    b.finish_list();
  }
  return Vec::flat(b.finish());
}

std::optional<std::string> check_replacement(std::string_view rep, const Regex& re) {
  std::vector<RepPart> parts;
  return parse_replacement(rep, re, parts);
}

Vec regexp_replace(const Vec& s, const Regex& re, const Vec& rep, const Vec& pos, int64_t n) {
  StrArg S(s), R(rep);
  FixArg<int32_t> P(pos);
  Groups g;
  std::vector<RepPart> parts;
  std::string last_rep;
  bool parsed = false, bad = false;
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || R.null(i) || P.null(i)) return false;
    std::string_view v = S[i];
    if (!parsed || R[i] != last_rep) {
      last_rep = R[i];
      parsed = true;
      bad = parse_replacement(last_rep, re, parts).has_value();
      if (bad) parts = {RepPart{last_rep, -1}};  // unchecked column replacement: taken literally
    }
    int64_t p = P[i] - 1;
    if (p != 0 && p >= utf8::num_chars(v)) { out.append(v); return true; }
    size_t start = utf8::offset_of(v, std::max<int64_t>(p, 0)), tail = 0;
    out.append(v.substr(0, start));
    tail = start;
    for (size_t at = start; at <= v.size() && re.find_at(v, at, g);) {
      out.append(v.substr(tail, g[0].first - tail));
      for (const auto& part : parts) {
        out.append(part.lit);
        if (part.group >= 0 && g[size_t(part.group)].first != npos)
          out.append(v.substr(g[size_t(part.group)].first, g[size_t(part.group)].second - g[size_t(part.group)].first));
      }
      tail = g[0].second;
      at = resume_at(v, g[0].first, g[0].second);
    }
    out.append(v.substr(tail));
    return true;
  });
}

}  // namespace spp::sql::kern
