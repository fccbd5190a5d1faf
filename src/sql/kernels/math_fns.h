// Math kernels of issue 14 with Spark 3.5's definitions (mathExpressions.scala): java.lang.Math
// functions over doubles (logarithms NULL at or below their asymptote; asinh/acosh/atanh by
// Spark's formulas), ceil/floor to bigint (or decimal), greatest/least (NULLs skipped, NaN
// largest), hex/unhex/bin/conv (NumberConverter), shifts with Java's masking, factorial.
#pragma once
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class MathFn {
  Cbrt, Exp, Expm1, Log10, Log2, Log1p, Ln, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh,
  Asinh, Acosh, Atanh, Cot, Sec, Csc, Degrees, Radians, Signum, Rint,
};
Vec math_unary(MathFn f, const Vec& x, int64_t n);  // double -> double
enum class MathFn2 { Atan2, Hypot, Pow, Log };     // Log: log(base, x)
Vec math_binary(MathFn2 f, const Vec& a, const Vec& b, int64_t n);
Vec ceil_floor(bool ceil, const Vec& x, const ColTypePtr& out, int64_t n);  // double/long/decimal
Vec greatest_least(bool greatest, const std::vector<Vec>& args, const ColTypePtr& t, int64_t n);
Vec hex(const Vec& x, int64_t n);     // bigint: Long.toHexString; string/binary: bytes
Vec unhex(const Vec& s, int64_t n);   // invalid digit -> NULL; odd length: a leading 0
Vec bin(const Vec& x, int64_t n);
Vec conv(const Vec& s, const Vec& from, const Vec& to, int64_t n);
Vec bitwise_not(const Vec& x, int64_t n);
// a & b, a | b, a ^ b of two integral columns of one type (op is '&', '|' or '^').
Vec bitwise(char op, const Vec& x, const Vec& y, int64_t n);
enum class Shift { Left, Right, RightUnsigned };
Vec shift(Shift k, const Vec& x, const Vec& bits, int64_t n);
Vec factorial(const Vec& x, int64_t n);
Vec isnan(const Vec& x, int64_t n);   // NULL -> false
Vec nanvl(const Vec& a, const Vec& b, int64_t n);

// java.util.Random.nextGaussian over Spark's XORShiftRandom (randn).
class XorShiftRandom;
double next_gaussian(XorShiftRandom& r, bool& have_next, double& next);

}  // namespace spp::sql::kern
