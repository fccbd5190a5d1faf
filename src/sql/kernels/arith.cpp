// Arithmetic kernels: one loop per (type, op, flat/constant a, flat/constant b), no per-row
// dispatch. Ops that may yield NULL (division by zero, decimal overflow) clear validity bits.
#include "sql/kernels/arith.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "sql/kernels/decimal.h"

namespace spp::sql::kern {

namespace {

template <typename T>
T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, __int128>) return T((unsigned __int128)a + (unsigned __int128)b);
  else if constexpr (std::is_integral_v<T>) return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else return a + b;
}
template <typename T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, __int128>) return T((unsigned __int128)a - (unsigned __int128)b);
  else if constexpr (std::is_integral_v<T>) return T(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
  else return a - b;
}
template <typename T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using W = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;
    return T(W(a) * W(b));
  } else {
    return a * b;
  }
}
template <typename T>
T java_rem(T a, T b) {  // b != 0; Java's % (sign of the dividend; MIN % -1 = 0)
  if constexpr (std::is_integral_v<T>) return b == T(-1) ? T(0) : T(a % b);
  else return T(std::fmod(a, b));
}

struct AddOp { static constexpr bool kMayNull = false;
  template <typename T, typename O> static bool apply(T a, T b, O& o) { o = wrap_add(a, b); return true; } };
struct SubOp { static constexpr bool kMayNull = false;
  template <typename T, typename O> static bool apply(T a, T b, O& o) { o = wrap_sub(a, b); return true; } };
struct MulOp { static constexpr bool kMayNull = false;
  template <typename T, typename O> static bool apply(T a, T b, O& o) { o = wrap_mul(a, b); return true; } };
struct DivOp { static constexpr bool kMayNull = true;
  template <typename T, typename O> static bool apply(T a, T b, O& o) {
    if (b == T(0)) return false;
    o = O(a) / O(b);
    return true;
  } };
struct IntDivOp { static constexpr bool kMayNull = true;
  template <typename T, typename O> static bool apply(T a, T b, O& o) {
    if (b == T(0)) return false;
    int64_t x = int64_t(a), y = int64_t(b);
    o = y == -1 ? int64_t(uint64_t(0) - uint64_t(x)) : x / y;  // Long.MIN div -1 wraps
    return true;
  } };
struct ModOp { static constexpr bool kMayNull = true;
  template <typename T, typename O> static bool apply(T a, T b, O& o) {
    if (b == T(0)) return false;
    o = java_rem(a, b);
    return true;
  } };
struct PmodOp { static constexpr bool kMayNull = true;
  template <typename T, typename O> static bool apply(T a, T b, O& o) {
    if (b == T(0)) return false;
    T r = java_rem(a, b);
    if (r < T(0)) r = java_rem(wrap_add(r, b), b);
    o = r;
    return true;
  } };

template <typename T, typename O, typename Op, bool kA, bool kB>
void loop(const Column& ca, const Column& cb, O* out, uint8_t* valid, int64_t n) {
  Reader<T, kA> a(ca);
  Reader<T, kB> b(cb);
  if constexpr (Op::kMayNull) {
    for (int64_t i = 0; i < n; ++i)
      if (!Op::apply(a[i], b[i], out[i])) { out[i] = O(); col::clear_bit(valid, i); }
  } else {
    for (int64_t i = 0; i < n; ++i) Op::apply(a[i], b[i], out[i]);
  }
}

template <typename T, typename O, typename Op>
Vec run(const Vec& a, const Vec& b, const ColTypePtr& out_t, int64_t n) {
  auto out = new_fixed(out_t, n);
  auto v = and_validity(a, b, n);
  if (Op::kMayNull && !v) v = all_valid(n);
  O* o = out->values->as<O>();
  uint8_t* vb = v ? v->data() : nullptr;
  dispatch_const2(a.constant, b.constant, [&]<bool kA, bool kB>() { loop<T, O, Op, kA, kB>(*a.col, *b.col, o, vb, n); });
  set_validity(*out, v);
  return Vec::flat(out);
}

template <typename T>
Vec run_numeric(ArithOp op, const Vec& a, const Vec& b, const ColTypePtr& out, int64_t n) {
  switch (op) {
    case ArithOp::Add: return run<T, T, AddOp>(a, b, out, n);
    case ArithOp::Sub: return run<T, T, SubOp>(a, b, out, n);
    case ArithOp::Mul: return run<T, T, MulOp>(a, b, out, n);
    case ArithOp::Div: return run<T, double, DivOp>(a, b, out, n);
    case ArithOp::IntDiv: return run<T, int64_t, IntDivOp>(a, b, out, n);
    case ArithOp::Mod: return run<T, T, ModOp>(a, b, out, n);
    case ArithOp::Pmod: return run<T, T, PmodOp>(a, b, out, n);
  }
  return {};
}

Vec run_decimal(ArithOp op, const Vec& a, const Vec& b, const ColTypePtr& out_t, int64_t n) {
  const int sa = a.type().scale, sb = b.type().scale, p = out_t->precision, s = out_t->scale;
  auto out = new_fixed(out_t, n);
  auto v = and_validity(a, b, n);
  if (!v) v = all_valid(n);
  __int128* o = out->values->as<__int128>();
  uint8_t* vb = v->data();
  using Fn = std::optional<__int128> (*)(__int128, int, __int128, int, int, int);
  Fn fn = op == ArithOp::Add ? &dec::add : op == ArithOp::Sub ? &dec::sub : op == ArithOp::Mul ? &dec::mul
        : op == ArithOp::Div ? &dec::div : &dec::rem;
  dispatch_const2(a.constant, b.constant, [&]<bool kA, bool kB>() {
    Reader<__int128, kA> ra(*a.col);
    Reader<__int128, kB> rb(*b.col);
    for (int64_t i = 0; i < n; ++i) {
      if (!col::get_bit(vb, i)) { o[i] = 0; continue; }
      auto r = fn(ra[i], sa, rb[i], sb, p, s);
      if (r && op == ArithOp::Pmod && *r < 0) {  // (r + n) % n
        auto t = dec::add(*r, s, rb[i], sb, 38, std::max(s, sb));
        r = t ? dec::rem(*t, std::max(s, sb), rb[i], sb, p, s) : t;
      }
      if (r) o[i] = *r;
      else { o[i] = 0; col::clear_bit(vb, i); }
    }
  });
  set_validity(*out, v);
  return Vec::flat(out);
}

}  // namespace

Vec arith(ArithOp op, const Vec& a, const Vec& b, const ColTypePtr& out, int64_t n) {
  if (a.type().id == TypeId::Null || b.type().id == TypeId::Null || a.all_null() || b.all_null())
    return Vec::flat(col::make_null_column(out, n));
  TypeId id = a.type().id;
  if (id == TypeId::Decimal) {
    SPP_CHECK(op != ArithOp::IntDiv, "decimal div goes through a cast to bigint");
    return run_decimal(op, a, b, out, n);
  }
  switch (id) {
    case TypeId::Byte: return run_numeric<int8_t>(op, a, b, out, n);
    case TypeId::Short: return run_numeric<int16_t>(op, a, b, out, n);
    case TypeId::Int: return run_numeric<int32_t>(op, a, b, out, n);
    case TypeId::Long: return run_numeric<int64_t>(op, a, b, out, n);
    case TypeId::Float: return run_numeric<float>(op, a, b, out, n);
    case TypeId::Double: return run_numeric<double>(op, a, b, out, n);
    default: SPP_CHECK(false, "arith on %s", a.type().to_string().c_str());
  }
  return {};
}

Vec negate(const Vec& a, int64_t n) {
  auto out = col::make_fixed_column(a.col->type, n);
  dispatch_fixed(a.type().id, [&]<typename T>() {
    T* o = out->values->as<T>();
    const T* v = a.col->vals<T>();
    for (int64_t i = 0; i < n; ++i) {
      T x = v[a.constant ? 0 : i];
      if constexpr (std::is_floating_point_v<T>) o[i] = -x;
      else o[i] = wrap_sub(T(0), x);
    }
    return 0;
  });
  set_validity(*out, copy_validity(a, n));
  return Vec::flat(out);
}

Vec abs(const Vec& a, int64_t n) {
  auto out = col::make_fixed_column(a.col->type, n);
  dispatch_fixed(a.type().id, [&]<typename T>() {
    T* o = out->values->as<T>();
    const T* v = a.col->vals<T>();
    for (int64_t i = 0; i < n; ++i) {
      T x = v[a.constant ? 0 : i];
      if constexpr (std::is_floating_point_v<T>) o[i] = std::fabs(x);
      else o[i] = x < 0 ? wrap_sub(T(0), x) : x;
    }
    return 0;
  });
  set_validity(*out, copy_validity(a, n));
  return Vec::flat(out);
}

ColType decimal_result_type(ArithOp op, int p1, int s1, int p2, int s2) {
  int p = 0, s = 0;
  switch (op) {
    case ArithOp::Add: case ArithOp::Sub:
      s = std::max(s1, s2); p = std::max(p1 - s1, p2 - s2) + s + 1; break;
    case ArithOp::Mul: p = p1 + p2 + 1; s = s1 + s2; break;
    case ArithOp::Div: s = std::max(6, s1 + p2 + 1); p = p1 - s1 + s2 + s; break;
    case ArithOp::Mod: case ArithOp::Pmod:
      s = std::max(s1, s2); p = std::min(p1 - s1, p2 - s2) + s; break;
    case ArithOp::IntDiv: return ColType::scalar(TypeId::Long);
  }
  if (p > 38) {  // allowPrecisionLoss: keep the integral digits, give up scale down to 6
    int int_digits = p - s;
    s = std::max(38 - int_digits, std::min(s, 6));
    p = 38;
  }
  return ColType::decimal(p, s);
}

}  // namespace spp::sql::kern
