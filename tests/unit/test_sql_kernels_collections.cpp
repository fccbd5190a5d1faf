// Array kernels (collection_fns) vs Spark 3.5: NULL arrays vs NULL elements, empty arrays,
// duplicates, NaN equal to itself and greatest, constant (literal) arrays, set operations'
// order and their single NULL.
#include <doctest/doctest.h>

#include <cmath>
#include <optional>
#include <string>

#include "sql/columnar/builder.h"
#include "sql/kernels/collection_fns.h"

using namespace spp::sql;
using namespace spp::sql::kern;
using col::ColumnBuilder;

namespace {
using Row = std::optional<std::vector<std::optional<double>>>;
constexpr auto N = std::nullopt;

ColTypePtr arr_t(TypeId el) { return col::make_type(col::ColType::array(col::ColType::scalar(el), true)); }

// Arrays of doubles (or ints when `el` is Int) from rows (nullopt row = NULL array).
Vec arrays(std::vector<Row> rows, TypeId el = TypeId::Double) {
  ColumnBuilder b(arr_t(el));
  for (const auto& r : rows) {
    if (!r) { b.append_null(); continue; }
    for (const auto& x : *r) {
      if (!x) b.child(0).append_null();
      else if (el == TypeId::Int) b.child(0).append<int32_t>(int32_t(*x));
      else b.child(0).append<double>(*x);
    }
    b.finish_list();
  }
  return Vec::flat(b.finish());
}

std::string num(const Column& c, int64_t i) {
  if (c.is_null(i)) return "NULL";
  double d = c.id() == TypeId::Int ? c.vals<int32_t>()[i] : c.id() == TypeId::Long ? double(c.vals<int64_t>()[i]) : c.vals<double>()[i];
  if (std::isnan(d)) return "NaN";
  std::string s = std::to_string(d);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "-0" : s;
}

// Arrays as "[1, NULL]" / "NULL"; scalars as their value.
std::vector<std::string> show(const Vec& v) {
  std::vector<std::string> out;
  const Column& c = *v.col;
  for (int64_t i = 0; i < c.length; ++i) {
    if (c.is_null(i)) { out.push_back("NULL"); continue; }
    if (c.id() == TypeId::Boolean) { out.push_back(c.bool_at(i) ? "true" : "false"); continue; }
    if (c.id() == TypeId::String) { out.push_back(std::string(c.str(i))); continue; }
    if (c.id() != TypeId::Array) { out.push_back(num(c, i)); continue; }
    std::string s = "[";
    for (int32_t k = c.offsets()[i]; k < c.offsets()[i + 1]; ++k) s += (k > c.offsets()[i] ? ", " : "") + num(*c.children[0], k);
    out.push_back(s + "]");
  }
  return out;
}

Vec dbl(std::optional<double> v) {
  ColumnBuilder b(type_of(TypeId::Double));
  v ? b.append<double>(*v) : b.append_null();
  return Vec::constant_of(b.finish());
}
Vec ints(std::vector<std::optional<int32_t>> vals) {
  ColumnBuilder b(type_of(TypeId::Int));
  for (auto v : vals) v ? b.append<int32_t>(*v) : b.append_null();
  return Vec::flat(b.finish());
}
using S = std::vector<std::string>;
const double NaN = std::nan("");
}  // namespace

TEST_CASE("sql kernels collections: contains / position / remove with NULLs and NaN") {
  auto a = arrays({std::vector<std::optional<double>>{1, 2, N, 2}, std::vector<std::optional<double>>{}, N,
                   std::vector<std::optional<double>>{NaN, 3}});
  CHECK(show(array_contains(a, dbl(2), 4)) == S{"true", "false", "NULL", "false"});
  CHECK(show(array_contains(a, dbl(7), 4)) == S{"NULL", "false", "NULL", "false"});  // NULL element: unknown
  CHECK(show(array_contains(a, dbl(NaN), 4)) == S{"NULL", "false", "NULL", "true"});
  CHECK(show(array_contains(a, dbl(N), 4)) == S{"NULL", "NULL", "NULL", "NULL"});
  CHECK(show(array_position(a, dbl(2), 4)) == S{"2", "0", "NULL", "0"});
  CHECK(show(array_remove(a, dbl(2), a.col->type, 4)) == S{"[1, NULL]", "[]", "NULL", "[NaN, 3]"});
}

TEST_CASE("sql kernels collections: element_at, slice, reverse, extremes") {
  auto a = arrays({std::vector<std::optional<double>>{1, 2, 3}, std::vector<std::optional<double>>{}, N,
                   std::vector<std::optional<double>>{N, NaN, 5}});
  CHECK(show(element_at(a, ints({1, 1, 1, -1}), 4)) == S{"1", "NULL", "NULL", "5"});
  CHECK(show(element_at(a, ints({-3, 0, 1, 4}), 4)) == S{"1", "NULL", "NULL", "NULL"});
  CHECK(show(slice(a, ints({2, 1, 1, -2}), ints({5, 1, 1, 1}), a.col->type, 4)) == S{"[2, 3]", "[]", "NULL", "[NaN]"});
  CHECK(show(slice(a, ints({-5, 2, 1, 4}), ints({1, 1, N, 1}), a.col->type, 4)) == S{"[]", "[]", "NULL", "[]"});
  CHECK(show(array_reverse(a, a.col->type, 4)) == S{"[3, 2, 1]", "[]", "NULL", "[5, NaN, NULL]"});
  CHECK(show(array_extreme(a, true, 4)) == S{"3", "NULL", "NULL", "NaN"});  // NaN is greatest
  CHECK(show(array_extreme(a, false, 4)) == S{"1", "NULL", "NULL", "5"});
}

TEST_CASE("sql kernels collections: sort_array vs array_sort NULL placement") {
  auto a = arrays({std::vector<std::optional<double>>{3, N, NaN, -1, 0}, std::vector<std::optional<double>>{}, N});
  CHECK(show(sort_array(a, true, true, a.col->type, 3)) == S{"[NULL, -1, 0, 3, NaN]", "[]", "NULL"});
  CHECK(show(sort_array(a, false, false, a.col->type, 3)) == S{"[NaN, 3, 0, -1, NULL]", "[]", "NULL"});
  CHECK(show(sort_array(a, true, false, a.col->type, 3)) == S{"[-1, 0, 3, NaN, NULL]", "[]", "NULL"});
}

TEST_CASE("sql kernels collections: distinct and set operations keep first-seen order and one NULL") {
  auto a = arrays({std::vector<std::optional<double>>{2, N, 1, 2, N, NaN, NaN}, std::vector<std::optional<double>>{}, N,
                   std::vector<std::optional<double>>{1, 2}});
  auto b = arrays({std::vector<std::optional<double>>{N, 3, NaN}, std::vector<std::optional<double>>{1},
                   std::vector<std::optional<double>>{1}, std::vector<std::optional<double>>{}});
  CHECK(show(array_distinct(a, a.col->type, 4)) == S{"[2, NULL, 1, NaN]", "[]", "NULL", "[1, 2]"});
  CHECK(show(array_set_op(SetOp::Union, a, b, a.col->type, 4)) == S{"[2, NULL, 1, NaN, 3]", "[1]", "NULL", "[1, 2]"});
  CHECK(show(array_set_op(SetOp::Intersect, a, b, a.col->type, 4)) == S{"[NULL, NaN]", "[]", "NULL", "[]"});
  CHECK(show(array_set_op(SetOp::Except, a, b, a.col->type, 4)) == S{"[2, 1]", "[]", "NULL", "[1, 2]"});
  CHECK(show(arrays_overlap(a, b, 4)) == S{"true", "false", "NULL", "false"});
  auto c = arrays({std::vector<std::optional<double>>{1, N}, std::vector<std::optional<double>>{1, N}});
  auto d = arrays({std::vector<std::optional<double>>{2}, std::vector<std::optional<double>>{}});
  CHECK(show(arrays_overlap(c, d, 2)) == S{"NULL", "false"});  // NULL only when both are non-empty
}

TEST_CASE("sql kernels collections: a large row uses the hashed set") {
  std::vector<std::optional<double>> big, other;
  for (int i = 0; i < 500; ++i) big.push_back(i % 100);
  for (int i = 50; i < 150; ++i) other.push_back(i);
  auto a = arrays({big}), b = arrays({other});
  auto d = array_distinct(a, a.col->type, 1);
  CHECK(d.col->offsets()[1] == 100);
  auto u = array_set_op(SetOp::Union, a, b, a.col->type, 1);
  CHECK(u.col->offsets()[1] == 150);
  auto x = array_set_op(SetOp::Intersect, a, b, a.col->type, 1);
  CHECK(x.col->offsets()[1] == 50);
  CHECK(show(arrays_overlap(a, b, 1)) == S{"true"});
}

TEST_CASE("sql kernels collections: join, flatten, repeat, constant arrays") {
  ColumnBuilder sb(col::make_type(col::ColType::array(col::ColType::scalar(TypeId::String), true)));
  for (auto s : {"a", "", "b"}) sb.child(0).append_str(s);
  sb.child(0).append_null();
  sb.finish_list();
  sb.append_null();
  sb.finish_list();  // empty
  Vec sa = Vec::flat(sb.finish());
  ColumnBuilder db(type_of(TypeId::String));
  db.append_str("-");
  Vec delim = Vec::constant_of(db.finish());
  CHECK(show(array_join(sa, delim, nullptr, 3)) == S{"a--b", "NULL", ""});
  ColumnBuilder rb(type_of(TypeId::String));
  rb.append_str("?");
  Vec repl = Vec::constant_of(rb.finish());
  CHECK(show(array_join(sa, delim, &repl, 3)) == S{"a--b-?", "NULL", ""});

  auto inner = col::ColType::array(col::ColType::scalar(TypeId::Int), true);
  ColumnBuilder nb(col::make_type(col::ColType::array(inner, true)));
  for (int r = 0; r < 3; ++r) {
    if (r == 2) { nb.child(0).child(0).append<int32_t>(9); nb.child(0).finish_list(); nb.child(0).append_null(); }
    else { nb.child(0).child(0).append<int32_t>(r); nb.child(0).finish_list(); nb.child(0).finish_list(); }
    nb.finish_list();
  }
  Vec nested = Vec::flat(nb.finish());
  CHECK(show(flatten(nested, arr_t(TypeId::Int), 3)) == S{"[0]", "[1]", "NULL"});

  CHECK(show(array_repeat(ints({7, N, 1}), ints({2, 1, -1}), arr_t(TypeId::Int), 3)) == S{"[7, 7]", "[NULL]", "[]"});
  Vec lit = arrays({std::vector<std::optional<double>>{5, 4}}, TypeId::Int);
  lit.constant = true;
  CHECK(show(array_contains(lit, Vec::flat(ints({4, 6, N}).col), 3)) == S{"true", "false", "NULL"});
  CHECK(show(sort_array(lit, true, true, lit.col->type, 2)) == S{"[4, 5]", "[4, 5]"});
}

#include "sql/kernels/map_fns.h"

namespace {
// Maps of int -> double as "{k -> v, ...}".
std::vector<std::string> show_map(const Vec& v) {
  std::vector<std::string> out;
  const Column& c = *v.col;
  const Column& e = *c.children[0];
  for (int64_t i = 0; i < c.length; ++i) {
    if (c.is_null(i)) { out.push_back("NULL"); continue; }
    std::string s = "{";
    for (int32_t k = c.offsets()[i]; k < c.offsets()[i + 1]; ++k)
      s += (k > c.offsets()[i] ? ", " : "") + num(*e.children[0], k) + " -> " + num(*e.children[1], k);
    out.push_back(s + "}");
  }
  return out;
}
ColTypePtr map_t() {
  return col::make_type(col::ColType::map(col::ColType::scalar(TypeId::Int), col::ColType::scalar(TypeId::Double), true));
}
}  // namespace

TEST_CASE("sql kernels collections: maps keep the first key position and the last value") {
  auto k1 = ints({1, 1, N}), k2 = ints({2, 1, 3});
  ColumnBuilder vb(type_of(TypeId::Double));
  for (double d : {10.0, 20.0, 30.0}) vb.append<double>(d);
  Vec vals = Vec::flat(vb.finish());
  auto m = make_map({k1, k2}, {vals, dbl(5)}, map_t(), 3);
  CHECK(show_map(m) == S{"{1 -> 10, 2 -> 5}", "{1 -> 5}", "NULL"});  // NULL key: NULL row (Spark raises)
  CHECK(show(map_part(m, MapPart::Keys, arr_t(TypeId::Int), 3)) == S{"[1, 2]", "[1]", "NULL"});
  CHECK(show(map_part(m, MapPart::Values, arr_t(TypeId::Double), 3)) == S{"[10, 5]", "[5]", "NULL"});

  auto ka = arrays({std::vector<std::optional<double>>{1, 2, 1}, std::vector<std::optional<double>>{1},
                    std::vector<std::optional<double>>{N}}, TypeId::Int);
  auto va = arrays({std::vector<std::optional<double>>{7, 8, 9}, std::vector<std::optional<double>>{1, 2},
                    std::vector<std::optional<double>>{0}});
  CHECK(show_map(map_from_arrays(ka, va, map_t(), 3)) == S{"{1 -> 9, 2 -> 8}", "NULL", "NULL"});
  CHECK(show_map(map_concat({m, m}, map_t(), 3)) == S{"{1 -> 10, 2 -> 5}", "{1 -> 5}", "NULL"});

  // A row with many keys goes through the hashed index.
  std::vector<std::optional<double>> many, mv;
  for (int i = 0; i < 200; ++i) many.push_back(i % 50), mv.push_back(i);
  auto big = map_from_arrays(arrays({many}, TypeId::Int), arrays({mv}), map_t(), 1);
  CHECK(big.col->offsets()[1] == 50);
  CHECK(num(*big.col->children[0]->children[1], 0) == "150");
}

TEST_CASE("sql kernels collections: str_to_map splits on literal delimiters") {
  ColumnBuilder tb(type_of(TypeId::String));
  tb.append_str("a:1,b:2,c,a:3");
  tb.append_null();
  tb.append_str("");
  Vec t = Vec::flat(tb.finish());
  auto ss = col::make_type(col::ColType::map(col::ColType::scalar(TypeId::String), col::ColType::scalar(TypeId::String), true));
  Vec m = str_to_map(t, ",", ":", ss, 3);
  const Column& e = *m.col->children[0];
  REQUIRE(m.col->offsets()[1] == 3);
  CHECK(std::string(e.children[0]->str(0)) == "a");
  CHECK(std::string(e.children[1]->str(0)) == "3");
  CHECK(e.children[1]->is_null(2));  // "c": no value
  CHECK(m.col->is_null(1));
  CHECK(m.col->offsets()[3] - m.col->offsets()[2] == 1);  // "" is one entry with an empty key
}

TEST_CASE("sql kernels collections: concat of arrays, sequence, arrays_zip") {
  auto a = arrays({std::vector<std::optional<double>>{1, 2}, std::vector<std::optional<double>>{}, N}, TypeId::Int);
  auto b = arrays({std::vector<std::optional<double>>{3}, std::vector<std::optional<double>>{N},
                   std::vector<std::optional<double>>{4}}, TypeId::Int);
  CHECK(show(concat_arrays({a, b, a}, a.col->type, 3)) == S{"[1, 2, 3, 1, 2]", "[NULL]", "NULL"});
  auto seq = sequence(ints({1, 5, 1, 3, N}), ints({5, 1, 5, 3, 1}), nullptr, arr_t(TypeId::Int), 5);
  CHECK(show(seq) == S{"[1, 2, 3, 4, 5]", "[5, 4, 3, 2, 1]", "[1, 2, 3, 4, 5]", "[3]", "NULL"});
  Vec step = ints({2, -3, -1, 0, 1});
  CHECK(show(sequence(ints({1, 5, 1, 3, 1}), ints({6, 1, 5, 3, 1}), &step, arr_t(TypeId::Int), 5)) ==
        S{"[1, 3, 5]", "[5, 2]", "NULL", "[3]", "[1]"});  // a step of the wrong sign: NULL (Spark raises)
  auto zt = col::make_type(col::ColType::array(
      col::ColType::strct({"a", "b"}, {col::ColType::scalar(TypeId::Int), col::ColType::scalar(TypeId::Int)}), false));
  auto z = arrays_zip({a, b}, zt, 3);
  CHECK(z.col->offsets()[1] == 2);
  CHECK(z.col->offsets()[2] == 3);  // longest: one (NULL) element of b
  CHECK(z.col->is_null(2));
  const Column& st = *z.col->children[0];
  CHECK(num(*st.children[0], 1) == "2");
  CHECK(num(*st.children[1], 1) == "NULL");
  CHECK(num(*st.children[0], 2) == "NULL");
}
