// Parquet writing (see the header).
#include "sql/parquet/writer.h"

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

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
  else if (n == "lzo" || n == "lz4" || n == "brotli" || n == "lz4_raw")
    return Result<Codec>::error("writing " + n + "-compressed Parquet files is not supported by sparkpp yet (snappy, gzip, zstd and none are)");
  else
    return Result<Codec>::error("Codec [" + std::string(name) + "] is not available. Available codecs are brotli, uncompressed, lz4, gzip, lzo, snappy, none, zstd.");
  if (extension) *extension = ext + ".parquet";
  return c;
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::make(const col::ColType& schema, Codec codec, int64_t row_group_bytes) {
  using R = Result<std::unique_ptr<ParquetWriter>>;
  for (size_t i = 0; i < schema.children.size(); ++i)
    if (auto p = physical_of(schema.children[i], schema.names[i]); !p) return R::error(p.error_message());
  auto w = std::unique_ptr<ParquetWriter>(new ParquetWriter());
  w->schema_ = schema;
  w->codec_ = codec;
  w->row_group_bytes_ = row_group_bytes;
  return w;
}

void ParquetWriter::begin(std::string& out) {
  out += "PAR1";
  offset_ = 4;
}

Status ParquetWriter::write(const col::Batch& b, std::string& out) {
  if (b.num_rows == 0) return Status::ok();
  pending_.push_back(b);
  pending_bytes_ += col::memory_size(b);
  pending_rows_ += b.num_rows;
  if (pending_bytes_ >= row_group_bytes_) return flush(out);
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
  for (size_t i = 0; i < b.columns.size(); ++i)
    if (auto s = encode_column(i, *b.columns[i], out, chunks); !s) return s;
  std::string rg;
  CompactWriter w(rg);
  w.list(1, CType::Struct, b.columns.size());
  rg += chunks;
  w.i64(2, offset_ - start);
  w.i64(3, rows);
  w.i64(5, start);
  w.i64(6, offset_ - start);
  rg += char(0);
  row_groups_.push_back(std::move(rg));
  num_rows_ += rows;
  return Status::ok();
}

Status ParquetWriter::encode_column(size_t i, const col::Column& c, std::string& out, std::string& meta) {
  auto p = physical_of(schema_.children[i], schema_.names[i]);
  if (!p) return Status(Status::error(p.error_message()));
  const bool optional = i >= schema_.nullable.size() || schema_.nullable[i];
  if (!optional && c.has_nulls()) return Status::error("a NULL in the non-nullable column " + schema_.names[i]);
  const int64_t chunk_start = offset_;
  int64_t uncompressed_total = 0;
  std::string body, packed, header;
  int64_t row = 0;
  while (row < c.length || (row == 0 && c.length == 0)) {
    // One page: about 1 MiB of values.
    body.clear();
    std::string values;
    const int64_t from = row;
    for (; row < c.length && values.size() < (1u << 20); ++row)
      if (c.is_valid(row)) {
        if (c.id() == TypeId::Boolean) values += char(c.bool_at(row) ? 1 : 0);  // packed below
        else plain_value(c, p.value(), row, values);
      }
    if (c.id() == TypeId::Boolean) {  // PLAIN booleans are bit-packed
      std::string bits((values.size() + 7) / 8, '\0');
      for (size_t k = 0; k < values.size(); ++k)
        if (values[k]) bits[k / 8] = char(bits[k / 8] | (1 << (k % 8)));
      values.swap(bits);
    }
    if (optional) {
      std::string lv;
      rle_levels(c, from, row, lv);
      put_u32(body, uint32_t(lv.size()));
      body += lv;
    }
    body += values;
    if (auto s = compress(codec_, body, packed); !s) return s;
    header.clear();
    CompactWriter h(header);
    h.i32(1, int32_t(PageType::DataPage));
    h.i32(2, int64_t(body.size()));
    h.i32(3, int64_t(packed.size()));
    h.begin(5);
    h.i32(1, row - from);
    h.i32(2, int32_t(Encoding::Plain));
    h.i32(3, int32_t(Encoding::Rle));
    h.i32(4, int32_t(Encoding::Rle));
    h.end();
    header += char(0);
    out += header;
    out += packed;
    offset_ += int64_t(header.size() + packed.size());
    uncompressed_total += int64_t(header.size() + body.size());
    if (c.length == 0) break;
  }
  CompactWriter m(meta);
  m.begin_elem();
  m.i64(2, chunk_start);
  m.begin(3);
  m.i32(1, int32_t(p.value().type));
  m.list(2, CType::I32, 2);
  m.zigzag(int32_t(Encoding::Plain));
  m.zigzag(int32_t(Encoding::Rle));
  m.list(3, CType::Binary, 1);
  m.bytes(schema_.names[i]);
  m.i32(4, int32_t(codec_));
  m.i64(5, c.length);
  m.i64(6, uncompressed_total);
  m.i64(7, offset_ - chunk_start);
  m.i64(9, chunk_start);
  m.end();
  m.end();
  return Status::ok();
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
