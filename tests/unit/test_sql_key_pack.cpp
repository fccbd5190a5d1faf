// Packed group keys: equal keys (Spark's grouping equality: NULL = NULL, NaN = NaN,
// -0.0 = 0.0) pack to equal bytes, different keys to different bytes, and unpacking gives the
// (normalised) keys back with their types and NULLs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "sql/columnar/builder.h"
#include "sql/exec/key_pack.h"

using namespace spp::sql;
using col::ColType;
using col::TypeId;

namespace {

col::ColumnPtr column(TypeId id, const std::function<void(col::ColumnBuilder&)>& fill) {
  col::ColumnBuilder b(col::make_type(ColType::scalar(id)));
  fill(b);
  return b.finish();
}

std::string row(const col::Column& packed, int64_t r) { return std::string(packed.str(r)); }

}  // namespace

TEST_CASE("key pack: grouping equality on the bytes") {
  const double nan1 = std::numeric_limits<double>::quiet_NaN(), nan2 = -std::nan("7");
  auto d = column(TypeId::Double, [&](auto& b) {
    for (double x : {0.0, -0.0, nan1, nan2, 1.5}) b.append(x);
    b.append_null();
  });
  auto s = column(TypeId::String, [&](auto& b) {
    for (const char* x : {"a", "a", "", "", "bc"}) b.append_str(x);
    b.append_null();
  });
  auto packed = exec::pack_keys({d, s}, 6);
  REQUIRE(packed);
  const col::Column& p = **packed;
  CHECK(row(p, 0) == row(p, 1));  // -0.0 = 0.0
  CHECK(row(p, 2) == row(p, 3));  // NaN = NaN, whatever its bits
  CHECK(row(p, 0) != row(p, 2));
  CHECK(row(p, 4) != row(p, 0));
  CHECK(row(p, 5) != row(p, 2));  // NULL, NULL is not NaN, ""

  // A NULL string differs from the empty string; lengths keep ("a","bc") apart from ("ab","c").
  auto s1 = column(TypeId::String, [](auto& b) { b.append_str(""); b.append_null(); b.append_str("a"); b.append_str("ab"); });
  auto s2 = column(TypeId::String, [](auto& b) { b.append_str("x"); b.append_str("x"); b.append_str("bc"); b.append_str("c"); });
  auto q = exec::pack_keys({s1, s2}, 4);
  REQUIRE(q);
  CHECK(row(**q, 0) != row(**q, 1));
  CHECK(row(**q, 2) != row(**q, 3));
}

TEST_CASE("key pack: round trip of every packable type, with NULLs and a sliced input") {
  std::vector<col::ColumnPtr> cols = {
      column(TypeId::Boolean, [](auto& b) { b.append_bool(true); b.append_null(); b.append_bool(false); b.append_bool(true); }),
      column(TypeId::Byte, [](auto& b) { b.append(int8_t(-128)); b.append(int8_t(7)); b.append_null(); b.append(int8_t(127)); }),
      column(TypeId::Short, [](auto& b) { b.append(int16_t(-1)); b.append(int16_t(300)); b.append(int16_t(0)); b.append_null(); }),
      column(TypeId::Int, [](auto& b) { b.append_null(); b.append(int32_t(INT32_MIN)); b.append(int32_t(5)); b.append(int32_t(INT32_MAX)); }),
      column(TypeId::Long, [](auto& b) { b.append(int64_t(INT64_MIN)); b.append_null(); b.append(int64_t(9)); b.append(int64_t(-9)); }),
      column(TypeId::Float, [](auto& b) { b.append(-0.0f); b.append(2.5f); b.append_null(); b.append(std::numeric_limits<float>::infinity()); }),
      column(TypeId::Double, [](auto& b) { b.append(1e300); b.append(-0.0); b.append(3.25); b.append_null(); }),
      column(TypeId::Date, [](auto& b) { b.append(int32_t(19000)); b.append(int32_t(-1)); b.append_null(); b.append(int32_t(0)); }),
      column(TypeId::Timestamp, [](auto& b) { b.append(int64_t(1700000000000000)); b.append_null(); b.append(int64_t(0)); b.append(int64_t(-5)); }),
      column(TypeId::String, [](auto& b) { b.append_str("héllo"); b.append_str(""); b.append_null(); b.append_str(std::string(300, 'x')); }),
      column(TypeId::Binary, [](auto& b) { b.append_null(); b.append_str(std::string("\0\1", 2)); b.append_str("z"); b.append_str(""); }),
  };
  std::vector<ColType> types;
  for (auto& c : cols) types.push_back(*c->type);
  {
    col::ColumnBuilder b(col::make_type(ColType::decimal(38, 2)));
    b.append_decimal(-(__int128(1) << 100));
    b.append_null();
    b.append_decimal(12345);
    b.append_decimal(0);
    cols.push_back(b.finish());
    types.push_back(ColType::decimal(38, 2));
  }
  // Rows 1..3 of every column: the packer honours column offsets.
  std::vector<col::ColumnPtr> sliced;
  for (auto& c : cols) sliced.push_back(col::slice(c, 1, 3));
  auto packed = exec::pack_keys(sliced, 3);
  REQUIRE(packed);
  auto back = exec::unpack_keys(**packed, types);
  REQUIRE(back.size() == cols.size());
  for (size_t k = 0; k < cols.size(); ++k) {
    CAPTURE(types[k].to_string());
    REQUIRE(back[k]->length == 3);
    CHECK(col::validate(*back[k]));
    for (int64_t r = 0; r < 3; ++r) {
      const col::Column &want = *sliced[k], &got = *back[k];
      REQUIRE(want.is_null(r) == got.is_null(r));
      if (want.is_null(r)) continue;
      switch (types[k].id) {
        case TypeId::Boolean: CHECK(want.bool_at(r) == got.bool_at(r)); break;
        case TypeId::String: case TypeId::Binary: CHECK(want.str(r) == got.str(r)); break;
        case TypeId::Decimal: CHECK(want.dec_at(r) == got.dec_at(r)); break;
        case TypeId::Float: CHECK(want.vals<float>()[r] == got.vals<float>()[r]); break;
        case TypeId::Double: CHECK(want.vals<double>()[r] == got.vals<double>()[r]); break;
        default: {
          const size_t w = size_t(col::fixed_width(types[k].id));
          CHECK(std::memcmp(want.values->data() + (want.offset + r) * w, got.values->data() + r * w, w) == 0);
        }
      }
    }
  }
  // -0.0 comes back as 0.0 (the group's key is the normalised value, as in Spark).
  auto neg = exec::unpack_keys(**exec::pack_keys({cols[6]}, 2), {ColType::scalar(TypeId::Double)});
  CHECK_FALSE(std::signbit(neg[0]->vals<double>()[1]));
  CHECK(exec::packable_key_types(types));
  CHECK_FALSE(exec::packable_key_types({ColType::array(ColType::scalar(TypeId::Int), true)}));
  CHECK_FALSE(exec::packable_key_types({ColType::scalar(TypeId::Null)}));
}
