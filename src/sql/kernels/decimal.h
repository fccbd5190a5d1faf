// Decimal arithmetic as Spark 3.5 does it (java.math.BigDecimal results rounded HALF_UP to the
// result type, NULL when the result does not fit its precision), on 128-bit unscaled values with
// a 256-bit intermediate so no operation can overflow silently.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spp::sql::kern::dec {

using i128 = __int128;

// 10^k for 0 <= k <= 38.
i128 pow10(int k);
// True when |v| < 10^precision.
bool fits(i128 v, int precision);

// Each returns the unscaled result at scale `s`, or nullopt when it does not fit precision `p`
// (or on division by zero).
std::optional<i128> add(i128 a, int sa, i128 b, int sb, int p, int s);
std::optional<i128> sub(i128 a, int sa, i128 b, int sb, int p, int s);
std::optional<i128> mul(i128 a, int sa, i128 b, int sb, int p, int s);
std::optional<i128> div(i128 a, int sa, i128 b, int sb, int p, int s);
std::optional<i128> rem(i128 a, int sa, i128 b, int sb, int p, int s);
// Rescales a value from scale `from` to (p, s), HALF_UP.
std::optional<i128> rescale(i128 a, int from, int p, int s);

// BigDecimal.toPlainString of unscaled/scale (e.g. 12345, 2 -> "123.45", -5, 3 -> "-0.005").
std::string to_string(i128 v, int scale);
// Spark's string -> decimal(p, s): trims whitespace, accepts sign, digits, '.', exponent;
// nullopt when invalid or the value does not fit.
std::optional<i128> parse(std::string_view s, int p, int scale);
double to_double(i128 v, int scale);
// double -> decimal(p, s) (via the shortest decimal string, HALF_UP), nullopt for NaN/inf/overflow.
std::optional<i128> from_double(double d, int p, int s);

}  // namespace spp::sql::kern::dec
