// Thrift compact protocol reader (see the header).
#include "sql/parquet/thrift.h"

namespace spp::sql::parquet {

namespace {
constexpr int kMaxDepth = 32;  // Parquet's metadata nests ~6 deep; anything far deeper is hostile
}

void CompactReader::fail(std::string msg) {
  if (err_.empty()) err_ = std::move(msg) + " at byte " + std::to_string(position());
  p_ = end_;
}

uint64_t CompactReader::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p_ >= end_) { fail("truncated varint"); return 0; }
    const uint8_t b = *p_++;
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  fail("varint longer than 10 bytes");
  return 0;
}

void CompactReader::begin_struct() {
  if (depth_ + 1 >= kMaxDepth) { fail("thrift structures nested too deeply"); return; }
  last_id_[++depth_] = 0;
}

void CompactReader::end_struct() {
  if (depth_ > 0) --depth_;
}

bool CompactReader::next_field(int16_t& id, CType& type) {
  if (!ok()) return false;
  if (p_ >= end_) { fail("truncated struct"); return false; }
  const uint8_t b = *p_++;
  const uint8_t t = b & 0x0f;
  if (t == 0) return false;
  if (t > uint8_t(CType::Struct)) { fail("bad thrift field type " + std::to_string(t)); return false; }
  const int delta = b >> 4;
  if (delta) {
    id = int16_t(last_id_[depth_] + delta);
  } else {
    const int64_t v = zigzag();
    if (v < INT16_MIN || v > INT16_MAX) { fail("bad thrift field id"); return false; }
    id = int16_t(v);
  }
  last_id_[depth_] = id;
  type = CType(t);
  pending_bool_ = (type == CType::True || type == CType::False) ? type : CType::Stop;
  return ok();
}

bool CompactReader::expect(CType got, CType want1, CType want2) {
  if (got == want1 || (want2 != CType::Stop && got == want2)) return true;
  fail("unexpected thrift type " + std::to_string(int(got)));
  return false;
}

bool CompactReader::read_bool(CType t) {
  if (t == CType::True || t == CType::False) return t == CType::True;
  if (t == CType::Byte) {  // a boolean list element is one byte
    if (p_ >= end_) { fail("truncated bool"); return false; }
    return *p_++ == 1;
  }
  fail("unexpected thrift type for bool");
  return false;
}

int32_t CompactReader::read_i32(CType t) {
  if (t == CType::Byte) {
    if (p_ >= end_) { fail("truncated byte"); return 0; }
    return int8_t(*p_++);
  }
  if (!expect(t, CType::I32, CType::I16)) return 0;
  const int64_t v = zigzag();
  if (v < INT32_MIN || v > INT32_MAX) { fail("i32 out of range"); return 0; }
  return int32_t(v);
}

int64_t CompactReader::read_i64(CType t) {
  if (t == CType::I32 || t == CType::I16 || t == CType::Byte) return read_i32(t);
  if (!expect(t, CType::I64)) return 0;
  return zigzag();
}

std::string CompactReader::read_string(CType t) {
  if (!expect(t, CType::Binary)) return {};
  const uint64_t n = varint();
  if (!ok()) return {};
  if (n > uint64_t(end_ - p_)) { fail("string longer than the input"); return {}; }
  std::string s(reinterpret_cast<const char*>(p_), size_t(n));
  p_ += n;
  return s;
}

bool CompactReader::begin_list(CType t, CType& elem, int64_t& count) {
  if (!expect(t, CType::List, CType::Set)) return false;
  if (p_ >= end_) { fail("truncated list"); return false; }
  const uint8_t b = *p_++;
  uint64_t n = b >> 4;
  if (n == 15) n = varint();
  elem = CType(b & 0x0f);
  if (!ok()) return false;
  // Every element takes at least one byte (booleans too), so a count past the bytes left lies.
  if (n > uint64_t(end_ - p_)) { fail("list longer than the input"); return false; }
  if (elem == CType::Stop || uint8_t(elem) > uint8_t(CType::Struct)) { fail("bad list element type"); return false; }
  count = int64_t(n);
  return true;
}

void CompactReader::skip(CType t) { skip_depth(t, depth_); }

void CompactReader::skip_depth(CType t, int depth) {
  if (!ok()) return;
  if (depth >= kMaxDepth) { fail("thrift value nested too deeply"); return; }
  switch (t) {
    case CType::True: case CType::False: return;
    case CType::Byte: if (p_ >= end_) fail("truncated byte"); else ++p_; return;
    case CType::I16: case CType::I32: case CType::I64: varint(); return;
    case CType::Double: if (end_ - p_ < 8) fail("truncated double"); else p_ += 8; return;
    case CType::Binary: read_string(t); return;
    case CType::List: case CType::Set: {
      CType elem;
      int64_t n;
      if (!begin_list(t, elem, n)) return;
      for (int64_t i = 0; i < n && ok(); ++i) {
        if (elem == CType::True || elem == CType::False) { read_bool(CType::Byte); continue; }
        skip_depth(elem, depth + 1);
      }
      return;
    }
    case CType::Map: {
      const uint64_t n = varint();
      if (!ok() || n == 0) return;
      if (n > uint64_t(end_ - p_)) { fail("map longer than the input"); return; }
      if (p_ >= end_) { fail("truncated map"); return; }
      const uint8_t kv = *p_++;
      const CType k = CType(kv >> 4), v = CType(kv & 0x0f);
      for (uint64_t i = 0; i < n && ok(); ++i) {
        if (k == CType::True || k == CType::False) read_bool(CType::Byte); else skip_depth(k, depth + 1);
        if (v == CType::True || v == CType::False) read_bool(CType::Byte); else skip_depth(v, depth + 1);
      }
      return;
    }
    case CType::Struct: {
      begin_struct();
      int16_t id;
      CType ft;
      while (next_field(id, ft)) skip_depth(ft, depth + 1);
      end_struct();
      return;
    }
    case CType::Stop: fail("unexpected STOP"); return;
  }
}

}  // namespace spp::sql::parquet
