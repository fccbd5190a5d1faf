// Murmur3 as apache/spark common/unsafe Murmur3_x86_32 and HashExpression compute it.
#include "sql/kernels/hash.h"

#include <cmath>
#include <cstring>

namespace spp::sql::kern {

namespace {
constexpr uint32_t C1 = 0xcc9e2d51, C2 = 0x1b873593;
inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
inline uint32_t mix_k1(uint32_t k) { k *= C1; k = rotl(k, 15); return k * C2; }
inline uint32_t mix_h1(uint32_t h, uint32_t k) { h ^= k; h = rotl(h, 13); return h * 5 + 0xe6546b64; }
inline uint32_t fmix(uint32_t h, uint32_t len) {
  h ^= len; h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13; h *= 0xc2b2ae35; h ^= h >> 16;
  return h;
}

inline int32_t hash_float(float f, int32_t seed) {
  if (f == 0.0f) f = 0.0f;  // -0.0 hashes as 0.0
  int32_t bits;
  if (std::isnan(f)) bits = 0x7fc00000;  // floatToIntBits canonical NaN
  else std::memcpy(&bits, &f, 4);
  return murmur3_int(bits, seed);
}
inline int32_t hash_double(double d, int32_t seed) {
  if (d == 0.0) d = 0.0;
  int64_t bits;
  if (std::isnan(d)) bits = 0x7ff8000000000000LL;
  else std::memcpy(&bits, &d, 8);
  return murmur3_long(bits, seed);
}
// BigInteger.toByteArray: minimal big-endian two's complement.
std::string big_endian_bytes(__int128 v) {
  unsigned char b[16];
  for (int i = 0; i < 16; ++i) b[15 - i] = (unsigned char)(uint64_t(v >> (8 * i)) & 0xff);
  int start = 0;
  while (start < 15 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) || (b[start] == 0xff && (b[start + 1] & 0x80)))) ++start;
  return std::string(reinterpret_cast<char*>(b) + start, size_t(16 - start));
}

int32_t hash_value(const Column& c, int64_t i, int32_t seed);

template <typename T, typename H>
void fold_fixed(const Column& c, bool constant, int32_t* h, int64_t n, H hv) {
  const T* v = c.vals<T>();
  if (!c.has_nulls()) {
    for (int64_t r = 0; r < n; ++r) h[r] = hv(v[constant ? 0 : r], h[r]);
  } else {
    for (int64_t r = 0; r < n; ++r) {
      int64_t i = constant ? 0 : r;
      if (c.is_valid(i)) h[r] = hv(v[i], h[r]);
    }
  }
}

int32_t hash_value(const Column& c, int64_t i, int32_t seed) {
  if (c.is_null(i)) return seed;
  switch (c.id()) {
    case TypeId::Null: return seed;
    case TypeId::Boolean: return murmur3_int(c.bool_at(i) ? 1 : 0, seed);
    case TypeId::Byte: return murmur3_int(c.vals<int8_t>()[i], seed);
    case TypeId::Short: return murmur3_int(c.vals<int16_t>()[i], seed);
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: return murmur3_int(c.vals<int32_t>()[i], seed);
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      return murmur3_long(c.vals<int64_t>()[i], seed);
    case TypeId::Float: return hash_float(c.vals<float>()[i], seed);
    case TypeId::Double: return hash_double(c.vals<double>()[i], seed);
    case TypeId::Decimal: {
      __int128 v = c.dec_at(i);
      if (c.type->precision <= 18) return murmur3_long(int64_t(v), seed);
      return murmur3_bytes(big_endian_bytes(v), seed);
    }
    case TypeId::String: case TypeId::Binary: return murmur3_bytes(c.str(i), seed);
    case TypeId::CalendarInterval: {  // HashExpression: months, then days, then µs folded in
      const col::CalInterval v = c.vals<col::CalInterval>()[i];
      return murmur3_int(v.months, murmur3_int(v.days, murmur3_long(v.micros, seed)));
    }
    case TypeId::Array: {
      const int32_t* o = c.offsets();
      for (int32_t e = o[i]; e < o[i + 1]; ++e) seed = hash_value(*c.children[0], e, seed);
      return seed;
    }
    case TypeId::Struct:
      for (const auto& ch : c.children) seed = hash_value(*ch, i, seed);
      return seed;
    case TypeId::Map: SPP_CHECK(false, "maps cannot be hashed (DATATYPE_MISMATCH.HASH_MAP_TYPE)");
  }
  return seed;
}
}  // namespace

int32_t murmur3_int(int32_t v, int32_t seed) {
  return int32_t(fmix(mix_h1(uint32_t(seed), mix_k1(uint32_t(v))), 4));
}

int32_t murmur3_long(int64_t v, int32_t seed) {
  uint32_t h = mix_h1(uint32_t(seed), mix_k1(uint32_t(uint64_t(v))));
  h = mix_h1(h, mix_k1(uint32_t(uint64_t(v) >> 32)));
  return int32_t(fmix(h, 8));
}

int32_t murmur3_bytes(std::string_view b, int32_t seed) {
  uint32_t h = uint32_t(seed);
  size_t aligned = b.size() - b.size() % 4;
  for (size_t i = 0; i < aligned; i += 4) {
    uint32_t w;
    std::memcpy(&w, b.data() + i, 4);  // little-endian words (Platform.getInt on x86)
    h = mix_h1(h, mix_k1(w));
  }
  for (size_t i = aligned; i < b.size(); ++i)  // each tail byte alone, sign-extended
    h = mix_h1(h, mix_k1(uint32_t(int32_t(int8_t(b[i])))));
  return int32_t(fmix(h, uint32_t(b.size())));
}

void hash_into(const Column& c, bool constant, int32_t* h, int64_t n) {
  switch (c.id()) {
    case TypeId::Null: return;
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval:
      fold_fixed<int32_t>(c, constant, h, n, [](int32_t v, int32_t s) { return murmur3_int(v, s); });
      return;
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      fold_fixed<int64_t>(c, constant, h, n, [](int64_t v, int32_t s) { return murmur3_long(v, s); });
      return;
    case TypeId::Double:
      fold_fixed<double>(c, constant, h, n, [](double v, int32_t s) { return hash_double(v, s); });
      return;
    case TypeId::String: case TypeId::Binary:
      for (int64_t r = 0; r < n; ++r) {
        int64_t i = constant ? 0 : r;
        if (c.is_valid(i)) h[r] = murmur3_bytes(c.str(i), h[r]);
      }
      return;
    default:
      for (int64_t r = 0; r < n; ++r) h[r] = hash_value(c, constant ? 0 : r, h[r]);
  }
}

Vec hash(const std::vector<Vec>& cols, int64_t n) {
  auto out = new_fixed(type_of(TypeId::Int), n);
  int32_t* h = out->values->as<int32_t>();
  for (int64_t r = 0; r < n; ++r) h[r] = kSparkHashSeed;
  for (const auto& v : cols) hash_into(*v.col, v.constant, h, n);
  return Vec::flat(out);
}

std::vector<int32_t> hash_partition(const std::vector<Vec>& keys, int64_t n, int32_t num_partitions) {
  std::vector<int32_t> h(size_t(n), kSparkHashSeed);
  for (const auto& v : keys) hash_into(*v.col, v.constant, h.data(), n);
  for (auto& x : h) {
    int32_t m = x % num_partitions;
    x = m < 0 ? m + num_partitions : m;
  }
  return h;
}

}  // namespace spp::sql::kern
