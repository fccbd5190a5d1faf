// Buffers, column construction, slicing, gathering, concatenation and validation.
#include "sql/columnar/batch.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace spp::sql::col {

// ---- Buffer ---------------------------------------------------------------------------------
Buffer::Buffer(size_t size) { resize(size); }

Buffer::Buffer(size_t size, Uninit) {
  const size_t cap = (std::max<size_t>(kAlign, size) + kAlign - 1) / kAlign * kAlign;
  data_ = static_cast<uint8_t*>(std::aligned_alloc(kAlign, cap));
  if (!data_) throw std::bad_alloc();
  std::memset(data_ + size, 0, cap - size);
  size_ = size;
  cap_ = cap;
}
Buffer::~Buffer() { std::free(data_); }

void Buffer::reserve(size_t n) {
  if (n <= cap_) return;
  // A first allocation takes what is asked (most buffers are sized once: gather, concat,
  // kernels' outputs); growth doubles.
  size_t cap = cap_ == 0 ? std::max<size_t>(kAlign, n) : std::max<size_t>(kAlign, cap_ * 2);
  while (cap < n) cap *= 2;
  cap = (cap + kAlign - 1) / kAlign * kAlign;
  auto* p = static_cast<uint8_t*>(std::aligned_alloc(kAlign, cap));
  if (!p) throw std::bad_alloc();
  if (size_) std::memcpy(p, data_, size_);
  std::memset(p + size_, 0, cap - size_);  // padding stays zero, as the format promises
  std::free(data_);
  data_ = p;
  cap_ = cap;
}

void Buffer::resize(size_t n) {
  reserve(n);
  if (n < size_) std::memset(data_ + n, 0, size_ - n);
  size_ = n;
}

// ---- construction ---------------------------------------------------------------------------
ColTypePtr make_type(ColType t) { return std::make_shared<const ColType>(std::move(t)); }

ColTypePtr list_child_type(const ColType& t) {
  if (t.id == TypeId::Map)
    return make_type(ColType::strct({"key", "value"}, {t.children[0], t.children[1]}, {false, t.nullable[1]}));
  return make_type(t.children[0]);
}

ColumnPtr make_null_column(ColTypePtr type, int64_t n) {
  auto c = std::make_shared<Column>();
  c->type = type;
  c->length = n;
  c->null_count = n;
  const ColType& t = *type;
  if (t.id == TypeId::Null) return c;
  c->validity = std::make_shared<Buffer>(bitmap_bytes(n));
  if (is_fixed_width(t.id)) c->values = std::make_shared<Buffer>(size_t(n) * fixed_width(t.id));
  else if (t.id == TypeId::Boolean) c->values = std::make_shared<Buffer>(bitmap_bytes(n));
  else if (is_var_binary(t.id) || t.id == TypeId::Array || t.id == TypeId::Map)
    c->values = std::make_shared<Buffer>(size_t(n + 1) * 4);
  if (is_var_binary(t.id)) c->data = std::make_shared<Buffer>(0);
  if (t.id == TypeId::Array) c->children.push_back(make_null_column(make_type(t.children[0]), 0));
  if (t.id == TypeId::Map) {
    auto entries = std::make_shared<Column>();
    entries->type = list_child_type(t);
    entries->children = {make_null_column(make_type(t.children[0]), 0), make_null_column(make_type(t.children[1]), 0)};
    c->children.push_back(entries);
  }
  if (t.id == TypeId::Struct)
    for (const auto& ct : t.children) c->children.push_back(make_null_column(make_type(ct), n));
  return c;
}

ColumnPtr make_fixed_column(ColTypePtr type, int64_t n) {
  auto c = std::make_shared<Column>();
  c->type = type;
  c->length = n;
  if (type->id == TypeId::Boolean) c->values = std::make_shared<Buffer>(bitmap_bytes(n));
  else c->values = std::make_shared<Buffer>(size_t(n) * fixed_width(type->id));
  return c;
}

uint8_t* ensure_validity(Column& c) {
  if (!c.validity) {
    c.validity = std::make_shared<Buffer>(bitmap_bytes(c.offset + c.length));
    std::memset(c.validity->data(), 0xff, c.validity->size());
  }
  return c.validity->data();
}

void finish_validity(Column& c) {
  if (!c.validity) { c.null_count = 0; return; }
  int64_t valid = 0;
  const uint8_t* b = c.validity->data();
  int64_t i = 0;
  for (; i < c.length && ((c.offset + i) & 63); ++i) valid += get_bit(b, c.offset + i);
  for (; i + 64 <= c.length; i += 64) {  // whole words: popcount
    uint64_t w;
    std::memcpy(&w, b + (c.offset + i) / 8, 8);
    valid += __builtin_popcountll(w);
  }
  for (; i < c.length; ++i) valid += get_bit(b, c.offset + i);
  c.null_count = c.length - valid;
  if (c.null_count == 0) c.validity.reset();
}

// ---- slicing --------------------------------------------------------------------------------
ColumnPtr slice(const ColumnPtr& c, int64_t offset, int64_t length) {
  SPP_CHECK(offset >= 0 && length >= 0 && offset + length <= c->length, "slice out of range");
  if (offset == 0 && length == c->length) return c;
  auto s = std::make_shared<Column>(*c);
  s->offset = c->offset + offset;
  s->length = length;
  if (c->id() == TypeId::Null) s->null_count = length;
  else if (!c->validity) s->null_count = 0;
  else {
    int64_t valid = 0;
    for (int64_t i = 0; i < length; ++i) valid += get_bit(c->validity->data(), s->offset + i);
    s->null_count = length - valid;
  }
  if (c->id() == TypeId::Struct)
    for (auto& ch : s->children) ch = slice(ch, offset, length);
  return s;
}

Batch slice(const Batch& b, int64_t offset, int64_t length) {
  Batch r;
  r.schema = b.schema;
  r.num_rows = length;
  for (const auto& c : b.columns) r.columns.push_back(slice(c, offset, length));
  return r;
}

// ---- gathering ------------------------------------------------------------------------------
namespace {

// Where gathered row k comes from: one column, or cols[which[k]]. One concrete type so the
// recursion into children does not instantiate new templates.
struct Src {
  const Column* single = nullptr;
  const std::vector<const Column*>* cols = nullptr;
  const uint32_t* which = nullptr;
  const Column* operator()(int64_t k) const { return single ? single : (*cols)[which[k]]; }
};

// Value words of each width; may_alias: the buffers hold ints, doubles, decimals.
template <int W> struct Word;
template <> struct Word<1> { typedef uint8_t __attribute__((may_alias)) T; };
template <> struct Word<2> { typedef uint16_t __attribute__((may_alias)) T; };
template <> struct Word<4> { typedef uint32_t __attribute__((may_alias)) T; };
template <> struct Word<8> { typedef uint64_t __attribute__((may_alias)) T; };
struct __attribute__((may_alias)) Word16 { uint64_t lo, hi; };
template <> struct Word<16> { typedef Word16 T; };

// The value pointer of each source is taken once: a per-row chase through Column and Buffer
// (which a byte store may alias, so the compiler reloads them) made this loop the top of
// join- and sort-heavy profiles.
template <int W>
void gather_fixed(uint8_t* out, Src src, const int32_t* idx, int64_t n, bool null_rows) {
  using T = typename Word<W>::T;
  T* o = reinterpret_cast<T*>(out);
  auto base = [](const Column* c) { return reinterpret_cast<const T*>(c->values->data()) + c->offset; };
  if (src.single) {
    const T* v = base(src.single);
    if (!null_rows) {
      for (int64_t k = 0; k < n; ++k) o[k] = v[idx[k]];
    } else {
      for (int64_t k = 0; k < n; ++k) o[k] = idx[k] < 0 ? T{} : v[idx[k]];  // a null row: zeros
    }
    return;
  }
  std::vector<const void*> bases;  // (a vector of T* would drop T's attribute)
  bases.reserve(src.cols->size());
  for (const Column* c : *src.cols) bases.push_back(base(c));
  const void* const* b = bases.data();
  const uint32_t* w = src.which;
  auto at = [&](int64_t k) { return static_cast<const T*>(b[w[k]])[idx[k]]; };
  if (!null_rows) {
    for (int64_t k = 0; k < n; ++k) o[k] = at(k);
  } else {
    for (int64_t k = 0; k < n; ++k) o[k] = idx[k] < 0 ? T{} : at(k);
  }
}

ColumnPtr gather_impl(const ColTypePtr& type, Src src, const int32_t* idx, int64_t n) {
  const TypeId id = type->id;
  if (id == TypeId::Null) return make_null_column(type, n);
  auto out = std::make_shared<Column>();
  out->type = type;
  out->length = n;
  // Validity.
  // Any source with nulls (checked once per source, not per row), or any null row asked for.
  bool any_null = false;
  if (src.single) any_null = src.single->has_nulls();
  else for (const Column* c : *src.cols) any_null = any_null || c->has_nulls();
  int32_t neg = 0;
  for (int64_t k = 0; k < n; ++k) neg |= idx[k];
  const bool null_rows = neg < 0;
  any_null = any_null || null_rows;
  if (any_null) {
    out->validity = std::make_shared<Buffer>(bitmap_bytes(n));
    uint8_t* vb = out->validity->data();
    int64_t nulls = 0;
    for (int64_t k = 0; k < n; ++k) {
      bool v = idx[k] >= 0 && src(k)->is_valid(idx[k]);
      if (v) set_bit(vb, k); else ++nulls;
    }
    out->null_count = nulls;
    if (!nulls) out->validity.reset();
  }
  if (is_fixed_width(id)) {
    out->values = std::make_shared<Buffer>(size_t(n) * fixed_width(id), Buffer::Uninit{});
    uint8_t* o = out->values->data();
    switch (fixed_width(id)) {
      case 1: gather_fixed<1>(o, src, idx, n, null_rows); break;
      case 2: gather_fixed<2>(o, src, idx, n, null_rows); break;
      case 4: gather_fixed<4>(o, src, idx, n, null_rows); break;
      case 8: gather_fixed<8>(o, src, idx, n, null_rows); break;
      default: gather_fixed<16>(o, src, idx, n, null_rows); break;
    }
    return out;
  }
  if (id == TypeId::Boolean) {
    out->values = std::make_shared<Buffer>(bitmap_bytes(n));
    uint8_t* o = out->values->data();
    for (int64_t k = 0; k < n; ++k)
      if (idx[k] >= 0 && src(k)->bool_at(idx[k])) set_bit(o, k);
    return out;
  }
  if (is_var_binary(id)) {
    out->values = std::make_shared<Buffer>(size_t(n + 1) * 4, Buffer::Uninit{});
    int32_t* off = out->values->as<int32_t>();
    // Each source's offsets and bytes taken once (as in gather_fixed).
    struct Part {
      const int32_t* o;
      const uint8_t* d;
    };
    std::vector<Part> parts;
    auto part = [](const Column* c) { return Part{c->offsets(), c->data ? c->data->data() : nullptr}; };
    if (src.single) parts.push_back(part(src.single));
    else for (const Column* c : *src.cols) parts.push_back(part(c));
    const uint32_t* which = src.single ? nullptr : src.which;
    int64_t total = 0;
    for (int64_t k = 0; k < n; ++k) {
      off[k] = int32_t(total);
      if (idx[k] >= 0) {
        const int32_t* so = parts[which ? which[k] : 0].o;
        total += so[idx[k] + 1] - so[idx[k]];
      }
    }
    SPP_CHECK(total < INT32_MAX, "string data of a column over 2 GiB");
    off[n] = int32_t(total);
    out->data = std::make_shared<Buffer>(size_t(total), Buffer::Uninit{});
    uint8_t* d = out->data->data();
    for (int64_t k = 0; k < n; ++k) {
      if (idx[k] < 0) continue;
      const Part& p = parts[which ? which[k] : 0];
      std::memcpy(d + off[k], p.d + p.o[idx[k]], size_t(off[k + 1] - off[k]));
    }
    return out;
  }
  if (id == TypeId::Array || id == TypeId::Map) {
    out->values = std::make_shared<Buffer>(size_t(n + 1) * 4);
    int32_t* off = out->values->as<int32_t>();
    int64_t total = 0;
    for (int64_t k = 0; k < n; ++k) {
      off[k] = int32_t(total);
      if (idx[k] >= 0) { const int32_t* so = src(k)->offsets(); total += so[idx[k] + 1] - so[idx[k]]; }
    }
    off[n] = int32_t(total);
    std::vector<int32_t> cidx(static_cast<size_t>(total));
    std::vector<uint32_t> csrc;
    std::vector<const Column*> cols;
    Src child;
    if (src.single) {
      child.single = src.single->children[0].get();
    } else {
      csrc.resize(static_cast<size_t>(total));
      for (const Column* c : *src.cols) cols.push_back(c->children[0].get());
      child.cols = &cols;
      child.which = csrc.data();
    }
    int64_t p = 0;
    for (int64_t k = 0; k < n; ++k) {
      if (idx[k] < 0) continue;
      const int32_t* so = src(k)->offsets();
      for (int32_t e = so[idx[k]]; e < so[idx[k] + 1]; ++e) {
        if (!src.single) csrc[p] = src.which[k];
        cidx[p++] = e;
      }
    }
    out->children.push_back(gather_impl(list_child_type(*type), child, cidx.data(), total));
    return out;
  }
  // Struct: children are sliced to the struct's rows, so row idx of the struct is row idx of each child.
  for (size_t f = 0; f < type->children.size(); ++f) {
    std::vector<const Column*> cols;
    Src child;
    if (src.single) {
      child.single = src.single->children[f].get();
    } else {
      for (const Column* c : *src.cols) cols.push_back(c->children[f].get());
      child.cols = &cols;
      child.which = src.which;
    }
    out->children.push_back(gather_impl(make_type(type->children[f]), child, idx, n));
  }
  return out;
}

}  // namespace

ColumnPtr gather(const Column& c, const int32_t* idx, int64_t n) {
  Src s;
  s.single = &c;
  return gather_impl(c.type, s, idx, n);
}

std::optional<int64_t> contiguous_run(const int32_t* idx, int64_t n) {
  if (n == 0 || idx[0] < 0) return std::nullopt;
  const int32_t a = idx[0];
  for (int64_t k = 1; k < n; ++k)
    if (idx[k] != a + k) return std::nullopt;
  return a;
}

ColumnPtr take(const ColumnPtr& c, const int32_t* idx, int64_t n) {
  if (auto a = contiguous_run(idx, n)) return slice(c, *a, n);
  return gather(*c, idx, n);
}

Batch gather(const Batch& b, const int32_t* idx, int64_t n) {
  Batch r;
  r.schema = b.schema;
  r.num_rows = n;
  if (auto a = contiguous_run(idx, n)) {
    for (const auto& c : b.columns) r.columns.push_back(slice(c, *a, n));
    return r;
  }
  for (const auto& c : b.columns) r.columns.push_back(gather(*c, idx, n));
  return r;
}

ColumnPtr gather_multi(const std::vector<const Column*>& srcs, const uint32_t* src, const int32_t* idx, int64_t n) {
  SPP_CHECK(!srcs.empty(), "no source");
  Src s;
  s.cols = &srcs;
  s.which = src;
  return gather_impl(srcs[0]->type, s, idx, n);
}

namespace {
// Fixed-width and string columns end to end: one copy per part (the general path gathers row
// by row through index vectors).
ColumnPtr concat_flat(const std::vector<ColumnPtr>& parts, int64_t n) {
  const TypeId id = parts[0]->id();
  auto out = std::make_shared<Column>();
  out->type = parts[0]->type;
  out->length = n;
  int64_t nulls = 0;
  for (const auto& p : parts) nulls += p->null_count;
  if (nulls) {
    out->validity = std::make_shared<Buffer>(bitmap_bytes(n));
    uint8_t* vb = out->validity->data();
    int64_t k = 0;
    for (const auto& p : parts)
      for (int64_t i = 0; i < p->length; ++i, ++k)
        if (p->is_valid(i)) set_bit(vb, k);
    out->null_count = nulls;
  }
  if (is_fixed_width(id)) {
    const size_t w = size_t(fixed_width(id));
    out->values = std::make_shared<Buffer>(size_t(n) * w, Buffer::Uninit{});
    uint8_t* o = out->values->data();
    for (const auto& p : parts) {
      if (p->length) std::memcpy(o, p->values->data() + size_t(p->offset) * w, size_t(p->length) * w);
      o += size_t(p->length) * w;
    }
    return out;
  }
  out->values = std::make_shared<Buffer>(size_t(n + 1) * 4, Buffer::Uninit{});
  int32_t* off = out->values->as<int32_t>();
  int64_t total = 0, k = 0;
  for (const auto& p : parts) {
    if (!p->length) continue;
    const int32_t* so = p->offsets();
    for (int64_t i = 0; i < p->length; ++i) off[k++] = int32_t(total + so[i] - so[0]);
    total += so[p->length] - so[0];
    SPP_CHECK(total < INT32_MAX, "string data of a column over 2 GiB");
  }
  off[n] = int32_t(total);
  out->data = std::make_shared<Buffer>(size_t(total), Buffer::Uninit{});
  uint8_t* d = out->data->data();
  for (const auto& p : parts) {
    if (!p->length) continue;
    const int32_t* so = p->offsets();
    const size_t len = size_t(so[p->length] - so[0]);
    if (len) std::memcpy(d, p->data->data() + so[0], len);
    d += len;
  }
  return out;
}
}  // namespace

ColumnPtr concat(const std::vector<ColumnPtr>& parts) {
  SPP_CHECK(!parts.empty(), "nothing to concat");
  if (parts.size() == 1) return parts[0];
  int64_t n = 0;
  for (const auto& p : parts) n += p->length;
  const TypeId id = parts[0]->id();
  if ((is_fixed_width(id) || is_var_binary(id)) &&
      std::all_of(parts.begin(), parts.end(), [&](const ColumnPtr& p) { return p->id() == id; }))
    return concat_flat(parts, n);
  std::vector<const Column*> srcs;
  std::vector<uint32_t> src(static_cast<size_t>(n));
  std::vector<int32_t> idx(static_cast<size_t>(n));
  int64_t k = 0;
  for (const auto& p : parts) {
    srcs.push_back(p.get());
    for (int64_t i = 0; i < p->length; ++i, ++k) { src[k] = uint32_t(srcs.size() - 1); idx[k] = int32_t(i); }
  }
  return gather_multi(srcs, src.data(), idx.data(), n);
}

Batch concat(const std::vector<Batch>& parts) {
  SPP_CHECK(!parts.empty(), "nothing to concat");
  Batch r;
  r.schema = parts[0].schema;
  for (const auto& p : parts) r.num_rows += p.num_rows;
  for (size_t c = 0; c < parts[0].columns.size(); ++c) {
    std::vector<ColumnPtr> cols;
    for (const auto& p : parts) cols.push_back(p.columns[c]);
    r.columns.push_back(concat(cols));
  }
  return r;
}

namespace {
bool is_compact(const Column& c) {
  if (c.offset != 0) return false;
  TypeId id = c.id();
  if (is_var_binary(id) || id == TypeId::Array || id == TypeId::Map) {
    const int32_t* o = c.offsets();
    if (o[0] != 0) return false;
    if (id != TypeId::Array && id != TypeId::Map) return true;
    return c.children[0]->length == o[c.length] && is_compact(*c.children[0]);
  }
  for (const auto& ch : c.children) if (!is_compact(*ch)) return false;
  return true;
}
}  // namespace

ColumnPtr compact(const ColumnPtr& c) {
  if (is_compact(*c)) return c;
  std::vector<int32_t> idx(static_cast<size_t>(c->length));
  for (int64_t i = 0; i < c->length; ++i) idx[i] = int32_t(i);
  return gather(*c, idx.data(), c->length);
}

// ---- validation -----------------------------------------------------------------------------
Status validate(const Column& c) {
  if (!c.type) return Status::error("column without a type");
  const ColType& t = *c.type;
  if (c.length < 0 || c.offset < 0 || c.null_count < 0 || c.null_count > c.length)
    return Status::error("bad length/offset/null_count");
  const int64_t end = c.offset + c.length;
  if (t.id == TypeId::Null) {
    if (c.null_count != c.length) return Status::error("void column with non-null rows");
    return Status::ok();
  }
  if (c.validity) {
    if (int64_t(c.validity->size()) < bitmap_bytes(end)) return Status::error("validity bitmap too short");
    int64_t valid = 0;
    for (int64_t i = c.offset; i < end; ++i) valid += get_bit(c.validity->data(), i);
    if (c.length - valid != c.null_count) return Status::error("null_count disagrees with the validity bitmap");
  } else if (c.null_count != 0) {
    return Status::error("nulls without a validity bitmap");
  }
  if (is_fixed_width(t.id) || t.id == TypeId::Boolean) {
    int64_t need = t.id == TypeId::Boolean ? bitmap_bytes(end) : end * fixed_width(t.id);
    if (!c.values || int64_t(c.values->size()) < need) return Status::error("values buffer too short");
    return Status::ok();
  }
  if (is_var_binary(t.id) || t.id == TypeId::Array || t.id == TypeId::Map) {
    if (!c.values || int64_t(c.values->size()) < (end + 1) * 4) return Status::error("offsets buffer too short");
    const int32_t* o = c.values->as<int32_t>();
    if (o[c.offset] < 0) return Status::error("negative offset");
    for (int64_t i = c.offset; i < end; ++i)
      if (o[i + 1] < o[i]) return Status::error("offsets decrease");
    int64_t last = o[end];
    if (is_var_binary(t.id)) {
      if (!c.data || int64_t(c.data->size()) < last) return Status::error("offsets past the data buffer");
      return Status::ok();
    }
    if (c.children.size() != 1) return Status::error("list without one child");
    const Column& ch = *c.children[0];
    if (ch.length < last) return Status::error("offsets past the child column");
    if (t.id == TypeId::Array && (!ch.type || *ch.type != t.children[0])) return Status::error("element type mismatch");
    if (t.id == TypeId::Map) {
      if (!ch.type || ch.type->id != TypeId::Struct || ch.children.size() != 2 ||
          ch.type->children[0] != t.children[0] || ch.type->children[1] != t.children[1])
        return Status::error("map entries must be struct<key,value> of the map's types");
      if (ch.null_count != 0) return Status::error("null map entry");
    }
    return validate(ch);
  }
  if (t.id == TypeId::Struct) {
    if (c.children.size() != t.children.size()) return Status::error("struct child count mismatch");
    for (size_t i = 0; i < c.children.size(); ++i) {
      const Column& ch = *c.children[i];
      if (ch.length != c.length) return Status::error("struct child length mismatch");
      if (!ch.type || *ch.type != t.children[i]) return Status::error("struct child type mismatch");
      if (auto s = validate(ch); !s) return s;
    }
    return Status::ok();
  }
  return Status::error("unknown type");
}

Status validate(const Batch& b) {
  if (!b.schema || b.schema->id != TypeId::Struct) return Status::error("batch schema must be a struct");
  if (b.columns.size() != b.schema->children.size()) return Status::error("column count differs from the schema");
  for (size_t i = 0; i < b.columns.size(); ++i) {
    if (b.columns[i]->length != b.num_rows) return Status::error("column length differs from num_rows");
    if (*b.columns[i]->type != b.schema->children[i]) return Status::error("column type differs from the schema");
    if (auto s = validate(*b.columns[i]); !s) return s;
  }
  return Status::ok();
}

int64_t memory_size(const Column& c) {
  int64_t n = 0;
  for (const auto* b : {&c.validity, &c.values, &c.data})
    if (*b) n += int64_t((*b)->capacity());
  for (const auto& ch : c.children) n += memory_size(*ch);
  return n;
}

int64_t memory_size(const Batch& b) {
  int64_t n = 0;
  for (const auto& c : b.columns) n += memory_size(*c);
  return n;
}

}  // namespace spp::sql::col
