// Math library calls bound to their kernels (math_fns.h).
#include "sql/exec/library.h"

#include <cmath>

#include "sql/kernels/fn_util.h"
#include "sql/kernels/math_fns.h"
#include "sql/kernels/misc_fns.h"
#include "sql/kernels/xorshift.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

struct UnaryName {
  const char* name;
  kern::MathFn fn;
};
constexpr UnaryName kUnary[] = {
    {"cbrt", kern::MathFn::Cbrt},     {"exp", kern::MathFn::Exp},       {"expm1", kern::MathFn::Expm1},
    {"log10", kern::MathFn::Log10},   {"log2", kern::MathFn::Log2},     {"log1p", kern::MathFn::Log1p},
    {"ln", kern::MathFn::Ln},         {"sin", kern::MathFn::Sin},       {"cos", kern::MathFn::Cos},
    {"tan", kern::MathFn::Tan},       {"asin", kern::MathFn::Asin},     {"acos", kern::MathFn::Acos},
    {"atan", kern::MathFn::Atan},     {"sinh", kern::MathFn::Sinh},     {"cosh", kern::MathFn::Cosh},
    {"tanh", kern::MathFn::Tanh},     {"asinh", kern::MathFn::Asinh},   {"acosh", kern::MathFn::Acosh},
    {"atanh", kern::MathFn::Atanh},   {"cot", kern::MathFn::Cot},       {"sec", kern::MathFn::Sec},
    {"csc", kern::MathFn::Csc},       {"degrees", kern::MathFn::Degrees}, {"radians", kern::MathFn::Radians},
    {"signum", kern::MathFn::Signum}, {"sign", kern::MathFn::Signum}, {"rint", kern::MathFn::Rint},
};

ExprPtr constant_double(double v, const col::ColTypePtr& type) {
  return bind_kernel({}, type, [v, type](const A&, int64_t n, const EvalContext&) {
    auto c = col::make_fixed_column(type, n);
    for (int64_t i = 0; i < n; ++i) c->values->as<double>()[i] = v;
    return Vec::flat(c);
  });
}

// rand/randn: XORShiftRandom(seed + partition index) per task, as Spark's RDG expressions.
ExprPtr random(bool gaussian, int64_t seed, const col::ColTypePtr& type) {
  struct State {
    std::unique_ptr<kern::XorShiftRandom> rng;
    bool have_next = false;
    double next = 0;
  };
  auto st = std::make_shared<State>();
  return bind_kernel({}, type, [st, seed, gaussian, type](const A&, int64_t n, const EvalContext& ctx) {
    if (!st->rng) st->rng = std::make_unique<kern::XorShiftRandom>(seed + ctx.partition_index);
    auto c = col::make_fixed_column(type, n);
    double* o = c->values->as<double>();
    for (int64_t i = 0; i < n; ++i)
      o[i] = gaussian ? kern::next_gaussian(*st->rng, st->have_next, st->next) : st->rng->next_double();
    return Vec::flat(c);
  });
}
// bit_count: set bits of the value sign-extended to 64 bits (Long.bitCount); booleans 1 / 0.
Vec bit_count(const Vec& x, int64_t n) {
  auto out = kern::type_of(col::TypeId::Int);
  if (x.col->id() == col::TypeId::Boolean) {
    kern::BoolArg b(x);
    return kern::gen_fixed<int32_t>(out, n, [&](int64_t i, int32_t& o) { if (b.null(i)) return false; o = b[i] ? 1 : 0; return true; });
  }
  return kern::dispatch_fixed(x.col->id(), [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      kern::FixArg<T> v(x);
      return kern::gen_fixed<int32_t>(out, n, [&](int64_t i, int32_t& o) {
        if (v.null(i)) return false;
        o = __builtin_popcountll(uint64_t(int64_t(v[i])));
        return true;
      });
    } else {
      return Vec::flat(col::make_fixed_column(out, 0));
    }
  });
}

// bit_get(x, pos): bit `pos` (0 = least significant) as TINYINT; a position outside the type's
// width fails the query with Spark's error.
Vec bit_get(const Vec& x, const Vec& pos, int64_t n, const EvalContext& ctx) {
  auto out = kern::type_of(col::TypeId::Byte);
  kern::FixArg<int32_t> p(pos);
  return kern::dispatch_fixed(x.col->id(), [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      kern::FixArg<T> v(x);
      const int bits = int(sizeof(T) * 8);
      return kern::gen_fixed<int8_t>(out, n, [&](int64_t i, int8_t& o) {
        if (v.null(i) || p.null(i)) return false;
        int k = p[i];
        if (k < 0 || k >= bits) {
          if (ctx.error && ctx.error->empty())
            *ctx.error = "[INVALID_PARAMETER_VALUE.BIT_POSITION_RANGE] The value of parameter(s) `pos` in `bit_get` is invalid: "
                         "expects an integer value in [0, " + std::to_string(bits) + "), but got " + std::to_string(k) + ".";
          return false;
        }
        o = int8_t((uint64_t(int64_t(v[i])) >> k) & 1);
        return true;
      });
    } else {
      return Vec::flat(col::make_fixed_column(out, 0));
    }
  });
}

// WidthBucket.computeBucketNumberNotNull.
Vec width_bucket(const std::vector<Vec>& x, int64_t n) {
  kern::FixArg<double> v(x[0]), lo(x[1]), hi(x[2]);
  kern::FixArg<int64_t> nb(x[3]);
  return kern::gen_fixed<int64_t>(kern::type_of(col::TypeId::Long), n, [&](int64_t i, int64_t& o) {
    if (v.null(i) || lo.null(i) || hi.null(i) || nb.null(i)) return false;
    double value = v[i], mn = lo[i], mx = hi[i];
    int64_t b = nb[i];
    if (b <= 0 || b == INT64_MAX || std::isnan(value) || mn == mx || std::isnan(mn) || std::isinf(mn) ||
        std::isnan(mx) || std::isinf(mx))
      return false;
    double lower = std::min(mn, mx), upper = std::max(mn, mx);
    if (mn < mx) {
      if (value < lower) o = 0;
      else if (value >= upper) o = b + 1;
      else o = int64_t(double(b) * (value - lower) / (upper - lower)) + 1;
    } else {
      if (value > upper) o = 0;
      else if (value <= lower) o = b + 1;
      else o = int64_t(double(b) * (upper - value) / (upper - lower)) + 1;
    }
    return true;
  });
}
}  // namespace

std::optional<Result<ExprPtr>> lower_math_call(const std::string& name, std::vector<ExprPtr>& a,
                                               const col::ColTypePtr& type) {
  for (const auto& u : kUnary)
    if (name == u.name) {
      auto f = u.fn;
      return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext&) { return kern::math_unary(f, x[0], n); });
    }
  auto binary = [&](kern::MathFn2 f) {
    return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext&) { return kern::math_binary(f, x[0], x[1], n); });
  };
  if (name == "atan2") return binary(kern::MathFn2::Atan2);
  if (name == "hypot") return binary(kern::MathFn2::Hypot);
  if (name == "power") return binary(kern::MathFn2::Pow);
  if (name == "log") return binary(kern::MathFn2::Log);
  if (name == "e") return constant_double(2.718281828459045, type);
  if (name == "pi") return constant_double(3.141592653589793, type);
  if (name == "ceil" || name == "ceiling" || name == "floor") {
    bool up = name != "floor";
    return bind_kernel(a, type, [up, type](const A& x, int64_t n, const EvalContext&) { return kern::ceil_floor(up, x[0], type, n); });
  }
  if (name == "greatest" || name == "least") {
    if (type->id != col::TypeId::String && !col::is_fixed_width(type->id))
      return Result<ExprPtr>::error(name + " of " + type->to_string() + " values is not supported by the native engine yet");
    bool g = name == "greatest";
    return bind_kernel(a, type, [g, type](const A& x, int64_t n, const EvalContext&) { return kern::greatest_least(g, x, type, n); });
  }
  auto k1 = [&](Vec (*f)(const Vec&, int64_t)) {
    return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext&) { return f(x[0], n); });
  };
  if (name == "hex") return k1(kern::hex);
  if (name == "unhex") return k1(kern::unhex);
  if (name == "bin") return k1(kern::bin);
  if (name == "bitwise_not") return k1(kern::bitwise_not);
  if (name == "&" || name == "|" || name == "^") {
    if (!col::is_integral(type->id)) return Result<ExprPtr>::error(name + " of " + type->to_string() + " values");
    const char op = name[0];
    return bind_kernel(a, type, [op](const A& x, int64_t n, const EvalContext&) { return kern::bitwise(op, x[0], x[1], n); });
  }
  if (name == "factorial") return k1(kern::factorial);
  if (name == "positive") return a[0];
  if (name == "bit_count") return k1(bit_count);
  if (name == "bitmap_bit_position" || name == "bitmap_bucket_number") {  // 32,768 bits a bucket
    const bool pos = name == "bitmap_bit_position";
    return bind_kernel(a, type, [pos](const A& x, int64_t n, const EvalContext&) {
      kern::FixArg<int64_t> v(x[0]);
      return kern::gen_fixed<int64_t>(kern::type_of(col::TypeId::Long), n, [&](int64_t i, int64_t& o) {
        if (v.null(i)) return false;
        const int64_t y = v[i];
        o = pos ? (y > 0 ? (y - 1) % 32768 : (-y) % 32768) : (y > 0 ? (y - 1) / 32768 + 1 : y / 32768);
        return true;
      });
    });
  }
  if (name == "bitmap_count")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) {
      kern::StrArg b(x[0]);
      return kern::gen_fixed<int64_t>(kern::type_of(col::TypeId::Long), n, [&](int64_t i, int64_t& o) {
        if (b.null(i)) return false;
        o = 0;
        for (unsigned char ch : b[i]) o += __builtin_popcount(ch);
        return true;
      });
    });
  if (name == "bit_get" || name == "getbit")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) { return bit_get(x[0], x[1], n, ctx); });
  if (name == "width_bucket")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return width_bucket(x, n); });
  if (name == "bround") {
    const col::Column* d = literal(a, 1);
    int scale = d && !d->is_null(0) ? d->vals<int32_t>()[0] : 0;
    return bind_kernel({a[0]}, type, [scale, type](const A& x, int64_t n, const EvalContext&) { return kern::bround(x[0], scale, type, n); });
  }
  if (name == "isnan") return k1(kern::isnan);
  if (name == "nanvl")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::nanvl(x[0], x[1], n); });
  if (name == "conv")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::conv(x[0], x[1], x[2], n); });
  if (name == "shiftleft" || name == "shiftright" || name == "shiftrightunsigned") {
    auto k = name == "shiftleft" ? kern::Shift::Left : name == "shiftright" ? kern::Shift::Right : kern::Shift::RightUnsigned;
    return bind_kernel(a, type, [k](const A& x, int64_t n, const EvalContext&) { return kern::shift(k, x[0], x[1], n); });
  }
  if (name == "rand" || name == "randn" || name == "rand_unseeded" || name == "randn_unseeded") {
    const col::Column* s = literal(a, 0);
    int64_t seed = 0;  // rand(NULL) is rand(0)
    if (s && !s->is_null(0)) seed = s->id() == col::TypeId::Long ? s->vals<int64_t>()[0] : s->vals<int32_t>()[0];
    return random(name.rfind("randn", 0) == 0, seed, type);
  }
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
