// Struct and map kernels (map_fns.h): maps are collected as (key pick, value pick) entries per
// row, deduplicated by Spark's key equality, and materialised with one gather per side.
#include "sql/kernels/map_fns.h"

#include <unordered_map>

#include "sql/columnar/builder.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/hash.h"

namespace spp::sql::kern {

namespace {

inline int64_t at(const Vec& v, int64_t i) { return v.constant ? 0 : i; }

struct Pick { uint32_t s; int32_t i; };

// Map results: entries of the current row are deduplicated (LAST_WIN) as they are added.
class MapOut {
 public:
  MapOut(std::vector<const Column*> ksrcs, std::vector<const Column*> vsrcs)
      : ks_(std::move(ksrcs)), vs_(std::move(vsrcs)) {
    for (const Column* c : ks_) {
      hashes_.emplace_back(size_t(c->length), kSparkHashSeed);
      if (c->length) hash_into(*c, false, hashes_.back().data(), c->length);
    }
  }
  void put(Pick k, Pick v) {
    const int32_t h = hashes_[k.s][size_t(k.i)];
    auto same = [&](size_t e) {
      return row_hash_[e - row_start_] == h && equal_rows(*ks_[keys_[e].s], keys_[e].i, *ks_[k.s], k.i);
    };
    if (keys_.size() - row_start_ <= kLinear) {
      for (size_t e = row_start_; e < keys_.size(); ++e) if (same(e)) { vals_[e] = v; return; }
    } else {
      auto [b, end] = big_.equal_range(h);
      for (auto p = b; p != end; ++p) if (same(p->second)) { vals_[p->second] = v; return; }
    }
    keys_.push_back(k);
    vals_.push_back(v);
    row_hash_.push_back(h);
    const size_t cnt = keys_.size() - row_start_;
    if (cnt == kLinear + 1) for (size_t e = row_start_; e < keys_.size(); ++e) big_.emplace(row_hash_[e - row_start_], e);
    else if (cnt > kLinear + 1) big_.emplace(h, keys_.size() - 1);
  }
  void end_row(bool is_null = false) {
    if (is_null) keys_.resize(row_start_), vals_.resize(row_start_);
    off_.push_back(int32_t(keys_.size()));
    nulls_.push_back(is_null);
    any_null_ |= is_null;
    row_start_ = keys_.size();
    row_hash_.clear();
    big_.clear();
  }
  Vec finish(const ColTypePtr& type) {
    const int64_t n = int64_t(nulls_.size()), m = int64_t(keys_.size());
    auto out = std::make_shared<Column>();
    out->type = type;
    out->length = n;
    out->values = std::make_shared<col::Buffer>(off_.size() * 4);
    std::copy(off_.begin(), off_.end(), out->values->as<int32_t>());
    if (any_null_) {
      uint8_t* bits = col::ensure_validity(*out);
      for (int64_t i = 0; i < n; ++i) if (nulls_[size_t(i)]) col::clear_bit(bits, i);
      col::finish_validity(*out);
    }
    auto entries = std::make_shared<Column>();
    entries->type = col::list_child_type(*type);
    entries->length = m;
    entries->children = {side(ks_, keys_, entries->type->children[0]), side(vs_, vals_, entries->type->children[1])};
    out->children = {entries};
    return Vec::flat(out);
  }

 private:
  static constexpr size_t kLinear = 32;
  static ColumnPtr side(const std::vector<const Column*>& srcs, const std::vector<Pick>& picks, const ColType& t) {
    if (srcs.empty()) return col::make_null_column(col::make_type(t), 0);  // map(): no entries at all
    std::vector<uint32_t> s(picks.size());
    std::vector<int32_t> i(picks.size());
    for (size_t k = 0; k < picks.size(); ++k) s[k] = picks[k].s, i[k] = picks[k].i;
    if (srcs.size() == 1) return col::gather(*srcs[0], i.data(), int64_t(i.size()));
    return col::gather_multi(srcs, s.data(), i.data(), int64_t(i.size()));
  }
  std::vector<const Column*> ks_, vs_;
  std::vector<std::vector<int32_t>> hashes_;
  std::vector<Pick> keys_, vals_;
  std::vector<int32_t> row_hash_;
  std::unordered_multimap<int32_t, size_t> big_;
  std::vector<int32_t> off_{0};
  std::vector<uint8_t> nulls_;
  size_t row_start_ = 0;
  bool any_null_ = false;
};

const Column& entries_of(const Column& map) { return *map.children[0]; }

}  // namespace

Vec make_struct(const std::vector<Vec>& fields, const ColTypePtr& out, int64_t n) {
  auto c = std::make_shared<Column>();
  c->type = out;
  c->length = n;
  for (const auto& f : fields) {
    if (!f.constant) { c->children.push_back(f.col); continue; }
    std::vector<int32_t> idx(size_t(n), 0);
    c->children.push_back(col::gather(*f.col, idx.data(), n));
  }
  return Vec::flat(c);
}

Vec make_map(const std::vector<Vec>& keys, const std::vector<Vec>& values, const ColTypePtr& out, int64_t n) {
  std::vector<const Column*> ks, vs;
  for (const auto& k : keys) ks.push_back(k.col.get());
  for (const auto& v : values) vs.push_back(v.col.get());
  MapOut o(ks, vs);
  for (int64_t i = 0; i < n; ++i) {
    bool null_key = false;
    for (size_t j = 0; j < keys.size() && !null_key; ++j) {
      null_key = keys[j].col->is_null(at(keys[j], i));
      if (!null_key) o.put({uint32_t(j), int32_t(at(keys[j], i))}, {uint32_t(j), int32_t(at(values[j], i))});
    }
    o.end_row(null_key);
  }
  return o.finish(out);
}

Vec map_from_arrays(const Vec& kv, const Vec& vv, const ColTypePtr& out, int64_t n) {
  const Column &ka = *kv.col, &va = *vv.col;
  const Column &ke = *ka.children[0], &ve = *va.children[0];
  MapOut o({&ke}, {&ve});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t kr = at(kv, i), vr = at(vv, i);
    if (ka.is_null(kr) || va.is_null(vr)) { o.end_row(true); continue; }
    const int32_t klo = ka.offsets()[kr], khi = ka.offsets()[kr + 1], vlo = va.offsets()[vr];
    bool bad = khi - klo != va.offsets()[vr + 1] - vlo;
    for (int32_t k = klo; k < khi && !bad; ++k) {
      bad = ke.is_null(k);
      if (!bad) o.put({0, k}, {0, vlo + (k - klo)});
    }
    o.end_row(bad);
  }
  return o.finish(out);
}

Vec map_from_entries(const Vec& ev, const ColTypePtr& out, int64_t n) {
  const Column& a = *ev.col;
  const Column& st = *a.children[0];
  const Column &ke = *st.children[0], &ve = *st.children[1];
  MapOut o({&ke}, {&ve});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = at(ev, i);
    if (a.is_null(r)) { o.end_row(true); continue; }
    bool bad = false;
    for (int32_t k = a.offsets()[r]; k < a.offsets()[r + 1] && !bad; ++k) {
      bad = st.is_null(k) || ke.is_null(k);
      if (!bad) o.put({0, k}, {0, k});
    }
    o.end_row(bad);
  }
  return o.finish(out);
}

Vec map_concat(const std::vector<Vec>& maps, const ColTypePtr& out, int64_t n) {
  std::vector<const Column*> ks, vs;
  for (const auto& m : maps) {
    ks.push_back(entries_of(*m.col).children[0].get());
    vs.push_back(entries_of(*m.col).children[1].get());
  }
  MapOut o(ks, vs);
  for (int64_t i = 0; i < n; ++i) {
    bool null_row = false;
    for (const auto& m : maps) null_row |= m.col->is_null(at(m, i));
    if (!null_row)
      for (size_t j = 0; j < maps.size(); ++j) {
        const int64_t r = at(maps[j], i);
        for (int32_t k = maps[j].col->offsets()[r]; k < maps[j].col->offsets()[r + 1]; ++k) o.put({uint32_t(j), k}, {uint32_t(j), k});
      }
    o.end_row(null_row);
  }
  return o.finish(out);
}

Vec str_to_map(const Vec& text, const std::string& pd, const std::string& kd, const ColTypePtr& out, int64_t n) {
  // Pieces go to a string column first, then the generic builder dedups them by key.
  col::ColumnBuilder kb(type_of(TypeId::String)), vb(type_of(TypeId::String));
  std::vector<std::vector<std::pair<int32_t, int32_t>>> rows(static_cast<size_t>(n));
  std::vector<uint8_t> null_row(static_cast<size_t>(n), 0);
  int32_t cnt = 0;
  auto split = [](std::string_view s, const std::string& d, std::vector<std::string_view>& parts, size_t limit) {
    parts.clear();
    size_t start = 0;
    while (parts.size() + 1 < limit) {
      size_t p = d.empty() ? (start < s.size() ? start + 1 : std::string_view::npos) : s.find(d, start);
      if (p == std::string_view::npos || (d.empty() && p >= s.size())) break;
      parts.push_back(s.substr(start, p - start));
      start = p + d.size();
    }
    parts.push_back(s.substr(start));
  };
  std::vector<std::string_view> pairs, kv;
  for (int64_t i = 0; i < n; ++i) {
    if (text.col->is_null(at(text, i))) { null_row[size_t(i)] = 1; continue; }
    split(text.col->str(at(text, i)), pd, pairs, SIZE_MAX);
    for (auto p : pairs) {
      split(p, kd, kv, 2);
      kb.append_str(kv[0]);
      kv.size() > 1 ? vb.append_str(kv[1]) : vb.append_null();
      rows[size_t(i)].push_back({cnt, cnt});
      ++cnt;
    }
  }
  auto keys = kb.finish(), vals = vb.finish();
  MapOut o({keys.get()}, {vals.get()});
  for (int64_t i = 0; i < n; ++i) {
    for (auto [k, v] : rows[size_t(i)]) o.put({0, k}, {0, v});
    o.end_row(null_row[size_t(i)]);
  }
  return o.finish(out);
}

Vec map_part(const Vec& m, MapPart part, const ColTypePtr& out, int64_t n) {
  auto c = std::make_shared<Column>(*m.col);
  c->type = out;
  const Column& e = entries_of(*m.col);
  if (part == MapPart::Entries) {
    auto st = std::make_shared<Column>(e);
    st->type = col::make_type(out->children[0]);
    c->children = {st};
  } else {
    c->children = {e.children[part == MapPart::Keys ? 0 : 1]};
  }
  return {c, m.constant};
}

}  // namespace spp::sql::kern
