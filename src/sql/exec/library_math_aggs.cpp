// Finishing kernels of the math family's aggregates computed from a collected group
// (analysis/fn_aggs.cpp; each row is one group's collect_list):
//   product: the product of the non-NULL doubles in row order (Spark's Product); NULL when none;
//   bit_and / bit_or / bit_xor: of the non-NULL integral values; NULL when none;
//   histogram_numeric(x, nb): Spark's NumericHistogram (Ben-Haim & Tom-Tov) as if every value
//     were its own partition's partial histogram (Spark's answer depends on how values fall into
//     partitions: equal values of one partition share a bin, of two partitions do not — this is
//     the answer of one value per partition): each merged in order into the sorted bins, the
//     closest pair merged while there are more than nb (ties broken by java.util.Random(31183)
//     as Spark's); array<struct<x: x's type, y: double>>; NULL when no value;
//   count_min_sketch(x, eps, confidence, seed): CountMinSketchImpl's serialized bytes (version 1,
//     total count, depth, width, hashA, the table; big-endian), depth = ceil(-ln(1 - confidence)
//     / ln 2), width = ceil(2 / eps), hashA from java.util.Random(seed).nextInt(Integer.MAX_VALUE);
//     integral values hashed as longs (strings and binary by Murmur3 are not supported yet);
//   bitmap_construct_agg(position) / bitmap_or_agg(bitmap): Spark 3.5's 4,096-byte (32,768-bit)
//     bitmaps, bit p at byte p / 8, bit p % 8; a position outside [0, 32768) fails the query
//     (INVALID_BITMAP_POSITION); OR merges min(len, 4096) bytes of each input; never NULL.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "sql/columnar/builder.h"
#include "sql/exec/library.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using col::Column;
using col::TypeId;
using kern::Vec;
using A = std::vector<Vec>;

struct Lists {
  const Column& c;
  bool k;
  explicit Lists(const Vec& v) : c(*v.col), k(v.constant) {}
  int64_t row(int64_t i) const { return k ? 0 : i; }
  bool null(int64_t i) const { return c.is_null(row(i)); }
  int32_t lo(int64_t i) const { return c.offsets()[row(i)]; }
  int32_t hi(int64_t i) const { return c.offsets()[row(i) + 1]; }
  const Column& elems() const { return *c.children[0]; }
};

// java.util.Random: the 48-bit LCG.
struct JavaRandom {
  uint64_t seed;
  explicit JavaRandom(int64_t s) : seed((uint64_t(s) ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1)) {}
  int32_t next(int bits) {
    seed = (seed * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
    return int32_t(int64_t(seed >> (48 - bits)));
  }
  int32_t next_int(int32_t bound) {  // bound > 0
    int32_t r = next(31);
    const int32_t m = bound - 1;
    if ((bound & m) == 0) return int32_t((int64_t(bound) * int64_t(r)) >> 31);
    // Java's `u - r + m < 0` is an int overflow test.
    for (int32_t u = r; int64_t(u) - (r = u % bound) + m > INT32_MAX; u = next(31)) {}
    return r;
  }
  double next_double() { return double((int64_t(next(26)) << 27) + next(27)) * 0x1.0p-53; }
};

Vec product_kernel(const A& a, int64_t n, const col::ColTypePtr& type) {
  Lists l(a[0]);
  const Column& el = l.elems();
  return kern::gen_fixed<double>(type, n, [&](int64_t i, double& o) {
    if (l.null(i)) return false;
    bool any = false;
    double p = 1;
    for (int32_t j = l.lo(i); j < l.hi(i); ++j)
      if (el.is_valid(j)) { p = any ? p * el.vals<double>()[j] : el.vals<double>()[j]; any = true; }
    o = p;
    return any;
  });
}

Vec bit_agg_kernel(char op, const A& a, int64_t n, const col::ColTypePtr& type) {
  Lists l(a[0]);
  const Column& el = l.elems();
  return kern::dispatch_fixed(type->id, [&]<typename T>() {
    return kern::gen_fixed<T>(type, n, [&](int64_t i, T& o) {
      if (l.null(i)) return false;
      bool any = false;
      T acc{};
      for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
        if (!el.is_valid(j)) continue;
        T v = el.vals<T>()[j];
        if (!any) acc = v;
        else if constexpr (std::is_integral_v<T>) acc = op == '&' ? T(acc & v) : op == '|' ? T(acc | v) : T(acc ^ v);
        any = true;
      }
      o = acc;
      return any;
    });
  });
}

// A value of the collected column as double (histogram_numeric's input).
double as_double(const Column& c, int64_t j) {
  switch (c.id()) {
    case TypeId::Byte: return c.vals<int8_t>()[j];
    case TypeId::Short: return c.vals<int16_t>()[j];
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: return c.vals<int32_t>()[j];
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      return double(c.vals<int64_t>()[j]);
    case TypeId::Float: return c.vals<float>()[j];
    case TypeId::Double: return c.vals<double>()[j];
    case TypeId::Decimal: return double(c.dec_at(j)) / std::pow(10.0, c.type->scale);
    default: return 0;
  }
}

void append_x(col::ColumnBuilder& b, TypeId t, int scale, double x) {
  switch (t) {
    case TypeId::Byte: b.append<int8_t>(int8_t(int64_t(x))); break;
    case TypeId::Short: b.append<int16_t>(int16_t(int64_t(x))); break;
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: b.append<int32_t>(int32_t(int64_t(x))); break;
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      b.append<int64_t>(int64_t(x)); break;
    case TypeId::Float: b.append<float>(float(x)); break;
    case TypeId::Decimal: b.append_decimal(__int128(std::llround(x * std::pow(10.0, scale)))); break;
    default: b.append<double>(x); break;
  }
}

Vec histogram_kernel(const A& a, int64_t n, const col::ColTypePtr& type) {
  Lists l(a[0]);
  const Column& el = l.elems();
  kern::FixArg<int32_t> nb_arg(a[1]);
  const col::ColType& xt = type->children[0].children[0];
  col::ColumnBuilder b(type);
  struct Bin { double x, y; };
  for (int64_t i = 0; i < n; ++i) {
    if (l.null(i) || nb_arg.null(i)) { b.append_null(); continue; }
    const int nbins = nb_arg[i];
    std::vector<Bin> bins;
    JavaRandom prng(31183);
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
      if (!el.is_valid(j)) continue;
      // Each value merged as a one-point partial histogram (NumericHistogram.merge: the bins
      // sorted stably, so a value equal to a bin's x gets a bin of its own after it).
      const double v = as_double(el, j);
      auto at = std::upper_bound(bins.begin(), bins.end(), v, [](double x, const Bin& b) { return x < b.x; });
      bins.insert(at, Bin{v, 1});
      while (int(bins.size()) > nbins) {  // trim: merge the closest pair
        double smallest = bins[1].x - bins[0].x;
        size_t loc = 0;
        int count = 1;
        for (size_t k = 1; k + 1 < bins.size(); ++k) {
          const double diff = bins[k + 1].x - bins[k].x;
          if (diff < smallest) { smallest = diff; loc = k; count = 1; }
          else if (diff == smallest && prng.next_double() <= 1.0 / ++count) loc = k;
        }
        const double d = bins[loc].y + bins[loc + 1].y;
        bins[loc].x *= bins[loc].y / d;
        bins[loc].x += bins[loc + 1].x / d * bins[loc + 1].y;
        bins[loc].y = d;
        bins.erase(bins.begin() + std::ptrdiff_t(loc) + 1);
      }
    }
    if (bins.empty()) { b.append_null(); continue; }
    auto& st = b.child(0);
    for (const Bin& bn : bins) {
      append_x(st.child(0), xt.id, xt.scale, bn.x);
      st.child(1).append<double>(bn.y);
      st.finish_struct();
    }
    b.finish_list();
  }
  return Vec::flat(b.finish());
}

void put_be32(std::string& s, int32_t v) { for (int k = 3; k >= 0; --k) s.push_back(char((uint32_t(v) >> (8 * k)) & 0xff)); }
void put_be64(std::string& s, int64_t v) { for (int k = 7; k >= 0; --k) s.push_back(char((uint64_t(v) >> (8 * k)) & 0xff)); }

int64_t integral_at(const Column& c, int64_t j) {
  switch (c.id()) {
    case TypeId::Byte: return c.vals<int8_t>()[j];
    case TypeId::Short: return c.vals<int16_t>()[j];
    case TypeId::Int: return c.vals<int32_t>()[j];
    default: return c.vals<int64_t>()[j];
  }
}

Vec count_min_sketch_kernel(const A& a, int64_t n) {
  Lists l(a[0]);
  const Column& el = l.elems();
  kern::FixArg<double> eps_arg(a[1]), conf_arg(a[2]);
  kern::FixArg<int32_t> seed_arg(a[3]);
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    if (l.null(i) || eps_arg.null(i) || conf_arg.null(i) || seed_arg.null(i)) return false;
    const double eps = eps_arg[i], conf = conf_arg[i];
    const int32_t width = int32_t(std::ceil(2 / eps));
    const int32_t depth = int32_t(std::ceil(-std::log(1 - conf) / std::log(2.0)));
    JavaRandom r(seed_arg[i]);
    std::vector<int64_t> hash_a(size_t(std::max(depth, 0)));
    for (auto& h : hash_a) h = r.next_int(INT32_MAX);
    std::vector<int64_t> table(size_t(std::max(depth, 0)) * size_t(std::max(width, 0)), 0);
    int64_t total = 0;
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
      if (!el.is_valid(j)) continue;
      const int64_t item = integral_at(el, j);
      for (int32_t d = 0; d < depth; ++d) {  // CountMinSketchImpl.hash(long, int)
        int64_t h = int64_t(uint64_t(hash_a[size_t(d)]) * uint64_t(item));
        h += h >> 32;
        h &= (int64_t(1) << 31) - 1;
        table[size_t(d) * size_t(width) + size_t(int32_t(h) % width)] += 1;
      }
      ++total;
    }
    put_be32(out, 1);
    put_be64(out, total);
    put_be32(out, depth);
    put_be32(out, width);
    for (int64_t h : hash_a) put_be64(out, h);
    for (int64_t c : table) put_be64(out, c);
    return true;
  }, TypeId::Binary);
}
constexpr int64_t kBitmapBytes = 4096;

Vec bitmap_agg_kernel(bool construct, const A& a, int64_t n, const EvalContext& ctx) {
  Lists l(a[0]);
  const Column& el = l.elems();
  return kern::gen_str(n, [&](int64_t i, std::string& o) {
    o.assign(size_t(kBitmapBytes), '\0');
    if (l.null(i)) return true;
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
      if (!el.is_valid(j)) continue;
      if (construct) {
        const int64_t p = el.vals<int64_t>()[j];
        if (p < 0 || p >= kBitmapBytes * 8) {
          if (ctx.error && ctx.error->empty())
            *ctx.error = "[INVALID_BITMAP_POSITION] The 0-indexed bitmap position " + std::to_string(p) +
                         " is out of bounds. The bitmap has 4096 bytes (32768 bits).";
          continue;
        }
        o[size_t(p / 8)] = char(uint8_t(o[size_t(p / 8)]) | (1u << (p % 8)));
      } else {
        const std::string_view b = el.str(j);
        for (size_t k = 0; k < std::min(b.size(), size_t(kBitmapBytes)); ++k) o[k] = char(uint8_t(o[k]) | uint8_t(b[k]));
      }
    }
    return true;
  }, TypeId::Binary);
}
}  // namespace

std::optional<Result<ExprPtr>> lower_math_agg_call(const std::string& name, std::vector<ExprPtr>& args,
                                                   const col::ColTypePtr& type) {
  LibKernel k;
  if (name == "product") {
    k = [type](const A& a, int64_t n, const EvalContext&) { return product_kernel(a, n, type); };
  } else if (name == "bit_and" || name == "bit_or" || name == "bit_xor") {
    const char op = name == "bit_and" ? '&' : name == "bit_or" ? '|' : '^';
    k = [type, op](const A& a, int64_t n, const EvalContext&) { return bit_agg_kernel(op, a, n, type); };
  } else if (name == "histogram_numeric") {
    k = [type](const A& a, int64_t n, const EvalContext&) { return histogram_kernel(a, n, type); };
  } else if (name == "bitmap_construct_agg" || name == "bitmap_or_agg") {
    const bool construct = name == "bitmap_construct_agg";
    k = [construct](const A& a, int64_t n, const EvalContext& ctx) { return bitmap_agg_kernel(construct, a, n, ctx); };
  } else if (name == "count_min_sketch") {
    const TypeId t = args[0]->type->children[0].id;
    if (!col::is_integral(t))
      return Result<ExprPtr>::error("count_min_sketch of " + args[0]->type->children[0].to_string() +
                                    " values is not supported by the native engine yet");
    k = [](const A& a, int64_t n, const EvalContext&) { return count_min_sketch_kernel(a, n); };
  } else {
    return std::nullopt;
  }
  return bind_kernel(std::move(args), type, std::move(k));
}

}  // namespace spp::sql::exec::lib
