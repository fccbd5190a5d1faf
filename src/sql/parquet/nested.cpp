// Nested column assembly (see the header). A node's *slots* are the level entries (of one of
// its leaves) that start an instance of it: the entries with repetition level 0 for a
// top-level field, narrowed through each list/map on the way down to the entries that start
// one of its elements. Every leaf under a node sees the same number of slots; each child is
// assembled from its own leaves' levels.
#include "sql/parquet/nested.h"

namespace spp::sql::parquet {

namespace {

using col::ColType;
using Slots = std::vector<int64_t>;

struct Assembler {
  const FileSchema& fs;
  const Field& f;
  const std::vector<LeafLevels>& levels;
  const std::vector<col::ColumnPtr>& values;
  std::vector<std::vector<int64_t>> value_index;  // per leaf: values before each entry

  const LeafLevels& lv(int leaf) const { return levels[size_t(leaf - f.first_leaf)]; }

  static int first_leaf(const Node* n) {
    while (n->kind != Node::Leaf) n = &n->children[0];
    return n->leaf;
  }

  // Element starts of a list/map node's slots `s`, and the offsets of each slot into them.
  static Status elements(const LeafLevels& L, const Slots& s, const Node& node, Slots& out, std::vector<int32_t>* offsets) {
    out.clear();
    if (offsets) offsets->assign(1, 0);
    const int64_t n = int64_t(L.def.size());
    for (int64_t start : s) {
      if (L.def[size_t(start)] >= node.def_elem) {
        out.push_back(start);
        for (int64_t i = start + 1; i < n && L.rep[size_t(i)] >= node.rep_elem; ++i) {
          if (L.rep[size_t(i)] != node.rep_elem) continue;  // inside a deeper list
          if (L.def[size_t(i)] < node.def_elem) return Status::error("a repeated entry below its list's definition level");
          out.push_back(i);
        }
      }
      if (offsets) {
        if (out.size() > size_t(INT32_MAX)) return Status::error("list column larger than 2^31 elements");
        offsets->push_back(int32_t(out.size()));
      }
    }
    return Status::ok();
  }

  // The slots of the last node of `path` in `leaf`'s entries.
  Result<Slots> slots(int leaf, const std::vector<const Node*>& path) const {
    const LeafLevels& L = lv(leaf);
    Slots s, next;
    for (size_t i = 0; i < L.rep.size(); ++i)
      if (L.rep[i] == 0) s.push_back(int64_t(i));
    for (size_t k = 0; k + 1 < path.size(); ++k) {
      const Node* n = path[k];
      if (n->kind != Node::List && n->kind != Node::Map) continue;
      if (auto st = elements(L, s, *n, next, nullptr); !st) return Result<Slots>::error(st.message());
      s.swap(next);
    }
    return s;
  }

  static col::BufferPtr validity_of(const LeafLevels& L, const Slots& s, int16_t def_present, int64_t& nulls) {
    nulls = 0;
    auto v = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(int64_t(s.size()))));
    for (size_t k = 0; k < s.size(); ++k) {
      if (L.def[size_t(s[k])] >= def_present) col::set_bit(v->data(), int64_t(k));
      else ++nulls;
    }
    return nulls ? v : nullptr;
  }

  Result<col::ColumnPtr> build(std::vector<const Node*>& path, const ColType& type) {
    using R = Result<col::ColumnPtr>;
    const Node& node = *path.back();
    const int leaf = first_leaf(&node);
    auto s = slots(leaf, path);
    if (!s) return R::error(s.error_message());
    const LeafLevels& L = lv(leaf);
    const Slots& sl = s.value();
    const int64_t n = int64_t(sl.size());
    if (node.kind == Node::Leaf) {
      const Leaf& lf = fs.leaves[size_t(node.leaf)];
      const auto& vi = value_index[size_t(node.leaf - f.first_leaf)];
      std::vector<int32_t> idx(static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k) {
        const int64_t e = sl[size_t(k)];
        idx[size_t(k)] = L.def[size_t(e)] == lf.max_def ? int32_t(vi[size_t(e)]) : -1;
      }
      return col::gather(*values[size_t(node.leaf - f.first_leaf)], idx.data(), n);
    }
    auto c = std::make_shared<col::Column>();
    c->type = col::make_type(type);
    c->length = n;
    c->validity = validity_of(L, sl, node.def_present, c->null_count);
    if (node.kind == Node::Struct) {
      for (size_t i = 0; i < node.children.size(); ++i) {
        path.push_back(&node.children[i]);
        auto child = build(path, type.children[i]);
        path.pop_back();
        if (!child) return child;
        if (child.value()->length != n) return R::error("the leaves of struct " + f.name + " hold different numbers of values");
        c->children.push_back(std::move(child.value()));
      }
      return col::ColumnPtr(c);
    }
    // List or Map: offsets over the element slots.
    Slots elems;
    std::vector<int32_t> offsets;
    if (auto st = elements(L, sl, node, elems, &offsets); !st) return R::error(st.message());
    c->values = std::make_shared<col::Buffer>(offsets.size() * sizeof(int32_t));
    std::memcpy(c->values->data(), offsets.data(), offsets.size() * sizeof(int32_t));
    const ColType elem_type = *col::list_child_type(type);
    path.push_back(&node.children[0]);
    auto child = build(path, elem_type);
    path.pop_back();
    if (!child) return child;
    if (child.value()->length != int64_t(elems.size())) return R::error("the leaves of " + f.name + " hold different numbers of values");
    c->children.push_back(std::move(child.value()));
    return col::ColumnPtr(c);
  }
};

}  // namespace

Result<col::ColumnPtr> assemble_field(const FileSchema& fs, const Field& f, const std::vector<LeafLevels>& levels,
                                      const std::vector<col::ColumnPtr>& values, int64_t num_rows) {
  using R = Result<col::ColumnPtr>;
  if (levels.size() != size_t(f.num_leaves) || values.size() != size_t(f.num_leaves)) return R::error("missing leaves");
  Assembler a{fs, f, levels, values, {}};
  for (int i = 0; i < f.num_leaves; ++i) {
    const LeafLevels& L = levels[size_t(i)];
    const Leaf& lf = fs.leaves[size_t(f.first_leaf + i)];
    if (L.def.size() != L.rep.size()) return R::error("levels of different lengths");
    std::vector<int64_t> vi(L.def.size());
    int64_t count = 0;
    int64_t rows = 0;
    for (size_t e = 0; e < L.def.size(); ++e) {
      vi[e] = count;
      if (L.def[e] == lf.max_def) ++count;
      if (L.rep[e] == 0) ++rows;
    }
    if (count != values[size_t(i)]->length) return R::error("a leaf's values do not match its definition levels");
    if (rows != num_rows)
      return R::error("column " + f.name + " holds " + std::to_string(rows) + " records, its row group " + std::to_string(num_rows));
    a.value_index.push_back(std::move(vi));
  }
  std::vector<const Node*> path{&f.node};
  auto c = a.build(path, f.type);
  if (c && c.value()->length != num_rows) return R::error("column " + f.name + " assembled to the wrong number of rows");
  return c;
}

}  // namespace spp::sql::parquet
