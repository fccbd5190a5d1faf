// Vec helpers shared by the kernels.
#include "sql/kernels/vec.h"

#include <cstring>

namespace spp::sql::kern {

namespace {
// Validity of one row of v (constant vectors broadcast).
inline bool valid_at(const Vec& v, int64_t i) { return v.col->is_valid(v.constant ? 0 : i); }
}  // namespace

col::BufferPtr and_validity(const Vec& a, const Vec& b, int64_t n) {
  bool an = a.may_have_nulls(), bn = b.may_have_nulls();
  if (!an && !bn) return nullptr;
  auto out = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(n)));
  uint8_t* o = out->data();
  const Column &ca = *a.col, &cb = *b.col;
  // Fast path: both flat, byte-aligned bitmaps.
  if (!a.constant && !b.constant && ca.offset % 8 == 0 && cb.offset % 8 == 0 && ca.id() != TypeId::Null &&
      cb.id() != TypeId::Null) {
    const uint8_t* va = an ? ca.validity->data() + ca.offset / 8 : nullptr;
    const uint8_t* vb = bn ? cb.validity->data() + cb.offset / 8 : nullptr;
    int64_t nb = col::bitmap_bytes(n);
    for (int64_t i = 0; i < nb; ++i) o[i] = uint8_t((va ? va[i] : 0xff) & (vb ? vb[i] : 0xff));
    return out;
  }
  for (int64_t i = 0; i < n; ++i)
    if (valid_at(a, i) && valid_at(b, i)) col::set_bit(o, i);
  return out;
}

col::BufferPtr copy_validity(const Vec& a, int64_t n) {
  if (!a.may_have_nulls()) return nullptr;
  auto out = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(n)));
  uint8_t* o = out->data();
  for (int64_t i = 0; i < n; ++i)
    if (valid_at(a, i)) col::set_bit(o, i);
  return out;
}

col::BufferPtr all_valid(int64_t n) {
  auto v = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(n)));
  std::memset(v->data(), 0xff, v->size());
  return v;
}

void set_validity(Column& c, col::BufferPtr v) {
  c.validity = std::move(v);
  col::finish_validity(c);
}

ColumnPtr new_fixed(ColTypePtr t, int64_t n) { return col::make_fixed_column(std::move(t), n); }

ColTypePtr type_of(TypeId id) {
  // Shared instances for the scalar types kernels create most.
  static const ColTypePtr cache[] = {
      col::make_type(ColType::scalar(TypeId::Null)), col::make_type(ColType::scalar(TypeId::Boolean)),
      col::make_type(ColType::scalar(TypeId::Byte)), col::make_type(ColType::scalar(TypeId::Short)),
      col::make_type(ColType::scalar(TypeId::Int)), col::make_type(ColType::scalar(TypeId::Long)),
      col::make_type(ColType::scalar(TypeId::Float)), col::make_type(ColType::scalar(TypeId::Double)),
      nullptr, col::make_type(ColType::scalar(TypeId::String)), col::make_type(ColType::scalar(TypeId::Binary)),
      col::make_type(ColType::scalar(TypeId::Date)), col::make_type(ColType::scalar(TypeId::Timestamp)),
      col::make_type(ColType::scalar(TypeId::TimestampNtz)), col::make_type(ColType::interval(TypeId::DayTimeInterval, 0, 3)),
      col::make_type(ColType::interval(TypeId::YearMonthInterval, 0, 1)),
      col::make_type(ColType::scalar(TypeId::CalendarInterval))};
  size_t i = size_t(id);
  SPP_CHECK(i < sizeof(cache) / sizeof(cache[0]) && cache[i], "no scalar type instance for id %zu", i);
  return cache[i];
}

ColTypePtr bool_type() { return type_of(TypeId::Boolean); }
ColumnPtr new_bool(int64_t n) { return col::make_fixed_column(bool_type(), n); }

}  // namespace spp::sql::kern
