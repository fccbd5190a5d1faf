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
  bool ntz = false;  // TIMESTAMP(MICROS, false) logical type
};

Result<Physical> physical_of(const col::ColType& t, const std::string& name) {
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
    case TypeId::Timestamp: return Physical{PhysType::Int96};  // spark.sql.parquet.outputTimestampType
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

// RLE/bit-packed hybrid of dictionary indices at bit width w: runs of 8 or more equal values
// as RLE runs, the rest bit-packed in groups of 8 (the last group padded with zeros).
void rle_hybrid(const std::vector<int32_t>& v, int w, std::string& out) {
  auto varint = [&](uint64_t h) {
    while (h >= 0x80) { out += char((h & 0x7f) | 0x80); h >>= 7; }
    out += char(h);
  };
  const size_t n = v.size();
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

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::make(const col::ColType& schema, Codec codec, int64_t row_group_bytes,
                                                           bool dictionary) {
  using R = Result<std::unique_ptr<ParquetWriter>>;
  for (size_t i = 0; i < schema.children.size(); ++i)
    if (auto p = physical_of(schema.children[i], schema.names[i]); !p) return R::error(p.error_message());
  auto w = std::unique_ptr<ParquetWriter>(new ParquetWriter());
  w->schema_ = schema;
  w->codec_ = codec;
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
  for (size_t i = 0; i < b.columns.size(); ++i) {
    auto u = encode_column(i, *b.columns[i], out, chunks);
    if (!u) return Status::error(u.error_message());
    uncompressed += u.value();
  }
  std::string rg;
  CompactWriter w(rg);
  w.list(1, CType::Struct, b.columns.size());
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

// One column chunk: pages of at most ~1 MiB of PLAIN values and 20000 rows; dictionary-encoded
// (PLAIN_DICTIONARY, as parquet-mr's v1 writer) until the dictionary passes 1 MiB — that page
// and the rest PLAIN — or when the first page shows the dictionary does not pay (parquet-mr's
// isCompressionSatisfying: encoded + dictionary < raw), then the chunk is PLAIN throughout.
// Statistics in each page header and the chunk's metadata. Returns the uncompressed size.
Result<int64_t> ParquetWriter::encode_column(size_t i, const col::Column& c, std::string& out, std::string& meta) {
  using R = Result<int64_t>;
  auto pr = physical_of(schema_.children[i], schema_.names[i]);
  if (!pr) return R::error(pr.error_message());
  const Physical p = pr.value();
  const bool optional = i >= schema_.nullable.size() || schema_.nullable[i];
  if (!optional && c.has_nulls()) return R::error("a NULL in the non-nullable column " + schema_.names[i]);
  const TypeId id = c.id();
  const bool signed_order = id != TypeId::String && id != TypeId::Binary;
  const int64_t fixed_width = id == TypeId::Boolean ? 0
                              : p.type == PhysType::Int32 || p.type == PhysType::Float ? 4
                              : p.type == PhysType::Int64 || p.type == PhysType::Double ? 8
                              : p.type == PhysType::Int96 ? 12
                              : p.type == PhysType::FixedLenByteArray ? p.type_length : -1;
  auto plain_size = [&](int64_t r) { return fixed_width >= 0 ? fixed_width : int64_t(4 + c.str(r).size()); };

  Dictionary dict;
  bool use_dict = dictionary_ && id != TypeId::Boolean;
  bool dict_used = false, plain_used = false;
  std::vector<EncodedPage> pages;
  std::string values, levels, body, scratch;
  std::vector<int32_t> idx;
  int64_t row = 0;
  bool first = true;
  while (row < c.length || (row == 0 && c.length == 0)) {
    const int64_t from = row;
    int64_t raw = 0;
    idx.clear();
    bool dict_page = use_dict;
    for (; row < c.length && raw < int64_t(kPageBytes) && row - from < kPageRows; ++row) {
      if (!c.is_valid(row)) continue;
      raw += plain_size(row);
      if (dict_page) {
        idx.push_back(dict_index(dict, c, p, row, scratch));
        if (dict.plain.size() > kPageBytes) dict_page = use_dict = false;  // fall back to PLAIN from this page on
      }
    }
    if (dict_page) {
      values.clear();
      const int w = bit_width(std::max(0, dict.size - 1));
      values += char(w);
      rle_hybrid(idx, w, values);
      if (first && int64_t(values.size() + dict.plain.size()) >= raw) dict_page = use_dict = false;  // not worth it
    }
    if (!dict_page) {
      values.clear();
      for (int64_t r = from; r < row; ++r)
        if (c.is_valid(r)) {
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
    if (optional) {
      levels.clear();
      rle_levels(c, from, row, levels);
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
    h.i32(1, row - from);
    h.i32(2, int32_t(dict_page ? Encoding::PlainDictionary : Encoding::Plain));
    h.i32(3, int32_t(Encoding::Rle));
    h.i32(4, int32_t(Encoding::Rle));
    write_stats(h, 5, stats_of(c, p, from, row), signed_order);
    h.end();
    pg.header += char(0);
    pg.uncompressed = int64_t(body.size());
    pages.push_back(std::move(pg));
    first = false;
    if (c.length == 0) break;
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
  for (Encoding e : encodings) m.zigzag(int32_t(e));
  m.list(3, CType::Binary, 1);
  m.bytes(schema_.names[i]);
  m.i32(4, int32_t(codec_));
  m.i64(5, c.length);
  m.i64(6, uncompressed_total);
  m.i64(7, offset_ - chunk_start);
  m.i64(9, data_start);
  if (dict_used) m.i64(11, chunk_start);
  write_stats(m, 12, stats_of(c, p, 0, c.length), signed_order);
  m.end();
  m.end();
  return uncompressed_total;
}

Status ParquetWriter::end(std::string& out) {
  if (auto s = flush(out); !s) return s;
  std::string md;
  CompactWriter w(md);
  w.i32(1, 1);
  w.list(2, CType::Struct, schema_.children.size() + 1);
  w.begin_elem();  // the root
  w.binary(4, "spark_schema");
  w.i32(5, int64_t(schema_.children.size()));
  w.end();
  for (size_t i = 0; i < schema_.children.size(); ++i) {
    const col::ColType& t = schema_.children[i];
    const Physical p = physical_of(t, schema_.names[i]).value();
    const bool optional = i >= schema_.nullable.size() || schema_.nullable[i];
    w.begin_elem();
    w.i32(1, int32_t(p.type));
    if (p.type == PhysType::FixedLenByteArray) w.i32(2, p.type_length);
    w.i32(3, int32_t(optional ? Repetition::Optional : Repetition::Required));
    w.binary(4, schema_.names[i]);
    if (p.converted != Converted::None) w.i32(6, int32_t(p.converted));
    if (t.id == TypeId::Decimal) {
      w.i32(7, t.scale);
      w.i32(8, t.precision);
    }
    if (p.ntz) {  // LogicalType TIMESTAMP(isAdjustedToUTC=false, MICROS)
      w.begin(10);
      w.begin(8);
      w.boolean(1, false);
      w.begin(2);
      w.begin(2);
      w.end();
      w.end();
      w.end();
      w.end();
    }
    w.end();
  }
  w.i64(3, num_rows_);
  w.list(4, CType::Struct, row_groups_.size());
  for (const auto& rg : row_groups_) md += rg;
  w.list(5, CType::Struct, 1);
  w.begin_elem();
  w.binary(1, "org.apache.spark.sql.parquet.row.metadata");
  w.binary(2, col::type_to_json(schema_).dump());
  w.end();
  w.binary(6, "parquet-mr compatible sparkpp");
  md += char(0);
  out += md;
  put_u32(out, uint32_t(md.size()));
  out += "PAR1";
  return Status::ok();
}

}  // namespace spp::sql::parquet
