// Apache DataSketches' HLL sketch (the format and estimators of datasketches-java 3.3.0, which
// Spark 3.5's hll_sketch_agg / hll_union_agg / hll_union / hll_sketch_estimate use), written
// from its public description: the serialized images (LIST, SET and HLL modes; HLL_4 / HLL_6 /
// HLL_8 registers; updatable and compact), the update path of an HLL_8 sketch with its HIP
// estimator, the Union operator and the composite estimator a union's result answers with.
// Sketches written here read back in DataSketches (Java/C++) and the other way round.
//
// Vocabulary: a *coupon* is 26 bits of slot address + 6 bits of value (leading zeros + 1)
// from a MurmurHash3 x64 128 (seed 9001) of the item; lgK = log2 of the number of registers.
// LIST (up to 7 coupons) -> SET (hash table of coupons, lgK >= 8) -> HLL (registers).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spp::sql::kern::hll {

constexpr int kMinLgK = 4, kMaxLgK = 21, kDefaultLgK = 12;
constexpr uint64_t kUpdateSeed = 9001;

enum class Mode : uint8_t { List = 0, Set = 1, Hll = 2 };
enum class TgtType : uint8_t { Hll4 = 0, Hll6 = 1, Hll8 = 2 };

// MurmurHash3 x64 128 over bytes, as DataSketches hashes items (h1, h2).
std::array<uint64_t, 2> murmur3_x64_128(const uint8_t* p, size_t n, uint64_t seed);

class Sketch {
 public:
  // An empty sketch (LIST mode). lgK must be in [kMinLgK, kMaxLgK].
  explicit Sketch(int lg_k, TgtType tgt = TgtType::Hll8);

  // DataSketches' update(long) (Spark hashes INT columns as their long value) and
  // update(byte[]) / update(String as UTF-8); empty byte strings are ignored.
  void update(int64_t v);
  void update(std::string_view bytes);
  void coupon_update(uint32_t coupon);

  // getEstimate(): LIST/SET the coupon-count mapping; HLL the HIP accumulator, or the
  // composite estimator once the sketch went through an out-of-order merge.
  double estimate() const;
  double composite_estimate() const;

  int lg_k() const { return lg_k_; }
  TgtType tgt_type() const { return tgt_; }
  Mode mode() const { return mode_; }
  bool empty() const { return mode_ != Mode::Hll && count_ == 0; }
  bool out_of_order() const { return ooo_; }
  int coupon_count() const { return count_; }

  // toUpdatableByteArray / toCompactByteArray. An HLL-mode sketch is written as HLL_8 (every
  // sketch built here is); LIST/SET keep their target type.
  std::string to_bytes(bool compact = false) const;
  // heapify: nullopt for bytes that are not a sketch (Spark: HLL_INVALID_INPUT_SKETCH_BUFFER).
  static std::optional<Sketch> parse(std::string_view bytes);

  // Union internals (copyAs(HLL_8), downsample, the rebuild of kxq / curMin after merges).
  Sketch copy_as_hll8() const;
  Sketch downsample(int lg_k) const;
  void check_rebuild();

 private:
  // An HLL_8 sketch of 2^lg_k empty registers (all at cur_min 0), to replay registers into.
  static Sketch empty_hll8(int lg_k);
  friend class Union;
  void promote_to_set();
  void promote_to_hll();
  void hll8_update(int slot, int value);
  int find(uint32_t coupon) const;  // >= 0: found at; < 0: ~empty slot
  void set_insert_grow(uint32_t coupon);

  int lg_k_;
  TgtType tgt_;
  Mode mode_ = Mode::List;
  // LIST / SET: the coupon array (1 << lg_arr_ ints, 0 = empty) and how many it holds.
  int lg_arr_ = 3;
  int count_ = 0;
  std::vector<uint32_t> coupons_;
  // The coupons in the order the serialized image holds them (what a union reads from a
  // wrapped, not heapified, image). Empty unless parsed.
  std::vector<uint32_t> image_order_;
  // HLL: register values (0..63, one per slot, whatever the target type) and the estimator state.
  std::vector<uint8_t> regs_;
  double hip_ = 0, kxq0_ = 0, kxq1_ = 0;
  int cur_min_ = 0, num_at_cur_min_ = 0;
  bool ooo_ = false, rebuild_ = false;
};

// DataSketches' Union: an HLL_8 gadget of at most lgMaxK that sketches of any lgK and type
// merge into. `from_image`: the source is read in place (HllSketch.wrap) rather than heapified,
// which changes the order a SET source's coupons arrive in (Spark's hll_union_agg wraps).
class Union {
 public:
  explicit Union(int lg_max_k);
  void update(const Sketch& src, bool from_image = false);
  int lg_k() const { return gadget_.lg_k(); }
  // getResult(HLL_8) and toUpdatableByteArray.
  Sketch result();
  std::string to_bytes();

 private:
  int lg_max_k_;
  Sketch gadget_;
};

// Java's Math.round(double): nearest, ties up; NaN -> 0; saturating.
int64_t java_round(double x);

// The bytes DataSketches hashes for a Spark STRING: UTF8String.toString (Java's UTF-8 decoder,
// malformed input replaced by U+FFFD as JDK 17's String decoding does) then getBytes(UTF_8).
// Valid UTF-8 comes back unchanged.
std::string java_utf8_bytes(std::string_view s);

namespace tables {
extern const int kCompositeYStride[18];
extern const double kCompositeX[18][257];
extern const double kCouponX[40];
extern const double kCouponY[40];
}  // namespace tables

}  // namespace spp::sql::kern::hll
