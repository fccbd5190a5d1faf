// Flat column chunks -> columns (see the header).
#include "sql/parquet/column_reader.h"

#include <zlib.h>

#include <cstring>

#include "sql/parquet/codec.h"
#include "sql/parquet/encodings.h"

namespace spp::sql::parquet {

namespace {

using col::TypeId;

int bit_width(int64_t max_level) {
  int w = 0;
  while ((int64_t(1) << w) <= max_level) ++w;
  return w;
}

// Physical width of a stored value for PLAIN (-1 booleans, 0 byte arrays).
int plain_width(const Leaf& leaf) {
  switch (leaf.phys) {
    case PhysType::Boolean: return -1;
    case PhysType::Int32: case PhysType::Float: return 4;
    case PhysType::Int64: case PhysType::Double: return 8;
    case PhysType::Int96: return 12;
    case PhysType::ByteArray: return 0;
    case PhysType::FixedLenByteArray: return leaf.type_length;
  }
  return 0;
}

__int128 be_to_int128(const uint8_t* p, size_t n, bool& ok) {
  // big-endian two's complement; more than 16 bytes only when the extra ones are sign extension
  __int128 v = (n > 0 && (p[0] & 0x80)) ? -1 : 0;
  for (size_t i = 0; i < n; ++i) {
    if (n - i > 16) {
      const uint8_t sign = (v < 0) ? 0xff : 0x00;
      if (p[i] != sign) ok = false;
      continue;
    }
    v = (__int128)((unsigned __int128)v << 8) | p[i];
  }
  return v;
}

// The growing output of one column: validity bits, fixed values or offsets + bytes.
class ColumnOut {
 public:
  ColumnOut(const Leaf& leaf) : leaf_(leaf), id_(leaf.type.id) {
    values_ = std::make_shared<col::Buffer>();
    if (col::is_var_binary(id_)) {
      values_->resize(4);
      data_ = std::make_shared<col::Buffer>();
    }
  }

  // Appends n rows: valid[i] says which rows have a value; vals holds those values in order.
  Status append(const uint8_t* valid, int64_t n, const PhysValues& vals) {
    const int64_t at = length_;
    length_ += n;
    validity_.resize(size_t(col::bitmap_bytes(length_)));
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (valid[i]) { col::set_bit(validity_.data(), at + i); ++k; }
      else ++nulls_;
    }
    if (k != vals.count) return Status::error("page holds " + std::to_string(vals.count) + " values for " + std::to_string(k) + " non-null rows");
    if (id_ == TypeId::Boolean) {
      values_->resize(size_t(col::bitmap_bytes(length_)));
      uint8_t* bits = values_->data();
      int64_t j = 0;
      for (int64_t i = 0; i < n; ++i)
        if (valid[i] && vals.fixed[size_t(j++)]) col::set_bit(bits, at + i);
      return Status::ok();
    }
    if (col::is_var_binary(id_)) return append_bytes(valid, n, at, vals);
    const int w = col::fixed_width(id_);
    values_->resize(size_t(length_) * size_t(w));
    uint8_t* out = values_->data() + size_t(at) * size_t(w);
    const uint8_t* in = vals.fixed.data();
    switch (leaf_.conv) {
      case Conv::Int32: return scatter<int32_t>(out, valid, n, [&](int64_t j) { return load<int32_t>(in, j); });
      case Conv::Int32ToByte: return scatter<int8_t>(out, valid, n, [&](int64_t j) { return int8_t(load<int32_t>(in, j)); });
      case Conv::Int32ToShort: return scatter<int16_t>(out, valid, n, [&](int64_t j) { return int16_t(load<int32_t>(in, j)); });
      case Conv::Uint32ToLong: return scatter<int64_t>(out, valid, n, [&](int64_t j) { return int64_t(load<uint32_t>(in, j)); });
      case Conv::Int32ToDecimal: return scatter<__int128>(out, valid, n, [&](int64_t j) { return __int128(load<int32_t>(in, j)); });
      case Conv::Int64: return scatter<int64_t>(out, valid, n, [&](int64_t j) { return load<int64_t>(in, j); });
      case Conv::Int64ToDecimal: return scatter<__int128>(out, valid, n, [&](int64_t j) { return __int128(load<int64_t>(in, j)); });
      case Conv::Uint64ToDecimal: return scatter<__int128>(out, valid, n, [&](int64_t j) { return __int128(load<uint64_t>(in, j)); });
      case Conv::MillisToMicros:
        return scatter<int64_t>(out, valid, n, [&](int64_t j) { return int64_t(uint64_t(load<int64_t>(in, j)) * 1000u); });
      case Conv::NanosToMicros: return scatter<int64_t>(out, valid, n, [&](int64_t j) { return load<int64_t>(in, j) / 1000; });
      case Conv::Int96ToMicros:
        // 8 bytes of nanoseconds in the day, then the Julian day (Spark's fromJulianDay).
        return scatter<int64_t>(out, valid, n, [&](int64_t j) {
          int64_t nanos;
          int32_t day;
          std::memcpy(&nanos, in + 12 * j, 8);
          std::memcpy(&day, in + 12 * j + 8, 4);
          return int64_t(uint64_t(int64_t(day) - 2440588) * 86400000000ull + uint64_t(nanos / 1000));
        });
      case Conv::Float: return scatter<float>(out, valid, n, [&](int64_t j) { return load<float>(in, j); });
      case Conv::Double: return scatter<double>(out, valid, n, [&](int64_t j) { return load<double>(in, j); });
      case Conv::BytesToDecimal: {
        bool ok = true;
        Status s;
        if (vals.width > 0) {
          const size_t bw = size_t(vals.width);
          s = scatter<__int128>(out, valid, n, [&](int64_t j) { return be_to_int128(in + size_t(j) * bw, bw, ok); });
        } else {
          const char* b = vals.bytes.data();
          s = scatter<__int128>(out, valid, n, [&](int64_t j) {
            return be_to_int128(reinterpret_cast<const uint8_t*>(b + vals.offsets[size_t(j)]),
                                size_t(vals.offsets[size_t(j) + 1] - vals.offsets[size_t(j)]), ok);
          });
        }
        if (!ok) return Status::error("decimal value wider than 16 bytes");
        return s;
      }
      case Conv::Bool: case Conv::Bytes: break;
    }
    return Status::error("bad conversion for " + leaf_.type.to_string());
  }

  col::ColumnPtr finish(col::ColTypePtr type) {
    auto c = std::make_shared<col::Column>();
    c->type = std::move(type);
    c->length = length_;
    c->null_count = nulls_;
    if (nulls_ > 0) {
      c->validity = std::make_shared<col::Buffer>(validity_.size());
      std::memcpy(c->validity->data(), validity_.data(), validity_.size());
    }
    c->values = values_;
    c->data = data_;
    if (col::is_var_binary(id_) && !c->data) c->data = std::make_shared<col::Buffer>();
    return c;
  }

 private:
  template <typename T> static T load(const uint8_t* in, int64_t j) {
    T v;
    std::memcpy(&v, in + size_t(j) * sizeof(T), sizeof(T));
    return v;
  }
  template <typename T, typename F> static Status scatter(uint8_t* out, const uint8_t* valid, int64_t n, F get) {
    int64_t j = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T v = valid[i] ? get(j++) : T{};
      std::memcpy(out + size_t(i) * sizeof(T), &v, sizeof(T));
    }
    return Status::ok();
  }

  Status append_bytes(const uint8_t* valid, int64_t n, int64_t at, const PhysValues& vals) {
    values_->resize(size_t(length_ + 1) * 4);
    int32_t* offs = values_->as<int32_t>();
    int64_t total = offs[at];
    const int64_t w = vals.width;
    const int64_t added = w > 0 ? w * vals.count : (vals.count ? vals.offsets[size_t(vals.count)] : 0);
    if (total + added > INT32_MAX) return Status::error("string column chunk larger than 2 GiB");
    data_->resize(size_t(total + added));
    uint8_t* dst = data_->data();
    const uint8_t* src = w > 0 ? vals.fixed.data() : reinterpret_cast<const uint8_t*>(vals.bytes.data());
    if (added > 0) std::memcpy(dst + total, src, size_t(added));
    int64_t j = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (valid[i]) {
        total += w > 0 ? w : vals.offsets[size_t(j) + 1] - vals.offsets[size_t(j)];
        ++j;
      }
      offs[at + i + 1] = int32_t(total);
    }
    return Status::ok();
  }

  const Leaf& leaf_;
  TypeId id_;
  int64_t length_ = 0, nulls_ = 0;
  std::vector<uint8_t> validity_;
  col::BufferPtr values_, data_;
};

// Values of one page by its encoding (`dict` for the dictionary encodings).
Status decode_values(Encoding enc, const uint8_t* p, size_t n_bytes, int64_t nn, const Leaf& leaf, const PhysValues* dict,
                     PhysValues& out) {
  const int w = plain_width(leaf);
  switch (enc) {
    case Encoding::Plain: return decode_plain(p, n_bytes, w, nn, out);
    case Encoding::PlainDictionary: case Encoding::RleDictionary: {
      if (!dict) return Status::error("dictionary-encoded page without a dictionary page");
      if (nn == 0) { out.clear(); out.width = dict->width; return Status::ok(); }
      if (n_bytes < 1) return Status::error("dictionary page lacks its index bit width");
      std::vector<uint32_t> idx(static_cast<size_t>(nn));
      RleDecoder d(p + 1, n_bytes - 1, p[0]);
      if (!d.get(idx.data(), nn)) return Status::error("dictionary indices: " + d.error());
      return gather_dictionary(*dict, idx.data(), nn, out);
    }
    case Encoding::Rle:
      if (leaf.phys != PhysType::Boolean) return Status::error("RLE encoding is only for booleans");
      return decode_rle_booleans(p, n_bytes, nn, out);
    case Encoding::DeltaBinaryPacked:
      if (leaf.phys != PhysType::Int32 && leaf.phys != PhysType::Int64) return Status::error("DELTA_BINARY_PACKED is only for integers");
      return decode_delta_binary_packed(p, n_bytes, w, nn, out, nullptr);
    case Encoding::DeltaLengthByteArray:
      if (leaf.phys != PhysType::ByteArray) return Status::error("DELTA_LENGTH_BYTE_ARRAY is only for byte arrays");
      return decode_delta_length_byte_array(p, n_bytes, nn, out);
    case Encoding::DeltaByteArray:
      if (leaf.phys != PhysType::ByteArray && leaf.phys != PhysType::FixedLenByteArray)
        return Status::error("DELTA_BYTE_ARRAY is only for byte arrays");
      return decode_delta_byte_array(p, n_bytes, nn, out, leaf.phys == PhysType::FixedLenByteArray ? w : 0);
    case Encoding::ByteStreamSplit:
      if (w <= 0) return Status::error("BYTE_STREAM_SPLIT is not for this type");
      return decode_byte_stream_split(p, n_bytes, w, nn, out);
    case Encoding::BitPacked: break;
  }
  return Status::error("unsupported value encoding " + std::to_string(int(enc)));
}

// The pages of a chunk. Flat (`levels_out` null): `target` rows become a column with nulls.
// Nested: `target` level entries; their levels go to `levels_out` and only the non-null values
// into the column (dense), for assemble() to place.
Result<col::ColumnPtr> read_chunk(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                  int64_t target, const ReadLimits& limits, LeafLevels* levels_out) {
  using R = Result<col::ColumnPtr>;
  const int64_t num_rows = target;
  ColumnOut out(leaf);
  std::vector<uint32_t> replev;
  const int rep_bw = bit_width(leaf.max_rep);
  PhysValues dict, vals;
  bool have_dict = false;
  std::string page;
  std::vector<uint32_t> levels;
  std::vector<uint8_t> valid;
  const int def_bw = bit_width(leaf.max_def);
  size_t pos = 0;
  int64_t rows = 0;
  while (rows < num_rows) {
    if (pos >= size) return R::error("column chunk ends after " + std::to_string(rows) + " of " + std::to_string(num_rows) + (levels_out ? " values" : " rows"));
    size_t hsize = 0;
    auto hdr = parse_page_header(chunk + pos, size - pos, hsize);
    if (!hdr) return R::error(hdr.error_message());
    const PageHeader& h = hdr.value();
    pos += hsize;
    if (size_t(h.compressed_size) > size - pos) return R::error("page of " + std::to_string(h.compressed_size) + " bytes runs past its column chunk");
    if (h.uncompressed_size > limits.max_page_bytes) return R::error("page of " + std::to_string(h.uncompressed_size) + " bytes is too large");
    const uint8_t* raw = chunk + pos;
    const size_t raw_size = size_t(h.compressed_size);
    pos += raw_size;
    if (h.type == PageType::IndexPage) continue;
    // parquet-mr's ParquetFileReader.verifyCrc, with its texts.
    if (limits.verify_checksums && h.crc && uint32_t(*h.crc) != uint32_t(crc32(0, raw, uInt(raw_size))))
      return R::error(h.type == PageType::DictionaryPage
                          ? "could not verify dictionary page integrity, CRC checksum verification failed"
                          : "could not verify page integrity, CRC checksum verification failed");
    if (h.type == PageType::DictionaryPage) {
      if (!h.dict) return R::error("dictionary page without its header");
      if (have_dict) return R::error("a second dictionary page in a column chunk");
      if (h.dict->num_values < 0 || h.dict->num_values > limits.max_page_values) return R::error("bad dictionary size");
      if (auto s = decompress(meta.codec, raw, raw_size, size_t(h.uncompressed_size), page); !s) return R::error(s.message());
      if (h.dict->encoding != Encoding::Plain && h.dict->encoding != Encoding::PlainDictionary)
        return R::error("unsupported dictionary page encoding " + std::to_string(int(h.dict->encoding)));
      auto s = decode_plain(reinterpret_cast<const uint8_t*>(page.data()), page.size(), plain_width(leaf), h.dict->num_values, dict);
      if (!s) return R::error("dictionary page: " + s.message());
      have_dict = true;
      continue;
    }
    // A data page: levels, then values.
    int64_t n = 0;
    Encoding enc;
    const uint8_t* body;
    size_t body_size;
    const uint8_t* def_data = nullptr;
    const uint8_t* rep_data = nullptr;
    size_t def_size = 0, rep_size = 0;
    bool def_rle = true;
    if (h.type == PageType::DataPage) {
      if (!h.v1) return R::error("data page without its header");
      n = h.v1->num_values;
      enc = h.v1->encoding;
      if (n < 0 || n > limits.max_page_values || n > num_rows - rows) return R::error("data page claims " + std::to_string(n) + " values");
      if (auto s = decompress(meta.codec, raw, raw_size, size_t(h.uncompressed_size), page); !s) return R::error(s.message());
      body = reinterpret_cast<const uint8_t*>(page.data());
      body_size = page.size();
      if (leaf.max_rep > 0) {  // repetition levels come first, RLE with a length prefix
        if (h.v1->rep_encoding != Encoding::Rle) return R::error("unsupported repetition level encoding");
        if (body_size < 4) return R::error("repetition levels lack their length");
        uint32_t len;
        std::memcpy(&len, body, 4);
        if (len > body_size - 4) return R::error("repetition levels longer than their page");
        rep_data = body + 4;
        rep_size = len;
        body += 4 + len;
        body_size -= 4 + len;
      }
      if (leaf.max_def > 0) {
        if (h.v1->def_encoding == Encoding::Rle) {
          if (body_size < 4) return R::error("definition levels lack their length");
          uint32_t len;
          std::memcpy(&len, body, 4);
          if (len > body_size - 4) return R::error("definition levels longer than their page");
          def_data = body + 4;
          def_size = len;
          body += 4 + len;
          body_size -= 4 + len;
        } else if (h.v1->def_encoding == Encoding::BitPacked) {
          def_rle = false;
          const size_t len = (size_t(n) * size_t(def_bw) + 7) / 8;
          if (len > body_size) return R::error("definition levels longer than their page");
          def_data = body;
          def_size = len;
          body += len;
          body_size -= len;
        } else {
          return R::error("unsupported definition level encoding");
        }
      }
    } else {
      if (!h.v2) return R::error("data page v2 without its header");
      const auto& v2 = *h.v2;
      n = v2.num_values;
      enc = v2.encoding;
      if (n < 0 || n > limits.max_page_values || n > num_rows - rows) return R::error("data page claims " + std::to_string(n) + " values");
      if (v2.def_levels_bytes < 0 || v2.rep_levels_bytes < 0 ||
          uint64_t(v2.def_levels_bytes) + uint64_t(v2.rep_levels_bytes) > raw_size ||
          uint64_t(v2.def_levels_bytes) + uint64_t(v2.rep_levels_bytes) > uint64_t(h.uncompressed_size))
        return R::error("data page v2 level lengths exceed the page");
      const size_t lv = size_t(v2.def_levels_bytes) + size_t(v2.rep_levels_bytes);
      def_data = raw + v2.rep_levels_bytes;
      def_size = size_t(v2.def_levels_bytes);
      rep_data = raw;
      rep_size = size_t(v2.rep_levels_bytes);
      const size_t expected = size_t(h.uncompressed_size) - lv;
      if (v2.is_compressed && meta.codec != Codec::Uncompressed && raw_size - lv > 0) {
        if (auto s = decompress(meta.codec, raw + lv, raw_size - lv, expected, page); !s) return R::error(s.message());
      } else {
        page.assign(reinterpret_cast<const char*>(raw + lv), raw_size - lv);
      }
      body = reinterpret_cast<const uint8_t*>(page.data());
      body_size = page.size();
      if (leaf.max_def == 0) def_data = nullptr;
    }
    valid.assign(size_t(n), 1);
    int64_t nn = n;
    if (leaf.max_def > 0) {
      levels.resize(size_t(n));
      if (def_rle) {
        RleDecoder d(def_data, def_size, def_bw);
        if (!d.get(levels.data(), n)) return R::error("definition levels: " + d.error());
      } else if (auto s = decode_bit_packed_levels(def_data, def_size, def_bw, n, levels.data()); !s) {
        return R::error(s.message());
      }
      nn = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (levels[size_t(i)] > uint32_t(leaf.max_def)) return R::error("definition level above the column's maximum");
        valid[size_t(i)] = levels[size_t(i)] == uint32_t(leaf.max_def);
        nn += valid[size_t(i)];
      }
    }
    if (auto s = decode_values(enc, body, body_size, nn, leaf, have_dict ? &dict : nullptr, vals); !s) return R::error(s.message());
    if (levels_out) {
      if (leaf.max_rep > 0) {
        replev.resize(size_t(n));
        RleDecoder d(rep_data, rep_size, rep_bw);
        if (!d.get(replev.data(), n)) return R::error("repetition levels: " + d.error());
        for (int64_t i = 0; i < n; ++i)
          if (replev[size_t(i)] > uint32_t(leaf.max_rep)) return R::error("repetition level above the column's maximum");
        if (rows == 0 && n > 0 && replev[0] != 0) return R::error("the first repetition level is not 0");
      } else {
        replev.assign(size_t(n), 0);
      }
      if (leaf.max_def == 0) levels.assign(size_t(n), 0);
      levels_out->def.insert(levels_out->def.end(), levels.begin(), levels.begin() + n);
      levels_out->rep.insert(levels_out->rep.end(), replev.begin(), replev.begin() + n);
      valid.assign(size_t(nn), 1);  // dense: only the values
      if (auto s = out.append(valid.data(), nn, vals); !s) return R::error(s.message());
    } else if (auto s = out.append(valid.data(), n, vals); !s) {
      return R::error(s.message());
    }
    rows += n;
  }
  return out.finish(col::make_type(leaf.type));
}

}  // namespace

Result<col::ColumnPtr> read_flat_column(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                        int64_t num_rows, const ReadLimits& limits) {
  if (leaf.max_rep != 0) return Result<col::ColumnPtr>::error("a repeated column is not flat");
  return read_chunk(chunk, size, meta, leaf, num_rows, limits, nullptr);
}

Result<col::ColumnPtr> read_leaf_levels(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                        const ReadLimits& limits, LeafLevels& levels) {
  if (meta.num_values < 0) return Result<col::ColumnPtr>::error("negative value count");
  return read_chunk(chunk, size, meta, leaf, meta.num_values, limits, &levels);
}

}  // namespace spp::sql::parquet
