// Packed group keys (see the header). Both directions work a column at a time over a cursor per
// row, so each loop is specialised to one key's width and never switches on a type per row.
#include "sql/exec/key_pack.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace spp::sql::exec {

using col::Column;
using col::ColType;
using col::TypeId;

namespace {

enum class Kind { Bool, Fixed, Float, Double, Var };

Kind kind_of(TypeId id) {
  if (id == TypeId::Boolean) return Kind::Bool;
  if (id == TypeId::Float) return Kind::Float;
  if (id == TypeId::Double) return Kind::Double;
  if (col::is_var_binary(id)) return Kind::Var;
  return Kind::Fixed;
}

// -0.0 as 0.0 and one NaN: keys Spark's NormalizeFloatingNumbers makes equal have equal bytes.
template <typename F>
F normalise(F x) {
  if (x == F(0)) return F(0);
  if (std::isnan(x)) return std::numeric_limits<F>::quiet_NaN();
  return x;
}

// Writes one fixed-width key (W value bytes) of every row at its cursor.
template <size_t W, typename Norm>
void put_fixed(const Column& c, int64_t n, uint8_t* out, int64_t* cur, Norm norm) {
  const uint8_t* v = c.values->data() + size_t(c.offset) * W;
  if (!c.has_nulls()) {
    for (int64_t r = 0; r < n; ++r) {
      uint8_t* p = out + cur[r];
      p[0] = 1;
      std::memcpy(p + 1, v + size_t(r) * W, W);
      norm(p + 1);
      cur[r] += 1 + int64_t(W);
    }
    return;
  }
  for (int64_t r = 0; r < n; ++r) {
    uint8_t* p = out + cur[r];
    if (c.is_null(r)) {
      p[0] = 0;
      cur[r] += 1;
      continue;
    }
    p[0] = 1;
    std::memcpy(p + 1, v + size_t(r) * W, W);
    norm(p + 1);
    cur[r] += 1 + int64_t(W);
  }
}

struct NoNorm {
  void operator()(uint8_t*) const {}
};
template <typename F>
struct FloatNorm {
  void operator()(uint8_t* p) const {
    F x;
    std::memcpy(&x, p, sizeof x);
    x = normalise(x);
    std::memcpy(p, &x, sizeof x);
  }
};

void put_key(const Column& c, int64_t n, uint8_t* out, int64_t* cur) {
  switch (kind_of(c.id())) {
    case Kind::Bool:
      for (int64_t r = 0; r < n; ++r) {
        uint8_t* p = out + cur[r];
        if (c.is_null(r)) { p[0] = 0; cur[r] += 1; continue; }
        p[0] = 1;
        p[1] = c.bool_at(r) ? 1 : 0;
        cur[r] += 2;
      }
      return;
    case Kind::Float: return put_fixed<4>(c, n, out, cur, FloatNorm<float>{});
    case Kind::Double: return put_fixed<8>(c, n, out, cur, FloatNorm<double>{});
    case Kind::Var: {
      const int32_t* o = c.offsets();
      const uint8_t* d = c.data ? c.data->data() : nullptr;
      for (int64_t r = 0; r < n; ++r) {
        uint8_t* p = out + cur[r];
        if (c.is_null(r)) { p[0] = 0; cur[r] += 1; continue; }
        const int32_t len = o[r + 1] - o[r];
        p[0] = 1;
        std::memcpy(p + 1, &len, 4);
        if (len > 0) std::memcpy(p + 5, d + o[r], size_t(len));
        cur[r] += 5 + len;
      }
      return;
    }
    case Kind::Fixed:
      switch (col::fixed_width(c.id())) {
        case 1: return put_fixed<1>(c, n, out, cur, NoNorm{});
        case 2: return put_fixed<2>(c, n, out, cur, NoNorm{});
        case 4: return put_fixed<4>(c, n, out, cur, NoNorm{});
        case 8: return put_fixed<8>(c, n, out, cur, NoNorm{});
        default: return put_fixed<16>(c, n, out, cur, NoNorm{});
      }
  }
}

// Reads one key of every row at its cursor into a new column of `type`.
col::ColumnPtr get_key(const ColType& type, const uint8_t* in, int64_t* cur, int64_t n) {
  auto t = col::make_type(type);
  uint8_t* valid = nullptr;
  auto mark_null = [&](col::Column& c, int64_t r) {
    if (!valid) valid = col::ensure_validity(c);
    col::clear_bit(valid, r);
  };
  if (col::is_var_binary(type.id)) {
    auto c = std::make_shared<Column>();
    c->type = t;
    c->length = n;
    c->values = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
    int32_t* o = c->values->as<int32_t>();
    int64_t total = 0;
    for (int64_t r = 0; r < n; ++r) {  // lengths first: the bytes buffer is sized once
      const uint8_t* p = in + cur[r];
      int32_t len = 0;
      if (p[0]) std::memcpy(&len, p + 1, 4);
      o[r] = int32_t(total);
      total += len;
    }
    o[n] = int32_t(total);
    c->data = std::make_shared<col::Buffer>(size_t(total), col::Buffer::Uninit{});
    for (int64_t r = 0; r < n; ++r) {
      const uint8_t* p = in + cur[r];
      if (!p[0]) { mark_null(*c, r); cur[r] += 1; continue; }
      const int32_t len = o[r + 1] - o[r];
      if (len > 0) std::memcpy(c->data->data() + o[r], p + 5, size_t(len));
      cur[r] += 5 + len;
    }
    col::finish_validity(*c);
    return c;
  }
  auto c = col::make_fixed_column(t, n);
  if (type.id == TypeId::Boolean) {
    uint8_t* bits = c->values->data();
    for (int64_t r = 0; r < n; ++r) {
      const uint8_t* p = in + cur[r];
      if (!p[0]) { mark_null(*c, r); cur[r] += 1; continue; }
      col::put_bit(bits, r, p[1] != 0);
      cur[r] += 2;
    }
  } else {
    const size_t w = size_t(col::fixed_width(type.id));
    uint8_t* v = c->values->data();
    for (int64_t r = 0; r < n; ++r) {
      const uint8_t* p = in + cur[r];
      if (!p[0]) { mark_null(*c, r); cur[r] += 1; continue; }
      std::memcpy(v + size_t(r) * w, p + 1, w);
      cur[r] += 1 + int64_t(w);
    }
  }
  col::finish_validity(*c);
  return c;
}

}  // namespace

bool packable_key_types(const std::vector<ColType>& types) {
  for (const auto& t : types)
    if (t.id != TypeId::Boolean && !col::is_fixed_width(t.id) && !col::is_var_binary(t.id)) return false;
  return !types.empty();
}

Result<col::ColumnPtr> pack_keys(const std::vector<col::ColumnPtr>& keys, int64_t n) {
  using R = Result<col::ColumnPtr>;
  // Row lengths, a key at a time.
  std::vector<int64_t> cur(size_t(n), 0);
  for (const auto& kp : keys) {
    const Column& c = *kp;
    const Kind k = kind_of(c.id());
    if (k == Kind::Var) {
      const int32_t* o = c.offsets();
      for (int64_t r = 0; r < n; ++r) cur[size_t(r)] += c.is_null(r) ? 1 : 5 + (o[r + 1] - o[r]);
      continue;
    }
    const int64_t w = k == Kind::Bool ? 1 : col::fixed_width(c.id());
    if (!c.has_nulls()) {
      for (int64_t r = 0; r < n; ++r) cur[size_t(r)] += 1 + w;
    } else {
      for (int64_t r = 0; r < n; ++r) cur[size_t(r)] += c.is_null(r) ? 1 : 1 + w;
    }
  }
  auto out = std::make_shared<Column>();
  out->type = col::make_type(ColType::scalar(TypeId::Binary));
  out->length = n;
  out->values = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
  int32_t* o = out->values->as<int32_t>();
  int64_t total = 0;
  for (int64_t r = 0; r < n; ++r) {
    o[r] = int32_t(total);
    const int64_t len = cur[size_t(r)];
    cur[size_t(r)] = total;
    total += len;
    if (total >= int64_t(INT32_MAX)) return R::error("the group keys of one batch exceed 2 GiB");
  }
  o[n] = int32_t(total);
  out->data = std::make_shared<col::Buffer>(size_t(total), col::Buffer::Uninit{});
  for (const auto& kp : keys) put_key(*kp, n, out->data->data(), cur.data());
  return R(std::move(out));
}

std::vector<col::ColumnPtr> unpack_keys(const Column& packed, const std::vector<ColType>& types) {
  const int64_t n = packed.length;
  const int32_t* o = packed.offsets();
  const uint8_t* base = packed.data ? packed.data->data() : nullptr;
  std::vector<int64_t> cur(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) cur[size_t(r)] = o[r];
  std::vector<col::ColumnPtr> out;
  out.reserve(types.size());
  for (const auto& t : types) out.push_back(get_key(t, base, cur.data(), n));
  return out;
}

}  // namespace spp::sql::exec
