// Columns and batches in Arrow's memory layout (docs/sql-engine.md "Batch format"): aligned
// buffers, Column (validity + values/offsets/data + children, zero-copy slices), Batch, and
// the whole-column operations operators build on (gather, concat, slice).
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sql/columnar/col_type.h"

namespace spp::sql::col {

constexpr size_t kAlign = 64;

// A growable byte buffer, 64-byte aligned, zero-padded to a multiple of 64 bytes.
class Buffer {
 public:
  explicit Buffer(size_t size = 0);
  // `size` bytes the caller writes every one of (a gather, a concatenation): only the padding
  // after them is zeroed.
  struct Uninit {};
  Buffer(size_t size, Uninit);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  // New bytes are zero. Never shrinks the allocation.
  void resize(size_t n);
  void reserve(size_t n);
  template <typename T> T* as() { return reinterpret_cast<T*>(data_); }
  template <typename T> const T* as() const { return reinterpret_cast<const T*>(data_); }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0, cap_ = 0;
};
using BufferPtr = std::shared_ptr<Buffer>;

inline bool get_bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline void set_bit(uint8_t* bits, int64_t i) { bits[i >> 3] |= uint8_t(1u << (i & 7)); }
inline void clear_bit(uint8_t* bits, int64_t i) { bits[i >> 3] &= uint8_t(~(1u << (i & 7))); }
inline void put_bit(uint8_t* bits, int64_t i, bool v) { v ? set_bit(bits, i) : clear_bit(bits, i); }
inline int64_t bitmap_bytes(int64_t n) { return (n + 7) / 8; }

struct Column;
using ColumnPtr = std::shared_ptr<Column>;

// One column (Arrow "array data"). Rows are [0, length); physical row i is offset + i in the
// buffers. Struct children are kept sliced to the struct's rows (their own offset), list/map
// children are addressed through the offsets and never sliced.
struct Column {
  ColTypePtr type;
  int64_t length = 0;
  int64_t offset = 0;
  int64_t null_count = 0;
  BufferPtr validity;  // nullptr: no nulls
  BufferPtr values;    // fixed-width values, boolean bits, or int32 offsets
  BufferPtr data;      // string/binary bytes
  std::vector<ColumnPtr> children;

  TypeId id() const { return type->id; }
  bool has_nulls() const { return null_count > 0; }
  bool is_valid(int64_t i) const {
    return type->id != TypeId::Null && (!validity || get_bit(validity->data(), offset + i));
  }
  bool is_null(int64_t i) const { return !is_valid(i); }
  const uint8_t* validity_bits() const { return validity ? validity->data() : nullptr; }
  template <typename T> const T* vals() const { return values->as<T>() + offset; }
  const int32_t* offsets() const { return values->as<int32_t>() + offset; }
  bool bool_at(int64_t i) const { return get_bit(values->data(), offset + i); }
  std::string_view str(int64_t i) const {
    const int32_t* o = offsets();
    return {reinterpret_cast<const char*>(data->data()) + o[i], size_t(o[i + 1] - o[i])};
  }
  __int128 dec_at(int64_t i) const { __int128 v; std::memcpy(&v, values->data() + 16 * (offset + i), 16); return v; }
};

// A schema (a Struct ColType) plus one column per field, all num_rows long.
struct Batch {
  ColTypePtr schema;
  std::vector<ColumnPtr> columns;
  int64_t num_rows = 0;

  size_t num_columns() const { return columns.size(); }
  const Column& column(size_t i) const { return *columns[i]; }
};

// Selection vector: ascending row indices of the active rows of a batch.
using SelVec = std::vector<int32_t>;

// --- construction --------------------------------------------------------------------------
ColTypePtr make_type(ColType t);
// The child column type of an Array (its element) or a Map (struct<key,value> entries).
ColTypePtr list_child_type(const ColType& t);
// A column of n rows, all null (any type).
ColumnPtr make_null_column(ColTypePtr type, int64_t n);
// A fixed-width column with uninitialised-but-zeroed values and no validity (kernels fill it).
ColumnPtr make_fixed_column(ColTypePtr type, int64_t n);
// Allocates (all-valid) validity for a column and returns its bits.
uint8_t* ensure_validity(Column& c);
// Recounts null_count from the validity bitmap (drops the bitmap when there are no nulls).
void finish_validity(Column& c);

// --- whole-column operations ---------------------------------------------------------------
ColumnPtr slice(const ColumnPtr& c, int64_t offset, int64_t length);
Batch slice(const Batch& b, int64_t offset, int64_t length);
// Rows idx[0..n) of c; idx[k] < 0 makes a null row.
ColumnPtr gather(const Column& c, const int32_t* idx, int64_t n);
// When idx[0..n) is the run a, a+1, ..., a+n-1 (no nulls), returns a: the rows are a slice and
// need no copy (a join whose probe rows each match once, a filter keeping a whole batch).
std::optional<int64_t> contiguous_run(const int32_t* idx, int64_t n);
// As gather(c, ...), but a contiguous run of rows is a zero-copy slice of c.
ColumnPtr take(const ColumnPtr& c, const int32_t* idx, int64_t n);
Batch gather(const Batch& b, const int32_t* idx, int64_t n);
// Rows from several columns of one type: row k = srcs[src[k]] row idx[k] (idx < 0: null).
ColumnPtr gather_multi(const std::vector<const Column*>& srcs, const uint32_t* src, const int32_t* idx, int64_t n);
ColumnPtr concat(const std::vector<ColumnPtr>& parts);
Batch concat(const std::vector<Batch>& parts);
// A copy at offset 0 whose buffers hold exactly its rows (serialization, caching).
ColumnPtr compact(const ColumnPtr& c);
// Checks every invariant of the layout (decoder and tests); never reads out of bounds.
Status validate(const Column& c);
Status validate(const Batch& b);
// Bytes held by the column's buffers (memory accounting).
int64_t memory_size(const Column& c);
int64_t memory_size(const Batch& b);

}  // namespace spp::sql::col
