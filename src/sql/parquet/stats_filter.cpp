// Row-group skipping from statistics (see the header).
#include "sql/parquet/stats_filter.h"
#include "common/strings.h"
#include "sql/parquet/encodings.h"

#include <cmath>
#include <cstring>
#include <optional>

#include <nlohmann/json.hpp>

namespace spp::sql::parquet {

namespace {

using json = nlohmann::json;

// A value in the order the statistics follow: integers (all integral, date, timestamp and
// boolean columns), doubles, unsigned bytes, or decimals as unscaled integers at the column's scale.
struct Val {
  enum Kind { Int, Dbl, Bytes, Dec } kind = Int;
  int64_t i = 0;
  double d = 0;
  std::string s;
  __int128 dec = 0;
};

int cmp(const Val& a, const Val& b) {
  switch (a.kind) {
    case Val::Int: return a.i < b.i ? -1 : a.i > b.i;
    case Val::Dbl: return a.d < b.d ? -1 : a.d > b.d;
    case Val::Bytes: { const int c = a.s.compare(b.s); return c < 0 ? -1 : c > 0; }
    case Val::Dec: return a.dec < b.dec ? -1 : a.dec > b.dec;
  }
  return 0;
}

const std::string* attr_name(const json& e, const std::vector<std::pair<int64_t, std::string>>& names) {
  if (e.value("kind", "") != "attr") return nullptr;
  const int64_t id = e.value("id", int64_t{-1});
  for (const auto& [i, n] : names)
    if (i == id) return &n;
  return nullptr;
}

StatPredicate compile(const json& e, const std::vector<std::pair<int64_t, std::string>>& names) {
  StatPredicate p;
  if (e.value("kind", "") != "call" || !e.contains("args")) return p;
  const std::string op = e.value("name", "");
  const json& args = e["args"];
  if ((op == "and" || op == "or") && args.size() == 2) {
    StatPredicate l = compile(args[0], names), r = compile(args[1], names);
    if (op == "and") {  // one side alone still prunes
      if (l.kind == StatPredicate::Keep) return r;
      if (r.kind == StatPredicate::Keep) return l;
    } else if (l.kind == StatPredicate::Keep || r.kind == StatPredicate::Keep) {
      return p;
    }
    p.kind = op == "and" ? StatPredicate::And : StatPredicate::Or;
    p.children = {std::move(l), std::move(r)};
    return p;
  }
  if ((op == "isnull" || op == "isnotnull") && args.size() == 1) {
    if (const std::string* n = attr_name(args[0], names)) {
      p.kind = op == "isnull" ? StatPredicate::IsNull : StatPredicate::IsNotNull;
      p.column = *n;
      p.type = args[0].value("type", json());
    }
    return p;
  }
  if (op == "in" && args.size() >= 2) {
    const std::string* n = attr_name(args[0], names);
    if (!n) return p;
    for (size_t k = 1; k < args.size(); ++k) {
      if (args[k].value("kind", "") != "lit" || args[k].value("type", json()) != args[0].value("type", json())) return p;
      if (!args[k]["value"].is_null()) p.values.push_back(args[k]["value"]);  // NULL never matches
    }
    p.kind = StatPredicate::In;
    p.column = *n;
    p.type = args[0].value("type", json());
    return p;
  }
  static const std::pair<const char*, StatPredicate::Kind> ops[] = {
      {"=", StatPredicate::Eq}, {"<", StatPredicate::Lt}, {"<=", StatPredicate::Le}, {">", StatPredicate::Gt}, {">=", StatPredicate::Ge}};
  static const std::pair<StatPredicate::Kind, StatPredicate::Kind> flipped[] = {
      {StatPredicate::Eq, StatPredicate::Eq}, {StatPredicate::Lt, StatPredicate::Gt}, {StatPredicate::Le, StatPredicate::Ge},
      {StatPredicate::Gt, StatPredicate::Lt}, {StatPredicate::Ge, StatPredicate::Le}};
  for (const auto& [name, kind] : ops) {
    if (op != name || args.size() != 2) continue;
    int a = 0, l = 1;
    if (!attr_name(args[0], names)) std::swap(a, l);
    const std::string* n = attr_name(args[a], names);
    if (!n || args[l].value("kind", "") != "lit" || args[l]["value"].is_null() ||
        args[l].value("type", json()) != args[a].value("type", json()))
      return p;
    p.kind = kind;
    if (a == 1)
      for (const auto& [from, to] : flipped)
        if (from == kind) p.kind = to;
    p.column = *n;
    p.type = args[a].value("type", json());
    p.values = {args[l]["value"]};
    return p;
  }
  return p;
}

// The leaf the scan reads for `column` (a flat top-level field, matched case-insensitively).
const Leaf* flat_leaf(const ParquetFile& f, const std::string& column) {
  const std::string want = ascii_lower(column);
  for (const auto& fld : f.schema().fields)
    if (ascii_lower(fld.name) == want) return fld.flat ? &f.schema().leaves[size_t(fld.first_leaf)] : nullptr;
  return nullptr;
}

// Decimal literal text ("-12.340") as an unscaled integer at `scale`; nullopt when it does not fit.
std::optional<__int128> parse_decimal(const std::string& text, int scale) {
  __int128 v = 0;
  int frac = -1;
  bool neg = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg = text[i++] == '-';
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') { if (frac >= 0) return std::nullopt; frac = 0; continue; }
    if (c < '0' || c > '9') return std::nullopt;
    if (frac >= 0 && ++frac > scale) { if (c != '0') return std::nullopt; --frac; continue; }
    v = v * 10 + (c - '0');
    if (v > (__int128(1) << 125)) return std::nullopt;
  }
  for (int k = frac < 0 ? 0 : frac; k < scale; ++k) v *= 10;
  return neg ? -v : v;
}

struct Domain {
  Val::Kind kind = Val::Int;
  int scale = 0;
};

// How the leaf's statistics order, when it is one this filter trusts for the column's type.
std::optional<Domain> domain_of(const Leaf& leaf, const col::ColType& want) {
  if (!(leaf.type == want)) return std::nullopt;  // read as another type: no pruning
  switch (leaf.conv) {
    case Conv::Bool: case Conv::Int32: case Conv::Int32ToByte: case Conv::Int32ToShort: case Conv::Int64:
    case Conv::MillisToMicros:
      return Domain{Val::Int};
    case Conv::Float: case Conv::Double: return Domain{Val::Dbl};
    case Conv::Bytes:
      if (leaf.phys != PhysType::ByteArray) return std::nullopt;  // FLOAT16 and the like order otherwise
      return Domain{Val::Bytes};
    case Conv::Int32ToDecimal: case Conv::Int64ToDecimal: case Conv::BytesToDecimal: return Domain{Val::Dec, want.scale};
    default: return std::nullopt;  // INT96, unsigned 32/64-bit, nanos
  }
}

std::optional<Val> literal(const json& v, const Domain& d) {
  Val out;
  out.kind = d.kind;
  switch (d.kind) {
    case Val::Int:
      if (v.is_boolean()) { out.i = v.get<bool>(); return out; }
      if (!v.is_number_integer()) return std::nullopt;
      out.i = v.get<int64_t>();
      return out;
    case Val::Dbl:
      if (!v.is_number()) return std::nullopt;  // "NaN", "Infinity": no pruning
      out.d = v.get<double>();
      return out;
    case Val::Bytes:
      if (!v.is_string()) return std::nullopt;
      out.s = v.get<std::string>();
      return out;
    case Val::Dec: {
      if (!v.is_string() && !v.is_number_integer()) return std::nullopt;
      auto x = parse_decimal(v.is_string() ? v.get<std::string>() : std::to_string(v.get<int64_t>()), d.scale);
      if (!x) return std::nullopt;
      out.dec = *x;
      return out;
    }
  }
  return std::nullopt;
}

std::optional<Val> stat_value(const std::string& b, const Leaf& leaf, const Domain& d) {
  Val out;
  out.kind = d.kind;
  auto fixed = [&](auto zero) -> bool {
    if (b.size() != sizeof zero) return false;
    std::memcpy(&zero, b.data(), sizeof zero);
    if constexpr (std::is_floating_point_v<decltype(zero)>) {
      if (std::isnan(zero)) return false;
      out.d = double(zero);
    } else {
      out.i = int64_t(zero);
      out.dec = zero;
    }
    return true;
  };
  switch (leaf.phys) {
    case PhysType::Boolean:
      if (b.size() != 1) return std::nullopt;
      out.i = b[0] != 0;
      return out;
    case PhysType::Int32: if (!fixed(int32_t{})) return std::nullopt; break;
    case PhysType::Int64: if (!fixed(int64_t{})) return std::nullopt; break;
    case PhysType::Float: if (!fixed(float{})) return std::nullopt; break;
    case PhysType::Double: if (!fixed(double{})) return std::nullopt; break;
    case PhysType::ByteArray: case PhysType::FixedLenByteArray:
      if (d.kind == Val::Bytes) { out.s = b; return out; }
      if (b.empty() || b.size() > 16) return std::nullopt;
      out.dec = int8_t(b[0]) < 0 ? -1 : 0;  // big-endian two's complement
      for (unsigned char c : b) out.dec = out.dec * 256 + c;
      return out;
    default: return std::nullopt;
  }
  if (leaf.conv == Conv::MillisToMicros) {
    if (__builtin_mul_overflow(out.i, int64_t{1000}, &out.i)) return std::nullopt;
  }
  return out;
}

}  // namespace

StatPredicate compile_pushed_filters(const json& exprs, const std::vector<std::pair<int64_t, std::string>>& names) {
  StatPredicate all;
  if (!exprs.is_array()) return all;
  for (const auto& e : exprs) {
    StatPredicate p = compile(e, names);
    if (p.kind == StatPredicate::Keep) continue;
    if (all.kind == StatPredicate::Keep) { all = std::move(p); continue; }
    StatPredicate both;
    both.kind = StatPredicate::And;
    both.children = {std::move(all), std::move(p)};
    all = std::move(both);
  }
  return all;
}

bool row_group_may_match(const StatPredicate& p, const ParquetFile& f, int rg) {
  using K = StatPredicate;
  switch (p.kind) {
    case K::Keep: return true;
    case K::And: return row_group_may_match(p.children[0], f, rg) && row_group_may_match(p.children[1], f, rg);
    case K::Or: return row_group_may_match(p.children[0], f, rg) || row_group_may_match(p.children[1], f, rg);
    default: break;
  }
  const Leaf* leaf = flat_leaf(f, p.column);
  if (!leaf) return true;
  const RowGroup& g = f.metadata().row_groups[size_t(rg)];
  const int li = int(leaf - f.schema().leaves.data());
  if (size_t(li) >= g.columns.size() || !g.columns[size_t(li)].has_meta) return true;
  const ColumnMeta& m = g.columns[size_t(li)].meta;
  if (!m.stats) return true;
  const Statistics& s = *m.stats;
  const bool all_null = s.null_count && *s.null_count == g.num_rows;
  if (p.kind == K::IsNull) return !s.null_count || *s.null_count > 0;
  if (p.kind == K::IsNotNull) return !all_null;
  if (all_null) return false;  // a comparison with a non-null value never holds on NULLs
  auto want = col::type_from_json(p.type);
  if (!want) return true;
  auto d = domain_of(*leaf, want.value());
  if (!d || !s.min || !s.max) return true;
  if (s.deprecated && (leaf->phys == PhysType::ByteArray || leaf->phys == PhysType::FixedLenByteArray)) return true;
  const auto lo = stat_value(*s.min, *leaf, *d);
  const auto hi = stat_value(*s.max, *leaf, *d);
  if (!lo || !hi) return true;
  auto in_range = [&](const Val& v) { return cmp(*lo, v) <= 0 && cmp(v, *hi) <= 0; };
  // Dictionary filtering (parquet-mr's DictionaryFilter, which Spark leaves on): values inside
  // min/max may still be none of a dictionary-encoded chunk's values. Any doubt keeps the group
  // (a dictionary that cannot be read is reported by the read itself).
  auto in_dictionary = [&](const std::vector<Val>& vs) {
    if (!only_dictionary_pages(m)) return true;
    PhysValues dict;
    if (!f.read_dictionary(rg, li, dict)) return true;
    for (int64_t k = 0; k < dict.count; ++k) {
      const std::string b = dict.width > 0
          ? std::string(reinterpret_cast<const char*>(dict.fixed.data()) + size_t(k) * size_t(dict.width), size_t(dict.width))
          : dict.bytes.substr(size_t(dict.offsets[size_t(k)]), size_t(dict.offsets[size_t(k) + 1] - dict.offsets[size_t(k)]));
      const auto dv = stat_value(b, *leaf, *d);
      if (!dv) return true;
      for (const Val& v : vs)
        if (cmp(*dv, v) == 0) return true;
    }
    return false;
  };
  if (p.kind == K::In) {
    std::vector<Val> inside;
    for (const auto& x : p.values) {
      auto v = literal(x, *d);
      if (!v) return true;
      if (in_range(*v)) inside.push_back(*v);
    }
    return !inside.empty() && in_dictionary(inside);
  }
  auto v = literal(p.values[0], *d);
  if (!v) return true;
  switch (p.kind) {
    case K::Eq: return in_range(*v) && in_dictionary({*v});
    case K::Lt: return cmp(*lo, *v) < 0;
    case K::Le: return cmp(*lo, *v) <= 0;
    case K::Gt: return cmp(*hi, *v) > 0;
    case K::Ge: return cmp(*hi, *v) >= 0;
    default: return true;
  }
}

}  // namespace spp::sql::parquet
