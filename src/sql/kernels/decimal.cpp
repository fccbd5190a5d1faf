// Decimal arithmetic on 128-bit unscaled values with exact 256-bit intermediates.
#include "sql/kernels/decimal.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace spp::sql::kern::dec {

namespace {

using u128 = unsigned __int128;

// Unsigned 256-bit magnitude, 4 little-endian 64-bit limbs.
struct U256 {
  uint64_t w[4] = {0, 0, 0, 0};
  static U256 of(u128 v) { U256 r; r.w[0] = uint64_t(v); r.w[1] = uint64_t(v >> 64); return r; }
  bool fits128() const { return w[2] == 0 && w[3] == 0; }
  u128 low128() const { return (u128(w[1]) << 64) | w[0]; }
};

int cmp(const U256& a, const U256& b) {
  for (int i = 3; i >= 0; --i)
    if (a.w[i] != b.w[i]) return a.w[i] < b.w[i] ? -1 : 1;
  return 0;
}
U256 add(const U256& a, const U256& b) {
  U256 r; u128 carry = 0;
  for (int i = 0; i < 4; ++i) { u128 s = u128(a.w[i]) + b.w[i] + carry; r.w[i] = uint64_t(s); carry = s >> 64; }
  return r;
}
U256 sub(const U256& a, const U256& b) {  // a >= b
  U256 r; uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 d = u128(a.w[i]) - b.w[i] - borrow;
    r.w[i] = uint64_t(d);
    borrow = (d >> 64) ? 1 : 0;
  }
  return r;
}
// Low 256 bits of a*b (callers keep products below 2^256).
U256 mul(const U256& a, const U256& b) {
  U256 r;
  for (int i = 0; i < 4; ++i) {
    u128 carry = 0;
    for (int j = 0; i + j < 4; ++j) {
      u128 t = u128(a.w[i]) * b.w[j] + r.w[i + j] + carry;
      r.w[i + j] = uint64_t(t);
      carry = t >> 64;
    }
  }
  return r;
}
U256 mul10(const U256& a) { return mul(a, U256::of(10)); }

const U256& p10(int k) {  // 10^k, 0 <= k <= 76
  static const auto table = [] {
    std::array<U256, 77> t;
    t[0] = U256::of(1);
    for (int i = 1; i < 77; ++i) t[size_t(i)] = mul10(t[size_t(i - 1)]);
    return t;
  }();
  return table[size_t(k)];
}

// q = n / d, r = n % d (d > 0): native when both fit 128 bits, else shift-subtract.
void divmod(const U256& n, const U256& d, U256& q, U256& r) {
  if (n.fits128() && d.fits128()) { q = U256::of(n.low128() / d.low128()); r = U256::of(n.low128() % d.low128()); return; }
  q = U256(); r = U256();
  for (int bit = 255; bit >= 0; --bit) {
    for (int i = 3; i > 0; --i) r.w[i] = (r.w[i] << 1) | (r.w[i - 1] >> 63);
    r.w[0] = (r.w[0] << 1) | ((n.w[bit / 64] >> (bit % 64)) & 1);
    if (cmp(r, d) >= 0) { r = sub(r, d); q.w[bit / 64] |= uint64_t(1) << (bit % 64); }
  }
}

// Signed value: magnitude + sign.
struct S256 { bool neg = false; U256 mag; };
S256 of(i128 v) { S256 s; s.neg = v < 0; s.mag = U256::of(v < 0 ? u128(0) - u128(v) : u128(v)); return s; }
S256 sadd(const S256& a, const S256& b) {
  if (a.neg == b.neg) return {a.neg, add(a.mag, b.mag)};
  if (cmp(a.mag, b.mag) >= 0) return {a.neg, sub(a.mag, b.mag)};
  return {b.neg, sub(b.mag, a.mag)};
}
// Rounds mag / 10^k HALF_UP (ties away from zero, as BigDecimal.ROUND_HALF_UP on magnitudes).
U256 round_down_digits(const U256& mag, int k) {
  if (k == 0) return mag;
  if (k > 76) return U256();
  U256 q, r;
  divmod(mag, p10(k), q, r);
  if (cmp(add(r, r), p10(k)) >= 0) q = add(q, U256::of(1));
  return q;
}
// The value at scale `from`, brought to scale `to`; nullopt if it cannot fit 38 digits.
std::optional<U256> to_scale(const U256& mag, int from, int to) {
  if (to <= from) return round_down_digits(mag, from - to);
  int k = to - from;
  if (k > 76 || (!mag.fits128())) return std::nullopt;
  if (cmp(mag, p10(76 - k)) >= 0) return std::nullopt;  // product would pass 10^76
  return mul(mag, p10(k));
}
std::optional<i128> finish(const S256& x, int p) {
  if (cmp(x.mag, p10(p)) >= 0) return std::nullopt;
  i128 v = i128(x.mag.low128());
  return x.neg ? -v : v;
}

}  // namespace

i128 pow10(int k) { return i128(p10(k).low128()); }
bool fits(i128 v, int precision) { return cmp(of(v).mag, p10(precision)) < 0; }

std::optional<i128> rescale(i128 a, int from, int p, int s) {
  S256 x = of(a);
  auto m = to_scale(x.mag, from, s);
  if (!m) return std::nullopt;
  return finish({x.neg, *m}, p);
}

std::optional<i128> add(i128 a, int sa, i128 b, int sb, int p, int s) {
  int S = std::max(sa, sb);
  S256 x = of(a), y = of(b);
  x.mag = mul(x.mag, p10(S - sa));
  y.mag = mul(y.mag, p10(S - sb));
  S256 z = sadd(x, y);
  auto m = to_scale(z.mag, S, s);
  if (!m) return std::nullopt;
  return finish({z.neg, *m}, p);
}

std::optional<i128> sub(i128 a, int sa, i128 b, int sb, int p, int s) {
  if (b == 0) return add(a, sa, 0, sb, p, s);
  S256 y = of(b);
  y.neg = !y.neg;
  int S = std::max(sa, sb);
  S256 x = of(a);
  x.mag = mul(x.mag, p10(S - sa));
  y.mag = mul(y.mag, p10(S - sb));
  S256 z = sadd(x, y);
  auto m = to_scale(z.mag, S, s);
  if (!m) return std::nullopt;
  return finish({z.neg, *m}, p);
}

std::optional<i128> mul(i128 a, int sa, i128 b, int sb, int p, int s) {
  S256 x = of(a), y = of(b);
  S256 z{x.neg != y.neg, mul(x.mag, y.mag)};
  auto m = to_scale(z.mag, sa + sb, s);
  if (!m) return std::nullopt;
  return finish({z.neg, *m}, p);
}

std::optional<i128> div(i128 a, int sa, i128 b, int sb, int p, int s) {
  if (b == 0) return std::nullopt;
  // a/b at scale s = (A * 10^k) / B with k = s - sa + sb, produced one digit at a time so the
  // numerator never needs more than 256 bits. (Spark divides to scale 38 first, then rounds to
  // s; the single rounding here differs only when that intermediate rounding carries.)
  S256 x = of(a), y = of(b);
  int k = s - sa + sb;
  U256 d = y.mag;
  if (k < 0) {
    if (-k > 38) return finish({false, U256()}, p);
    d = mul(d, p10(-k));
    k = 0;
  }
  U256 q, r;
  divmod(x.mag, d, q, r);
  const U256& limit = p10(p);
  if (cmp(q, limit) >= 0) return std::nullopt;
  for (int i = 0; i < k; ++i) {
    r = mul10(r);
    uint64_t digit = 0;
    while (cmp(r, d) >= 0) { r = sub(r, d); ++digit; }
    q = add(mul10(q), U256::of(digit));
    if (cmp(q, limit) >= 0) return std::nullopt;
  }
  if (cmp(add(r, r), d) >= 0) q = add(q, U256::of(1));
  return finish({x.neg != y.neg, q}, p);
}

std::optional<i128> rem(i128 a, int sa, i128 b, int sb, int p, int s) {
  if (b == 0) return std::nullopt;
  int S = std::max(sa, sb);
  S256 x = of(a), y = of(b);
  U256 xa = mul(x.mag, p10(S - sa)), ya = mul(y.mag, p10(S - sb)), q, r;
  divmod(xa, ya, q, r);
  auto m = to_scale(r, S, s);
  if (!m) return std::nullopt;
  return finish({x.neg, *m}, p);
}

std::string to_string(i128 v, int scale) {
  bool neg = v < 0;
  u128 m = neg ? u128(0) - u128(v) : u128(v);
  std::string digits;
  do { digits.push_back(char('0' + int(m % 10))); m /= 10; } while (m);
  while (int(digits.size()) <= scale) digits.push_back('0');
  std::string out = neg ? "-" : "";
  for (size_t i = digits.size(); i-- > 0;) {
    out.push_back(digits[i]);
    if (scale > 0 && i == size_t(scale)) out.push_back('.');
  }
  return out;
}

std::optional<i128> parse(std::string_view s, int p, int scale) {
  auto ws = [](char c) { return c == ' ' || (unsigned char)c <= 0x20; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  U256 mag;
  int sig = 0, frac = 0;
  bool any = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !dot) { dot = true; continue; }
    if (c < '0' || c > '9') break;
    any = true;
    if (sig == 0 && c == '0') { if (dot) ++frac; continue; }
    if (++sig > 76) return std::nullopt;
    mag = add(mul10(mag), U256::of(u128(c - '0')));
    if (dot) ++frac;
  }
  if (!any) return std::nullopt;
  long exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i == s.size()) return std::nullopt;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      exp = exp * 10 + (s[i] - '0');
      if (exp > 1000) return std::nullopt;
    }
    if (eneg) exp = -exp;
  }
  if (i != s.size()) return std::nullopt;
  long from = long(frac) - exp;  // the parsed value is mag * 10^-from
  std::optional<U256> m;
  if (from - scale > 77) m = U256();  // rounds to zero
  else if (from >= 0) m = to_scale(mag, int(from), scale);
  else m = to_scale(mag, 0, scale - int(from));
  if (!m) return std::nullopt;
  return finish({neg, *m}, p);
}

double to_double(i128 v, int scale) {
  std::string s = to_string(v, scale);
  return std::strtod(s.c_str(), nullptr);
}

std::optional<i128> from_double(double d, int p, int s) {
  if (!std::isfinite(d)) return std::nullopt;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return parse(std::string_view(buf, size_t(r.ptr - buf)), p, s);
}

}  // namespace spp::sql::kern::dec
