// Columnar batches: builders, layout invariants, slicing, gather/concat, serialization round
// trips (plain and zstd, slices, nested types) and the decoder's rejection of bad messages.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <random>

#include <nlohmann/json.hpp>

#include "driver/result_file.h"
#include "executor/result_spool.h"
#include "sql/columnar/builder.h"
#include "sql/columnar/serde.h"
#include "sql/columnar/serde_merge.h"

using namespace spp::sql::col;

namespace {

ColTypePtr all_types_schema() {
  return make_type(ColType::strct(
      {"b", "i8", "i16", "i32", "i64", "f", "d", "dec", "s", "bin", "date", "ts", "v", "arr", "m", "st"},
      {ColType::scalar(TypeId::Boolean), ColType::scalar(TypeId::Byte), ColType::scalar(TypeId::Short),
       ColType::scalar(TypeId::Int), ColType::scalar(TypeId::Long), ColType::scalar(TypeId::Float),
       ColType::scalar(TypeId::Double), ColType::decimal(20, 3), ColType::scalar(TypeId::String),
       ColType::scalar(TypeId::Binary), ColType::scalar(TypeId::Date), ColType::scalar(TypeId::Timestamp),
       ColType::scalar(TypeId::Null), ColType::array(ColType::scalar(TypeId::Long)),
       ColType::map(ColType::scalar(TypeId::String), ColType::scalar(TypeId::Int)),
       ColType::strct({"x", "y"}, {ColType::scalar(TypeId::Int), ColType::array(ColType::scalar(TypeId::String))})}));
}

// Row r of the test batch; every 3rd row (r % 3 == 1) is null in every column.
Batch make_batch(int rows) {
  BatchBuilder bb(all_types_schema());
  for (int r = 0; r < rows; ++r) {
    bool null = r % 3 == 1;
    if (null) {
      for (size_t c = 0; c < bb.num_columns(); ++c) bb.column(c).append_null();
      continue;
    }
    bb.column(0).append_bool(r % 2 == 0);
    bb.column(1).append<int8_t>(int8_t(r));
    bb.column(2).append<int16_t>(int16_t(r * 7));
    bb.column(3).append<int32_t>(r * 1000);
    bb.column(4).append<int64_t>(int64_t(r) << 40);
    bb.column(5).append<float>(r * 0.5f);
    bb.column(6).append<double>(r * 0.25);
    bb.column(7).append_decimal(-(__int128(r) << 70));
    bb.column(8).append_str("s" + std::to_string(r));
    bb.column(9).append_str(std::string(size_t(r % 5), char(r)));
    bb.column(10).append<int32_t>(19000 + r);
    bb.column(11).append<int64_t>(int64_t(r) * 1000000);
    bb.column(12).append_null();
    for (int e = 0; e < r % 4; ++e) bb.column(13).child(0).append<int64_t>(r + e);
    bb.column(13).finish_list();
    for (int e = 0; e < r % 3; ++e) {
      bb.column(14).child(0).child(0).append_str("k" + std::to_string(e));
      if (e == 1) bb.column(14).child(0).child(1).append_null();
      else bb.column(14).child(0).child(1).append<int32_t>(e);
    }
    bb.column(14).finish_list();
    bb.column(15).child(0).append<int32_t>(r);
    bb.column(15).child(1).child(0).append_str("e");
    bb.column(15).child(1).finish_list();
    bb.column(15).finish_struct();
  }
  return bb.finish();
}

// Compares two batches row by row through append_from-independent accessors.
void check_equal(const Batch& a, const Batch& b);

void check_col_equal(const Column& a, const Column& b, int64_t ra, int64_t rb) {
  REQUIRE(*a.type == *b.type);
  REQUIRE(a.is_null(ra) == b.is_null(rb));
  if (a.is_null(ra)) return;
  switch (a.id()) {
    case TypeId::Boolean: CHECK(a.bool_at(ra) == b.bool_at(rb)); break;
    case TypeId::String: case TypeId::Binary: CHECK(a.str(ra) == b.str(rb)); break;
    case TypeId::Array: case TypeId::Map: {
      const int32_t *oa = a.offsets(), *ob = b.offsets();
      REQUIRE(oa[ra + 1] - oa[ra] == ob[rb + 1] - ob[rb]);
      for (int32_t e = 0; e < oa[ra + 1] - oa[ra]; ++e)
        check_col_equal(*a.children[0], *b.children[0], oa[ra] + e, ob[rb] + e);
      break;
    }
    case TypeId::Struct:
      for (size_t f = 0; f < a.children.size(); ++f) check_col_equal(*a.children[f], *b.children[f], ra, rb);
      break;
    default: {
      int w = fixed_width(a.id());
      CHECK(std::memcmp(a.values->data() + (a.offset + ra) * w, b.values->data() + (b.offset + rb) * w, size_t(w)) == 0);
    }
  }
}

void check_equal(const Batch& a, const Batch& b) {
  REQUIRE(a.num_rows == b.num_rows);
  REQUIRE(a.num_columns() == b.num_columns());
  REQUIRE(*a.schema == *b.schema);
  for (size_t c = 0; c < a.num_columns(); ++c)
    for (int64_t r = 0; r < a.num_rows; ++r) check_col_equal(*a.columns[c], *b.columns[c], r, r);
}

}  // namespace

TEST_CASE("sql columnar: builders produce valid Arrow-layout columns") {
  Batch b = make_batch(50);
  REQUIRE(validate(b).is_ok());
  CHECK(b.num_rows == 50);
  const Column& s = b.column(8);
  CHECK(s.null_count == 17);
  CHECK(s.str(0) == "s0");
  CHECK(s.is_null(1));
  CHECK(s.offsets()[2] == s.offsets()[1]);  // a null holds an empty range
  CHECK(reinterpret_cast<uintptr_t>(s.values->data()) % 64 == 0);
  CHECK(b.column(12).null_count == 50);
  const Column& m = b.column(14);
  CHECK(m.children[0]->type->id == TypeId::Struct);
  CHECK(m.children[0]->children[1]->null_count > 0);
  CHECK(all_types_schema()->to_string().find("map<string,int>") != std::string::npos);
}

TEST_CASE("sql columnar: type JSON is Spark's and round-trips") {
  auto t = all_types_schema();
  auto j = type_to_json(*t);
  CHECK(j["fields"][4]["type"] == "long");
  CHECK(j["fields"][7]["type"] == "decimal(20,3)");
  CHECK(j["fields"][13]["type"]["elementType"] == "long");
  CHECK(j["fields"][14]["type"]["valueContainsNull"] == true);
  auto back = type_from_json(j);
  REQUIRE(back.is_ok());
  CHECK(*back == *t);
  CHECK(!type_from_json(nlohmann::json("decimal(40,2)")).is_ok());
  CHECK(!type_from_json(nlohmann::json("nope")).is_ok());
  CHECK(type_from_json(nlohmann::json("decimal"))->precision == 10);
}

TEST_CASE("sql columnar: slice, gather, concat") {
  Batch b = make_batch(40);
  Batch s = slice(b, 5, 20);
  REQUIRE(validate(s).is_ok());
  CHECK(s.column(8).str(0) == "s5");
  CHECK(s.column(15).children[0]->vals<int32_t>()[0] == 5);  // struct children follow the slice
  std::vector<int32_t> idx = {3, -1, 0, 39, 1};
  Batch g = gather(b, idx.data(), int64_t(idx.size()));
  REQUIRE(validate(g).is_ok());
  for (size_t c = 0; c < b.num_columns(); ++c) {
    check_col_equal(b.column(c), g.column(c), 3, 0);
    CHECK(g.column(c).is_null(1));
    check_col_equal(b.column(c), g.column(c), 39, 3);
    CHECK(g.column(c).is_null(4));
  }
  Batch cat = concat({slice(b, 0, 13), slice(b, 13, 27)});
  REQUIRE(validate(cat).is_ok());
  check_equal(b, cat);
  Batch cc = concat({make_batch(0), b});
  check_equal(b, cc);
  // offset slices and an empty one in the middle (fixed-width and string columns are copied
  // part by part, the others gathered)
  Batch three = concat({slice(b, 3, 10), slice(b, 13, 0), slice(b, 13, 20)});
  REQUIRE(validate(three).is_ok());
  check_equal(slice(b, 3, 30), three);
  CHECK(three.column(8).str(0) == "s3");
  CHECK(three.column(4).null_count == slice(b, 3, 30).column(4).null_count);
}

TEST_CASE("sql columnar: a gather of a contiguous run of rows is a slice sharing the buffers") {
  Batch b = make_batch(40);
  std::vector<int32_t> run = {7, 8, 9, 10, 11, 12};
  CHECK(contiguous_run(run.data(), 6) == std::optional<int64_t>(7));
  std::vector<int32_t> gap = {7, 8, 10}, null_first = {-1, 0, 1}, null_last = {4, 5, -1};
  CHECK(!contiguous_run(gap.data(), 3));
  CHECK(!contiguous_run(null_first.data(), 3));
  CHECK(!contiguous_run(null_last.data(), 3));
  CHECK(!contiguous_run(run.data(), 0));
  Batch g = gather(b, run.data(), 6);
  REQUIRE(validate(g).is_ok());
  check_equal(slice(b, 7, 6), g);
  CHECK(g.column(4).values == b.column(4).values);  // shared, not copied
  CHECK(g.column(4).null_count == 2);               // rows 7 and 10
  auto t = take(b.columns[8], run.data(), 6);
  CHECK(t->data == b.columns[8]->data);
  CHECK(t->str(1) == "s8");
  auto t2 = take(b.columns[8], gap.data(), 3);  // not a run: copied
  CHECK(t2->data != b.columns[8]->data);
  CHECK(t2->str(1) == "s8");
  CHECK(t2->is_null(2));
}

TEST_CASE("sql columnar: serialization round trips (plain, zstd, slices, empty)") {
  for (bool z : {false, true}) {
    Batch b = make_batch(100);
    std::string msg = serialize(b, {z, 1});
    CHECK(msg.size() % 8 == 0);
    size_t used = 0;
    auto back = deserialize(msg, &used);
    REQUIRE_MESSAGE(back.is_ok(), back.error_message());
    CHECK(used == msg.size());
    REQUIRE(validate(*back).is_ok());
    check_equal(b, *back);
    Batch s = slice(b, 7, 31);
    auto bs = deserialize(serialize(s, {z, 1}));
    REQUIRE(bs.is_ok());
    check_equal(s, *bs);
    auto be = deserialize(serialize(make_batch(0), {z, 1}));
    REQUIRE(be.is_ok());
    CHECK(be->num_rows == 0);
  }
  // Two messages back to back: consumed lets a reader walk a stream.
  std::string stream = serialize(make_batch(3)) + serialize(make_batch(5));
  size_t used = 0;
  auto first = deserialize(stream, &used);
  REQUIRE(first.is_ok());
  auto second = deserialize(std::string_view(stream).substr(used));
  REQUIRE(second.is_ok());
  CHECK(second->num_rows == 5);
}

TEST_CASE("sql columnar: serialize_to writes serialize's bytes into caller memory, or nothing") {
  for (int rows : {0, 3, 100}) {
    for (bool sliced : {false, true}) {
      Batch b = sliced ? slice(make_batch(rows + 9), 9, rows) : make_batch(rows);
      const std::string msg = serialize(b);
      std::string dst(msg.size() + 16, '\x5a');  // filler: padding must be written as zeros
      CHECK(serialize_to(b, dst.data(), msg.size() - 1) == 0);
      CHECK(dst == std::string(msg.size() + 16, '\x5a'));
      REQUIRE(serialize_to(b, dst.data(), dst.size()) == msg.size());
      CHECK(dst.substr(0, msg.size()) == msg);
      CHECK(dst.substr(msg.size()) == std::string(16, '\x5a'));
    }
  }
}

namespace {
// Columns `cols` of the test batch (its rows r0 .. r0 + n, a slice when r0 > 0).
Batch project(const Batch& b, const std::vector<size_t>& cols) {
  std::vector<std::string> names;
  std::vector<ColType> types;
  Batch p;
  for (size_t c : cols) {
    names.push_back(b.schema->names[c]);
    types.push_back(b.schema->children[c]);
    p.columns.push_back(b.columns[c]);
  }
  p.schema = make_type(ColType::strct(names, types));
  p.num_rows = b.num_rows;
  return p;
}
}  // namespace

TEST_CASE("sql columnar: serialize_to of parts writes the concatenated batch's bytes") {
  // Fixed-width columns (NULLs in every third row, so the parts' validity bits land at odd
  // positions), then with a string and a list column (those take the concatenation).
  for (const std::vector<size_t>& cols : {std::vector<size_t>{1, 2, 3, 4, 5, 6, 7, 10, 11}, std::vector<size_t>{4},
                                          std::vector<size_t>{4, 8, 13}}) {
    const Batch all = make_batch(120);
    for (const std::vector<std::pair<int, int>>& cuts :
         {std::vector<std::pair<int, int>>{{0, 40}, {40, 40}}, {{3, 5}, {8, 0}, {8, 61}, {69, 2}},
          {{0, 120}}, {{1, 1}, {2, 1}, {3, 1}, {4, 9}}}) {
      std::vector<Batch> parts;
      ColTypePtr schema;
      for (auto [at, n] : cuts) {
        parts.push_back(project(slice(all, at, n), cols));
        if (schema) parts.back().schema = schema;  // one schema object, as BatchEvalPython's
        schema = parts.back().schema;
      }
      const std::string msg = serialize(concat(parts));
      std::string dst(msg.size() + 16, '\x5a');  // filler: padding must be written as zeros
      CHECK(serialize_to(parts, dst.data(), msg.size() - 1) == 0);
      CHECK(dst == std::string(msg.size() + 16, '\x5a'));
      REQUIRE(serialize_to(parts, dst.data(), dst.size()) == msg.size());
      CHECK(dst.substr(0, msg.size()) == msg);
      CHECK(dst.substr(msg.size()) == std::string(16, '\x5a'));
      auto back = deserialize(dst);
      REQUIRE_MESSAGE(back.is_ok(), back.error_message());
      CHECK(validate(*back).is_ok());
      check_equal(concat(parts), *back);
    }
  }
}

TEST_CASE("sql columnar: deserialize_shared decodes what deserialize does, rejects what it rejects, and no zstd") {
  Batch b = make_batch(50);
  const std::string msg = serialize(b);
  size_t used = 0;
  auto back = deserialize_shared(msg, &used);
  REQUIRE_MESSAGE(back.is_ok(), back.error_message());
  CHECK(used == msg.size());
  check_equal(b, *back);
  for (size_t n = 0; n < msg.size(); n += 5) CHECK(!deserialize_shared(std::string_view(msg).substr(0, n)).is_ok());
  std::mt19937 rng(11);
  for (int t = 0; t < 2000; ++t) {
    std::string m = msg;
    size_t pos = rng() % std::min<size_t>(m.size(), 2000);
    m[pos] = char(m[pos] ^ (1 + rng() % 255));
    auto a = deserialize(m), s = deserialize_shared(m);
    REQUIRE(a.is_ok() == s.is_ok());
    if (s.is_ok()) CHECK(validate(*s).is_ok());
  }
  CHECK(deserialize(serialize(b, {true, 1})).is_ok());
  CHECK(!deserialize_shared(serialize(b, {true, 1})).is_ok());
}

TEST_CASE("sql columnar: batches of different schemas in turn decode to their own schemas") {
  Batch a = make_batch(4);
  Batch b;  // one bigint column
  b.schema = make_type(ColType::strct({"x"}, {a.schema->children[4]}));
  b.columns = {a.columns[4]};
  b.num_rows = 4;
  const std::string sa = serialize(a), sb = serialize(b);
  for (const std::string* m : {&sa, &sb, &sb, &sa, &sb}) {
    auto back = deserialize(*m);
    REQUIRE(back.is_ok());
    const Batch& want = m == &sa ? a : b;
    CHECK(back->schema->names == want.schema->names);
    CHECK(back->columns.size() == want.columns.size());
    check_equal(want, *back);
  }
  std::string bad = sb;  // the same schema length, another (invalid) text: parsed, refused
  bad[kBatchHeaderSize] = '!';
  CHECK_FALSE(deserialize(bad).is_ok());
  CHECK(deserialize(sb).is_ok());
}

namespace {
// The flat columns of make_batch (boolean .. timestamp, and the void one).
Batch flat_part(const Batch& b) {
  Batch f;
  std::vector<std::string> names(b.schema->names.begin(), b.schema->names.begin() + 13);
  std::vector<ColType> types(b.schema->children.begin(), b.schema->children.begin() + 13);
  f.schema = make_type(ColType::strct(names, types));
  f.columns.assign(b.columns.begin(), b.columns.begin() + 13);
  f.num_rows = b.num_rows;
  return f;
}

std::string joined(const MergedStream& m) {
  std::string s;
  for (auto p : m.pieces) s.append(p);
  CHECK(s.size() == m.size);
  return s;
}
}  // namespace

TEST_CASE("sql columnar: merging serialized batches (toPandas's result file)") {
  Batch b = flat_part(make_batch(61));
  // Odd row counts: the bitmaps of later batches start mid-byte; an empty batch between.
  std::string s1 = serialize(slice(b, 0, 13)) + serialize(slice(b, 13, 0)) + serialize(slice(b, 13, 5));
  std::string s2 = serialize(slice(b, 18, 43));
  MergedStream m;
  REQUIRE(merge_serialized({s1, s2}, m));
  std::string one = joined(m);
  size_t used = 0;
  auto back = deserialize(one, &used);
  REQUIRE_MESSAGE(back.is_ok(), back.error_message());
  CHECK(used == one.size());  // a single batch
  REQUIRE(validate(*back).is_ok());
  check_equal(b, *back);
  CHECK(back->column(3).null_count == b.column(3).null_count);
  // Batches without NULLs in a column next to ones with: the merged bitmap sets their rows.
  Batch nonull = flat_part(make_batch(1));  // row 0 is never null
  std::string s3 = serialize(nonull) + serialize(slice(b, 0, 9)) + serialize(nonull);
  MergedStream m2;
  REQUIRE(merge_serialized({s3}, m2));
  auto back2 = deserialize(joined(m2));
  REQUIRE(back2.is_ok());
  check_equal(concat({nonull, slice(b, 0, 9), nonull}), *back2);
  // Nothing to merge: an empty stream.
  MergedStream m3;
  CHECK(merge_serialized({}, m3));
  CHECK(m3.size == 0);
  // Not merged: nested columns, zstd bodies, schemas that differ, truncation.
  MergedStream no;
  CHECK_FALSE(merge_serialized({serialize(make_batch(5))}, no));
  CHECK_FALSE(merge_serialized({serialize(b, {true, 1})}, no));
  CHECK_FALSE(merge_serialized({serialize(flat_part(make_batch(3))), serialize(make_batch(3))}, no));
  CHECK_FALSE(merge_serialized({s2.substr(0, s2.size() - 8)}, no));
}

TEST_CASE("sql columnar: a result file merged from spool files (file-to-file copies, or through memory)") {
  Batch b = flat_part(make_batch(9000));  // columns of 4,000-row batches: pieces of 16-32 KiB
  const std::string dir = (std::filesystem::temp_directory_path() / ("spp_rf_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  std::vector<spp::executor::SpoolMap> maps;
  int64_t at = 0;
  for (int64_t rows : {4000, 5000}) {  // two tasks' spools
    std::string s = serialize(slice(b, at, std::min<int64_t>(rows, 4000))) + serialize(slice(b, at + 4000, rows - 4000));
    at += rows;
    spp::executor::SpoolWriter w(dir + "/t" + std::to_string(maps.size()));
    REQUIRE(w.add(s).is_ok());
    auto ref = spp::executor::decode_spool_ref(w.finish().value());
    REQUIRE(ref);
    auto m = spp::executor::SpoolMap::open(*ref);
    REQUIRE(m.is_ok());
    maps.push_back(std::move(m.value()));
  }
  for (bool usable_fds : {true, false}) {  // a descriptor copy_file_range refuses: the mapping is read
    std::vector<std::string_view> streams;
    std::vector<spp::driver::SourceFile> files;
    for (const auto& m : maps) {
      streams.push_back(m.view());
      files.push_back({m.view().data(), m.view().size(), usable_fds ? m.fd() : -1});
    }
    const std::string out = dir + (usable_fds ? "/copied" : "/read");
    REQUIRE(spp::driver::write_result_file(out, streams, files).is_ok());
    std::ifstream in(out, std::ios::binary);
    std::stringstream got;
    got << in.rdbuf();
    size_t used = 0;
    auto back = deserialize(got.str(), &used);
    REQUIRE_MESSAGE(back.is_ok(), back.error_message());
    CHECK(used == got.str().size());  // merged into one batch
    check_equal(b, *back);
  }
  maps.clear();
  std::filesystem::remove_all(dir);
}

TEST_CASE("sql columnar: the documented header layout") {
  Batch b = make_batch(4);
  std::string msg = serialize(b);
  CHECK(msg.substr(0, 4) == "SPB1");
  int64_t rows; std::memcpy(&rows, msg.data() + 8, 8);
  CHECK(rows == 4);
  uint32_t schema_len; std::memcpy(&schema_len, msg.data() + 16, 4);
  auto j = nlohmann::json::parse(msg.substr(48, schema_len));
  CHECK(j["type"] == "struct");
  uint32_t n_nodes; std::memcpy(&n_nodes, msg.data() + 20, 4);
  // 16 top-level fields + array element + map entries/key/value + struct x, y, y's element.
  CHECK(n_nodes == 16 + 1 + 3 + 3);
}

TEST_CASE("sql columnar: decoder rejects truncated and corrupted messages") {
  Batch b = make_batch(20);
  std::string msg = serialize(b);
  for (size_t n = 0; n < msg.size(); n += 7) CHECK(!deserialize(std::string_view(msg).substr(0, n)).is_ok());
  std::mt19937 rng(7);
  int rejected = 0;
  for (int t = 0; t < 2000; ++t) {
    std::string m = msg;
    size_t pos = rng() % std::min<size_t>(m.size(), 2000);
    m[pos] = char(m[pos] ^ (1 + rng() % 255));
    auto r = deserialize(m);
    if (!r.is_ok()) ++rejected;
    else CHECK(validate(*r).is_ok());  // anything accepted is a well-formed batch
  }
  CHECK(rejected > 0);
  std::string bad = msg;
  bad[6] = 4;  // unknown flag
  CHECK(!deserialize(bad).is_ok());
}

TEST_CASE("sql columnar: a zstd body is sized by what it decodes to, not by the header's claim") {
  // Highly compressible (one long constant column): decodes past 16x its stored size, through
  // the growing buffer, and still round-trips.
  BatchBuilder bb(make_type(ColType::strct({"z"}, {ColType::scalar(TypeId::Long)})));
  for (int r = 0; r < 200000; ++r) bb.column(0).append<int64_t>(42);
  Batch big = bb.finish();
  std::string msg = serialize(big, {true, 1});
  uint64_t body_len, stored_len;
  std::memcpy(&body_len, msg.data() + 32, 8);
  std::memcpy(&stored_len, msg.data() + 40, 8);
  REQUIRE(body_len > 16 * stored_len);
  auto back = deserialize(msg);
  REQUIRE_MESSAGE(back.is_ok(), back.error_message());
  CHECK(back->num_rows == 200000);
  CHECK(back->columns[0]->vals<int64_t>()[199999] == 42);

  // A small message whose header claims a 1 GiB body: refused after decoding what is there,
  // without allocating (and zeroing) the claimed size first.
  std::string small = serialize(make_batch(10), {true, 1});
  uint64_t claim = uint64_t{1} << 30;
  std::memcpy(small.data() + 32, &claim, 8);
  struct rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  auto r = deserialize(small);
  getrusage(RUSAGE_SELF, &after);
  CHECK_FALSE(r.is_ok());
  CHECK(r.error_message() == "batch body does not decompress to its length");
  CHECK(after.ru_maxrss - before.ru_maxrss < 64 * 1024);  // KiB: far below the 1 GiB claimed
  // Claiming less than the frame holds fails too (more output than the header says).
  std::string less = serialize(make_batch(10), {true, 1});
  std::memcpy(&body_len, less.data() + 32, 8);
  uint64_t shorter = body_len - 8;
  std::memcpy(less.data() + 32, &shorter, 8);
  CHECK_FALSE(deserialize(less).is_ok());
}
