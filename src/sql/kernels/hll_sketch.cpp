// DataSketches' HLL sketch: hashing, the LIST -> SET -> HLL update path, serialization, the
// Union operator and the estimators (hll_sketch.h). Floating-point expressions keep the
// reference's order of operations (no contraction under ISO C++): estimates must match bit for
// bit, since Spark rounds them to a BIGINT.
#include "sql/kernels/hll_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

namespace spp::sql::kern::hll {

namespace {

constexpr int kKeyBits = 26;
constexpr uint32_t kKeyMask = (1u << kKeyBits) - 1;
constexpr int kLgInitList = 3, kLgInitSet = 5;
constexpr int kAuxToken = 15;
// Serialized image: preamble bytes and offsets.
constexpr int kListPreInts = 2, kSetPreInts = 3, kHllPreInts = 10;
constexpr int kFamilyId = 7, kSerVer = 1;
constexpr uint8_t kEmptyFlag = 4, kCompactFlag = 8, kOooFlag = 16, kRebuildFlag = 32;
constexpr size_t kListStart = 8, kSetCountAt = 8, kSetStart = 12;
constexpr size_t kHipAt = 8, kKxq0At = 16, kKxq1At = 24, kCurMinCountAt = 32, kAuxCountAt = 36, kHllStart = 40;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t fmix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

uint32_t coupon_of(const std::array<uint64_t, 2>& h) {
  const uint32_t addr = uint32_t(h[0] & kKeyMask);
  const int lz = h[1] == 0 ? 64 : std::countl_zero(h[1]);
  const uint32_t value = uint32_t(std::min(lz, 62) + 1);
  return (value << kKeyBits) | addr;
}

double inv_pow2(int v) { return std::ldexp(1.0, -v); }

// Lagrange cubic through four points, in the reference's operation order.
double cubic(double x0, double y0, double x1, double y1, double x2, double y2, double x3, double y3, double x) {
  const double l0n = (x - x1) * (x - x2) * (x - x3);
  const double l1n = (x - x0) * (x - x2) * (x - x3);
  const double l2n = (x - x0) * (x - x1) * (x - x3);
  const double l3n = (x - x0) * (x - x1) * (x - x2);
  const double l0d = (x0 - x1) * (x0 - x2) * (x0 - x3);
  const double l1d = (x1 - x0) * (x1 - x2) * (x1 - x3);
  const double l2d = (x2 - x0) * (x2 - x1) * (x2 - x3);
  const double l3d = (x3 - x0) * (x3 - x1) * (x3 - x2);
  return (y0 * l0n) / l0d + (y1 * l1n) / l1d + (y2 * l2n) / l2d + (y3 * l3n) / l3d;
}

// The index i with xs[i] <= x < xs[i + 1] (binary search; xs[0] <= x < xs[n - 1]).
int straddle(const double* xs, int n, double x) {
  int left = 0, right = n - 1;
  while (left + 1 != right) {
    const int mid = left + (right - left) / 2;
    if (xs[mid] <= x) left = mid;
    else right = mid;
  }
  return left;
}

// The four points used around x: offset-1 in the middle, clamped at both ends.
int cubic_offset(const double* xs, int n, double x) {
  const int off = straddle(xs, n, x);
  if (off == 0) return 0;
  if (off == n - 2) return off - 2;
  return off - 1;
}

double interpolate_xy(const double* xs, const double* ys, int n, double x) {
  if (x == xs[n - 1]) return ys[n - 1];
  const int o = cubic_offset(xs, n, x);
  return cubic(xs[o], ys[o], xs[o + 1], ys[o + 1], xs[o + 2], ys[o + 2], xs[o + 3], ys[o + 3], x);
}

double interpolate_stride(const double* xs, double stride, int n, double x) {
  if (x == xs[n - 1]) return stride * (n - 1);
  const int o = cubic_offset(xs, n, x);
  return cubic(xs[o], stride * (o + 0), xs[o + 1], stride * (o + 1), xs[o + 2], stride * (o + 2), xs[o + 3],
               stride * (o + 3), x);
}

double coupon_estimate(int count) {
  const double est = interpolate_xy(tables::kCouponX, tables::kCouponY, 40, double(count));
  return std::max(est, double(count));
}

double harmonic(int64_t n) {
  static const double exact[25] = {
      0.0, 1.0, 1.5, 11.0 / 6.0, 25.0 / 12.0, 137.0 / 60.0, 49.0 / 20.0, 363.0 / 140.0, 761.0 / 280.0,
      7129.0 / 2520.0, 7381.0 / 2520.0, 83711.0 / 27720.0, 86021.0 / 27720.0, 1145993.0 / 360360.0,
      1171733.0 / 360360.0, 1195757.0 / 360360.0, 2436559.0 / 720720.0, 42142223.0 / 12252240.0,
      14274301.0 / 4084080.0, 275295799.0 / 77597520.0, 55835135.0 / 15519504.0, 18858053.0 / 5173168.0,
      19093197.0 / 5173168.0, 444316699.0 / 118982864.0, 1347822955.0 / 356948592.0};
  if (n < 25) return exact[n < 0 ? 0 : n];
  const double x = double(n);
  const double inv_sq = 1.0 / (x * x);
  double sum = std::log(x) + 0.577215664901532860606512090082 + (1.0 / (2.0 * x));
  double pow = inv_sq;
  sum -= pow * (1.0 / 12.0);
  pow *= inv_sq;
  sum += pow * (1.0 / 120.0);
  pow *= inv_sq;
  sum -= pow * (1.0 / 252.0);
  pow *= inv_sq;
  sum += pow * (1.0 / 240.0);
  return sum;
}

// Linear counting over the registers still zero ("improved" with harmonic numbers).
double bitmap_estimate(int lg_k, int cur_min, int num_at_cur_min) {
  const int k = 1 << lg_k;
  const int unhit = cur_min == 0 ? num_at_cur_min : 0;
  if (unhit == 0) return k * std::log(k / 0.5);
  const int hit = k - unhit;
  return k * (harmonic(k) - harmonic(int64_t(k) - hit));
}

// Flajolet et al.'s raw HLL estimate.
double raw_estimate(int lg_k, double kxq_sum) {
  const int k = 1 << lg_k;
  double cf;
  if (lg_k == 4) cf = 0.673;
  else if (lg_k == 5) cf = 0.697;
  else if (lg_k == 6) cf = 0.709;
  else cf = 0.7213 / (1.0 + (1.079 / k));
  return (cf * k * k) / kxq_sum;
}

int hll_array_bytes(TgtType t, int lg_k) {
  if (t == TgtType::Hll4) return 1 << (lg_k - 1);
  if (t == TgtType::Hll6) return (((1 << lg_k) * 3) >> 2) + 1;
  return 1 << lg_k;
}

// Aux-table size (log2 ints) a fresh HLL_4 sketch of lgK starts with.
int lg_aux_ints(int lg_k) {
  static const int t[27] = {0, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  return t[lg_k];
}

// PreambleUtil.computeLgArr for images that left the lgArr byte out.
int compute_lg_arr(Mode mode, int count, int lg_k) {
  if (mode == Mode::List) return kLgInitList;
  int64_t p2 = 1;
  while (p2 < count) p2 <<= 1;
  if (int64_t(4) * count > int64_t(3) * p2) p2 <<= 1;
  const int lg = std::countr_zero(uint64_t(p2));
  return std::max(mode == Mode::Set ? kLgInitSet : lg_aux_ints(lg_k), lg);
}

uint32_t get_u32(std::string_view b, size_t at) { return uint32_t(load_le(reinterpret_cast<const uint8_t*>(b.data()) + at, 4)); }
double get_f64(std::string_view b, size_t at) {
  return std::bit_cast<double>(load_le(reinterpret_cast<const uint8_t*>(b.data()) + at, 8));
}
void put_u32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + size_t(i)] = char((v >> (8 * i)) & 0xff);
}
void put_f64(std::string& b, size_t at, double d) {
  const uint64_t v = std::bit_cast<uint64_t>(d);
  for (int i = 0; i < 8; ++i) b[at + size_t(i)] = char((v >> (8 * i)) & 0xff);
}

}  // namespace

std::array<uint64_t, 2> murmur3_x64_128(const uint8_t* p, size_t n, uint64_t seed) {
  constexpr uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
  uint64_t h1 = seed, h2 = seed;
  const size_t blocks = n / 16;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = load_le(p + 16 * i, 8), k2 = load_le(p + 16 * i + 8, 8);
    k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
    h1 = rotl(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
    h2 = rotl(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
  }
  const uint8_t* tail = p + 16 * blocks;
  const size_t rem = n - 16 * blocks;
  uint64_t k1 = load_le(tail, std::min<size_t>(rem, 8));
  uint64_t k2 = rem > 8 ? load_le(tail + 8, rem - 8) : 0;
  k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
  k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
  h1 ^= uint64_t(n);
  h2 ^= uint64_t(n);
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  return {h1, h2};
}

int64_t java_round(double x) {
  if (std::isnan(x)) return 0;
  if (x >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (x <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  const double f = std::floor(x);
  return int64_t(f) + (x - f >= 0.5 ? 1 : 0);
}

std::string java_utf8_bytes(std::string_view s) {
  const auto* b = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n && b[i] < 0x80) ++i;
  if (i == n) return std::string(s);
  std::string out(s.substr(0, i));
  const char repl[] = "\xEF\xBF\xBD";
  auto cont = [](uint8_t c) { return (c & 0xc0) == 0x80; };
  while (i < n) {
    const uint8_t b1 = b[i];
    if (b1 < 0x80) {
      out.push_back(char(b1));
      ++i;
    } else if (b1 >= 0xc2 && b1 <= 0xdf) {  // two bytes
      if (i + 1 < n && cont(b[i + 1])) {
        out.append(s.substr(i, 2));
        i += 2;
      } else {
        out += repl;
        if (i + 1 >= n) break;
        ++i;
      }
    } else if ((b1 & 0xf0) == 0xe0) {  // three bytes
      auto bad2 = [&](uint8_t b2) { return (b1 == 0xe0 && (b2 & 0xe0) == 0x80) || !cont(b2); };
      if (i + 2 < n) {
        const uint8_t b2 = b[i + 1], b3 = b[i + 2];
        const uint32_t c = ((b1 & 0x0fu) << 12) | ((b2 & 0x3fu) << 6) | (b3 & 0x3fu);
        if (bad2(b2) || !cont(b3)) {
          out += repl;
          i += bad2(b2) ? 1 : 2;
        } else if (c >= 0xd800 && c < 0xe000) {  // a surrogate: one replacement for the three
          out += repl;
          i += 3;
        } else {
          out.append(s.substr(i, 3));
          i += 3;
        }
        continue;
      }
      out += repl;
      if (i + 1 < n && bad2(b[i + 1])) {
        ++i;
        continue;
      }
      break;  // a truncated sequence at the end: one replacement for the rest
    } else if (b1 >= 0xf0 && b1 <= 0xf7) {  // four bytes
      auto bad2 = [&](uint8_t b2) {
        return b1 > 0xf4 || (b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 == 0xf4 && (b2 & 0xf0) != 0x80) || !cont(b2);
      };
      if (i + 3 < n) {
        const uint8_t b2 = b[i + 1], b3 = b[i + 2], b4 = b[i + 3];
        const uint32_t c = ((b1 & 0x07u) << 18) | ((b2 & 0x3fu) << 12) | ((b3 & 0x3fu) << 6) | (b4 & 0x3fu);
        if (!cont(b2) || !cont(b3) || !cont(b4) || c < 0x10000 || c > 0x10ffff) {
          out += repl;
          i += bad2(b2) ? 1 : !cont(b3) ? 2 : 3;
        } else {
          out.append(s.substr(i, 4));
          i += 4;
        }
        continue;
      }
      out += repl;
      if (b1 > 0xf4 || (i + 1 < n && bad2(b[i + 1]))) {
        ++i;
        continue;
      }
      if (i + 2 < n && !cont(b[i + 2])) {
        i += 2;
        continue;
      }
      break;
    } else {  // a continuation byte, C0/C1, F8..FF
      out += repl;
      ++i;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------- Sketch

Sketch::Sketch(int lg_k, TgtType tgt) : lg_k_(lg_k), tgt_(tgt), coupons_(size_t(1) << kLgInitList, 0) {}

void Sketch::update(int64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = uint8_t((uint64_t(v) >> (8 * i)) & 0xff);
  coupon_update(coupon_of(murmur3_x64_128(b, 8, kUpdateSeed)));
}

void Sketch::update(std::string_view bytes) {
  if (bytes.empty()) return;
  coupon_update(coupon_of(murmur3_x64_128(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), kUpdateSeed)));
}

int Sketch::find(uint32_t coupon) const {
  const uint32_t mask = uint32_t(coupons_.size()) - 1;
  uint32_t probe = coupon & mask;
  const uint32_t start = probe;
  do {
    const uint32_t at = coupons_[probe];
    if (at == 0) return ~int(probe);
    if (at == coupon) return int(probe);
    const uint32_t stride = ((coupon & kKeyMask) >> lg_arr_) | 1;
    probe = (probe + stride) & mask;
  } while (probe != start);
  return std::numeric_limits<int>::min();  // full: never, the table is kept at most 3/4 full
}

void Sketch::coupon_update(uint32_t coupon) {
  if ((coupon >> kKeyBits) == 0) return;
  switch (mode_) {
    case Mode::List: {
      const size_t len = coupons_.size();
      for (size_t i = 0; i < len; ++i) {
        if (coupons_[i] == 0) {
          coupons_[i] = coupon;
          if (++count_ >= int(len)) {
            if (lg_k_ < 8) promote_to_hll();
            else promote_to_set();
          }
          return;
        }
        if (coupons_[i] == coupon) return;
      }
      return;
    }
    case Mode::Set: set_insert_grow(coupon); return;
    case Mode::Hll: hll8_update(int(coupon & ((1u << lg_k_) - 1)), int(coupon >> kKeyBits)); return;
  }
}

void Sketch::set_insert_grow(uint32_t coupon) {
  const int idx = find(coupon);
  if (idx >= 0 || idx == std::numeric_limits<int>::min()) return;
  coupons_[size_t(~idx)] = coupon;
  ++count_;
  if (int64_t(4) * count_ <= int64_t(3) * (int64_t(1) << lg_arr_)) return;
  if (lg_arr_ == lg_k_ - 3) {
    promote_to_hll();
    return;
  }
  std::vector<uint32_t> old = std::move(coupons_);
  ++lg_arr_;
  coupons_.assign(size_t(1) << lg_arr_, 0);
  for (uint32_t c : old)
    if (c) coupons_[size_t(~find(c))] = c;
}

void Sketch::promote_to_set() {
  std::vector<uint32_t> old = std::move(coupons_);
  const int n = count_;
  mode_ = Mode::Set;
  lg_arr_ = kLgInitSet;
  count_ = 0;
  coupons_.assign(size_t(1) << lg_arr_, 0);
  for (int i = 0; i < n; ++i) coupon_update(old[size_t(i)]);
}

void Sketch::promote_to_hll() {
  const double est = coupon_estimate(count_);
  std::vector<uint32_t> old = std::move(coupons_);
  const int k = 1 << lg_k_;
  mode_ = Mode::Hll;
  coupons_.clear();
  image_order_.clear();
  count_ = 0;
  lg_arr_ = 0;
  regs_.assign(size_t(k), 0);
  hip_ = 0;
  kxq0_ = k;
  kxq1_ = 0;
  cur_min_ = 0;
  num_at_cur_min_ = k;
  for (uint32_t c : old)
    if (c) hll8_update(int(c & uint32_t(k - 1)), int(c >> kKeyBits));
  hip_ = est;
  ooo_ = false;
  rebuild_ = false;
}

void Sketch::hll8_update(int slot, int value) {
  const int old = regs_[size_t(slot)];
  if (value <= old) return;
  regs_[size_t(slot)] = uint8_t(value & 63);
  hip_ += double(1 << lg_k_) / (kxq0_ + kxq1_);  // before the registers' sums change
  if (old < 32) kxq0_ -= inv_pow2(old);
  else kxq1_ -= inv_pow2(old);
  if (value < 32) kxq0_ += inv_pow2(value);
  else kxq1_ += inv_pow2(value);
  if (old == 0) --num_at_cur_min_;
}

double Sketch::estimate() const {
  if (mode_ != Mode::Hll) return coupon_estimate(count_);
  return ooo_ ? composite_estimate() : hip_;
}

double Sketch::composite_estimate() const {
  if (mode_ != Mode::Hll) return coupon_estimate(count_);
  const double raw = raw_estimate(lg_k_, kxq0_ + kxq1_);
  const double* xs = tables::kCompositeX[lg_k_ - kMinLgK];
  const double stride = tables::kCompositeYStride[lg_k_ - kMinLgK];
  constexpr int n = 257;
  if (raw < xs[0]) return 0;
  if (raw > xs[n - 1]) {
    const double final_y = stride * (n - 1);
    const double factor = final_y / xs[n - 1];
    return raw * factor;
  }
  const double adj = interpolate_stride(xs, stride, n, raw);
  // Linear counting only where it cannot be wild (below 3k); the average of both decides.
  if (adj > (3 << lg_k_)) return adj;
  const double lin = bitmap_estimate(lg_k_, cur_min_, num_at_cur_min_);
  const double avg = (adj + lin) / 2.0;
  double cross = 0.64;
  if (lg_k_ == 4) cross = 0.718;
  else if (lg_k_ == 5) cross = 0.672;
  return avg > cross * (1 << lg_k_) ? adj : lin;
}

void Sketch::check_rebuild() {
  if (!rebuild_ || mode_ != Mode::Hll || tgt_ != TgtType::Hll8) return;
  int cur_min = 64, num = 0;
  double kxq0 = 1 << lg_k_, kxq1 = 0;
  for (uint8_t r : regs_) {
    const int v = r;
    if (v > 0) {
      if (v < 32) kxq0 += inv_pow2(v) - 1.0;
      else kxq1 += inv_pow2(v) - 1.0;
    }
    if (v > cur_min) continue;
    if (v < cur_min) {
      cur_min = v;
      num = 1;
    } else {
      ++num;
    }
  }
  kxq0_ = kxq0;
  kxq1_ = kxq1;
  cur_min_ = cur_min;
  num_at_cur_min_ = num;
  rebuild_ = false;
}

Sketch Sketch::copy_as_hll8() const {
  if (mode_ != Mode::Hll || tgt_ == TgtType::Hll8) {
    Sketch s = *this;
    s.tgt_ = TgtType::Hll8;
    s.image_order_.clear();
    return s;
  }
  // Conversions.convertToHll8: the registers replayed in slot order (fresh kxq sums).
  const int k = 1 << lg_k_;
  Sketch s = empty_hll8(lg_k_);
  s.ooo_ = ooo_;
  int zeros = k;
  for (int i = 0; i < k; ++i)
    if (regs_[size_t(i)]) {
      --zeros;
      s.hll8_update(i, regs_[size_t(i)]);
    }
  s.num_at_cur_min_ = zeros;
  s.hip_ = hip_;
  s.rebuild_ = false;
  return s;
}

Sketch Sketch::empty_hll8(int lg_k) {
  const int k = 1 << lg_k;
  Sketch s(lg_k, TgtType::Hll8);
  s.mode_ = Mode::Hll;
  s.coupons_.clear();
  s.lg_arr_ = 0;
  s.regs_.assign(size_t(k), 0);
  s.kxq0_ = k;
  s.num_at_cur_min_ = k;
  return s;
}

Sketch Sketch::downsample(int lg_k) const {
  const int k = 1 << lg_k;
  Sketch s = empty_hll8(lg_k);
  for (size_t i = 0; i < regs_.size(); ++i)
    if (regs_[i]) s.hll8_update(int(i & size_t(k - 1)), regs_[i]);
  s.hip_ = hip_;
  s.ooo_ = ooo_;
  if (ooo_) s.hip_ = 0;
  s.rebuild_ = false;
  return s;
}

std::string Sketch::to_bytes(bool compact) const {
  if (mode_ == Mode::Hll && tgt_ != TgtType::Hll8) return copy_as_hll8().to_bytes(compact);
  std::string b;
  if (mode_ == Mode::Hll) {
    b.assign(kHllStart + regs_.size(), '\0');
    b[0] = char(kHllPreInts);
    b[5] = char((ooo_ ? kOooFlag : 0) | (rebuild_ ? kRebuildFlag : 0));  // HLL_8 compact = updatable
    b[6] = char(cur_min_);
    b[7] = char((uint8_t(TgtType::Hll8) << 2) | uint8_t(Mode::Hll));
    put_f64(b, kHipAt, hip_);
    put_f64(b, kKxq0At, kxq0_);
    put_f64(b, kKxq1At, kxq1_);
    put_u32(b, kCurMinCountAt, uint32_t(num_at_cur_min_));
    put_u32(b, kAuxCountAt, 0);
    std::memcpy(b.data() + kHllStart, regs_.data(), regs_.size());
  } else {
    const bool list = mode_ == Mode::List;
    const size_t start = list ? kListStart : kSetStart;
    const size_t ints = compact ? size_t(count_) : coupons_.size();
    b.assign(start + 4 * ints, '\0');
    b[0] = char(list ? kListPreInts : kSetPreInts);
    b[4] = char(lg_arr_);
    b[5] = char((count_ == 0 ? kEmptyFlag : 0) | (compact ? kCompactFlag : 0));
    b[6] = char(list ? count_ : 0);
    b[7] = char((uint8_t(tgt_) << 2) | uint8_t(mode_));
    if (!list) put_u32(b, kSetCountAt, uint32_t(count_));
    size_t at = start;
    for (uint32_t c : coupons_) {
      if (compact && c == 0) continue;
      put_u32(b, at, c);
      at += 4;
    }
  }
  b[1] = char(kSerVer);
  b[2] = char(kFamilyId);
  b[3] = char(lg_k_);
  return b;
}

std::optional<Sketch> Sketch::parse(std::string_view b) {
  if (b.size() < 8) return std::nullopt;
  auto byte = [&](size_t i) { return int(uint8_t(b[i])); };
  const int pre_ints = byte(0) & 0x3f, lg_k = byte(3), lg_arr_byte = byte(4), flags = byte(5);
  const int mode_bits = byte(7) & 3, tgt_bits = (byte(7) >> 2) & 3;
  if (byte(2) != kFamilyId || byte(1) != kSerVer || mode_bits == 3 || tgt_bits == 3) return std::nullopt;
  const Mode mode = Mode(mode_bits);
  if (pre_ints != (mode == Mode::List ? kListPreInts : mode == Mode::Set ? kSetPreInts : kHllPreInts)) return std::nullopt;
  if (lg_k < kMinLgK || lg_k > kMaxLgK) return std::nullopt;
  const bool compact = flags & kCompactFlag;
  Sketch s(lg_k, TgtType(tgt_bits));
  auto valid_coupon = [](uint32_t c) { return (c >> kKeyBits) != 0; };

  if (mode == Mode::List) {
    const int n = byte(6);
    if (n >= (1 << kLgInitList) || b.size() < kListStart + 4 * size_t(n)) return std::nullopt;
    for (int i = 0; i < n; ++i) {
      const uint32_t c = get_u32(b, kListStart + 4 * size_t(i));
      if (!valid_coupon(c) || std::find(s.coupons_.begin(), s.coupons_.begin() + i, c) != s.coupons_.begin() + i)
        return std::nullopt;
      s.coupons_[size_t(i)] = c;
    }
    s.count_ = n;
    s.image_order_.assign(s.coupons_.begin(), s.coupons_.begin() + n);
    return s;
  }

  if (mode == Mode::Set) {
    if (lg_k < 8 || b.size() < kSetStart) return std::nullopt;
    const uint32_t n = get_u32(b, kSetCountAt);
    if (n > (1u << (lg_k - 3))) return std::nullopt;
    s.mode_ = Mode::Set;
    s.lg_arr_ = kLgInitSet;
    s.coupons_.assign(size_t(1) << kLgInitSet, 0);
    if (compact) {  // re-inserted one by one, as heapify does
      if (b.size() < kSetStart + 4 * size_t(n)) return std::nullopt;
      for (uint32_t i = 0; i < n; ++i) {
        const uint32_t c = get_u32(b, kSetStart + 4 * size_t(i));
        if (!valid_coupon(c)) return std::nullopt;
        s.image_order_.push_back(c);
        s.coupon_update(c);
      }
      return s;
    }
    int lg_arr = lg_arr_byte;
    if (lg_arr < kLgInitSet) lg_arr = compute_lg_arr(Mode::Set, int(n), lg_k);
    if (lg_arr > lg_k - 3) return std::nullopt;
    const size_t len = size_t(1) << lg_arr;
    if (b.size() < kSetStart + 4 * len || int64_t(4) * n > int64_t(3) * int64_t(len)) return std::nullopt;
    s.lg_arr_ = lg_arr;
    s.coupons_.assign(len, 0);
    uint32_t seen = 0;
    for (size_t i = 0; i < len; ++i) s.coupons_[i] = get_u32(b, kSetStart + 4 * i);
    for (size_t i = 0; i < len; ++i) {
      const uint32_t c = s.coupons_[i];
      if (c == 0) continue;
      // Every coupon where its probe sequence finds it (no duplicates, no holes before it).
      if (!valid_coupon(c) || s.find(c) != int(i)) return std::nullopt;
      ++seen;
      s.image_order_.push_back(c);
    }
    if (seen != n) return std::nullopt;
    s.count_ = int(n);
    return s;
  }

  // HLL
  const int k = 1 << lg_k;
  const size_t arr = size_t(hll_array_bytes(s.tgt_, lg_k));
  if (b.size() < kHllStart + arr) return std::nullopt;
  s.mode_ = Mode::Hll;
  s.coupons_.clear();
  s.lg_arr_ = 0;
  s.ooo_ = flags & kOooFlag;
  s.rebuild_ = flags & kRebuildFlag;
  s.cur_min_ = byte(6);
  s.hip_ = get_f64(b, kHipAt);
  s.kxq0_ = get_f64(b, kKxq0At);
  s.kxq1_ = get_f64(b, kKxq1At);
  const uint32_t num_at = get_u32(b, kCurMinCountAt);
  if (num_at > uint32_t(k) || s.cur_min_ > 63) return std::nullopt;
  s.num_at_cur_min_ = int(num_at);
  s.regs_.assign(size_t(k), 0);
  const auto* p = reinterpret_cast<const uint8_t*>(b.data()) + kHllStart;
  if (s.tgt_ == TgtType::Hll8) {
    for (int i = 0; i < k; ++i) s.regs_[size_t(i)] = p[i] & 63;
    s.check_rebuild();
    return s;
  }
  if (s.tgt_ == TgtType::Hll6) {
    for (int i = 0; i < k; ++i) {
      const int bit = i * 6;
      const unsigned v = unsigned(p[bit >> 3]) | (unsigned(p[(bit >> 3) + 1]) << 8);
      s.regs_[size_t(i)] = uint8_t((v >> (bit & 7)) & 63);
    }
    return s;
  }
  // HLL_4: nibbles above curMin; 15 marks a value kept in the aux (exception) table.
  const uint32_t aux_count = get_u32(b, kAuxCountAt);
  const size_t aux_start = kHllStart + arr;
  size_t aux_ints = 0;
  if (aux_count > 0) {
    if (aux_count > uint32_t(k)) return std::nullopt;
    if (compact) {
      aux_ints = aux_count;
    } else {
      if (lg_arr_byte > lg_k) return std::nullopt;
      aux_ints = size_t(1) << lg_arr_byte;
      if (aux_ints < aux_count) return std::nullopt;
    }
    if (b.size() < aux_start + 4 * aux_ints) return std::nullopt;
  }
  std::unordered_map<int, int> aux;
  for (size_t i = 0; i < aux_ints; ++i) {
    const uint32_t pair = get_u32(b, aux_start + 4 * i);
    if (pair == 0) {
      if (compact) return std::nullopt;
      continue;
    }
    const int slot = int(pair & uint32_t(k - 1)), value = int(pair >> kKeyBits);
    if (!aux.emplace(slot, value).second) return std::nullopt;
  }
  if (aux.size() != aux_count) return std::nullopt;
  for (int i = 0; i < k; ++i) {
    const int nib = (p[i >> 1] >> ((i & 1) * 4)) & 15;
    int v;
    if (nib == kAuxToken) {
      auto it = aux.find(i);
      if (it == aux.end()) return std::nullopt;
      v = it->second;
    } else {
      v = nib + s.cur_min_;
    }
    if (v > 63) return std::nullopt;
    s.regs_[size_t(i)] = uint8_t(v);
  }
  return s;
}

// ---------------------------------------------------------------------------------- Union

Union::Union(int lg_max_k) : lg_max_k_(lg_max_k), gadget_(lg_max_k, TgtType::Hll8) {}

namespace {
// The HLL registers of src max-merged into tgt (folded when src has more slots).
void merge_registers(const std::vector<uint8_t>& sr, std::vector<uint8_t>& tr) {
  const size_t mask = tr.size() - 1;
  for (size_t i = 0; i < sr.size(); ++i) {
    const size_t j = i & mask;
    if (sr[i] > tr[j]) tr[j] = sr[i];
  }
}
}  // namespace

void Union::update(const Sketch& src, bool from_image) {
  if (src.empty()) return;
  if (src.mode_ == Mode::List) {
    for (uint32_t c : src.coupons_)
      if (c) gadget_.coupon_update(c);
    return;
  }
  const bool gadget_empty = gadget_.empty();
  if (src.mode_ == Mode::Set) {
    if (gadget_empty && src.lg_k_ == gadget_.lg_k_ && !from_image) {
      gadget_ = src.copy_as_hll8();
      return;
    }
    const std::vector<uint32_t>& order = from_image && !src.image_order_.empty() ? src.image_order_ : src.coupons_;
    for (uint32_t c : order)
      if (c) gadget_.coupon_update(c);
    return;
  }
  // src in HLL mode
  const bool src_over = src.lg_k_ > lg_max_k_;
  if (gadget_empty) {
    gadget_ = src_over ? src.downsample(lg_max_k_) : src.copy_as_hll8();
    return;
  }
  if (gadget_.mode_ != Mode::Hll) {  // copy (or downsample) src, replay the gadget's coupons into it
    Sketch s = src_over ? src.downsample(lg_max_k_) : src.copy_as_hll8();
    for (uint32_t c : gadget_.coupons_)
      if (c) s.coupon_update(c);
    gadget_ = std::move(s);
    return;
  }
  if (src.lg_k_ < gadget_.lg_k_) gadget_ = gadget_.downsample(src.lg_k_);
  merge_registers(src.regs_, gadget_.regs_);
  gadget_.rebuild_ = true;
  gadget_.ooo_ = true;
  gadget_.hip_ = 0;
}

// Both rebuild the gadget's kxq sums and curMin in place first, as the reference does.
Sketch Union::result() {
  gadget_.check_rebuild();
  return gadget_.copy_as_hll8();
}

std::string Union::to_bytes() {
  gadget_.check_rebuild();
  return gadget_.to_bytes(false);
}

}  // namespace spp::sql::kern::hll
