// Thrift compact protocol, read side only: the subset Parquet's metadata uses (structs, lists,
// integers, binaries, booleans, doubles), over untrusted bytes. Every read is bounds-checked and
// nesting is depth-limited; a malformed input sets an error and makes every later read a no-op.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace spp::sql::parquet {

enum class CType : uint8_t {  // compact protocol type codes
  Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7,
  Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12,
};

class CompactReader {
 public:
  CompactReader(const uint8_t* data, size_t size) : p_(data), end_(data + size), begin_(data) {}

  bool ok() const { return err_.empty(); }
  const std::string& error() const { return err_; }
  size_t position() const { return size_t(p_ - begin_); }

  // Struct traversal: begin_struct, then next_field until it returns false (STOP), end_struct.
  void begin_struct();
  void end_struct();
  // The next field's id and type; false at STOP (or on error).
  bool next_field(int16_t& id, CType& type);
  // Values of a field of the given type (a mismatch against what the caller expects is an error).
  bool read_bool(CType t);
  int32_t read_i32(CType t);
  int64_t read_i64(CType t);
  std::string read_string(CType t);
  // A list header: element type and count (count bounded by the bytes left).
  bool begin_list(CType t, CType& elem, int64_t& count);
  void skip(CType t);
  void fail(std::string msg);

 private:
  uint64_t varint();
  int64_t zigzag() { uint64_t v = varint(); return int64_t(v >> 1) ^ -int64_t(v & 1); }
  bool expect(CType got, CType want1, CType want2 = CType::Stop);
  void skip_depth(CType t, int depth);

  const uint8_t* p_;
  const uint8_t* end_;
  const uint8_t* begin_;
  std::string err_;
  int16_t last_id_[64] = {};
  int depth_ = 0;
  // A boolean field's value lives in its header type.
  CType pending_bool_ = CType::Stop;
};

}  // namespace spp::sql::parquet
