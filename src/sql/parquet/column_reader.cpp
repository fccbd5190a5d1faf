// Flat column chunks -> columns (see the header).
#include "sql/parquet/column_reader.h"

#include <zlib.h>

#include <algorithm>
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

// One data page located in its (decompressed) bytes: levels and values still encoded.
struct DataPage {
  int64_t n = 0;  // level entries (rows of a flat column), nulls included
  Encoding enc = Encoding::Plain;
  const uint8_t* body = nullptr;  // the values
  size_t body_size = 0;
  const uint8_t* def_data = nullptr;
  size_t def_size = 0;
  bool def_rle = true;  // else the deprecated BIT_PACKED
  const uint8_t* rep_data = nullptr;
  size_t rep_size = 0;
};

// The pages of a chunk one after the other: the dictionary page decoded on the way (dict()),
// data pages decompressed and split into levels and values. Index pages are skipped.
class PageReader {
 public:
  // `scratch`: where pages are decompressed (kept by the caller for the next chunk), else our own.
  PageReader(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf, const ReadLimits& limits,
             std::string* scratch = nullptr)
      : chunk_(chunk), size_(size), meta_(meta), leaf_(leaf), limits_(limits), def_bw_(bit_width(leaf.max_def)),
        page_(scratch ? *scratch : own_page_) {}

  // The next data page, of at most `left` entries (`done` read so far; `what` names them in errors).
  Status next(int64_t done, int64_t left, const char* what, DataPage& dp) {
    for (;;) {
      if (pos_ >= size_)
        return Status::error("column chunk ends after " + std::to_string(done) + " of " + std::to_string(done + left) + what);
      PageHeader h;
      const uint8_t* raw = nullptr;
      size_t raw_size = 0;
      if (auto s = next_page(h, raw, raw_size); !s) return s;
      if (h.type == PageType::IndexPage) continue;
      if (h.type == PageType::DictionaryPage) {
        if (auto s = take_dictionary(h, raw, raw_size); !s) return s;
        continue;
      }
      return data_page(h, raw, raw_size, left, dp);
    }
  }
  // Only the dictionary page, which must come first (index pages aside): dictionary filtering.
  Status dictionary_only() {
    for (;;) {
      if (pos_ >= size_) return Status::error("no dictionary page");
      PageHeader h;
      const uint8_t* raw = nullptr;
      size_t raw_size = 0;
      if (auto s = next_page(h, raw, raw_size); !s) return s;
      if (h.type == PageType::IndexPage) continue;
      if (h.type != PageType::DictionaryPage) return Status::error("a data page before the dictionary page");
      return take_dictionary(h, raw, raw_size);
    }
  }
  const PhysValues* dict() const { return have_dict_ ? &dict_ : nullptr; }
  int def_bw() const { return def_bw_; }

 private:
  // The page at pos_: its header and (still compressed) bytes, checked against the chunk, the
  // size limit and its CRC.
  Status next_page(PageHeader& out, const uint8_t*& raw, size_t& raw_size) {
    size_t hsize = 0;
    auto hdr = parse_page_header(chunk_ + pos_, size_ - pos_, hsize);
    if (!hdr) return Status::error(hdr.error_message());
    const PageHeader& h = hdr.value();
    pos_ += hsize;
    if (size_t(h.compressed_size) > size_ - pos_) return Status::error("page of " + std::to_string(h.compressed_size) + " bytes runs past its column chunk");
    if (h.uncompressed_size > limits_.max_page_bytes) return Status::error("page of " + std::to_string(h.uncompressed_size) + " bytes is too large");
    raw = chunk_ + pos_;
    raw_size = size_t(h.compressed_size);
    pos_ += raw_size;
    out = h;
    if (h.type == PageType::IndexPage) return Status::ok();
    // parquet-mr's ParquetFileReader.verifyCrc, with its texts.
    if (limits_.verify_checksums && h.crc && uint32_t(*h.crc) != uint32_t(crc32(0, raw, uInt(raw_size))))
      return Status::error(h.type == PageType::DictionaryPage
                               ? "could not verify dictionary page integrity, CRC checksum verification failed"
                               : "could not verify page integrity, CRC checksum verification failed");
    return Status::ok();
  }

  Status take_dictionary(const PageHeader& h, const uint8_t* raw, size_t raw_size) {
    if (!h.dict) return Status::error("dictionary page without its header");
    if (have_dict_) return Status::error("a second dictionary page in a column chunk");
    if (h.dict->num_values < 0 || h.dict->num_values > limits_.max_page_values) return Status::error("bad dictionary size");
    if (auto s = decompress(meta_.codec, raw, raw_size, size_t(h.uncompressed_size), page_); !s) return s;
    if (h.dict->encoding != Encoding::Plain && h.dict->encoding != Encoding::PlainDictionary)
      return Status::error("unsupported dictionary page encoding " + std::to_string(int(h.dict->encoding)));
    auto s = decode_plain(reinterpret_cast<const uint8_t*>(page_.data()), page_.size(), plain_width(leaf_), h.dict->num_values, dict_);
    if (!s) return Status::error("dictionary page: " + s.message());
    have_dict_ = true;
    return Status::ok();
  }

  // A page's bytes: decompressed into page_, or the stored ones when they are not compressed.
  Status body_bytes(const uint8_t* raw, size_t raw_size, size_t expected, bool compressed, const uint8_t*& body, size_t& body_size) {
    if (!compressed || meta_.codec == Codec::Uncompressed) {
      if (compressed && raw_size != expected)
        return Status::error("UNCOMPRESSED page decompressed to " + std::to_string(raw_size) + " bytes, its header says " + std::to_string(expected));
      body = raw;
      body_size = raw_size;
      return Status::ok();
    }
    if (auto s = decompress(meta_.codec, raw, raw_size, expected, page_); !s) return s;
    body = reinterpret_cast<const uint8_t*>(page_.data());
    body_size = page_.size();
    return Status::ok();
  }

  Status data_page(const PageHeader& h, const uint8_t* raw, size_t raw_size, int64_t left, DataPage& dp) {
    dp = DataPage{};
    if (h.type == PageType::DataPage) {
      if (!h.v1) return Status::error("data page without its header");
      dp.n = h.v1->num_values;
      dp.enc = h.v1->encoding;
      if (dp.n < 0 || dp.n > limits_.max_page_values || dp.n > left) return Status::error("data page claims " + std::to_string(dp.n) + " values");
      const uint8_t* body;
      size_t body_size;
      if (auto s = body_bytes(raw, raw_size, size_t(h.uncompressed_size), true, body, body_size); !s) return s;
      if (leaf_.max_rep > 0) {  // repetition levels come first, RLE with a length prefix
        if (h.v1->rep_encoding != Encoding::Rle) return Status::error("unsupported repetition level encoding");
        if (body_size < 4) return Status::error("repetition levels lack their length");
        uint32_t len;
        std::memcpy(&len, body, 4);
        if (len > body_size - 4) return Status::error("repetition levels longer than their page");
        dp.rep_data = body + 4;
        dp.rep_size = len;
        body += 4 + len;
        body_size -= 4 + len;
      }
      if (leaf_.max_def > 0) {
        if (h.v1->def_encoding == Encoding::Rle) {
          if (body_size < 4) return Status::error("definition levels lack their length");
          uint32_t len;
          std::memcpy(&len, body, 4);
          if (len > body_size - 4) return Status::error("definition levels longer than their page");
          dp.def_data = body + 4;
          dp.def_size = len;
          body += 4 + len;
          body_size -= 4 + len;
        } else if (h.v1->def_encoding == Encoding::BitPacked) {
          dp.def_rle = false;
          const size_t len = (size_t(dp.n) * size_t(def_bw_) + 7) / 8;
          if (len > body_size) return Status::error("definition levels longer than their page");
          dp.def_data = body;
          dp.def_size = len;
          body += len;
          body_size -= len;
        } else {
          return Status::error("unsupported definition level encoding");
        }
      }
      dp.body = body;
      dp.body_size = body_size;
      return Status::ok();
    }
    if (!h.v2) return Status::error("data page v2 without its header");
    const auto& v2 = *h.v2;
    dp.n = v2.num_values;
    dp.enc = v2.encoding;
    if (dp.n < 0 || dp.n > limits_.max_page_values || dp.n > left) return Status::error("data page claims " + std::to_string(dp.n) + " values");
    if (v2.def_levels_bytes < 0 || v2.rep_levels_bytes < 0 ||
        uint64_t(v2.def_levels_bytes) + uint64_t(v2.rep_levels_bytes) > raw_size ||
        uint64_t(v2.def_levels_bytes) + uint64_t(v2.rep_levels_bytes) > uint64_t(h.uncompressed_size))
      return Status::error("data page v2 level lengths exceed the page");
    const size_t lv = size_t(v2.def_levels_bytes) + size_t(v2.rep_levels_bytes);
    dp.def_data = raw + v2.rep_levels_bytes;
    dp.def_size = size_t(v2.def_levels_bytes);
    dp.rep_data = raw;
    dp.rep_size = size_t(v2.rep_levels_bytes);
    const size_t expected = size_t(h.uncompressed_size) - lv;
    const bool compressed = v2.is_compressed && meta_.codec != Codec::Uncompressed && raw_size - lv > 0;
    if (auto s = body_bytes(raw + lv, raw_size - lv, expected, compressed, dp.body, dp.body_size); !s) return s;
    if (leaf_.max_def == 0) dp.def_data = nullptr;
    return Status::ok();
  }

  const uint8_t* chunk_;
  size_t size_;
  const ColumnMeta& meta_;
  const Leaf& leaf_;
  const ReadLimits& limits_;
  const int def_bw_;
  size_t pos_ = 0;
  std::string own_page_;
  std::string& page_;
  PhysValues dict_;
  bool have_dict_ = false;
};

// ---- flat fixed-width columns: values decoded straight into the column ----------------------

// Values in their physical form, wherever they are (a page, a dictionary, PhysValues).
struct ValView {
  const uint8_t* fixed = nullptr;  // width > 0
  int width = 0;
  const int64_t* offsets = nullptr;  // byte arrays
  const char* bytes = nullptr;
};
ValView view_of(const PhysValues& v) { return {v.fixed.data(), v.width, v.offsets.data(), v.bytes.data()}; }

// Bytes of one converted value (0: not a fixed-width conversion).
int conv_width(Conv c) {
  switch (c) {
    case Conv::Int32: case Conv::Float: return 4;
    case Conv::Int32ToByte: return 1;
    case Conv::Int32ToShort: return 2;
    case Conv::Uint32ToLong: case Conv::Int64: case Conv::MillisToMicros: case Conv::NanosToMicros:
    case Conv::Int96ToMicros: case Conv::Double: return 8;
    case Conv::Int32ToDecimal: case Conv::Int64ToDecimal: case Conv::Uint64ToDecimal: case Conv::BytesToDecimal: return 16;
    case Conv::Bool: case Conv::Bytes: return 0;
  }
  return 0;
}

template <typename T> T load_at(const uint8_t* in, int64_t j) {
  T v;
  std::memcpy(&v, in + size_t(j) * sizeof(T), sizeof(T));
  return v;
}
template <typename T, typename F> void fill_dense(uint8_t* out, int64_t n, F get) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = get(i);
    std::memcpy(out + size_t(i) * sizeof(T), &v, sizeof(T));
  }
}

// n values of `in` converted to the leaf's Spark type, packed into out (conv_width bytes each).
Status convert_dense(Conv conv, const ValView& in, int64_t n, uint8_t* out) {
  const uint8_t* f = in.fixed;
  switch (conv) {
    case Conv::Int32: case Conv::Float: if (n) std::memcpy(out, f, size_t(n) * 4); return Status::ok();
    case Conv::Int64: case Conv::Double: if (n) std::memcpy(out, f, size_t(n) * 8); return Status::ok();
    case Conv::Int32ToByte: fill_dense<int8_t>(out, n, [&](int64_t j) { return int8_t(load_at<int32_t>(f, j)); }); return Status::ok();
    case Conv::Int32ToShort: fill_dense<int16_t>(out, n, [&](int64_t j) { return int16_t(load_at<int32_t>(f, j)); }); return Status::ok();
    case Conv::Uint32ToLong: fill_dense<int64_t>(out, n, [&](int64_t j) { return int64_t(load_at<uint32_t>(f, j)); }); return Status::ok();
    case Conv::Int32ToDecimal: fill_dense<__int128>(out, n, [&](int64_t j) { return __int128(load_at<int32_t>(f, j)); }); return Status::ok();
    case Conv::Int64ToDecimal: fill_dense<__int128>(out, n, [&](int64_t j) { return __int128(load_at<int64_t>(f, j)); }); return Status::ok();
    case Conv::Uint64ToDecimal: fill_dense<__int128>(out, n, [&](int64_t j) { return __int128(load_at<uint64_t>(f, j)); }); return Status::ok();
    case Conv::MillisToMicros:
      fill_dense<int64_t>(out, n, [&](int64_t j) { return int64_t(uint64_t(load_at<int64_t>(f, j)) * 1000u); });
      return Status::ok();
    case Conv::NanosToMicros: fill_dense<int64_t>(out, n, [&](int64_t j) { return load_at<int64_t>(f, j) / 1000; }); return Status::ok();
    case Conv::Int96ToMicros:
      // 8 bytes of nanoseconds in the day, then the Julian day (Spark's fromJulianDay).
      fill_dense<int64_t>(out, n, [&](int64_t j) {
        int64_t nanos;
        int32_t day;
        std::memcpy(&nanos, f + 12 * j, 8);
        std::memcpy(&day, f + 12 * j + 8, 4);
        return int64_t(uint64_t(int64_t(day) - 2440588) * 86400000000ull + uint64_t(nanos / 1000));
      });
      return Status::ok();
    case Conv::BytesToDecimal: {
      bool ok = true;
      if (in.width > 0) {
        const size_t bw = size_t(in.width);
        fill_dense<__int128>(out, n, [&](int64_t j) { return be_to_int128(f + size_t(j) * bw, bw, ok); });
      } else {
        fill_dense<__int128>(out, n, [&](int64_t j) {
          return be_to_int128(reinterpret_cast<const uint8_t*>(in.bytes + in.offsets[size_t(j)]),
                              size_t(in.offsets[size_t(j) + 1] - in.offsets[size_t(j)]), ok);
        });
      }
      if (!ok) return Status::error("decimal value wider than 16 bytes");
      return Status::ok();
    }
    case Conv::Bool: case Conv::Bytes: break;
  }
  return Status::error("bad conversion");
}

// Bits [from, from + n) of a bitmap set.
void set_bits(uint8_t* bits, int64_t from, int64_t n) {
  int64_t i = from;
  const int64_t end = from + n;
  for (; i < end && (i & 7); ++i) col::set_bit(bits, i);
  if (end - i >= 8) {
    std::memset(bits + (i >> 3), 0xff, size_t((end - i) >> 3));
    i += (end - i) & ~int64_t(7);
  }
  for (; i < end; ++i) col::set_bit(bits, i);
}

// The values of a page with nulls spread out in place: out[0..nn) holds the non-null ones; each
// moves to its row (validity bits from `at`), NULL rows get zeros. Backwards, so nothing is
// overwritten before it moved.
template <size_t W> void spread(uint8_t* out, const uint8_t* bits, int64_t at, int64_t n, int64_t nn) {
  int64_t j = nn;
  for (int64_t i = n - 1; i >= 0; --i) {
    if (col::get_bit(bits, at + i)) {
      --j;
      if (j != i) std::memcpy(out + size_t(i) * W, out + size_t(j) * W, W);
    } else {
      std::memset(out + size_t(i) * W, 0, W);
    }
  }
}

// values[i] = dict[idx[i]] for a batch of indices already checked against the dictionary.
template <typename T> inline void gather_batch(T* out, const T* dict, const uint32_t* idx, int64_t k) {
  for (int64_t j = 0; j < k; ++j) out[j] = dict[idx[j]];
}

template <size_t W> struct Word;
template <> struct Word<1> { using T = uint8_t; };
template <> struct Word<2> { using T = uint16_t; };
template <> struct Word<4> { using T = uint32_t; };
template <> struct Word<8> { using T = uint64_t; };
template <> struct Word<16> { using T = unsigned __int128; };

// A flat column chunk of a fixed-width Spark type (not BOOLEAN) read in pieces of rows: each
// piece's values decoded (converted) straight into its column — PLAIN copied or converted from
// the page, dictionary indices unpacked 32 at a time and gathered from the dictionary converted
// once — and the validity bitmap made only once a NULL appears, from the definition levels'
// runs. A page may span pieces: its decoders keep their place.
class FlatFixedReader final : public FlatColumnReader {
 public:
  FlatFixedReader(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf, int64_t rows,
                  const ReadLimits& limits, std::string* scratch)
      : pages_(chunk, size, meta, leaf, limits, scratch), leaf_(leaf), rows_(rows), w_(col::fixed_width(leaf.type.id)) {}

  int64_t rows_left() const override { return rows_ - done_; }

  Result<col::ColumnPtr> next(int64_t m) override {
    using R = Result<col::ColumnPtr>;
    m = std::max<int64_t>(0, std::min(m, rows_ - done_));
    // Sized as pages arrive, not from the row count a footer claims (it may lie): a piece the
    // scan asks for fits the first allocation; a whole chunk grows by doubling.
    m_ = m;
    cap_ = std::min<int64_t>(m, kFirstRows);
    values_ = std::make_shared<col::Buffer>(size_t(cap_) * size_t(w_));
    validity_.reset();
    nulls_ = 0;
    int64_t at = 0;
    while (at < m) {
      if (page_left_ == 0) {
        if (auto s = start_page(); !s) return R::error(s.message());
        continue;
      }
      const int64_t k = std::min(page_left_, m - at);
      if (at + k > cap_) grow(at + k);
      int64_t nn = k;
      if (leaf_.max_def > 0) {
        auto v = levels(k, at);
        if (!v) return R::error(v.error_message());
        nn = v.value();
      }
      if (auto s = values(at, nn); !s) return R::error(s.message());
      if (nn < k) {
        uint8_t* out = values_->data() + size_t(at) * size_t(w_);
        const uint8_t* bits = validity_->data();
        switch (w_) {
          case 1: spread<1>(out, bits, at, k, nn); break;
          case 2: spread<2>(out, bits, at, k, nn); break;
          case 4: spread<4>(out, bits, at, k, nn); break;
          case 8: spread<8>(out, bits, at, k, nn); break;
          default: spread<16>(out, bits, at, k, nn); break;
        }
      }
      at += k;
      page_left_ -= k;
      done_ += k;
    }
    if (cap_ > m) {  // only the first allocation can be larger than the piece
      values_->resize(size_t(m) * size_t(w_));
      if (validity_) validity_->resize(size_t(col::bitmap_bytes(m)));
    }
    auto c = std::make_shared<col::Column>();
    c->type = type_ ? type_ : (type_ = col::make_type(leaf_.type));
    c->length = m;
    c->null_count = nulls_;
    if (nulls_ > 0) c->validity = std::move(validity_);
    c->values = std::move(values_);
    return c;
  }

 private:
  Status start_page() {
    if (auto s = pages_.next(done_, rows_ - done_, " rows", dp_); !s) return s;
    page_left_ = dp_.n;
    if (leaf_.max_def > 0) {
      if (dp_.def_rle) {
        def_ = RleDecoder(dp_.def_data, dp_.def_size, pages_.def_bw());
      } else {  // the deprecated BIT_PACKED levels: the whole page's at once
        lv_.resize(size_t(dp_.n));
        lv_pos_ = 0;
        if (auto s = decode_bit_packed_levels(dp_.def_data, dp_.def_size, pages_.def_bw(), dp_.n, lv_.data()); !s) return s;
      }
    }
    src_ = Src::None;
    pos_ = 0;
    return Status::ok();
  }

  // The validity bitmap of this piece, made at its first NULL: rows before `upto` valid.
  void materialize(int64_t upto) {
    if (validity_) return;
    validity_ = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(cap_)));
    set_bits(validity_->data(), 0, upto);
  }

  // Room for `rows` rows of the piece (pages already read hold them, so this is bounded by data).
  void grow(int64_t rows) {
    cap_ = std::min(m_, std::max(rows, cap_ * 2));
    values_->resize(size_t(cap_) * size_t(w_));
    if (validity_) validity_->resize(size_t(col::bitmap_bytes(cap_)));
  }

  // The next k definition levels into the validity of rows [at, at + k); their non-null count.
  Result<int64_t> levels(int64_t k, int64_t at) {
    using R = Result<int64_t>;
    const uint32_t maxd = uint32_t(leaf_.max_def);
    int64_t i = 0, nulls = 0;
    bool bad = false;
    auto run = [&](uint32_t v, int64_t c) {
      if (v == maxd) {
        if (validity_) set_bits(validity_->data(), at + i, c);
      } else {
        bad |= v > maxd;
        materialize(at + i);
        nulls += c;
      }
      i += c;
    };
    auto batch = [&](const uint32_t* v, int64_t c) {
      uint32_t hi = 0;
      int64_t valid = 0;
      for (int64_t j = 0; j < c; ++j) {
        hi = std::max(hi, v[j]);
        valid += v[j] == maxd;
      }
      bad |= hi > maxd;
      if (valid < c) materialize(at + i);
      if (validity_) {
        uint8_t* bits = validity_->data();
        for (int64_t j = 0; j < c; ++j)
          if (v[j] == maxd) col::set_bit(bits, at + i + j);
      }
      nulls += c - valid;
      i += c;
    };
    if (dp_.def_rle) {
      if (!def_.visit(k, run, batch)) return R::error("definition levels: " + def_.error());
    } else {
      batch(lv_.data() + lv_pos_, k);
      lv_pos_ += k;
    }
    if (bad) return R::error("definition level above the column's maximum");
    nulls_ += nulls;
    return k - nulls;
  }

  // Where the page's values come from, set up at its first non-null value.
  enum class Src { None, Plain, Dict, Decoded };

  Status open_values() {
    const int pw = plain_width(leaf_);
    if (dp_.enc == Encoding::Plain && pw > 0) {
      src_ = Src::Plain;
      return Status::ok();
    }
    if (dp_.enc == Encoding::PlainDictionary || dp_.enc == Encoding::RleDictionary) {
      const PhysValues* dict = pages_.dict();
      if (!dict) return Status::error("dictionary-encoded page without a dictionary page");
      if (dp_.body_size < 1) return Status::error("dictionary page lacks its index bit width");
      if (!dict_ready_) {  // the dictionary converted to the column's type, once
        dict_count_ = dict->count;
        dict_conv_.assign(size_t(dict->count) * size_t(w_) + 16, 0);
        if (auto s = convert_dense(leaf_.conv, view_of(*dict), dict->count, dict_conv_.data()); !s) return s;
        dict_slots_ = dict->count;
        dict_ready_ = true;
      }
      // Indices of up to 16 bits: the dictionary padded to every value they can take, so the
      // gather needs no bounds check before its load (an index past the dictionary is still an error).
      const int bw = dp_.body[0];
      padded_ = bw <= 16;
      if (padded_ && (int64_t(1) << bw) > dict_slots_) {
        dict_slots_ = int64_t(1) << bw;
        dict_conv_.resize(size_t(dict_slots_) * size_t(w_) + 16, 0);
      }
      idx_ = RleDecoder(dp_.body + 1, dp_.body_size - 1, dp_.body[0]);
      src_ = Src::Dict;
      return Status::ok();
    }
    // Other encodings decode the page's values at once: as many as its non-null levels.
    int64_t nn = dp_.n;
    if (leaf_.max_def > 0) {
      const uint32_t maxd = uint32_t(leaf_.max_def);
      if (dp_.def_rle) {
        nn = 0;
        RleDecoder d(dp_.def_data, dp_.def_size, pages_.def_bw());
        if (!d.visit(dp_.n, [&](uint32_t v, int64_t c) { nn += v == maxd ? c : 0; },
                     [&](const uint32_t* v, int64_t c) { for (int64_t j = 0; j < c; ++j) nn += v[j] == maxd; }))
          return Status::error("definition levels: " + d.error());
      } else {
        nn = int64_t(std::count(lv_.begin(), lv_.begin() + dp_.n, maxd));
      }
    }
    if (auto s = decode_values(dp_.enc, dp_.body, dp_.body_size, nn, leaf_, pages_.dict(), vals_); !s) return s;
    if (vals_.count != nn) return Status::error("page holds " + std::to_string(vals_.count) + " values for " + std::to_string(nn) + " non-null rows");
    src_ = Src::Decoded;
    return Status::ok();
  }

  // The page's next nn values, converted, into the piece from row `at` (packed; spread afterwards).
  Status values(int64_t at, int64_t nn) {
    if (nn == 0) return Status::ok();
    if (src_ == Src::None)
      if (auto s = open_values(); !s) return s;
    uint8_t* out = values_->data() + size_t(at) * size_t(w_);
    switch (src_) {
      case Src::Plain: {
        const int pw = plain_width(leaf_);
        if (uint64_t(pos_ + nn) * uint64_t(pw) > dp_.body_size) return Status::error("PLAIN values end early");
        auto s = convert_dense(leaf_.conv, ValView{dp_.body + size_t(pos_) * size_t(pw), pw, nullptr, nullptr}, nn, out);
        pos_ += nn;
        return s;
      }
      case Src::Dict: {
        bool ok = true;
        switch (w_) {
          case 1: ok = gather<1>(nn, out); break;
          case 2: ok = gather<2>(nn, out); break;
          case 4: ok = gather<4>(nn, out); break;
          case 8: ok = gather<8>(nn, out); break;
          default: ok = gather<16>(nn, out); break;
        }
        if (!ok) {
          if (!idx_.error().empty()) return Status::error("dictionary indices: " + idx_.error());
          return Status::error("dictionary index " + std::to_string(bad_index_) + " out of range (" + std::to_string(dict_count_) + " entries)");
        }
        return Status::ok();
      }
      case Src::Decoded: {
        if (pos_ + nn > vals_.count) return Status::error("page holds " + std::to_string(vals_.count) + " values for more non-null rows");
        ValView v = view_of(vals_);
        if (v.width > 0) v.fixed += size_t(pos_) * size_t(v.width);
        else v.offsets += pos_;
        auto s = convert_dense(leaf_.conv, v, nn, out);
        pos_ += nn;
        return s;
      }
      case Src::None: break;
    }
    return Status::error("no values");
  }

  template <size_t W> bool gather(int64_t nn, uint8_t* out_bytes) {
    using T = typename Word<W>::T;
    const T* dict = reinterpret_cast<const T*>(dict_conv_.data());
    T* out = reinterpret_cast<T*>(out_bytes);  // the column's buffer: 64-byte aligned
    const int64_t count = dict_count_;
    int64_t i = 0;
    bool bad = false;
    auto run = [&](uint32_t v, int64_t k) {
      if (int64_t(v) >= count) { bad = true; bad_index_ = v; }
      else std::fill(out + i, out + i + k, dict[v]);
      i += k;
    };
    auto batch = [&](const uint32_t* v, int64_t k) {
      if (padded_) {  // gathered and checked in one pass
        uint32_t over = 0;
        for (int64_t j = 0; j < k; ++j) {
          over |= uint32_t(int64_t(v[j]) >= count);
          out[i + j] = dict[v[j]];
        }
        if (over) {
          bad = true;
          for (int64_t j = 0; j < k; ++j)
            if (int64_t(v[j]) >= count) { bad_index_ = v[j]; break; }
        }
      } else {
        uint32_t hi = 0;
        for (int64_t j = 0; j < k; ++j) hi = std::max(hi, v[j]);
        if (int64_t(hi) >= count) { bad = true; bad_index_ = hi; }
        else gather_batch<T>(out + i, dict, v, k);
      }
      i += k;
    };
    if (!idx_.visit(nn, run, batch)) return false;
    return !bad;
  }

  PageReader pages_;
  const Leaf& leaf_;
  const int64_t rows_;
  const int w_;
  col::ColTypePtr type_;
  int64_t done_ = 0;       // rows handed out
  // the current page
  DataPage dp_;
  int64_t page_left_ = 0;  // its rows not yet read
  RleDecoder def_{nullptr, 0, 0};
  std::vector<uint32_t> lv_;
  int64_t lv_pos_ = 0;
  Src src_ = Src::None;
  int64_t pos_ = 0;        // values taken from it (PLAIN, decoded)
  RleDecoder idx_{nullptr, 0, 0};
  PhysValues vals_;
  // the current piece
  static constexpr int64_t kFirstRows = 1 << 16;
  int64_t m_ = 0, cap_ = 0, nulls_ = 0;
  col::BufferPtr values_, validity_;
  // the chunk's dictionary, converted
  std::vector<uint8_t> dict_conv_;
  int64_t dict_count_ = 0, dict_slots_ = 0;  // entries, and entries dict_conv_ holds (padded with zeros)
  bool dict_ready_ = false, padded_ = false;
  uint32_t bad_index_ = 0;
};

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
  PageReader pages(chunk, size, meta, leaf, limits);
  PhysValues vals;
  std::vector<uint32_t> levels;
  std::vector<uint8_t> valid;
  const int def_bw = pages.def_bw();
  int64_t rows = 0;
  DataPage dp;
  while (rows < num_rows) {
    if (auto s = pages.next(rows, num_rows - rows, levels_out ? " values" : " rows", dp); !s) return R::error(s.message());
    const int64_t n = dp.n;
    valid.assign(size_t(n), 1);
    int64_t nn = n;
    if (leaf.max_def > 0) {
      levels.resize(size_t(n));
      if (dp.def_rle) {
        RleDecoder d(dp.def_data, dp.def_size, def_bw);
        if (!d.get(levels.data(), n)) return R::error("definition levels: " + d.error());
      } else if (auto s = decode_bit_packed_levels(dp.def_data, dp.def_size, def_bw, n, levels.data()); !s) {
        return R::error(s.message());
      }
      nn = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (levels[size_t(i)] > uint32_t(leaf.max_def)) return R::error("definition level above the column's maximum");
        valid[size_t(i)] = levels[size_t(i)] == uint32_t(leaf.max_def);
        nn += valid[size_t(i)];
      }
    }
    if (auto s = decode_values(dp.enc, dp.body, dp.body_size, nn, leaf, pages.dict(), vals); !s) return R::error(s.message());
    if (levels_out) {
      if (leaf.max_rep > 0) {
        replev.resize(size_t(n));
        RleDecoder d(dp.rep_data, dp.rep_size, rep_bw);
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
  const col::TypeId id = leaf.type.id;
  if (id != col::TypeId::Boolean && col::is_fixed_width(id) && conv_width(leaf.conv) == col::fixed_width(id))
    return FlatFixedReader(chunk, size, meta, leaf, num_rows, limits, nullptr).next(num_rows);
  return read_chunk(chunk, size, meta, leaf, num_rows, limits, nullptr);
}

std::unique_ptr<FlatColumnReader> open_flat_column(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                                   int64_t num_rows, const ReadLimits& limits, std::string* scratch) {
  const col::TypeId id = leaf.type.id;
  if (leaf.max_rep != 0 || id == col::TypeId::Boolean || !col::is_fixed_width(id) || conv_width(leaf.conv) != col::fixed_width(id))
    return nullptr;
  return std::make_unique<FlatFixedReader>(chunk, size, meta, leaf, num_rows, limits, scratch);
}

Result<col::ColumnPtr> read_leaf_levels(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                        const ReadLimits& limits, LeafLevels& levels) {
  if (meta.num_values < 0) return Result<col::ColumnPtr>::error("negative value count");
  return read_chunk(chunk, size, meta, leaf, meta.num_values, limits, &levels);
}

Status read_dictionary_page(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                            const ReadLimits& limits, PhysValues& out) {
  PageReader pages(chunk, size, meta, leaf, limits);
  if (auto s = pages.dictionary_only(); !s) return s;
  out = *pages.dict();
  return Status::ok();
}

}  // namespace spp::sql::parquet
