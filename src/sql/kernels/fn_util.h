// Row-loop building blocks for the library kernels (text_fns, regex_fns, math_fns, ...):
// typed input accessors (flat or constant: the row index is multiplied by 0 for constants, no
// branch), and output builders that take a per-row lambda — instantiated per kernel, so the
// loop body is inlined with no virtual call or type switch per row.
#pragma once
#include <string>
#include <string_view>

#include "sql/columnar/builder.h"
#include "sql/kernels/vec.h"

namespace spp::sql::kern {

// A string/binary input.
struct StrArg {
  const Column* c;
  int64_t m;
  explicit StrArg(const Vec& v) : c(v.col.get()), m(v.constant ? 0 : 1) {}
  bool null(int64_t i) const { return c->is_null(i * m); }
  std::string_view operator[](int64_t i) const { return c->str(i * m); }
};

// A fixed-width input of C++ type T.
template <typename T>
struct FixArg {
  const Column* c;
  const T* v;
  int64_t m;
  explicit FixArg(const Vec& x) : c(x.col.get()), v(x.col->id() == TypeId::Null ? nullptr : x.col->vals<T>()), m(x.constant ? 0 : 1) {}
  bool null(int64_t i) const { return c->is_null(i * m); }
  T operator[](int64_t i) const { return v[i * m]; }
};

struct BoolArg {
  const Column* c;
  int64_t m;
  explicit BoolArg(const Vec& x) : c(x.col.get()), m(x.constant ? 0 : 1) {}
  bool null(int64_t i) const { return c->is_null(i * m); }
  bool operator[](int64_t i) const { return c->bool_at(i * m); }
};

// String (or binary) output: f(row, std::string& out) -> false for NULL.
template <typename F>
Vec gen_str(int64_t n, F&& f, TypeId id = TypeId::String) {
  col::ColumnBuilder b(type_of(id));
  b.reserve(n);
  std::string tmp;
  for (int64_t i = 0; i < n; ++i) {
    tmp.clear();
    if (f(i, tmp)) b.append_str(tmp);
    else b.append_null();
  }
  return Vec::flat(b.finish());
}

// Fixed-width output of C++ type T: f(row, T& out) -> false for NULL.
template <typename T, typename F>
Vec gen_fixed(ColTypePtr t, int64_t n, F&& f) {
  auto c = col::make_fixed_column(std::move(t), n);
  T* o = c->values->as<T>();
  uint8_t* vb = nullptr;
  for (int64_t i = 0; i < n; ++i) {
    if (f(i, o[i])) continue;
    o[i] = T{};
    if (!vb) vb = col::ensure_validity(*c);
    col::clear_bit(vb, i);
  }
  col::finish_validity(*c);
  return Vec::flat(c);
}

// Boolean output: f(row, bool& out) -> false for NULL.
template <typename F>
Vec gen_bool(int64_t n, F&& f) {
  auto c = new_bool(n);
  uint8_t* vals = c->values->data();
  uint8_t* vb = nullptr;
  for (int64_t i = 0; i < n; ++i) {
    bool v = false;
    if (f(i, v)) {
      if (v) col::set_bit(vals, i);
      continue;
    }
    if (!vb) vb = col::ensure_validity(*c);
    col::clear_bit(vb, i);
  }
  col::finish_validity(*c);
  return Vec::flat(c);
}

// UTF-8 helpers (code points; malformed bytes count as one character each, as Spark's UTF8String).
namespace utf8 {
inline size_t char_len(unsigned char c) { return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; }
inline bool is_cont(unsigned char c) { return (c & 0xc0) == 0x80; }
int64_t num_chars(std::string_view s);
// Byte offset of character k (clamped to the end).
size_t offset_of(std::string_view s, int64_t k);
uint32_t next(std::string_view s, size_t& i);
void put(uint32_t cp, std::string& out);
// Spark's UTF8String.substringSQL(pos, len): 1-based, negative pos from the end.
std::string_view substring_sql(std::string_view s, int64_t pos, int64_t len);
uint32_t to_upper(uint32_t c);
uint32_t to_lower(uint32_t c);
}  // namespace utf8

}  // namespace spp::sql::kern
