// Hash and digest kernels (digest_fns.h).
#include "sql/kernels/digest_fns.h"

#include <openssl/evp.h>
#include <xxhash.h>
#include <zlib.h>

#include <cmath>
#include <cstring>

#include "sql/kernels/fn_util.h"

namespace spp::sql::kern {

namespace {
int64_t xx_int(int32_t v, int64_t seed) { return int64_t(XXH64(&v, 4, uint64_t(seed))); }
int64_t xx_long(int64_t v, int64_t seed) { return int64_t(XXH64(&v, 8, uint64_t(seed))); }
int64_t xx_bytes(std::string_view b, int64_t seed) { return int64_t(XXH64(b.data(), b.size(), uint64_t(seed))); }

// BigInteger.toByteArray: minimal big-endian two's complement.
std::string big_endian_bytes(__int128 v) {
  unsigned char b[16];
  for (int i = 0; i < 16; ++i) b[15 - i] = (unsigned char)(uint64_t(v >> (8 * i)) & 0xff);
  int start = 0;
  while (start < 15 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) || (b[start] == 0xff && (b[start + 1] & 0x80)))) ++start;
  return std::string(reinterpret_cast<char*>(b) + start, size_t(16 - start));
}

// One value folded into the running hash (NULL leaves it unchanged), Spark's HashExpression rules.
int64_t xx_value(const Column& c, int64_t i, int64_t seed) {
  if (c.is_null(i)) return seed;
  switch (c.id()) {
    case TypeId::Null: return seed;
    case TypeId::Boolean: return xx_int(c.bool_at(i) ? 1 : 0, seed);
    case TypeId::Byte: return xx_int(c.vals<int8_t>()[i], seed);
    case TypeId::Short: return xx_int(c.vals<int16_t>()[i], seed);
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: return xx_int(c.vals<int32_t>()[i], seed);
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      return xx_long(c.vals<int64_t>()[i], seed);
    case TypeId::Float: {
      float f = c.vals<float>()[i];
      int32_t bits = 0x7fc00000;  // floatToIntBits: canonical NaN; -0.0 hashes as 0.0
      if (f == 0.0f) bits = 0;
      else if (!std::isnan(f)) std::memcpy(&bits, &f, 4);
      return xx_int(bits, seed);
    }
    case TypeId::Double: {
      double d = c.vals<double>()[i];
      int64_t bits = 0x7ff8000000000000LL;
      if (d == 0.0) bits = 0;
      else if (!std::isnan(d)) std::memcpy(&bits, &d, 8);
      return xx_long(bits, seed);
    }
    case TypeId::Decimal: {
      __int128 v = c.dec_at(i);
      if (c.type->precision <= 18) return xx_long(int64_t(v), seed);
      return xx_bytes(big_endian_bytes(v), seed);
    }
    case TypeId::String: case TypeId::Binary: return xx_bytes(c.str(i), seed);
    case TypeId::Array: {
      const int32_t* o = c.offsets();
      for (int32_t e = o[i]; e < o[i + 1]; ++e) seed = xx_value(*c.children[0], e, seed);
      return seed;
    }
    case TypeId::Struct:
      for (const auto& f : c.children) seed = xx_value(*f, i, seed);
      return seed;
    default: return seed;  // maps are rejected by the analyzer
  }
}

template <typename F>
Vec hex_digest(const Vec& bin, int64_t n, F digest) {
  StrArg B(bin);
  static const char kHex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (B.null(i)) return false;
    unsigned int len = digest(i, B[i], md);
    if (len == 0) return false;
    for (unsigned k = 0; k < len; ++k) { out.push_back(kHex[md[k] >> 4]); out.push_back(kHex[md[k] & 15]); }
    return true;
  });
}

unsigned int evp(const EVP_MD* type, std::string_view v, unsigned char* md) {
  unsigned int len = 0;
  if (!type || EVP_Digest(v.data(), v.size(), md, &len, type, nullptr) != 1) return 0;
  return len;
}
}  // namespace

Vec xxhash64(const std::vector<Vec>& cols, int64_t n) {
  auto out = new_fixed(type_of(TypeId::Long), n);
  int64_t* h = out->values->as<int64_t>();
  for (int64_t r = 0; r < n; ++r) h[r] = kSparkXxHashSeed;
  for (const auto& v : cols)
    for (int64_t r = 0; r < n; ++r) h[r] = xx_value(*v.col, v.constant ? 0 : r, h[r]);
  return Vec::flat(out);
}

Vec md5(const Vec& bin, int64_t n) {
  return hex_digest(bin, n, [](int64_t, std::string_view v, unsigned char* md) { return evp(EVP_md5(), v, md); });
}
Vec sha1(const Vec& bin, int64_t n) {
  return hex_digest(bin, n, [](int64_t, std::string_view v, unsigned char* md) { return evp(EVP_sha1(), v, md); });
}

Vec sha2(const Vec& bin, const Vec& bits, int64_t n) {
  FixArg<int32_t> Bits(bits);
  // The digest is chosen per row (bits may be a column); unsupported lengths give NULL.
  return hex_digest(bin, n, [&](int64_t r, std::string_view v, unsigned char* md) -> unsigned {
    if (Bits.null(r)) return 0;
    switch (Bits[r]) {
      case 224: return evp(EVP_sha224(), v, md);
      case 0: case 256: return evp(EVP_sha256(), v, md);
      case 384: return evp(EVP_sha384(), v, md);
      case 512: return evp(EVP_sha512(), v, md);
      default: return 0;
    }
  });
}

Vec crc32(const Vec& bin, int64_t n) {
  StrArg B(bin);
  return gen_fixed<int64_t>(type_of(TypeId::Long), n, [&](int64_t i, int64_t& o) {
    if (B.null(i)) return false;
    std::string_view v = B[i];
    o = int64_t(::crc32(0L, reinterpret_cast<const Bytef*>(v.data()), uInt(v.size())));
    return true;
  });
}

}  // namespace spp::sql::kern
