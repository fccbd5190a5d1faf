// ColumnBuilder / BatchBuilder.
#include "sql/columnar/builder.h"

namespace spp::sql::col {

ColumnBuilder::ColumnBuilder(ColTypePtr type) : type_(std::move(type)) {
  const ColType& t = *type_;
  if (t.id == TypeId::Array || t.id == TypeId::Map)
    children_.push_back(std::make_unique<ColumnBuilder>(list_child_type(t)));
  if (t.id == TypeId::Struct)
    for (const auto& c : t.children) children_.push_back(std::make_unique<ColumnBuilder>(make_type(c)));
  reset();
}

void ColumnBuilder::reset() {
  length_ = null_count_ = 0;
  validity_ = std::make_shared<Buffer>(0);
  values_ = std::make_shared<Buffer>(0);
  data_ = std::make_shared<Buffer>(0);
  TypeId id = type_->id;
  if (is_var_binary(id) || id == TypeId::Array || id == TypeId::Map) values_->resize(4);  // offsets[0] = 0
}

void ColumnBuilder::reserve(int64_t rows) {
  validity_->reserve(size_t(bitmap_bytes(rows)));
  TypeId id = type_->id;
  if (is_fixed_width(id)) values_->reserve(size_t(rows) * fixed_width(id));
  else if (id == TypeId::Boolean) values_->reserve(size_t(bitmap_bytes(rows)));
  else if (is_var_binary(id) || id == TypeId::Array || id == TypeId::Map) values_->reserve(size_t(rows + 1) * 4);
}

void ColumnBuilder::mark_valid() {
  validity_->resize(size_t(bitmap_bytes(length_ + 1)));
  set_bit(validity_->data(), length_);
  ++length_;
}

void ColumnBuilder::mark_null() {
  validity_->resize(size_t(bitmap_bytes(length_ + 1)));
  ++null_count_;
  ++length_;
}

void ColumnBuilder::append_null() {
  TypeId id = type_->id;
  if (is_fixed_width(id)) values_->resize(size_t(length_ + 1) * fixed_width(id));
  else if (id == TypeId::Boolean) values_->resize(size_t(bitmap_bytes(length_ + 1)));
  else if (is_var_binary(id) || id == TypeId::Array || id == TypeId::Map) {
    int32_t last = values_->as<int32_t>()[length_];
    values_->resize(size_t(length_ + 2) * 4);
    values_->as<int32_t>()[length_ + 1] = last;
  } else if (id == TypeId::Struct) {
    for (auto& c : children_) c->append_null();
  }
  mark_null();
}

void ColumnBuilder::append_bool(bool v) {
  values_->resize(size_t(bitmap_bytes(length_ + 1)));
  if (v) set_bit(values_->data(), length_);
  mark_valid();
}

void ColumnBuilder::append_decimal(__int128 unscaled) {
  values_->resize(size_t(length_ + 1) * 16);
  std::memcpy(values_->data() + 16 * length_, &unscaled, 16);
  mark_valid();
}

void ColumnBuilder::append_str(std::string_view s) {
  int32_t last = values_->as<int32_t>()[length_];
  SPP_CHECK(int64_t(last) + int64_t(s.size()) < INT32_MAX, "string data of a column over 2 GiB");
  data_->resize(size_t(last) + s.size());
  if (!s.empty()) std::memcpy(data_->data() + last, s.data(), s.size());
  values_->resize(size_t(length_ + 2) * 4);
  values_->as<int32_t>()[length_ + 1] = last + int32_t(s.size());
  mark_valid();
}

void ColumnBuilder::finish_list() {
  ColumnBuilder& ch = *children_[0];
  if (type_->id == TypeId::Map) ch.length_ = ch.children_[0]->length_;  // entries = key rows
  values_->resize(size_t(length_ + 2) * 4);
  values_->as<int32_t>()[length_ + 1] = int32_t(ch.length_);
  mark_valid();
}

void ColumnBuilder::finish_struct() { mark_valid(); }

void ColumnBuilder::append_from(const Column& c, int64_t row) {
  if (c.is_null(row)) { append_null(); return; }
  switch (type_->id) {
    case TypeId::Null: append_null(); return;
    case TypeId::Boolean: append_bool(c.bool_at(row)); return;
    case TypeId::Byte: append(c.vals<int8_t>()[row]); return;
    case TypeId::Short: append(c.vals<int16_t>()[row]); return;
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: append(c.vals<int32_t>()[row]); return;
    case TypeId::CalendarInterval: append(c.vals<CalInterval>()[row]); return;
    case TypeId::Float: append(c.vals<float>()[row]); return;
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      append(c.vals<int64_t>()[row]); return;
    case TypeId::Double: append(c.vals<double>()[row]); return;
    case TypeId::Decimal: append_decimal(c.dec_at(row)); return;
    case TypeId::String: case TypeId::Binary: append_str(c.str(row)); return;
    case TypeId::Array: {
      const int32_t* o = c.offsets();
      for (int32_t e = o[row]; e < o[row + 1]; ++e) children_[0]->append_from(*c.children[0], e);
      finish_list();
      return;
    }
    case TypeId::Map: {
      const int32_t* o = c.offsets();
      const Column& entries = *c.children[0];
      for (int32_t e = o[row]; e < o[row + 1]; ++e) {
        children_[0]->children_[0]->append_from(*entries.children[0], e);
        children_[0]->children_[1]->append_from(*entries.children[1], e);
      }
      finish_list();
      return;
    }
    case TypeId::Struct:
      for (size_t i = 0; i < children_.size(); ++i) children_[i]->append_from(*c.children[i], row);
      finish_struct();
      return;
  }
}

ColumnPtr ColumnBuilder::finish() {
  auto c = std::make_shared<Column>();
  c->type = type_;
  c->length = length_;
  c->null_count = type_->id == TypeId::Null ? length_ : null_count_;
  TypeId id = type_->id;
  if (id != TypeId::Null) {
    if (null_count_) c->validity = validity_;
    if (id != TypeId::Struct) c->values = values_;
    if (is_var_binary(id)) c->data = data_;
  }
  if (id == TypeId::Map) {
    // The entries struct has no validity of its own: every entry exists.
    ColumnBuilder& eb = *children_[0];
    auto entries = std::make_shared<Column>();
    entries->type = eb.type_;
    entries->children = {eb.children_[0]->finish(), eb.children_[1]->finish()};
    entries->length = entries->children[0]->length;
    eb.reset();
    c->children.push_back(entries);
  } else {
    for (auto& ch : children_) c->children.push_back(ch->finish());
  }
  reset();
  return c;
}

BatchBuilder::BatchBuilder(ColTypePtr schema) : schema_(std::move(schema)) {
  SPP_CHECK(schema_->id == TypeId::Struct, "schema must be a struct");
  for (const auto& t : schema_->children) cols_.push_back(std::make_unique<ColumnBuilder>(make_type(t)));
}

Batch BatchBuilder::finish() {
  Batch b;
  b.schema = schema_;
  b.num_rows = num_rows();
  for (auto& c : cols_) b.columns.push_back(c->finish());
  rows_ = 0;
  return b;
}

}  // namespace spp::sql::col
