// HashAggregate: open-addressing table of group keys (Spark's Murmur3 of the keys, equality
// with NULL = NULL, NaN = NaN, -0.0 = 0.0), accumulators per aggregate, spilling partial
// states into hash partitions that are merged one at a time at the end.
#include "sql/exec/aggregate.h"

#include <algorithm>

#include "sql/exec/agg_acc.h"
#include "sql/exec/key_pack.h"
#include "sql/exec/string_table.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/hash.h"

namespace spp::sql::exec {

using col::ColType;
using col::TypeId;

bool is_moment_agg(AggFn fn) {
  return fn == AggFn::StddevSamp || fn == AggFn::StddevPop || fn == AggFn::VarSamp || fn == AggFn::VarPop ||
         fn == AggFn::Skewness || fn == AggFn::Kurtosis;
}

bool is_comoment_agg(AggFn fn) { return fn == AggFn::CovarPop || fn == AggFn::CovarSamp || fn == AggFn::Corr; }

ColType agg_result_type(AggFn fn, const ColType& in) {
  if (is_moment_agg(fn) || is_comoment_agg(fn)) return ColType::scalar(TypeId::Double);
  switch (fn) {
    case AggFn::Count: case AggFn::CountStar: case AggFn::CountDistinct: case AggFn::CountIf:
      return ColType::scalar(TypeId::Long);
    case AggFn::SumDistinct: return agg_result_type(AggFn::Sum, in);
    case AggFn::AvgDistinct: return agg_result_type(AggFn::Avg, in);
    case AggFn::Sum:
      if (in.id == TypeId::Decimal) return ColType::decimal(std::min(38, in.precision + 10), in.scale);
      if (col::is_floating(in.id)) return ColType::scalar(TypeId::Double);
      return ColType::scalar(TypeId::Long);
    case AggFn::Avg:
      if (in.id == TypeId::Decimal) return ColType::decimal(std::min(38, in.precision + 4), std::min(38, in.scale + 4));
      return ColType::scalar(TypeId::Double);
    case AggFn::CollectList: case AggFn::CollectSet: case AggFn::PercentileArray: return ColType::array(in, false);
    case AggFn::HllSketch: case AggFn::HllUnion: return ColType::scalar(TypeId::Binary);
    default: return in;
  }
}

std::vector<ColType> agg_state_types(AggFn fn, const ColType& in) {
  if (is_moment_agg(fn)) return std::vector<ColType>(5, ColType::scalar(TypeId::Double));  // n, avg, m2, m3, m4
  if (is_comoment_agg(fn)) return std::vector<ColType>(6, ColType::scalar(TypeId::Double));  // n, xAvg, yAvg, ck, xMk, yMk
  switch (fn) {
    case AggFn::Avg: {
      ColType sum = in.id == TypeId::Decimal ? ColType::decimal(std::min(38, in.precision + 10), in.scale)
                                             : ColType::scalar(TypeId::Double);
      return {sum, ColType::scalar(TypeId::Long)};
    }
    case AggFn::First: case AggFn::Last: return {in, ColType::scalar(TypeId::Boolean)};
    case AggFn::Sum:  // decimals carry Spark's isEmpty flag so an overflow (NULL sum) stays NULL
      if (in.id == TypeId::Decimal) return {agg_result_type(fn, in), ColType::scalar(TypeId::Boolean)};
      return {agg_result_type(fn, in)};
    case AggFn::CountDistinct: case AggFn::Percentile: case AggFn::PercentileArray:
    case AggFn::SumDistinct: case AggFn::AvgDistinct:
      return {ColType::array(in, false)};
    default: return {agg_result_type(fn, in)};
  }
}

namespace {

constexpr int kSpillPartitions = 16;

class HashAgg : public Operator {
 public:
  HashAgg(OpPtr c, std::vector<ExprPtr> keys, std::vector<std::string> key_names, std::vector<AggSpec> aggs,
          AggMode mode, const ExecContext& ctx)
      : child_(std::move(c)), keys_(std::move(keys)), aggs_(std::move(aggs)), mode_(mode), ctx_(ctx), res_(ctx.memory) {
    std::vector<std::string> names = key_names;
    std::vector<ColType> types;
    for (const auto& k : keys_) types.push_back(*k->type);
    for (size_t k = 0; k < keys_.size(); ++k) key_types_.push_back(types[k]);
    for (auto& a : aggs_) {
      if (!a.in_type) a.in_type = a.input ? a.input->type : kern::type_of(TypeId::Long);
      if (mode_ == AggMode::Partial) {
        auto st = agg_state_types(a.fn, *a.in_type);
        for (size_t i = 0; i < st.size(); ++i) { names.push_back(a.name + (st.size() > 1 ? "#" + std::to_string(i) : "")); types.push_back(st[i]); }
      } else {
        names.push_back(a.name);
        types.push_back(agg_result_type(a.fn, *a.in_type));
      }
    }
    schema_ = col::make_type(ColType::strct(names, types));
    key_schema_ = col::make_type(ColType::strct(std::vector<std::string>(key_names), key_types_));
    string_key_ = key_types_.size() == 1 && col::is_var_binary(key_types_[0].id);
    int_keys_ = !key_types_.empty() && key_types_.size() <= kMaxIntKeys &&
                std::all_of(key_types_.begin(), key_types_.end(), [](const ColType& t) { return integral(t.id); });
    packed_keys_ = !string_key_ && !int_keys_ && packable_key_types(key_types_);
  }
  std::string name() const override { return "HashAggregate"; }
  std::vector<const Operator*> children() const override { return {child_.get()}; }

 protected:
  BatchResult next_impl() override {
    if (!done_input_) {
      if (auto s = consume(); !s) return s;
      done_input_ = true;
    }
    while (true) {
      if (out_pos_ < out_.num_rows) {
        int64_t n = std::min(ctx_.batch_rows, out_.num_rows - out_pos_);
        Batch b = col::slice(out_, out_pos_, n);
        out_pos_ += n;
        return std::optional<Batch>(std::move(b));
      }
      if (next_part_ >= int(parts_.size())) {
        res_.release_all();  // exhausted: give the pool back before the operator is destroyed
        out_ = Batch();
        return std::optional<Batch>();
      }
      if (auto s = merge_partition(next_part_++); !s) return s;
    }
  }

 private:
  struct Table {
    std::vector<Batch> key_batches;
    int64_t key_bytes = 0;  // memory_size of key_batches, kept as they come and go (summing
                            // them per input batch made a 1M-key aggregate quadratic)
    std::vector<std::pair<int32_t, int32_t>> ref;  // group -> (key batch, row)
    std::vector<int32_t> hash;                     // group -> key hash
    std::vector<int32_t> slots;                    // open addressing, -1 empty
    std::vector<std::unique_ptr<Accumulator>> accs;
    int64_t groups = 0;
    // One string/binary key, or packed keys (key_pack.h): the keys live in this table's arena
    // instead (key_batches, ref, hash and slots stay empty).
    std::unique_ptr<StringKeyTable> strings;
    // Integral keys only (up to kMaxIntKeys): every group's key values widened to int64 and
    // their NULL flags, group-major (key_batches and ref stay empty; hash and slots are used).
    std::vector<int64_t> ikey;
    std::vector<uint8_t> inull;
    std::vector<uint64_t> islots;  // open addressing: hash << 32 | group, kEmptySlot empty
    // One integral key: its value sits in the slot beside the group (a probe is one memory
    // access, not a slot and then the group's ikey); its NULL group is kept aside.
    struct Slot1 {
      int64_t key;
      int32_t group;  // -1: empty
      uint32_t hash;
    };
    std::vector<Slot1> i1slots;
    int32_t null_group = -1;
    // One integral key whose values span at most kDenseSpan (DuckDB's perfect hash aggregate):
    // the group of key dense_base + i is dense[i] (-1: none yet) — no hash, no probe, and a
    // table of 4 bytes per possible key that stays in cache where the slots would not. Decided
    // by the first batch with a valid key; keys that widen the range past kDenseSpan turn the
    // table into the hashed one (i1slots), built then from the groups' keys.
    enum class Int1Mode : uint8_t { Undecided, Dense, Hashed } int1_mode = Int1Mode::Undecided;
    std::vector<int32_t> dense;
    int64_t dense_base = 0;
  };
  static constexpr uint64_t kDenseSpan = uint64_t{1} << 20;
  static constexpr uint64_t kDenseSpanMax = uint64_t{1} << 23;
  static constexpr uint64_t kEmptySlot = ~uint64_t{0};
  static constexpr size_t kMaxIntKeys = 4;
  static bool integral(TypeId id) {
    return id == TypeId::Long || id == TypeId::Int || id == TypeId::Short || id == TypeId::Byte || id == TypeId::Date ||
           id == TypeId::Timestamp || id == TypeId::TimestampNtz;
  }
  // murmur3's 64-bit finaliser: the table's own hash (any good mix does; not Spark's).
  static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
  }

  void reset_table() {
    t_ = Table();
    if (string_key_ || packed_keys_) t_.strings = std::make_unique<StringKeyTable>();
    else if (int_keys_ && key_types_.size() == 1) t_.i1slots.assign(1024, Table::Slot1{0, -1, 0});
    else if (int_keys_) t_.islots.assign(1024, kEmptySlot);
    else t_.slots.assign(1024, -1);
    for (const auto& a : aggs_) t_.accs.push_back(make_accumulator(a, *a.in_type));
    if (keys_.empty()) {  // a global aggregate has its one group even with no rows
      new_group(-1, -1, 0);
      for (auto& a : t_.accs) a->resize(t_.groups);
    }
  }
  // A new group (the accumulators are grown once per batch, by the caller).
  int32_t new_group(int32_t kb, int32_t row, int32_t h) {
    int32_t g = int32_t(t_.groups++);
    t_.ref.push_back({kb, row});
    t_.hash.push_back(h);
    if (t_.groups * 2 > int64_t(t_.slots.size())) rehash();
    else insert_slot(g);
    return g;
  }
  uint32_t group_hash(int64_t g) const {
    return t_.strings ? t_.strings->hash_of(int32_t(g)) : uint32_t(t_.hash[size_t(g)]);
  }
  void insert_slot(int32_t g) {
    size_t mask = t_.slots.size() - 1, i = kern::table_slot(t_.hash[size_t(g)], mask);
    while (t_.slots[i] >= 0) i = (i + 1) & mask;
    t_.slots[i] = g;
  }
  void rehash() {
    t_.slots.assign(t_.slots.size() * 2, -1);
    for (int32_t g = 0; g < int32_t(t_.groups); ++g) insert_slot(g);
  }
  bool keys_equal(int32_t g, const Batch& kb, int64_t row) const {
    auto [b, r] = t_.ref[size_t(g)];
    const Batch& other = t_.key_batches[size_t(b)];
    for (size_t k = 0; k < keys_.size(); ++k) {
      const col::Column &x = *other.columns[k], &y = *kb.columns[k];
      bool nx = x.is_null(r), ny = y.is_null(row);
      if (nx || ny) { if (nx != ny) return false; continue; }
      if (!kern::equal_rows(x, r, y, row)) return false;
    }
    return true;
  }
  // Group ids of every row of the key batch (new groups are created).
  std::vector<int32_t> group_ids(Batch kb) {
    const int64_t n = kb.num_rows;
    std::vector<int32_t> gid(static_cast<size_t>(n), 0);
    if (keys_.empty()) return gid;
    if (t_.strings) {
      t_.strings->find_or_insert(*kb.columns[0], gid.data());
      t_.groups = t_.strings->size();
      for (auto& a : t_.accs) a->resize(t_.groups);
      return gid;
    }
    if (int_keys_) {
      int_group_ids(kb, gid.data());
      for (auto& a : t_.accs) a->resize(t_.groups);
      return gid;
    }
    std::vector<int32_t> h(static_cast<size_t>(n), kern::kSparkHashSeed);
    for (const auto& c : kb.columns) kern::hash_into(*c, false, h.data(), n);
    int32_t kbi = int32_t(t_.key_batches.size());
    const int64_t kb_bytes = col::memory_size(kb);
    t_.key_batches.push_back(std::move(kb));
    const Batch& keys = t_.key_batches.back();
    int64_t before = t_.groups;
    for (int64_t r = 0; r < n; ++r) {
      size_t mask = t_.slots.size() - 1, i = kern::table_slot(h[size_t(r)], mask);
      int32_t g = -1;
      while (t_.slots[i] >= 0) {
        int32_t c = t_.slots[i];
        if (t_.hash[size_t(c)] == h[size_t(r)] && keys_equal(c, keys, r)) { g = c; break; }
        i = (i + 1) & mask;
      }
      gid[size_t(r)] = g >= 0 ? g : new_group(kbi, int32_t(r), h[size_t(r)]);
    }
    if (t_.groups == before) t_.key_batches.pop_back();  // no group points at it
    else t_.key_bytes += kb_bytes;
    for (auto& a : t_.accs) a->resize(t_.groups);
    return gid;
  }
  // Integral keys: the values widened per key, then per row one hash of them all and a probe
  // comparing the group's stored values (no key batches, no typed per-row comparison).
  void int_group_ids(const Batch& kb, int32_t* gid) {
    const int64_t n = kb.num_rows;
    const size_t nk = kb.columns.size();
    if (nk == 1) return int1_group_ids(*kb.columns[0], gid);
    std::vector<int64_t> v(size_t(n) * nk);
    std::vector<uint8_t> nul(size_t(n) * nk, 0);
    bool any_null = false;
    for (size_t k = 0; k < nk; ++k) {
      const col::Column& c = *kb.columns[k];
      kern::dispatch_fixed(c.id(), [&]<typename T>() {
        if constexpr (std::is_integral_v<T>) {
          const T* x = c.vals<T>();
          for (int64_t r = 0; r < n; ++r) v[size_t(r) * nk + k] = int64_t(x[r]);
        }
        return 0;
      });
      if (c.has_nulls()) {
        any_null = true;
        for (int64_t r = 0; r < n; ++r)
          if (c.is_null(r)) {
            nul[size_t(r) * nk + k] = 1;
            v[size_t(r) * nk + k] = 0;  // one NULL group whatever the buffer holds there
          }
      }
    }
    // The slots of a block of rows are prefetched before any is probed: a table of many
    // groups does not fit in cache, and each probe is otherwise a wait on memory.
    std::vector<uint32_t> hs(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) {
      uint64_t hx = 0x9E3779B97F4A7C15ULL;
      for (size_t k = 0; k < nk; ++k) hx = mix(hx ^ uint64_t(v[size_t(r) * nk + k]) ^ (uint64_t(nul[size_t(r) * nk + k]) << 63));
      hs[size_t(r)] = uint32_t(hx >> 32);
    }
    constexpr int64_t kBlock = 16;
    for (int64_t base = 0; base < n; base += kBlock) {
      const int64_t m = std::min(kBlock, n - base);
      const size_t pmask = t_.islots.size() - 1;
      for (int64_t j = 0; j < m; ++j) __builtin_prefetch(&t_.islots[hs[size_t(base + j)] & pmask]);
      for (int64_t r = base; r < base + m; ++r) {
        const int64_t* rv = &v[size_t(r) * nk];
        const uint8_t* rn = &nul[size_t(r) * nk];
        const uint32_t h = hs[size_t(r)];
        const size_t mask = t_.islots.size() - 1;
        size_t i = h & mask;
        int32_t g = -1;
        for (uint64_t e; (e = t_.islots[i]) != kEmptySlot; i = (i + 1) & mask) {
          if (uint32_t(e >> 32) != h) continue;
          const int32_t c = int32_t(uint32_t(e));
          const int64_t* gv = &t_.ikey[size_t(c) * nk];
          size_t k = 0;
          while (k < nk && gv[k] == rv[k]) ++k;
          if (k == nk && (!any_null || std::equal(rn, rn + nk, &t_.inull[size_t(c) * nk]))) {
            g = c;
            break;
          }
        }
        if (g < 0) {
          g = int32_t(t_.groups++);
          t_.ikey.insert(t_.ikey.end(), rv, rv + nk);
          t_.inull.insert(t_.inull.end(), rn, rn + nk);
          t_.hash.push_back(int32_t(h));
          if (t_.groups * 2 > int64_t(t_.islots.size())) rehash_int();
          else t_.islots[i] = uint64_t(h) << 32 | uint32_t(g);
        }
        gid[r] = g;
      }
    }
  }
  // The table's hash of one key value (as int_group_ids hashes a row of one key).
  static uint32_t hash1(int64_t x, bool null) {
    return uint32_t(mix(0x9E3779B97F4A7C15ULL ^ uint64_t(x) ^ (uint64_t(null) << 63)) >> 32);
  }
  int32_t add_int1_group(int64_t x, bool null, uint32_t h) {
    const int32_t g = int32_t(t_.groups++);
    t_.ikey.push_back(x);
    t_.inull.push_back(uint8_t(null));
    t_.hash.push_back(int32_t(h));
    return g;
  }
  void int1_group_ids(const col::Column& c, int32_t* gid) {
    const int64_t n = c.length;
    std::vector<int64_t> v(static_cast<size_t>(n));
    kern::dispatch_fixed(c.id(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        const T* x = c.vals<T>();
        for (int64_t r = 0; r < n; ++r) v[size_t(r)] = int64_t(x[r]);
      }
      return 0;
    });
    const bool nulls = c.has_nulls();
    if (t_.int1_mode != Table::Int1Mode::Hashed && dense_covers(c, v, nulls))
      return dense_group_ids(c, v, nulls, gid);
    std::vector<uint32_t> hs(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) hs[size_t(r)] = hash1(v[size_t(r)], false);
    constexpr int64_t kBlock = 16;
    for (int64_t base = 0; base < n; base += kBlock) {
      const int64_t m = std::min(kBlock, n - base);
      for (int64_t j = 0; j < m; ++j) __builtin_prefetch(&t_.i1slots[hs[size_t(base + j)] & (t_.i1slots.size() - 1)]);
      for (int64_t r = base; r < base + m; ++r) {
        if (nulls && c.is_null(r)) {
          if (t_.null_group < 0) t_.null_group = add_int1_group(0, true, hash1(0, true));
          gid[r] = t_.null_group;
          continue;
        }
        const int64_t x = v[size_t(r)];
        const uint32_t h = hs[size_t(r)];
        const size_t mask = t_.i1slots.size() - 1;
        size_t i = h & mask;
        int32_t g = -1;
        for (; t_.i1slots[i].group >= 0; i = (i + 1) & mask) {
          const Table::Slot1& sl = t_.i1slots[i];
          if (sl.hash == h && sl.key == x) { g = sl.group; break; }
        }
        if (g < 0) {
          g = add_int1_group(x, false, h);
          if (t_.groups * 2 > int64_t(t_.i1slots.size())) rehash_int1();
          else t_.i1slots[i] = {x, g, h};
        }
        gid[r] = g;
      }
    }
  }
  // Whether the dense table can take this batch's keys (set up or widened to cover them); when
  // it cannot, the table turns hashed for good.
  bool dense_covers(const col::Column& c, const std::vector<int64_t>& v, bool nulls) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    const int64_t n = c.length;
    if (!nulls) {
      for (int64_t r = 0; r < n; ++r) { lo = std::min(lo, v[size_t(r)]); hi = std::max(hi, v[size_t(r)]); }
    } else {
      for (int64_t r = 0; r < n; ++r)
        if (c.is_valid(r)) { lo = std::min(lo, v[size_t(r)]); hi = std::max(hi, v[size_t(r)]); }
    }
    auto& d = t_.dense;
    if (lo > hi) return true;  // NULL keys only: no table needed
    if (t_.int1_mode == Table::Int1Mode::Dense) {
      const int64_t top = t_.dense_base + int64_t(d.size()) - 1;
      if (lo >= t_.dense_base && hi <= top) return true;
      lo = std::min(lo, t_.dense_base);
      hi = std::max(hi, top);
    }
    // Beyond kDenseSpan the table stays dense while it is at least a quarter full (span <= 4x
    // the groups it may hold after this batch): 4 bytes per possible key is then no more than
    // the hashed slots' 32 bytes per group (TPC-H Q18's l_orderkey: ~500k orders per task
    // spread over 2M keys).
    const uint64_t limit = std::max(kDenseSpan, std::min(kDenseSpanMax, 4 * (uint64_t(t_.groups) + uint64_t(n))));
    if (uint64_t(hi) - uint64_t(lo) >= limit) {
      if (t_.int1_mode == Table::Int1Mode::Dense) {
        size_t slots = 1024;
        while (uint64_t(t_.groups) * 2 >= slots) slots *= 2;
        rehash_int1(slots);
      }
      t_.int1_mode = Table::Int1Mode::Hashed;
      std::vector<int32_t>().swap(d);
      return false;
    }
    // Grown geometrically (at least doubled, within the limit), the room put on the side the
    // keys grew towards: keys arriving in order (a clustered column) extend the range a little
    // with every batch, and an exactly-sized copy per batch was quadratic.
    const uint64_t need = uint64_t(hi) - uint64_t(lo) + 1;
    const uint64_t size = std::max(need, std::min(limit, 2 * uint64_t(d.size())));
    const uint64_t extra = size - need;
    int64_t new_lo = lo;
    if (!d.empty()) {
      const bool down = lo < t_.dense_base, up = hi > t_.dense_base + int64_t(d.size()) - 1;
      const uint64_t below = down && up ? extra / 2 : down ? extra : 0;
      const uint64_t room = uint64_t(lo) - uint64_t(INT64_MIN);  // keys below lo that exist
      new_lo = int64_t(uint64_t(lo) - std::min(below, room));
    }
    // Keep the top within INT64_MAX: slide the window down (there is room: size <= limit < 2^63).
    if (uint64_t(INT64_MAX) - uint64_t(new_lo) < size - 1) new_lo = int64_t(uint64_t(INT64_MAX) - (size - 1));
    std::vector<int32_t> wider(size_t(size), -1);
    if (!d.empty()) std::copy(d.begin(), d.end(), wider.begin() + (uint64_t(t_.dense_base) - uint64_t(new_lo)));
    d.swap(wider);
    t_.dense_base = new_lo;
    t_.int1_mode = Table::Int1Mode::Dense;
    return true;
  }
  void dense_group_ids(const col::Column& c, const std::vector<int64_t>& v, bool nulls, int32_t* gid) {
    const int64_t n = c.length, base = t_.dense_base;
    int32_t* d = t_.dense.data();
    for (int64_t r = 0; r < n; ++r) {
      if (nulls && c.is_null(r)) {
        if (t_.null_group < 0) t_.null_group = add_int1_group(0, true, hash1(0, true));
        gid[r] = t_.null_group;
        continue;
      }
      const int64_t x = v[size_t(r)];
      int32_t& g = d[x - base];
      if (g < 0) g = add_int1_group(x, false, hash1(x, false));
      gid[r] = g;
    }
  }
  void rehash_int1(size_t slots = 0) {
    t_.i1slots.assign(slots ? slots : t_.i1slots.size() * 2, Table::Slot1{0, -1, 0});
    const size_t mask = t_.i1slots.size() - 1;
    for (int32_t g = 0; g < int32_t(t_.groups); ++g) {
      if (t_.inull[size_t(g)]) continue;
      const uint32_t h = uint32_t(t_.hash[size_t(g)]);
      size_t i = h & mask;
      while (t_.i1slots[i].group >= 0) i = (i + 1) & mask;
      t_.i1slots[i] = {t_.ikey[size_t(g)], g, h};
    }
  }
  void rehash_int() {
    t_.islots.assign(t_.islots.size() * 2, kEmptySlot);
    const size_t mask = t_.islots.size() - 1;
    for (int32_t g = 0; g < int32_t(t_.groups); ++g) {
      const uint32_t h = uint32_t(t_.hash[size_t(g)]);
      size_t i = h & mask;
      while (t_.islots[i] != kEmptySlot) i = (i + 1) & mask;
      t_.islots[i] = uint64_t(h) << 32 | uint32_t(g);
    }
  }
  // Key column k of the integral-key table, narrowed back to its type.
  col::ColumnPtr int_key_column(size_t k, int64_t g) const {
    const size_t nk = key_types_.size();
    auto type = col::make_type(key_types_[k]);
    auto c = col::make_fixed_column(type, g);
    kern::dispatch_fixed(type->id, [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        T* x = c->values->template as<T>();
        for (int64_t i = 0; i < g; ++i) x[i] = T(t_.ikey[size_t(i) * nk + k]);
      }
      return 0;
    });
    for (int64_t i = 0; i < g; ++i)
      if (t_.inull[size_t(i) * nk + k]) col::clear_bit(col::ensure_validity(*c), i);
    col::finish_validity(*c);
    return c;
  }
  int64_t table_memory() const {
    int64_t m = int64_t(t_.slots.size() * 4 + t_.ref.size() * 8 + t_.hash.size() * 4 + t_.ikey.size() * 9 + t_.islots.size() * 8 +
                        t_.i1slots.size() * sizeof(Table::Slot1) + t_.dense.size() * 4);
    m += t_.key_bytes;
    if (t_.strings) m += t_.strings->memory();
    for (const auto& a : t_.accs) m += a->memory();
    return m;
  }
  // Feeds one batch: raw rows (update) or partial states (merge). `can_spill`: the table may
  // be spilled first when the batch's string keys could overflow its arena's int32 offsets.
  Status feed(const Batch& in, bool states, bool can_spill) {
    Batch kb;
    kb.schema = key_schema_;
    kb.num_rows = in.num_rows;
    if (states) for (size_t k = 0; k < keys_.size(); ++k) kb.columns.push_back(in.columns[k]);
    else for (const auto& k : keys_) kb.columns.push_back(eval_flat(*k, in, ctx_.eval));
    if (packed_keys_) {  // from here on, one binary key: the table is a StringKeyTable
      auto packed = pack_keys(kb.columns, kb.num_rows);
      if (!packed) return packed.status();
      kb.columns = {std::move(*packed)};
    }
    if (t_.strings && kb.num_rows > 0) {
      const col::Column& c = *kb.columns[0];
      const int64_t incoming = int64_t(c.offsets()[c.length]) - c.offsets()[0];
      if (t_.strings->key_bytes() + incoming >= int64_t(INT32_MAX)) {
        if (!can_spill || t_.groups == 0)
          return Status::error("string group keys of one aggregate partition exceed 2 GiB");
        if (auto s = spill(); !s) return s;
      }
    }
    if (keys_.empty()) return feed_global(in, states);
    auto gid = group_ids(std::move(kb));
    size_t pos = keys_.size();
    for (size_t a = 0; a < aggs_.size(); ++a) {
      if (states) {
        size_t w = agg_state_types(aggs_[a].fn, *aggs_[a].in_type).size();
        std::vector<col::ColumnPtr> st(in.columns.begin() + long(pos), in.columns.begin() + long(pos + w));
        pos += w;
        t_.accs[a]->merge(st, gid.data(), in.num_rows);
        if (auto e = t_.accs[a]->error(); !e.empty()) return Status::error(e);
      } else if (aggs_[a].fn == AggFn::CountStar || !aggs_[a].input) {
        t_.accs[a]->update(nullptr, gid.data(), in.num_rows);
      } else {
        Vec v = eval(*aggs_[a].input, in, nullptr, ctx_.eval);
        t_.accs[a]->update(&v, gid.data(), in.num_rows);
        if (auto e = t_.accs[a]->error(); !e.empty()) return Status::error(e);
      }
    }
    return Status::ok();
  }
  // No grouping keys: every row is in group 0, and each accumulator takes the whole column.
  Status feed_global(const Batch& in, bool states) {
    size_t pos = 0;
    for (size_t a = 0; a < aggs_.size(); ++a) {
      if (states) {
        size_t w = agg_state_types(aggs_[a].fn, *aggs_[a].in_type).size();
        std::vector<col::ColumnPtr> st(in.columns.begin() + long(pos), in.columns.begin() + long(pos + w));
        pos += w;
        t_.accs[a]->merge_all(st, in.num_rows);
      } else if (aggs_[a].fn == AggFn::CountStar || !aggs_[a].input) {
        t_.accs[a]->update_all(nullptr, in.num_rows);
      } else {
        Vec v = eval(*aggs_[a].input, in, nullptr, ctx_.eval);
        t_.accs[a]->update_all(&v, in.num_rows);
      }
      if (auto e = t_.accs[a]->error(); !e.empty()) return Status::error(e);
    }
    return Status::ok();
  }
  // Keys + states (partial) or keys + results of the current table.
  Batch table_output(bool as_states) {
    const int64_t g = t_.groups;
    Batch out;
    out.num_rows = g;
    std::vector<std::string> names;
    std::vector<ColType> types;
    std::vector<col::ColumnPtr> unpacked;
    if (packed_keys_) unpacked = unpack_keys(*t_.strings->column(col::make_type(ColType::scalar(TypeId::Binary))), key_types_);
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (packed_keys_) {
        out.columns.push_back(std::move(unpacked[k]));
        names.push_back(key_schema_->names[k]);
        types.push_back(key_types_[k]);
        continue;
      }
      if (int_keys_) {
        out.columns.push_back(int_key_column(k, g));
        names.push_back(key_schema_->names[k]);
        types.push_back(key_types_[k]);
        continue;
      }
      if (t_.strings) {
        out.columns.push_back(t_.strings->column(col::make_type(key_types_[k])));
        names.push_back(key_schema_->names[k]);
        types.push_back(key_types_[k]);
        continue;
      }
      std::vector<const col::Column*> srcs;
      for (const auto& b : t_.key_batches) srcs.push_back(b.columns[k].get());
      std::vector<uint32_t> src(static_cast<size_t>(g));
      std::vector<int32_t> row(static_cast<size_t>(g));
      for (int64_t i = 0; i < g; ++i) { src[size_t(i)] = uint32_t(t_.ref[size_t(i)].first); row[size_t(i)] = t_.ref[size_t(i)].second; }
      out.columns.push_back(srcs.empty() ? col::make_null_column(col::make_type(key_types_[k]), 0)
                                         : col::gather_multi(srcs, src.data(), row.data(), g));
      names.push_back(key_schema_->names[k]);
      types.push_back(key_types_[k]);
    }
    for (size_t a = 0; a < aggs_.size(); ++a) {
      if (as_states) {
        for (auto& c : t_.accs[a]->state(g)) { names.push_back("s"); types.push_back(*c->type); out.columns.push_back(c); }
      } else {
        auto c = t_.accs[a]->result(g);
        names.push_back(aggs_[a].name);
        types.push_back(*c->type);
        out.columns.push_back(c);
      }
    }
    out.schema = as_states && mode_ != AggMode::Partial ? col::make_type(ColType::strct(names, types)) : schema_;
    return out;
  }
  Status spill() {
    Batch st = table_output(true);
    if (parts_.empty())
      for (int p = 0; p < kSpillPartitions; ++p) {
        auto f = SpillFile::create(ctx_.spill_dir);
        if (!f) return f.status();
        parts_.push_back(std::move(*f));
      }
    std::vector<std::vector<int32_t>> rows(kSpillPartitions);
    for (int64_t g = 0; g < t_.groups; ++g)
      rows[size_t(group_hash(g) >> 28)].push_back(int32_t(g));  // top bits: independent of slots
    int64_t before = 0;
    for (const auto& p : parts_) before += p->bytes_written();
    for (int p = 0; p < kSpillPartitions; ++p)
      if (!rows[size_t(p)].empty())
        if (auto s = parts_[size_t(p)]->write(col::gather(st, rows[size_t(p)].data(), int64_t(rows[size_t(p)].size()))); !s) return s;
    int64_t after = 0;
    for (const auto& p : parts_) after += p->bytes_written();
    metrics_.spill_bytes += after - before;
    metrics_.spill_count += 1;
    reset_table();
    res_.release_all();
    return Status::ok();
  }
  Status consume() {
    reset_table();
    const bool states = mode_ == AggMode::Final;
    while (true) {
      auto b = child_->next();
      if (!b) return b.status();
      if (!b->has_value()) break;
      if (auto s = feed(**b, states, !keys_.empty()); !s) return s;
      int64_t want = table_memory() - res_.held();
      if (!res_.grow(want)) {
        if (!keys_.empty() && t_.groups > 0) {
          if (auto s = spill(); !s) return s;
        } else {
          res_.force_grow(want);
        }
      }
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
    }
    if (parts_.empty()) {
      out_ = table_output(mode_ == AggMode::Partial);
      return Status::ok();
    }
    if (t_.groups > 0) {
      if (auto s = spill(); !s) return s;
    }
    return Status::ok();
  }
  // Merges one spilled partition's partial states and makes it the output.
  Status merge_partition(int p) {
    reset_table();
    res_.release_all();
    while (true) {
      auto b = parts_[size_t(p)]->read();
      if (!b) return b.status();
      if (!b->has_value()) break;
      if (auto s = feed(**b, true, false); !s) return s;
      res_.force_grow(table_memory() - res_.held());  // one partition is the unit of progress
      metrics_.peak_memory = std::max(metrics_.peak_memory, res_.peak());
    }
    out_ = table_output(mode_ == AggMode::Partial);
    out_pos_ = 0;
    parts_[size_t(p)].reset();
    return Status::ok();
  }

  OpPtr child_;
  std::vector<ExprPtr> keys_;
  std::vector<AggSpec> aggs_;
  AggMode mode_;
  ExecContext ctx_;
  Reservation res_;
  std::vector<ColType> key_types_;
  col::ColTypePtr key_schema_;
  bool string_key_ = false;
  bool int_keys_ = false;  // integral keys only: Table::ikey
  bool packed_keys_ = false;  // other flat keys, packed into one binary key per row (key_pack.h)
  Table t_;
  std::vector<std::unique_ptr<SpillFile>> parts_;
  int next_part_ = 0;
  Batch out_;
  int64_t out_pos_ = 0;
  bool done_input_ = false;
};

}  // namespace

OpPtr make_hash_aggregate(OpPtr child, std::vector<ExprPtr> keys, std::vector<std::string> key_names,
                          std::vector<AggSpec> aggs, AggMode mode, const ExecContext& ctx) {
  return std::make_unique<HashAgg>(std::move(child), std::move(keys), std::move(key_names), std::move(aggs), mode, ctx);
}

}  // namespace spp::sql::exec
