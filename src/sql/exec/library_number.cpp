// Spark's number format strings (ToNumberParser, docs/sql-ref-number-pattern.md):
// to_number / try_to_number parse a string into DECIMAL(digits, fraction digits) of the format,
// to_char / to_varchar format a decimal. Structure (case-insensitive):
//   [MI|S] [$] [0|9|G|,]* [.|D] [0|9]* [$] [PR|MI|S]
// The format is a constant: parsed once at lowering (its errors fail the query).
#include <algorithm>
#include <cctype>

#include "sql/exec/library.h"
#include "sql/kernels/decimal.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

struct NumFormat {
  enum class Sign { None, S, MI, PR } lead = Sign::None, trail = Sign::None;
  bool dollar_lead = false, dollar_trail = false, point = false;
  std::string int_part;  // '0', '9' and ',' in order
  int frac = 0;          // digits after the point
  int int_digits() const { return int(std::count_if(int_part.begin(), int_part.end(), [](char c) { return c != ','; })); }
  // Digits that must be printed (parsed) from the first '0' on.
  int required() const {
    int k = 0;
    bool on = false;
    for (char c : int_part)
      if (c != ',') { on |= c == '0'; k += on; }
    return k;
  }
};

std::optional<NumFormat> parse_format(std::string_view f0, std::string& err) {
  std::string f(f0);
  for (auto& c : f) c = char(std::toupper((unsigned char)c));
  NumFormat nf;
  size_t i = 0;
  auto bad = [&](const std::string& why) {
    err = "[INVALID_FORMAT." + why + "] The format is invalid: '" + std::string(f0) + "'.";
    return std::nullopt;
  };
  if (f.compare(i, 2, "MI") == 0) nf.lead = NumFormat::Sign::MI, i += 2;
  else if (i < f.size() && f[i] == 'S') nf.lead = NumFormat::Sign::S, ++i;
  if (i < f.size() && f[i] == '$') nf.dollar_lead = true, ++i;
  while (i < f.size() && (f[i] == '0' || f[i] == '9' || f[i] == ',' || f[i] == 'G'))
    nf.int_part.push_back(f[i] == 'G' ? ',' : f[i]), ++i;
  if (i < f.size() && (f[i] == '.' || f[i] == 'D')) {
    nf.point = true;
    ++i;
    while (i < f.size() && (f[i] == '0' || f[i] == '9')) ++nf.frac, ++i;
  }
  if (i < f.size() && f[i] == '$') {
    if (nf.dollar_lead) return bad("THOUSANDS_SEPS_MUST_BEFORE_DEC");
    nf.dollar_trail = true, ++i;
  }
  if (nf.lead == NumFormat::Sign::None) {
    if (f.compare(i, 2, "PR") == 0) nf.trail = NumFormat::Sign::PR, i += 2;
    else if (f.compare(i, 2, "MI") == 0) nf.trail = NumFormat::Sign::MI, i += 2;
    else if (i < f.size() && f[i] == 'S') nf.trail = NumFormat::Sign::S, ++i;
  }
  if (i != f.size())
    return bad("UNEXPECTED_TOKEN");
  if (nf.int_digits() + nf.frac == 0) return bad("WRONG_NUM_DIGIT");
  if (!nf.int_part.empty() && (nf.int_part.front() == ',' || nf.int_part.back() == ','))
    return bad("CONT_THOUSANDS_SEPS");
  return nf;
}

// to_number: the unscaled value at scale nf.frac, or nullopt when the text does not match.
std::optional<__int128> parse_number(std::string_view s, const NumFormat& nf) {
  size_t i = 0, e = s.size();
  bool neg = false;
  auto sign_at = [&](NumFormat::Sign k, bool lead) {
    if (k == NumFormat::Sign::None) return true;
    size_t at = lead ? i : e - 1;
    if (k == NumFormat::Sign::PR) {
      if (e - i >= 2 && s[i] == '<' && s[e - 1] == '>') { neg = true; ++i; --e; }
      return true;
    }
    if (e == i) return true;
    char c = s[at];
    if (c == '-' || (k == NumFormat::Sign::S && c == '+')) {
      neg = c == '-';
      lead ? ++i : --e;
    }
    return true;
  };
  sign_at(nf.lead, true);
  sign_at(nf.trail, false);
  if (nf.dollar_lead) { if (i >= e || s[i] != '$') return std::nullopt; ++i; }
  if (nf.dollar_trail) { if (e <= i || s[e - 1] != '$') return std::nullopt; --e; }
  std::string_view body = s.substr(i, e - i);
  size_t dot = body.find('.');
  std::string_view ip = body.substr(0, dot), fp = dot == std::string_view::npos ? std::string_view{} : body.substr(dot + 1);
  if (dot != std::string_view::npos && !nf.point) return std::nullopt;
  std::string digits;
  for (char c : ip) {
    if (c == ',') {
      if (nf.int_part.find(',') == std::string::npos || digits.empty()) return std::nullopt;
      continue;
    }
    if (!std::isdigit((unsigned char)c)) return std::nullopt;
    digits.push_back(c);
  }
  if (int(digits.size()) > nf.int_digits() || int(digits.size()) < nf.required()) return std::nullopt;
  if (int(fp.size()) > nf.frac) return std::nullopt;
  for (char c : fp) if (!std::isdigit((unsigned char)c)) return std::nullopt;
  if (digits.empty() && fp.empty()) return std::nullopt;
  __int128 v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  for (int k = 0; k < nf.frac; ++k) v = v * 10 + (k < int(fp.size()) ? fp[size_t(k)] - '0' : 0);
  return neg ? -v : v;
}

// to_char: value (unscaled at `scale`) rounded HALF_UP to the format's fraction digits.
std::string format_number(__int128 v, int scale, const NumFormat& nf) {
  const bool neg = v < 0;
  if (neg) v = -v;
  while (scale > nf.frac) {  // HALF_UP
    int d = int(v % 10);
    v /= 10;
    if (d >= 5) ++v;
    --scale;
  }
  while (scale < nf.frac) v *= 10, ++scale;
  std::string all = kern::dec::to_string(v, 0);  // digits of |v| at scale nf.frac
  std::string ip, fp;
  if (int(all.size()) > nf.frac) ip = all.substr(0, all.size() - size_t(nf.frac)), fp = all.substr(all.size() - size_t(nf.frac));
  else fp = std::string(size_t(nf.frac) - all.size(), '0') + all;
  if (ip == "0") ip.clear();
  const bool overflow = int(ip.size()) > nf.int_digits();
  std::string body;
  // Integer positions from the right: a digit, '0' fill from the first '0' on, else a space.
  int left_digits = int(ip.size());
  const int n_int = nf.int_digits(), req = nf.required();
  int pos = n_int;  // digit positions remaining, counting down
  std::string out_int;
  for (char c : nf.int_part) {
    if (c == ',') {
      out_int.push_back(pos < left_digits || (pos < req) ? ',' : ' ');
      continue;
    }
    --pos;  // this position's index from the right
    if (overflow) out_int.push_back('#');
    else if (pos < left_digits) out_int.push_back(ip[size_t(left_digits - 1 - pos)]);
    else if (pos < req || (pos == 0 && left_digits == 0 && nf.frac == 0)) out_int.push_back('0');
    else out_int.push_back(' ');
  }
  body = out_int;
  if (nf.point) body += overflow ? std::string(".") + std::string(size_t(nf.frac), '#') : "." + fp;
  // Leading spaces go before the sign and '$'.
  size_t sp = body.find_first_not_of(' ');
  std::string pad = body.substr(0, sp == std::string::npos ? body.size() : sp);
  body = body.substr(pad.size());
  std::string lead, trail;
  using S = NumFormat::Sign;
  if (nf.lead == S::S) lead = neg ? "-" : "+";
  if (nf.lead == S::MI) lead = neg ? "-" : " ";
  if (nf.trail == S::S) trail = neg ? "-" : "+";
  if (nf.trail == S::MI) trail = neg ? "-" : " ";
  if (nf.lead == S::None && nf.trail == S::None && neg) lead = "-";
  std::string r = pad + lead + (nf.dollar_lead ? "$" : "") + body + (nf.dollar_trail ? "$" : "") + trail;
  if (nf.trail == S::PR) r = neg ? "<" + r + ">" : r;
  return r;
}
}  // namespace

std::optional<Result<ExprPtr>> lower_number_call(const std::string& name, std::vector<ExprPtr>& a,
                                                 const col::ColTypePtr& type) {
  const bool parse = name == "to_number" || name == "try_to_number";
  if (!parse && name != "to_char" && name != "to_varchar") return std::nullopt;
  const col::Column* f = literal(a, 1);
  if (!f) return fail(name + " with a format that is not a constant is not supported");
  if (f->is_null(0))
    return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) {
      return Vec::flat(col::make_null_column(type, n));
    });
  std::string err;
  auto nf = parse_format(f->str(0), err);
  if (!nf) return fail(err);
  const std::string fmt(f->str(0));
  if (parse) {
    const bool try_ = name == "try_to_number";
    return bind_kernel({a[0]}, type, [nf = *nf, try_, fmt, type](const A& x, int64_t n, const EvalContext& ctx) {
      kern::StrArg S(x[0]);
      return kern::gen_fixed<__int128>(type, n, [&](int64_t i, __int128& out) {
        if (S.null(i)) return false;
        auto v = parse_number(S[i], nf);
        if (v) { out = *v; return true; }
        if (!try_ && ctx.error && ctx.error->empty())
          *ctx.error = "[INVALID_FORMAT.MISMATCH_INPUT] The format is invalid: '" + fmt + "'. The input " +
                       std::string(S[i]) + " does not match the format.";
        return false;
      });
    });
  }
  const int scale = a[0]->type->scale;
  return bind_kernel({a[0]}, type, [nf = *nf, scale](const A& x, int64_t n, const EvalContext&) {
    kern::FixArg<__int128> V(x[0]);
    return kern::gen_str(n, [&](int64_t i, std::string& out) {
      if (V.null(i)) return false;
      out = format_number(V[i], scale, nf);
      return true;
    });
  });
}

}  // namespace spp::sql::exec::lib
