// ColumnBuilder / BatchBuilder: append rows of any type, finish into immutable columns.
// Appends are for sources that produce values one at a time (readers, tests, aggregate
// results); kernels write their output buffers directly instead.
#pragma once
#include <string_view>

#include "sql/columnar/batch.h"

namespace spp::sql::col {

class ColumnBuilder {
 public:
  explicit ColumnBuilder(ColTypePtr type);

  const ColType& type() const { return *type_; }
  int64_t length() const { return length_; }
  void reserve(int64_t rows);

  void append_null();
  void append_bool(bool v);
  // Fixed-width types: T must have the type's width (int8..int64, float, double).
  template <typename T> void append(T v) {
    values_->resize(size_t(length_ + 1) * sizeof(T));
    values_->as<T>()[length_] = v;
    mark_valid();
  }
  void append_decimal(__int128 unscaled);
  void append_str(std::string_view s);  // String, Binary
  // Array/Map: append the elements (map: the key/value of each entry) to child(), then
  // close the row with finish_list(). Struct: append one row to every child, then
  // finish_struct().
  ColumnBuilder& child(size_t i) { return *children_[i]; }
  void finish_list();
  void finish_struct();
  // Appends row `row` of a column of the same type (slow path: a type switch per call).
  void append_from(const Column& c, int64_t row);

  ColumnPtr finish();  // the builder is empty afterwards

 private:
  void mark_valid();
  void mark_null();
  void reset();

  ColTypePtr type_;
  int64_t length_ = 0, null_count_ = 0;
  BufferPtr validity_, values_, data_;
  std::vector<std::unique_ptr<ColumnBuilder>> children_;
};

class BatchBuilder {
 public:
  explicit BatchBuilder(ColTypePtr schema);
  ColumnBuilder& column(size_t i) { return *cols_[i]; }
  size_t num_columns() const { return cols_.size(); }
  int64_t num_rows() const { return cols_.empty() ? rows_ : cols_[0]->length(); }
  void add_row() { ++rows_; }  // only needed for zero-column schemas
  Batch finish();

 private:
  ColTypePtr schema_;
  std::vector<std::unique_ptr<ColumnBuilder>> cols_;
  int64_t rows_ = 0;
};

}  // namespace spp::sql::col
