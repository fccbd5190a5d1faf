// Parquet writing (see the header).
#include "sql/parquet/writer.h"

#include <brotli/encode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "sql/parquet/thrift.h"

namespace spp::sql::parquet {

namespace {

using col::TypeId;

// Thrift compact protocol, write side: structs of fields in increasing id order.
class CompactWriter {
 public:
  explicit CompactWriter(std::string& out) : out_(out) {}
  void field(int16_t id, CType t) {
    const int delta = id - last_.back();
    if (delta > 0 && delta <= 15) out_ += char((delta << 4) | int(t));
    else { out_ += char(t); zigzag(id); }
    last_.back() = id;
  }
  void i32(int16_t id, int64_t v) { field(id, CType::I32); zigzag(v); }
  void i64(int16_t id, int64_t v) { field(id, CType::I64); zigzag(v); }
  void boolean(int16_t id, bool v) { field(id, v ? CType::True : CType::False); }
  void binary(int16_t id, std::string_view s) { field(id, CType::Binary); bytes(s); }
  void begin(int16_t id) { field(id, CType::Struct); last_.push_back(0); }
  void begin_elem() { last_.push_back(0); }  // a struct inside a list
  void end() { out_ += char(0); last_.pop_back(); }
  void list(int16_t id, CType elem, size_t n) {
    field(id, CType::List);
    if (n < 15) out_ += char((n << 4) | int(elem));
    else { out_ += char(0xf0 | int(elem)); varint(n); }
  }
  void bytes(std::string_view s) { varint(s.size()); out_ += s; }
  void zigzag(int64_t v) { varint((uint64_t(v) << 1) ^ uint64_t(v >> 63)); }
  void varint(uint64_t v) {
    while (v >= 0x80) { out_ += char((v & 0x7f) | 0x80); v >>= 7; }
    out_ += char(v);
  }

 private:
  std::string& out_;
  std::vector<int16_t> last_{0};
};

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }

int min_bytes_for_precision(int p) {  // Spark's Decimal.minBytesForPrecision (p <= 38)
  // Unsigned: 2^127 - 1, the 16-byte bound, overflowed a signed shift (UB: an endless loop that
  // hung the driver when planning a decimal(38, s) column's write).
  unsigned __int128 ten = 1;
  for (int i = 0; i < p && i < 38; ++i) ten *= 10;
  for (int n = 1; n < 16; ++n)
    if ((static_cast<unsigned __int128>(1) << (8 * n - 1)) - 1 >= ten - 1) return n;
  return 16;
}

struct Physical {
  PhysType type;
  int type_length = 0;
  Converted converted = Converted::None;
  bool ntz = false;       // TIMESTAMP(MICROS, false) logical type
  int ts_unit = 0;        // TIMESTAMP(isAdjustedToUTC=true, unit) logical type: 1 MILLIS, 2 MICROS
};

Result<Physical> physical_of(const col::ColType& t, const std::string& name, TimestampOut ts = TimestampOut::Int96) {
  switch (t.id) {
    case TypeId::Boolean: return Physical{PhysType::Boolean};
    case TypeId::Byte: return Physical{PhysType::Int32, 0, Converted::Int8};
    case TypeId::Short: return Physical{PhysType::Int32, 0, Converted::Int16};
    case TypeId::Int: return Physical{PhysType::Int32};
    case TypeId::Long: return Physical{PhysType::Int64};
    case TypeId::Float: return Physical{PhysType::Float};
    case TypeId::Double: return Physical{PhysType::Double};
    case TypeId::String: return Physical{PhysType::ByteArray, 0, Converted::Utf8};
    case TypeId::Binary: return Physical{PhysType::ByteArray};
    case TypeId::Date: return Physical{PhysType::Int32, 0, Converted::Date};
    case TypeId::Timestamp:  // spark.sql.parquet.outputTimestampType
      if (ts == TimestampOut::Micros) return Physical{PhysType::Int64, 0, Converted::TimestampMicros, false, 2};
      if (ts == TimestampOut::Millis) return Physical{PhysType::Int64, 0, Converted::TimestampMillis, false, 1};
      return Physical{PhysType::Int96};
    case TypeId::TimestampNtz: return Physical{PhysType::Int64, 0, Converted::None, true};
    case TypeId::Decimal:
      if (t.precision <= 9) return Physical{PhysType::Int32, 0, Converted::Decimal};
      if (t.precision <= 18) return Physical{PhysType::Int64, 0, Converted::Decimal};
      return Physical{PhysType::FixedLenByteArray, min_bytes_for_precision(t.precision), Converted::Decimal};
    default: break;
  }
  return Result<Physical>::error("writing the column " + name + " of type " + t.to_string() +
                                 " to Parquet is not supported by sparkpp yet");
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

Status compress(Codec c, const std::string& in, std::string& out) {
  switch (c) {
    case Codec::Uncompressed: out = in; return Status::ok();
    case Codec::Snappy: {
      size_t n = snappy_max_compressed_length(in.size());
      out.resize(n);
      if (snappy_compress(in.data(), in.size(), out.data(), &n) != SNAPPY_OK) return Status::error("snappy compression failed");
      out.resize(n);
      return Status::ok();
    }
    case Codec::Zstd: {
      out.resize(ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
      if (ZSTD_isError(n)) return Status::error("zstd compression failed");
      out.resize(n);
      return Status::ok();
    }
    case Codec::Gzip: {
      z_stream z{};
      if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return Status::error("zlib init failed");
      out.resize(deflateBound(&z, uLong(in.size())) + 32);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = uInt(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = uInt(out.size());
      const int rc = deflate(&z, Z_FINISH);
      out.resize(out.size() - z.avail_out);
      deflateEnd(&z);
      return rc == Z_STREAM_END ? Status::ok() : Status::error("gzip compression failed");
    }
    case Codec::Lz4Raw: case Codec::Lz4: {
      // LZ4_RAW: one bare block. LZ4 (Hadoop's Lz4Codec, parquet-mr's LZ4): the block framed by
      // its 4-byte big-endian uncompressed and compressed lengths.
      const size_t frame = c == Codec::Lz4 ? 8 : 0;
      out.resize(frame + size_t(LZ4_compressBound(int(in.size()))));
      const int n = LZ4_compress_default(in.data(), out.data() + frame, int(in.size()), int(out.size() - frame));
      if (n <= 0 && !in.empty()) return Status::error("lz4 compression failed");
      out.resize(frame + size_t(n));
      if (frame) {
        auto be32 = [&](size_t at, uint32_t v) { for (int k = 0; k < 4; ++k) out[at + k] = char(uint8_t(v >> (24 - 8 * k))); };
        be32(0, uint32_t(in.size()));
        be32(4, uint32_t(n));
      }
      return Status::ok();
    }
    case Codec::Brotli: {
      size_t n = BrotliEncoderMaxCompressedSize(in.size());
      if (n == 0) n = in.size() + 1024;
      out.resize(n);
      // Quality 1: parquet-mr's BrotliCodec default (brotli-codec's level 1).
      if (!BrotliEncoderCompress(1, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                                 reinterpret_cast<const uint8_t*>(in.data()), &n, reinterpret_cast<uint8_t*>(out.data())))
        return Status::error("brotli compression failed");
      out.resize(n);
      return Status::ok();
    }
    default: break;
  }
  return Status::error("compression codec not supported for writing");
}

// RLE runs of definition levels (bit width 1): (count << 1) then the level byte.
void rle_levels(const col::Column& c, int64_t from, int64_t to, std::string& out) {
  int64_t i = from;
  while (i < to) {
    const bool v = c.is_valid(i);
    int64_t j = i + 1;
    while (j < to && c.is_valid(j) == v) ++j;
    uint64_t h = uint64_t(j - i) << 1;
    while (h >= 0x80) { out += char((h & 0x7f) | 0x80); h >>= 7; }
    out += char(h);
    out += char(v ? 1 : 0);
    i = j;
  }
}

// PLAIN bytes of row i (a non-null value).
void plain_value(const col::Column& c, const Physical& p, int64_t i, std::string& out) {
  auto raw = [&](const void* v, size_t n) { out.append(static_cast<const char*>(v), n); };
  switch (c.id()) {
    case TypeId::Byte: { const int32_t v = c.vals<int8_t>()[i]; raw(&v, 4); return; }
    case TypeId::Short: { const int32_t v = c.vals<int16_t>()[i]; raw(&v, 4); return; }
    case TypeId::Int: case TypeId::Date: case TypeId::Float: raw(c.vals<int32_t>() + i, 4); return;
    case TypeId::Long: case TypeId::Double: case TypeId::TimestampNtz: raw(c.vals<int64_t>() + i, 8); return;
    case TypeId::Timestamp: {
      const int64_t us = c.vals<int64_t>()[i];
      if (p.type == PhysType::Int64) {
        const int64_t v = p.ts_unit == 1 ? floor_div(us, 1000) : us;
        raw(&v, 8);
        return;
      }
      const int64_t day = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
      const int64_t nanos = (us - day * 86400000000LL) * 1000;
      const int32_t jd = int32_t(day + 2440588);
      raw(&nanos, 8);
      raw(&jd, 4);
      return;
    }
    case TypeId::String: case TypeId::Binary: {
      const auto s = c.str(i);
      put_u32(out, uint32_t(s.size()));
      out += s;
      return;
    }
    case TypeId::Decimal: {
      const __int128 v = c.dec_at(i);
      if (p.type == PhysType::Int32) { const int32_t x = int32_t(v); raw(&x, 4); return; }
      if (p.type == PhysType::Int64) { const int64_t x = int64_t(v); raw(&x, 8); return; }
      for (int k = p.type_length - 1; k >= 0; --k) out += char(uint8_t(v >> (8 * k)));  // big-endian
      return;
    }
    default: return;
  }
}


// --- statistics ----------------------------------------------------------------------------
// A set of values' statistics as parquet-mr's Statistics: the null count and, when the type has
// an order (not INT96) and no NaN was seen, min/max as PLAIN bytes (byte arrays without length).
struct Stats {
  int64_t nulls = 0;
  bool has_value = false;
  bool ordered = true;
  std::string min, max;
};

template <typename T> std::string le_bytes(T v) { return std::string(reinterpret_cast<const char*>(&v), sizeof v); }

std::string decimal_bytes(__int128 v, const Physical& p) {
  if (p.type == PhysType::Int32) return le_bytes(int32_t(v));
  if (p.type == PhysType::Int64) return le_bytes(int64_t(v));
  std::string s;
  for (int k = p.type_length - 1; k >= 0; --k) s += char(uint8_t(v >> (8 * k)));  // big-endian
  return s;
}

// Min/max of rows [from, to) of c, read through get(i) as T, compared with <.
template <typename T, typename Get, typename Enc>
void minmax(const col::Column& c, int64_t from, int64_t to, Get get, Enc enc, Stats& s) {
  bool any = false;
  T lo{}, hi{};
  for (int64_t i = from; i < to; ++i) {
    if (!c.is_valid(i)) continue;
    const T v = get(i);
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(v)) { s.ordered = false; continue; }
    if (!any) { lo = hi = v; any = true; continue; }
    if (v < lo) lo = v;
    if (hi < v) hi = v;
  }
  if (any) { s.min = enc(lo); s.max = enc(hi); }
}

Stats stats_of(const col::Column& c, const Physical& p, int64_t from, int64_t to) {
  Stats s;
  int64_t valid = 0;
  if (!c.has_nulls()) valid = to - from;
  else
    for (int64_t i = from; i < to; ++i) valid += c.is_valid(i);
  s.nulls = (to - from) - valid;
  s.has_value = valid > 0;
  if (!s.has_value) return s;
  auto i32 = [](int32_t v) { return le_bytes(v); };
  auto i64 = [](int64_t v) { return le_bytes(v); };
  switch (c.id()) {
    case TypeId::Boolean:
      minmax<bool>(c, from, to, [&](int64_t i) { return c.bool_at(i); }, [](bool v) { return std::string(1, char(v)); }, s);
      break;
    case TypeId::Byte: minmax<int32_t>(c, from, to, [&](int64_t i) { return int32_t(c.vals<int8_t>()[i]); }, i32, s); break;
    case TypeId::Short: minmax<int32_t>(c, from, to, [&](int64_t i) { return int32_t(c.vals<int16_t>()[i]); }, i32, s); break;
    case TypeId::Int: case TypeId::Date: minmax<int32_t>(c, from, to, [&](int64_t i) { return c.vals<int32_t>()[i]; }, i32, s); break;
    case TypeId::Long: case TypeId::TimestampNtz:
      minmax<int64_t>(c, from, to, [&](int64_t i) { return c.vals<int64_t>()[i]; }, i64, s);
      break;
    case TypeId::Float:
      minmax<float>(c, from, to, [&](int64_t i) { return c.vals<float>()[i]; }, [](float v) { return le_bytes(v); }, s);
      break;
    case TypeId::Double:
      minmax<double>(c, from, to, [&](int64_t i) { return c.vals<double>()[i]; }, [](double v) { return le_bytes(v); }, s);
      break;
    case TypeId::String: case TypeId::Binary:  // unsigned byte order (char_traits<char> compares as unsigned char)
      minmax<std::string_view>(c, from, to, [&](int64_t i) { return c.str(i); }, [](std::string_view v) { return std::string(v); }, s);
      break;
    case TypeId::Decimal:
      minmax<__int128>(c, from, to, [&](int64_t i) { return c.dec_at(i); }, [&](__int128 v) { return decimal_bytes(v, p); }, s);
      break;
    case TypeId::Timestamp:
      if (p.type != PhysType::Int64) { s.ordered = false; break; }
      minmax<int64_t>(c, from, to, [&](int64_t i) { const int64_t us = c.vals<int64_t>()[i]; return p.ts_unit == 1 ? floor_div(us, 1000) : us; }, i64, s);
      break;
    default: s.ordered = false; break;  // INT96 timestamps: no order, only the null count
  }
  if (s.min.empty() && s.max.empty() && c.id() != TypeId::String && c.id() != TypeId::Binary) s.ordered = false;  // only NaN
  return s;
}

// The Statistics struct as parquet-mr's toParquetStatistics writes it: nothing past 4096 bytes
// of min + max; the deprecated min/max (fields 2/1) only for signed orders or min == max;
// min_value/max_value (6/5) for every ordered type.
void write_stats(CompactWriter& w, int16_t id, const Stats& s, bool signed_order) {
  const bool minmax = s.has_value && s.ordered;
  if (minmax && s.min.size() + s.max.size() >= 4096) return;
  w.begin(id);
  if (minmax && (signed_order || s.min == s.max)) {
    w.binary(1, s.max);
    w.binary(2, s.min);
  }
  w.i64(3, s.nulls);
  if (minmax) {
    w.binary(5, s.max);
    w.binary(6, s.min);
  }
  w.end();
}

// --- dictionary ----------------------------------------------------------------------------
// parquet-mr's dictionary writers: distinct values in first-seen order, their PLAIN bytes as the
// dictionary page. Keys: the value's bits (fixed width up to 8 bytes), the bytes themselves
// (strings, binary; views into the column, alive while the chunk is encoded), else the PLAIN
// bytes (INT96, FIXED_LEN_BYTE_ARRAY decimals).
struct Dictionary {
  std::unordered_map<uint64_t, int32_t> fixed;
  std::unordered_map<std::string_view, int32_t> bytes;
  std::unordered_map<std::string, int32_t> wide;
  std::string plain;
  int32_t size = 0;
};

constexpr size_t kPageBytes = size_t(1) << 20;  // parquet.page.size and parquet.dictionary.page.size
constexpr int64_t kPageRows = 20000;             // parquet.page.row.count.limit

// The dictionary index of row i, adding the value when new.
int32_t dict_index(Dictionary& d, const col::Column& c, const Physical& p, int64_t i, std::string& scratch) {
  auto add = [&](auto& map, auto key) {
    auto [it, fresh] = map.emplace(key, d.size);
    if (fresh) { plain_value(c, p, i, d.plain); ++d.size; }
    return it->second;
  };
  switch (c.id()) {
    case TypeId::Byte: return add(d.fixed, uint64_t(uint8_t(c.vals<int8_t>()[i])));
    case TypeId::Short: return add(d.fixed, uint64_t(uint16_t(c.vals<int16_t>()[i])));
    case TypeId::Int: case TypeId::Date: case TypeId::Float: return add(d.fixed, uint64_t(uint32_t(c.vals<int32_t>()[i])));
    case TypeId::Long: case TypeId::Double: case TypeId::TimestampNtz: return add(d.fixed, uint64_t(c.vals<int64_t>()[i]));
    case TypeId::String: case TypeId::Binary: return add(d.bytes, c.str(i));
    default:
      scratch.clear();
      plain_value(c, p, i, scratch);
      return add(d.wide, scratch);
  }
}

// RLE/bit-packed hybrid of dictionary indices or levels at bit width w: runs of 8 or more equal
// values as RLE runs, the rest bit-packed in groups of 8 (the last group padded with zeros).
template <typename T>
void rle_hybrid(const T* v, size_t n, int w, std::string& out) {
  auto varint = [&](uint64_t h) {
    while (h >= 0x80) { out += char((h & 0x7f) | 0x80); h >>= 7; }
    out += char(h);
  };
  const int value_bytes = (w + 7) / 8;
  auto run_at = [&](size_t i) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i]) ++j;
    return j - i;
  };
  size_t i = 0;
  while (i < n) {
    if (const size_t r = run_at(i); r >= 8) {
      varint(uint64_t(r) << 1);
      for (int k = 0; k < value_bytes; ++k) out += char(uint8_t(uint32_t(v[i]) >> (8 * k)));
      i += r;
      continue;
    }
    const size_t start = i;
    size_t groups = 0;
    while (i < n && groups < 63 && (groups == 0 || run_at(i) < 8)) {
      i = std::min(i + 8, n);
      ++groups;
    }
    varint((uint64_t(groups) << 1) | 1);
    uint64_t acc = 0;
    int bits = 0;
    for (size_t k = start; k < start + groups * 8; ++k) {
      acc |= uint64_t(k < n ? uint32_t(v[k]) : 0u) << bits;
      bits += w;
      while (bits >= 8) { out += char(uint8_t(acc)); acc >>= 8; bits -= 8; }
    }
    if (bits > 0) out += char(uint8_t(acc));
  }
}

int bit_width(int32_t max_value) {
  int w = 0;
  while (w < 32 && (uint64_t(1) << w) <= uint64_t(uint32_t(max_value))) ++w;
  return w;
}

// Encoded pages of one column chunk.
struct EncodedPage {
  std::string header, bytes;  // compressed
  int64_t uncompressed = 0;
};

}  // namespace

Result<Codec> write_codec(std::string_view name, std::string* extension) {
  std::string n(name);
  for (auto& ch : n) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  Codec c;
  std::string ext;
  if (n == "snappy") { c = Codec::Snappy; ext = ".snappy"; }
  else if (n == "none" || n == "uncompressed") { c = Codec::Uncompressed; }
  else if (n == "gzip") { c = Codec::Gzip; ext = ".gz"; }
  else if (n == "zstd") { c = Codec::Zstd; ext = ".zstd"; }
  else if (n == "lz4") { c = Codec::Lz4; ext = ".lz4hadoop"; }
  else if (n == "lz4_raw") { c = Codec::Lz4Raw; ext = ".lz4raw"; }
  else if (n == "brotli") { c = Codec::Brotli; ext = ".br"; }
  else if (n == "lzo")
    return Result<Codec>::error("writing lzo-compressed Parquet files is not supported by sparkpp (Debian ships no LZO codec Spark's format uses)");
  else
    return Result<Codec>::error("Codec [" + std::string(name) + "] is not available. Available codecs are brotli, uncompressed, lz4, gzip, lzo, snappy, none, zstd.");
  if (extension) *extension = ext + ".parquet";
  return c;
}

Result<TimestampOut> timestamp_out(std::string_view name) {
  std::string n(name);
  for (auto& ch : n) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  if (n == "INT96") return TimestampOut::Int96;
  if (n == "TIMESTAMP_MICROS") return TimestampOut::Micros;
  if (n == "TIMESTAMP_MILLIS") return TimestampOut::Millis;
  return Result<TimestampOut>::error("[INVALID_CONF_VALUE] The value '" + std::string(name) +
                                     "' in the config \"spark.sql.parquet.outputTimestampType\" is invalid. "
                                     "The value must be one of INT96, TIMESTAMP_MICROS, TIMESTAMP_MILLIS.");
}

// A leaf column of the schema: its path, type, levels, and the top-level field it belongs to.
struct WriterLeaf {
  std::vector<std::string> path;
  col::ColType type;
  Physical p;
  int max_def = 0, max_rep = 0;
  size_t top = 0;
  bool flat = false;  // a top-level primitive field: levels straight from the column's validity
};

namespace {

// The leaves of field `t` (named `name`, nullable or not) under `path`, in schema order.
Status collect_leaves(const col::ColType& t, const std::string& name, bool nullable, std::vector<std::string> path, int def,
                      int rep, size_t top, TimestampOut ts, std::vector<WriterLeaf>& out) {
  if (path.size() > 64) return Status::error("the column " + path.front() + " is nested too deeply to write to Parquet");
  path.push_back(name);
  if (nullable) ++def;
  switch (t.id) {
    case TypeId::Struct:
      if (t.children.empty())
        return Status::error("[DATATYPE_MISMATCH] Parquet data source does not support struct<> data type (the column " +
                             path.front() + ")");
      for (size_t i = 0; i < t.children.size(); ++i)
        if (auto s = collect_leaves(t.children[i], t.names[i], i >= t.nullable.size() || t.nullable[i], path, def, rep, top, ts, out); !s)
          return s;
      return Status::ok();
    case TypeId::Array:
      path.push_back("list");
      return collect_leaves(t.children[0], "element", t.nullable.empty() || t.nullable[0], path, def + 1, rep + 1, top, ts, out);
    case TypeId::Map: {
      path.push_back("key_value");
      if (auto s = collect_leaves(t.children[0], "key", false, path, def + 1, rep + 1, top, ts, out); !s) return s;
      return collect_leaves(t.children[1], "value", t.nullable.size() < 2 || t.nullable[1], path, def + 1, rep + 1, top, ts, out);
    }
    default: {
      auto p = physical_of(t, path.front(), ts);
      if (!p) return Status::error(p.error_message());
      WriterLeaf l;
      l.flat = path.size() == 1;
      l.path = std::move(path);
      l.type = t;
      l.p = p.value();
      l.max_def = def;
      l.max_rep = rep;
      l.top = top;
      out.push_back(std::move(l));
      return Status::ok();
    }
  }
}

// Record shredding (Dremel): level entries of a node, each the row of the node's column it
// stands for (-1 when an ancestor was null or an empty list/map ended it), its definition level
// so far (final when row < 0) and its repetition level.
struct Entries {
  std::vector<int64_t> row;
  std::vector<uint8_t> def, rep;
};

struct Shredded {
  const col::Column* leaf;
  Entries e;
};

Status shred(const col::Column& c, const col::ColType& t, bool nullable, Entries in, int rep_depth, const std::string& top,
             std::vector<Shredded>& out) {
  const size_t n = in.row.size();
  for (size_t k = 0; k < n; ++k) {
    const int64_t r = in.row[k];
    if (r < 0) continue;
    if (c.is_valid(r)) { if (nullable) ++in.def[k]; }
    else if (nullable) in.row[k] = -1;
    else return Status::error("a NULL in a non-nullable field of the column " + top);
  }
  switch (t.id) {
    case TypeId::Struct:
      for (size_t i = 0; i < t.children.size(); ++i) {
        Entries copy = i + 1 == t.children.size() ? std::move(in) : in;
        if (auto s = shred(*c.children[i], t.children[i], i >= t.nullable.size() || t.nullable[i], std::move(copy), rep_depth, top, out); !s)
          return s;
      }
      return Status::ok();
    case TypeId::Array: case TypeId::Map: {
      Entries next;
      next.row.reserve(n);
      next.def.reserve(n);
      next.rep.reserve(n);
      const int32_t* o = c.offsets();
      const uint8_t inner = uint8_t(rep_depth + 1);
      for (size_t k = 0; k < n; ++k) {
        const int64_t r = in.row[k];
        if (r < 0 || o[r] == o[r + 1]) {  // null ancestor, null or empty list: one entry
          next.row.push_back(-1);
          next.def.push_back(in.def[k]);
          next.rep.push_back(in.rep[k]);
          continue;
        }
        for (int32_t j = o[r]; j < o[r + 1]; ++j) {
          next.row.push_back(j);
          next.def.push_back(uint8_t(in.def[k] + 1));
          next.rep.push_back(j == o[r] ? in.rep[k] : inner);
        }
      }
      if (t.id == TypeId::Array)
        return shred(*c.children[0], t.children[0], t.nullable.empty() || t.nullable[0], std::move(next), rep_depth + 1, top, out);
      const col::Column& kv = *c.children[0];  // struct<key, value>, one row per entry
      if (auto s = shred(*kv.children[0], t.children[0], false, next, rep_depth + 1, top, out); !s) return s;
      return shred(*kv.children[1], t.children[1], t.nullable.size() < 2 || t.nullable[1], std::move(next), rep_depth + 1, top, out);
    }
    default:
      out.push_back(Shredded{&c, std::move(in)});
      return Status::ok();
  }
}

// The LogicalType TIMESTAMP(isAdjustedToUTC, unit) as field 10 of a SchemaElement.
void timestamp_logical(CompactWriter& w, bool utc, int unit) {
  w.begin(10);
  w.begin(8);
  w.boolean(1, utc);
  w.begin(2);
  w.begin(int16_t(unit));
  w.end();
  w.end();
  w.end();
  w.end();
}

// SchemaElements of field `t` (depth first), as Spark's ParquetSchemaConverter writes them.
void write_schema(CompactWriter& w, const col::ColType& t, const std::string& name, Repetition rep, TimestampOut ts) {
  w.begin_elem();
  auto group = [&](int n, Converted conv) {
    w.i32(3, int32_t(rep));
    w.binary(4, name);
    w.i32(5, n);
    if (conv != Converted::None) w.i32(6, int32_t(conv));
    w.end();
  };
  switch (t.id) {
    case TypeId::Struct:
      group(int(t.children.size()), Converted::None);
      for (size_t i = 0; i < t.children.size(); ++i)
        write_schema(w, t.children[i], t.names[i], i >= t.nullable.size() || t.nullable[i] ? Repetition::Optional : Repetition::Required, ts);
      return;
    case TypeId::Array:
      group(1, Converted::List);
      w.begin_elem();
      w.i32(3, int32_t(Repetition::Repeated));
      w.binary(4, "list");
      w.i32(5, 1);
      w.end();
      write_schema(w, t.children[0], "element", t.nullable.empty() || t.nullable[0] ? Repetition::Optional : Repetition::Required, ts);
      return;
    case TypeId::Map:
      group(1, Converted::Map);
      w.begin_elem();
      w.i32(3, int32_t(Repetition::Repeated));
      w.binary(4, "key_value");
      w.i32(5, 2);
      w.end();
      write_schema(w, t.children[0], "key", Repetition::Required, ts);
      write_schema(w, t.children[1], "value", t.nullable.size() < 2 || t.nullable[1] ? Repetition::Optional : Repetition::Required, ts);
      return;
    default: break;
  }
  const Physical p = physical_of(t, name, ts).value();
  w.i32(1, int32_t(p.type));
  if (p.type == PhysType::FixedLenByteArray) w.i32(2, p.type_length);
  w.i32(3, int32_t(rep));
  w.binary(4, name);
  if (p.converted != Converted::None) w.i32(6, int32_t(p.converted));
  if (t.id == TypeId::Decimal) {
    w.i32(7, t.scale);
    w.i32(8, t.precision);
  }
  if (p.ntz) timestamp_logical(w, false, 2);
  else if (p.ts_unit) timestamp_logical(w, true, p.ts_unit);
  w.end();
}

}  // namespace

ParquetWriter::ParquetWriter() = default;
ParquetWriter::~ParquetWriter() = default;

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::make(const col::ColType& schema, Codec codec, int64_t row_group_bytes,
                                                           bool dictionary, TimestampOut ts) {
  using R = Result<std::unique_ptr<ParquetWriter>>;
  auto w = std::unique_ptr<ParquetWriter>(new ParquetWriter());
  for (size_t i = 0; i < schema.children.size(); ++i)
    if (auto s = collect_leaves(schema.children[i], schema.names[i], i >= schema.nullable.size() || schema.nullable[i], {}, 0, 0, i,
                                ts, w->leaves_);
        !s)
      return R::error(s.message());
  w->schema_ = schema;
  w->codec_ = codec;
  w->ts_ = ts;
  w->row_group_bytes_ = std::max<int64_t>(1, row_group_bytes);
  w->dictionary_ = dictionary;
  return w;
}

void ParquetWriter::begin(std::string& out) {
  out += "PAR1";
  offset_ = 4;
}

// Rows are buffered until the row group's size (in memory) reaches parquet.block.size; a batch
// larger than the room left is cut, so row groups follow the setting whatever the batch size.
Status ParquetWriter::write(const col::Batch& b, std::string& out) {
  if (b.num_rows == 0) return Status::ok();
  const int64_t per_row = std::max<int64_t>(1, col::memory_size(b) / b.num_rows);
  int64_t at = 0;
  while (at < b.num_rows) {
    const int64_t room = row_group_bytes_ - pending_bytes_;
    const int64_t take = std::clamp<int64_t>((room + per_row - 1) / per_row, 1, b.num_rows - at);
    pending_.push_back(at == 0 && take == b.num_rows ? b : col::slice(b, at, take));
    pending_bytes_ += take * per_row;
    pending_rows_ += take;
    at += take;
    if (pending_bytes_ >= row_group_bytes_)
      if (auto s = flush(out); !s) return s;
  }
  return Status::ok();
}

Status ParquetWriter::flush(std::string& out) {
  if (pending_rows_ == 0) return Status::ok();
  const col::Batch b = pending_.size() == 1 ? pending_[0] : col::concat(pending_);
  pending_.clear();
  const int64_t rows = b.num_rows;
  pending_bytes_ = pending_rows_ = 0;
  std::string chunks;  // ColumnChunk structs
  const int64_t start = offset_;
  int64_t uncompressed = 0;
  size_t li = 0;
  for (size_t i = 0; i < b.columns.size() && li < leaves_.size(); ++i) {
    const col::Column& c = *b.columns[i];
    if (leaves_[li].flat) {
      auto u = encode_leaf(leaves_[li++], c, nullptr, nullptr, c.length, out, chunks);
      if (!u) return Status::error(u.error_message());
      uncompressed += u.value();
      continue;
    }
    Entries top;
    top.row.resize(size_t(rows));
    for (int64_t r = 0; r < rows; ++r) top.row[size_t(r)] = r;
    top.def.assign(size_t(rows), 0);
    top.rep.assign(size_t(rows), 0);
    std::vector<Shredded> parts;
    if (auto s = shred(c, schema_.children[i], i >= schema_.nullable.size() || schema_.nullable[i], std::move(top), 0, schema_.names[i], parts);
        !s)
      return s;
    for (auto& part : parts) {
      if (li >= leaves_.size() || leaves_[li].top != i) return Status::error("internal error: Parquet leaves out of step with the column " + schema_.names[i]);
      const WriterLeaf& leaf = leaves_[li++];
      std::vector<int32_t> idx;
      for (int64_t r : part.e.row)
        if (r >= 0) idx.push_back(int32_t(r));
      const col::ColumnPtr dense = col::gather(*part.leaf, idx.data(), int64_t(idx.size()));
      auto u = encode_leaf(leaf, *dense, part.e.def.data(), leaf.max_rep > 0 ? part.e.rep.data() : nullptr,
                           int64_t(part.e.row.size()), out, chunks);
      if (!u) return Status::error(u.error_message());
      uncompressed += u.value();
    }
  }
  std::string rg;
  CompactWriter w(rg);
  w.list(1, CType::Struct, leaves_.size());
  rg += chunks;
  w.i64(2, uncompressed);
  w.i64(3, rows);
  w.i64(5, start);
  w.i64(6, offset_ - start);
  rg += char(0);
  row_groups_.push_back(std::move(rg));
  num_rows_ += rows;
  return Status::ok();
}

// One column chunk: pages of at most ~1 MiB of PLAIN values and 20000 records (cut only where
// a record starts, as parquet-mr); dictionary-encoded (PLAIN_DICTIONARY, as parquet-mr's v1
// writer) until the dictionary passes 1 MiB — that page and the rest PLAIN — or when the first
// page shows the dictionary does not pay (parquet-mr's isCompressionSatisfying: encoded +
// dictionary < raw), then the chunk is PLAIN throughout. Repetition then definition levels as
// RLE/bit-packed hybrids of their bit widths. Statistics in each page header and the chunk's
// metadata (null counts: the entries below the maximum definition level). Returns the
// uncompressed size.
Result<int64_t> ParquetWriter::encode_leaf(const WriterLeaf& L, const col::Column& c, const uint8_t* def, const uint8_t* rep,
                                           int64_t entries, std::string& out, std::string& meta) {
  using R = Result<int64_t>;
  const Physical p = L.p;
  const bool optional = L.max_def > 0;
  if (!def && !optional && c.has_nulls()) return R::error("a NULL in the non-nullable column " + L.path.front());
  const TypeId id = c.id();
  const bool signed_order = id != TypeId::String && id != TypeId::Binary;
  const int64_t fixed_width = id == TypeId::Boolean ? 0
                              : p.type == PhysType::Int32 || p.type == PhysType::Float ? 4
                              : p.type == PhysType::Int64 || p.type == PhysType::Double ? 8
                              : p.type == PhysType::Int96 ? 12
                              : p.type == PhysType::FixedLenByteArray ? p.type_length : -1;
  auto plain_size = [&](int64_t r) { return fixed_width >= 0 ? fixed_width : int64_t(4 + c.str(r).size()); };
  auto present = [&](int64_t e) { return def ? def[e] == L.max_def : c.is_valid(e); };
  // Statistics of entries [efrom, eto) holding values [vfrom, vto) (flat: the same rows).
  auto stats = [&](int64_t efrom, int64_t eto, int64_t vfrom, int64_t vto) {
    if (!def) return stats_of(c, p, efrom, eto);
    Stats s = stats_of(c, p, vfrom, vto);
    s.nulls = (eto - efrom) - (vto - vfrom);
    return s;
  };

  Dictionary dict;
  bool use_dict = dictionary_ && id != TypeId::Boolean;
  bool dict_used = false, plain_used = false;
  std::vector<EncodedPage> pages;
  std::string values, levels, body, scratch;
  std::vector<int32_t> idx;
  int64_t e = 0, v = 0;  // next entry, next value (of the dense values; flat: v == e)
  bool first = true;
  while (e < entries || (e == 0 && entries == 0)) {
    const int64_t efrom = e, vfrom = v;
    int64_t raw = 0, records = 0;
    idx.clear();
    bool dict_page = use_dict;
    for (; e < entries; ++e) {
      if (!rep || rep[e] == 0) {
        if (raw >= int64_t(kPageBytes) || records >= kPageRows) break;
        ++records;
      }
      if (!present(e)) continue;
      const int64_t vr = def ? v++ : e;
      raw += plain_size(vr);
      if (dict_page) {
        idx.push_back(dict_index(dict, c, p, vr, scratch));
        if (dict.plain.size() > kPageBytes) dict_page = use_dict = false;  // fall back to PLAIN from this page on
      }
    }
    if (!def) v = e;
    if (dict_page) {
      values.clear();
      const int w = bit_width(std::max(0, dict.size - 1));
      values += char(w);
      rle_hybrid(idx.data(), idx.size(), w, values);
      if (first && int64_t(values.size() + dict.plain.size()) >= raw) dict_page = use_dict = false;  // not worth it
    }
    if (!dict_page) {
      values.clear();
      for (int64_t r = vfrom; r < v; ++r)
        if (def || c.is_valid(r)) {
          if (id == TypeId::Boolean) values += char(c.bool_at(r) ? 1 : 0);  // packed below
          else plain_value(c, p, r, values);
        }
      if (id == TypeId::Boolean) {  // PLAIN booleans are bit-packed
        std::string bits((values.size() + 7) / 8, '\0');
        for (size_t k = 0; k < values.size(); ++k)
          if (values[k]) bits[k / 8] = char(bits[k / 8] | (1 << (k % 8)));
        values.swap(bits);
      }
    }
    (dict_page ? dict_used : plain_used) = true;
    body.clear();
    if (rep) {
      levels.clear();
      rle_hybrid(rep + efrom, size_t(e - efrom), bit_width(L.max_rep), levels);
      put_u32(body, uint32_t(levels.size()));
      body += levels;
    }
    if (optional) {
      levels.clear();
      if (def) rle_hybrid(def + efrom, size_t(e - efrom), bit_width(L.max_def), levels);
      else rle_levels(c, efrom, e, levels);
      put_u32(body, uint32_t(levels.size()));
      body += levels;
    }
    body += values;
    EncodedPage pg;
    if (auto s = compress(codec_, body, pg.bytes); !s) return R::error(s.message());
    CompactWriter h(pg.header);
    h.i32(1, int32_t(PageType::DataPage));
    h.i32(2, int64_t(body.size()));
    h.i32(3, int64_t(pg.bytes.size()));
    h.begin(5);
    h.i32(1, e - efrom);
    h.i32(2, int32_t(dict_page ? Encoding::PlainDictionary : Encoding::Plain));
    h.i32(3, int32_t(Encoding::Rle));
    h.i32(4, int32_t(Encoding::Rle));
    write_stats(h, 5, stats(efrom, e, vfrom, v), signed_order);
    h.end();
    pg.header += char(0);
    pg.uncompressed = int64_t(body.size());
    pages.push_back(std::move(pg));
    first = false;
    if (entries == 0) break;
  }
  if (!dict_used) dict.size = 0;

  const int64_t chunk_start = offset_;
  int64_t uncompressed_total = 0;
  auto emit = [&](const EncodedPage& pg) {
    out += pg.header;
    out += pg.bytes;
    offset_ += int64_t(pg.header.size() + pg.bytes.size());
    uncompressed_total += int64_t(pg.header.size()) + pg.uncompressed;
  };
  if (dict_used) {  // the dictionary page: PLAIN values, PLAIN_DICTIONARY as parquet-mr's v1 writer says
    EncodedPage pg;
    if (auto s = compress(codec_, dict.plain, pg.bytes); !s) return R::error(s.message());
    CompactWriter h(pg.header);
    h.i32(1, int32_t(PageType::DictionaryPage));
    h.i32(2, int64_t(dict.plain.size()));
    h.i32(3, int64_t(pg.bytes.size()));
    h.begin(7);
    h.i32(1, dict.size);
    h.i32(2, int32_t(Encoding::PlainDictionary));
    h.end();
    pg.header += char(0);
    pg.uncompressed = int64_t(dict.plain.size());
    emit(pg);
  }
  const int64_t data_start = offset_;
  for (const auto& pg : pages) emit(pg);

  CompactWriter m(meta);
  m.begin_elem();
  m.i64(2, chunk_start);
  m.begin(3);
  m.i32(1, int32_t(p.type));
  std::vector<Encoding> encodings;
  if (dict_used) encodings.push_back(Encoding::PlainDictionary);
  encodings.push_back(Encoding::Rle);
  if (plain_used) encodings.push_back(Encoding::Plain);
  m.list(2, CType::I32, encodings.size());
  for (Encoding enc : encodings) m.zigzag(int32_t(enc));
  m.list(3, CType::Binary, L.path.size());
  for (const auto& part : L.path) m.bytes(part);
  m.i32(4, int32_t(codec_));
  m.i64(5, entries);
  m.i64(6, uncompressed_total);
  m.i64(7, offset_ - chunk_start);
  m.i64(9, data_start);
  if (dict_used) m.i64(11, chunk_start);
  write_stats(m, 12, stats(0, entries, 0, def ? c.length : entries), signed_order);
  m.end();
  m.end();
  return uncompressed_total;
}

Status ParquetWriter::end(std::string& out) {
  if (auto s = flush(out); !s) return s;
  std::string md;
  CompactWriter w(md);
  w.i32(1, 1);
  // SchemaElements: the root, then each field depth first (groups add `list` / `key_value`).
  size_t count = 1;
  std::function<void(const col::ColType&)> size = [&](const col::ColType& t) {
    ++count;
    if (t.id == TypeId::Struct) for (const auto& c : t.children) size(c);
    else if (t.id == TypeId::Array) { ++count; size(t.children[0]); }
    else if (t.id == TypeId::Map) { ++count; size(t.children[0]); size(t.children[1]); }
  };
  for (const auto& t : schema_.children) size(t);
  w.list(2, CType::Struct, count);
  w.begin_elem();  // the root
  w.binary(4, "spark_schema");
  w.i32(5, int64_t(schema_.children.size()));
  w.end();
  for (size_t i = 0; i < schema_.children.size(); ++i)
    write_schema(w, schema_.children[i], schema_.names[i],
                 i >= schema_.nullable.size() || schema_.nullable[i] ? Repetition::Optional : Repetition::Required, ts_);
  w.i64(3, num_rows_);
  w.list(4, CType::Struct, row_groups_.size());
  for (const auto& rg : row_groups_) md += rg;
  w.list(5, CType::Struct, 1);
  w.begin_elem();
  w.binary(1, "org.apache.spark.sql.parquet.row.metadata");
  nlohmann::json spark_schema = col::type_to_json(schema_);
  for (size_t i = 0; i < field_md_.size() && i < spark_schema["fields"].size(); ++i)
    if (!field_md_[i].empty())
      if (auto m = nlohmann::json::parse(field_md_[i], nullptr, false); m.is_object()) spark_schema["fields"][i]["metadata"] = m;
  w.binary(2, spark_schema.dump());
  w.end();
  w.binary(6, "parquet-mr compatible sparkpp");
  md += char(0);
  out += md;
  put_u32(out, uint32_t(md.size()));
  out += "PAR1";
  return Status::ok();
}

}  // namespace spp::sql::parquet
