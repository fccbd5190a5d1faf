// Native Parquet pieces on hand-built bytes: the Thrift compact reader, footer checks, the
// encodings and codecs (whole files from the parquet-testing corpus: tests/integration/test_sql_parquet.py).
#include <doctest/doctest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "sql/columnar/builder.h"
#include "sql/parquet/codec.h"
#include "sql/parquet/column_reader.h"
#include "sql/parquet/file_reader.h"
#include "sql/parquet/stats_filter.h"
#include "sql/parquet/writer.h"
#include "sql/parquet/encodings.h"
#include "sql/parquet/metadata.h"
#include "sql/parquet/thrift.h"

using namespace spp::sql::parquet;

namespace {
std::vector<uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int x : v) out.push_back(uint8_t(x));
  return out;
}
template <typename T> T at(const PhysValues& v, int64_t i) {
  T x;
  std::memcpy(&x, v.fixed.data() + size_t(i) * sizeof(T), sizeof(T));
  return x;
}
// Pushed-filter expressions as the plan's JSON carries them, over columns `names` (id -> name)
// of Spark types `types` (ids start at 1).
struct FilterJson {
  std::vector<std::pair<int64_t, std::string>> names;
  nlohmann::json types;
  nlohmann::json attr(int id) const {
    return {{"kind", "attr"}, {"id", id}, {"name", names[size_t(id - 1)].second}, {"type", types[size_t(id - 1)]}};
  }
  nlohmann::json lit(int id, nlohmann::json v) const { return {{"kind", "lit"}, {"value", v}, {"type", types[size_t(id - 1)]}}; }
  static nlohmann::json call(const std::string& op, nlohmann::json args) { return {{"kind", "call"}, {"name", op}, {"args", args}}; }
  // Which of the first `n` row groups of `f` the conjuncts keep: "0.2." keeps groups 0 and 2.
  std::string groups(const ParquetFile& f, int n, const nlohmann::json& conjuncts) const {
    auto p = compile_pushed_filters(conjuncts, names);
    std::string kept;
    for (int g = 0; g < n; ++g) kept += row_group_may_match(p, f, g) ? char('0' + g) : '.';
    return kept;
  }
};
}  // namespace

TEST_CASE("parquet thrift: compact struct fields, skipping and bounds") {
  // field 1 i32 = -2 (zigzag 3), field 4 binary "ab", field 5 (delta 1) i32 = 7, STOP
  auto b = bytes({0x15, 0x03, 0x38, 0x02, 'a', 'b', 0x15, 0x0e, 0x00});
  CompactReader r(b.data(), b.size());
  r.begin_struct();
  int16_t id;
  CType t;
  REQUIRE(r.next_field(id, t));
  CHECK(id == 1);
  CHECK(r.read_i32(t) == -2);
  REQUIRE(r.next_field(id, t));
  CHECK(id == 4);
  CHECK(r.read_string(t) == "ab");
  REQUIRE(r.next_field(id, t));
  CHECK(id == 5);
  r.skip(t);
  CHECK_FALSE(r.next_field(id, t));
  CHECK(r.ok());

  auto lying = bytes({0x18, 0x7f, 'a'});  // a binary claiming 127 bytes
  CompactReader r2(lying.data(), lying.size());
  r2.begin_struct();
  REQUIRE(r2.next_field(id, t));
  r2.read_string(t);
  CHECK_FALSE(r2.ok());
  CHECK(r2.error().find("longer than the input") != std::string::npos);

  std::vector<uint8_t> deep(200, 0x1c);  // struct in struct in struct ...
  CompactReader r3(deep.data(), deep.size());
  r3.skip(CType::Struct);
  CHECK_FALSE(r3.ok());
  CHECK(r3.error().find("nested too deeply") != std::string::npos);
}

TEST_CASE("parquet footer: magic and length checks") {
  CHECK(footer_span(std::string_view("\x10\0\0\0PAR1", 8), 100).value().offset == 100 - 8 - 16);
  CHECK(footer_span(std::string_view("\x10\0\0\0PAR1", 8), 20).error_message().find("beyond the file") != std::string::npos);
  CHECK(footer_span(std::string_view("\x10\0\0\0PAR2", 8), 100).error_message().find("is not a Parquet file") != std::string::npos);
  CHECK(footer_span(std::string_view("\x10\0\0\0PARE", 8), 100).error_message().find("encrypted") != std::string::npos);
  CHECK_FALSE(parse_file_metadata(nullptr, 0));
}

TEST_CASE("parquet encodings: RLE/bit-packed hybrid") {
  // RLE run of 3 x 5 (bit width 3), then a bit-packed group of 8 values 0..7
  auto b = bytes({0x06, 0x05, 0x03, 0x88, 0xc6, 0xfa});
  RleDecoder d(b.data(), b.size(), 3);
  std::vector<uint32_t> out(11);
  REQUIRE(d.get(out.data(), 11));
  CHECK(out == std::vector<uint32_t>{5, 5, 5, 0, 1, 2, 3, 4, 5, 6, 7});
  RleDecoder d2(b.data(), 2, 3);
  CHECK_FALSE(d2.get(out.data(), 4));  // asks for more than the data holds
}

TEST_CASE("parquet encodings: DELTA_BINARY_PACKED") {
  // block 128, 4 miniblocks, 5 values, first 7; min delta -1 (zigzag 1), widths 2,0,0,0; deltas
  // from min: 1,0,3,2 -> values 7,7,6,8,9
  std::vector<uint8_t> b = bytes({0x80, 0x01, 0x04, 0x05, 0x0e, 0x01, 0x02, 0x00, 0x00, 0x00});
  uint8_t packed[8] = {};  // 32 values x 2 bits
  packed[0] = uint8_t(1 | 0 << 2 | 3 << 4 | 2 << 6);
  b.insert(b.end(), packed, packed + 8);
  PhysValues v;
  size_t used = 0;
  REQUIRE(decode_delta_binary_packed(b.data(), b.size(), 8, 5, v, &used));
  CHECK(at<int64_t>(v, 0) == 7);
  CHECK(at<int64_t>(v, 1) == 7);
  CHECK(at<int64_t>(v, 2) == 6);
  CHECK(at<int64_t>(v, 3) == 8);
  CHECK(at<int64_t>(v, 4) == 9);
  CHECK(used == b.size());
  CHECK_FALSE(decode_delta_binary_packed(b.data(), b.size() - 1, 8, 5, v, &used));
  CHECK_FALSE(decode_delta_binary_packed(b.data(), b.size(), 8, 6, v, &used));  // count mismatch
}

TEST_CASE("parquet encodings: PLAIN byte arrays, BYTE_STREAM_SPLIT, dictionary gather") {
  auto b = bytes({2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0, 1, 0, 0, 0, 'x'});
  PhysValues v;
  REQUIRE(decode_plain(b.data(), b.size(), 0, 3, v));
  CHECK(v.bytes == "hix");
  CHECK(v.offsets == std::vector<int64_t>{0, 2, 2, 3});
  CHECK_FALSE(decode_plain(b.data(), b.size() - 1, 0, 3, v));

  auto s = bytes({1, 2, 3, 4, 5, 6, 7, 8});  // two int32 values split into 4 streams
  REQUIRE(decode_byte_stream_split(s.data(), s.size(), 4, 2, v));
  CHECK(at<int32_t>(v, 0) == 0x07050301);
  CHECK(at<int32_t>(v, 1) == 0x08060402);

  PhysValues dict, out;
  REQUIRE(decode_plain(b.data(), b.size(), 0, 3, dict));
  uint32_t idx[] = {2, 0, 0};
  REQUIRE(gather_dictionary(dict, idx, 3, out));
  CHECK(out.bytes == "xhihi");
  uint32_t bad[] = {3};
  CHECK_FALSE(gather_dictionary(dict, bad, 1, out));

  // Values of every length around the 16-byte copies, from a small (padded) and a large
  // dictionary (read in place: entries near its end copied by length).
  for (int entries : {40, 2000}) {
    PhysValues d;
    d.offsets.push_back(0);
    for (int e = 0; e < entries; ++e) {
      const int len = e % 40;
      for (int k = 0; k < len; ++k) d.bytes += char('a' + (e + k) % 26);
      d.offsets.push_back(int64_t(d.bytes.size()));
    }
    d.count = entries;
    std::vector<uint32_t> ix;
    for (int r = 0; r < 300; ++r) ix.push_back(uint32_t((r * 7919) % entries));
    ix.push_back(uint32_t(entries - 1));  // the last entry
    REQUIRE(gather_dictionary(d, ix.data(), int64_t(ix.size()), out));
    std::string want;
    for (uint32_t e : ix) want += d.bytes.substr(size_t(d.offsets[e]), size_t(d.offsets[e + 1] - d.offsets[e]));
    CHECK(out.bytes == want);
    CHECK(out.offsets.back() == int64_t(want.size()));
  }
}

TEST_CASE("parquet codecs: sizes are checked, corrupt input fails") {
  std::string out;
  const uint8_t raw[] = {'a', 'b', 'c'};
  CHECK(decompress(Codec::Uncompressed, raw, 3, 3, out));
  CHECK(out == "abc");
  CHECK_FALSE(decompress(Codec::Uncompressed, raw, 3, 4, out));
  CHECK_FALSE(decompress(Codec::Snappy, raw, 3, 100, out));
  CHECK_FALSE(decompress(Codec::Gzip, raw, 3, 100, out));
  CHECK_FALSE(decompress(Codec::Zstd, raw, 3, 100, out));
  CHECK_FALSE(decompress(Codec::Lz4Raw, raw, 3, 100, out));
  CHECK_FALSE(decompress(Codec::Brotli, raw, 3, 100, out));
  CHECK(decompress(Codec::Lzo, raw, 3, 3, out).message().find("not supported") != std::string::npos);
}

TEST_CASE("parquet writer: a batch round-trips through the reader, every codec") {
  using namespace spp::sql;
  auto schema = col::ColType::strct({"i", "s", "ts", "d", "b", "big"},
                                    {col::ColType::scalar(col::TypeId::Int), col::ColType::scalar(col::TypeId::String),
                                     col::ColType::scalar(col::TypeId::Timestamp), col::ColType::decimal(10, 2),
                                     col::ColType::scalar(col::TypeId::Boolean), col::ColType::decimal(38, 3)});  // 38: 16 bytes (planning it once looped forever)
  col::BatchBuilder bb(col::make_type(schema));
  for (int r = 0; r < 50; ++r) {
    if (r % 7 == 2) {
      for (size_t c = 0; c < 6; ++c) bb.column(c).append_null();
      continue;
    }
    bb.column(0).append<int32_t>(r * 10);
    bb.column(1).append_str("v" + std::to_string(r));
    bb.column(2).append<int64_t>(-86400000000LL + r * 1500001);  // before and after the epoch
    bb.column(3).append_decimal(-12345 + r);
    bb.column(4).append_bool(r % 2);
    bb.column(5).append_decimal((__int128(1) << 80) * (r % 3 - 1));
  }
  const col::Batch b = bb.finish();
  for (Codec codec : {Codec::Snappy, Codec::Gzip, Codec::Zstd, Codec::Uncompressed, Codec::Lz4, Codec::Lz4Raw, Codec::Brotli}) {
    auto w = ParquetWriter::make(schema, codec, 1500);  // tiny row groups: several per file, batches cut
    REQUIRE(w);
    std::string out;
    w.value()->begin(out);
    REQUIRE(w.value()->write(col::slice(b, 0, 20), out));
    REQUIRE(w.value()->write(col::slice(b, 20, 30), out));
    REQUIRE(w.value()->end(out));
    auto f = ParquetFile::open(memory_source(out), "mem");
    REQUIRE(f);
    const int groups = int(f.value()->metadata().row_groups.size());
    CHECK(groups >= 3);
    CHECK(col::type_from_json(f.value()->spark_schema()).value() == col::ColType::strct(schema.names, schema.children, std::vector<bool>(6, true)));
    std::vector<col::Batch> parts;
    for (int g = 0; g < groups; ++g) {
      auto rb = f.value()->read_row_group(g, col::make_type(schema));
      REQUIRE(rb);
      parts.push_back(rb.value());
    }
    const col::Batch back = col::concat(parts);
    REQUIRE(back.num_rows == 50);
    for (size_t c = 0; c < 6; ++c)
      for (int64_t r = 0; r < 50; ++r) {
        REQUIRE(back.column(c).is_null(r) == b.column(c).is_null(r));
        if (b.column(c).is_null(r)) continue;
        switch (b.column(c).id()) {
          case col::TypeId::Int: CHECK(back.column(c).vals<int32_t>()[r] == b.column(c).vals<int32_t>()[r]); break;
          case col::TypeId::String: CHECK(back.column(c).str(r) == b.column(c).str(r)); break;
          case col::TypeId::Timestamp: CHECK(back.column(c).vals<int64_t>()[r] == b.column(c).vals<int64_t>()[r]); break;
          case col::TypeId::Decimal: CHECK(back.column(c).dec_at(r) == b.column(c).dec_at(r)); break;
          case col::TypeId::Boolean: CHECK(back.column(c).bool_at(r) == b.column(c).bool_at(r)); break;
          default: break;
        }
      }
  }
  CHECK(ParquetWriter::make(col::ColType::strct({"xs"}, {col::ColType::array(col::ColType::scalar(col::TypeId::Int))}), Codec::Snappy));
  CHECK_FALSE(ParquetWriter::make(col::ColType::strct({"e"}, {col::ColType::strct({}, {})}), Codec::Snappy));  // struct<>
  CHECK(timestamp_out("timestamp_millis").value() == TimestampOut::Millis);
  CHECK(timestamp_out("NANOS").error_message().find("outputTimestampType") != std::string::npos);
  CHECK(write_codec("lzo").error_message().find("not supported") != std::string::npos);
  std::string ext;
  CHECK(write_codec("LZ4_RAW", &ext).value() == Codec::Lz4Raw);
  CHECK(ext == ".lz4raw.parquet");
  CHECK(write_codec("lz4", &ext).value() == Codec::Lz4);
  CHECK(ext == ".lz4hadoop.parquet");
  CHECK(write_codec("brotli", &ext).value() == Codec::Brotli);
  CHECK(ext == ".br.parquet");
}

namespace {
template <typename T> T le(const std::string& s) {
  T v{};
  REQUIRE(s.size() == sizeof v);
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}
}  // namespace

TEST_CASE("parquet writer: statistics, dictionary pages and the fallback to PLAIN") {
  using namespace spp::sql;
  auto schema = col::ColType::strct({"i", "s", "ts", "d", "f", "u", "big"},
                                    {col::ColType::scalar(col::TypeId::Int), col::ColType::scalar(col::TypeId::String),
                                     col::ColType::scalar(col::TypeId::Timestamp), col::ColType::decimal(10, 2),
                                     col::ColType::scalar(col::TypeId::Double), col::ColType::scalar(col::TypeId::String),
                                     col::ColType::decimal(30, 0)});
  col::BatchBuilder bb(col::make_type(schema));
  const int n = 60000;
  for (int r = 0; r < n; ++r) {
    if (r % 10 == 3) bb.column(0).append_null(); else bb.column(0).append<int32_t>((r % 97) - 40);
    bb.column(1).append_str(r % 3 == 0 ? "Ã©tÃ©" : r % 3 == 1 ? "apple" : "Zebra");  // bytes, unsigned: "Zebra" < "apple" < "été"
    bb.column(2).append<int64_t>(int64_t(r) * 1000);
    bb.column(3).append_decimal(-500 + r % 7);
    if (r == 5) bb.column(4).append<double>(std::nan("")); else bb.column(4).append<double>(r * 0.5);
    bb.column(5).append_str(std::string(120, 'x') + std::to_string(r / 4));  // 15000 distinct ~125-byte strings: the dictionary passes 1 MiB
    bb.column(6).append_decimal(__int128(r % 5) - 2);
  }
  const col::Batch b = bb.finish();
  auto w = ParquetWriter::make(schema, Codec::Snappy);
  REQUIRE(w);
  std::string out;
  w.value()->begin(out);
  REQUIRE(w.value()->write(b, out));
  REQUIRE(w.value()->end(out));
  auto f = ParquetFile::open(memory_source(out), "mem");
  REQUIRE(f);
  REQUIRE(f.value()->metadata().row_groups.size() == 1);
  const auto& cols = f.value()->metadata().row_groups[0].columns;
  auto stats = [&](int c) { REQUIRE(cols[c].meta.stats); return *cols[c].meta.stats; };
  CHECK(stats(0).null_count == n / 10);
  CHECK(le<int32_t>(*stats(0).min) == -40);
  CHECK(le<int32_t>(*stats(0).max) == 56);
  CHECK(*stats(1).min == "Zebra");
  CHECK(*stats(1).max == "Ã©tÃ©");
  CHECK_FALSE(stats(2).min);  // INT96: no order, the null count only
  CHECK(stats(2).null_count == 0);
  CHECK(le<int64_t>(*stats(3).min) == -500);  // decimal(10,2): INT64
  CHECK(le<int64_t>(*stats(3).max) == -494);
  CHECK_FALSE(stats(4).min);  // a NaN: no min/max
  CHECK(*stats(6).min == std::string(12, '\xff') + '\xfe');  // FIXED_LEN_BYTE_ARRAY(13), big-endian two's complement
  CHECK(*stats(6).max == std::string(12, '\0') + '\x02');
  // Low-cardinality columns are dictionary-encoded; the unique strings fall back to PLAIN.
  CHECK(cols[0].meta.dictionary_page_offset >= 0);
  CHECK(cols[1].meta.dictionary_page_offset >= 0);
  CHECK(cols[5].meta.dictionary_page_offset >= 0);  // the first pages used the dictionary, then PLAIN
  CHECK(cols[4].meta.dictionary_page_offset == -1);  // distinct doubles: the dictionary does not pay
  auto back = f.value()->read_row_group(0, col::make_type(schema));
  REQUIRE(back);
  REQUIRE(back.value().num_rows == n);
  for (int64_t r = 0; r < n; r += 7) {
    REQUIRE(back.value().column(0).is_null(r) == b.column(0).is_null(r));
    if (!b.column(0).is_null(r)) CHECK(back.value().column(0).vals<int32_t>()[r] == b.column(0).vals<int32_t>()[r]);
    CHECK(back.value().column(1).str(r) == b.column(1).str(r));
    CHECK(back.value().column(3).dec_at(r) == b.column(3).dec_at(r));
    CHECK(back.value().column(5).str(r) == b.column(5).str(r));
    CHECK(back.value().column(6).dec_at(r) == b.column(6).dec_at(r));
  }
  CHECK(back.value().column(5).str(n - 1) == b.column(5).str(n - 1));
  // Without the dictionary (parquet.enable.dictionary=false) no column has one.
  auto w2 = ParquetWriter::make(schema, Codec::Snappy, int64_t(128) << 20, false);
  std::string out2;
  w2.value()->begin(out2);
  REQUIRE(w2.value()->write(b, out2));
  REQUIRE(w2.value()->end(out2));
  auto f2 = ParquetFile::open(memory_source(out2), "mem");
  REQUIRE(f2);
  for (const auto& c : f2.value()->metadata().row_groups[0].columns) CHECK(c.meta.dictionary_page_offset == -1);
  CHECK(out2.size() > out.size());
}

TEST_CASE("parquet row-group skipping: pushed filters against min/max and null counts") {
  using namespace spp::sql;
  using nlohmann::json;
  auto schema = col::ColType::strct({"i", "s", "n", "d"}, {col::ColType::scalar(col::TypeId::Int), col::ColType::scalar(col::TypeId::String),
                                                      col::ColType::scalar(col::TypeId::Long), col::ColType::decimal(12, 2)});
  // 4 row groups of 100 rows: i in [100g, 100g + 99], s "g<g>…", n NULL in group 1 only, all NULL in group 3.
  auto w = ParquetWriter::make(schema, Codec::Snappy);
  REQUIRE(w);
  std::string out;
  w.value()->begin(out);
  for (int g = 0; g < 4; ++g) {
    col::BatchBuilder bb(col::make_type(schema));
    for (int r = 0; r < 100; ++r) {
      bb.column(0).append<int32_t>(g * 100 + r);
      bb.column(1).append_str("g" + std::to_string(g) + "-" + std::to_string(r));
      if (g == 3 || (g == 1 && r == 5)) bb.column(2).append_null(); else bb.column(2).append<int64_t>(r);
      bb.column(3).append_decimal(__int128(g) * 10000 + r);  // g*100.00 + r/100
    }
    REQUIRE(w.value()->write(bb.finish(), out));
    REQUIRE(w.value()->finish_row_group(out));
  }
  REQUIRE(w.value()->end(out));
  auto f = ParquetFile::open(memory_source(out), "mem");
  REQUIRE(f);
  REQUIRE(f.value()->metadata().row_groups.size() == 4);
  const FilterJson fj{{{1, "I"}, {2, "s"}, {3, "n"}, {4, "d"}}, {"integer", "string", "long", "decimal(12,2)"}};
  auto attr = [&](int id) { return fj.attr(id); };
  auto lit = [&](int id, json v) { return fj.lit(id, v); };
  auto call = FilterJson::call;
  auto groups = [&](json conjuncts) { return fj.groups(*f.value(), 4, conjuncts); };
  CHECK(groups(json::array({call("=", {attr(1), lit(1, 250)})})) == "..2.");
  CHECK(groups(json::array({call("=", {lit(1, 250), attr(1)})})) == "..2.");
  CHECK(groups(json::array({call("<", {attr(1), lit(1, 100)})})) == "0...");
  CHECK(groups(json::array({call("<=", {attr(1), lit(1, 100)})})) == "01..");
  CHECK(groups(json::array({call(">", {attr(1), lit(1, 299)})})) == "...3");
  CHECK(groups(json::array({call(">=", {attr(1), lit(1, 299)})})) == "..23");
  CHECK(groups(json::array({call(">", {lit(1, 100), attr(1)})})) == "0...");  // 100 > i: i < 100
  CHECK(groups(json::array({call("in", {attr(1), lit(1, 5), lit(1, 370), lit(1, nullptr)})})) == "0..3");
  CHECK(groups(json::array({call("in", {attr(1), lit(1, nullptr)})})) == "....");
  CHECK(groups(json::array({call("=", {attr(2), lit(2, "g1-50")})})) == ".1..");
  CHECK(groups(json::array({call("<", {attr(2), lit(2, "g1")})})) == "0...");
  CHECK(groups(json::array({call("isnull", {attr(3)})})) == ".1.3");
  CHECK(groups(json::array({call("isnotnull", {attr(3)})})) == "012.");
  CHECK(groups(json::array({call("=", {attr(3), lit(3, 7)})})) == "012.");  // all-NULL group 3 cannot match
  CHECK(groups(json::array({call("=", {attr(4), lit(4, "200.05")})})) == "..2.");
  CHECK(groups(json::array({call(">", {attr(4), lit(4, "300.99")})})) == "....");
  // AND of conjuncts and inside one expression; OR keeps a group either side keeps.
  CHECK(groups(json::array({call(">=", {attr(1), lit(1, 100)}), call("isnull", {attr(3)})})) == ".1.3");
  CHECK(groups(json::array({call("and", {call(">=", {attr(1), lit(1, 100)}), call("<", {attr(1), lit(1, 200)})})})) == ".1..");
  CHECK(groups(json::array({call("or", {call("<", {attr(1), lit(1, 50)}), call(">", {attr(1), lit(1, 350)})})})) == "0..3");
  // Not understood: kept. OR with an unknown side, a cast, a type mismatch, an unknown column.
  CHECK(groups(json::array({call("or", {call("<", {attr(1), lit(1, 50)}), call("like", {attr(2), lit(2, "x%")})})})) == "0123");
  CHECK(groups(json::array({call("=", {json{{"kind", "cast"}, {"args", {attr(1)}}, {"type", "long"}}, lit(3, 5)})})) == "0123");
  CHECK(groups(json::array({call("=", {attr(1), lit(3, 5)})})) == "0123");
  CHECK(groups(json::array({call("=", {json{{"kind", "attr"}, {"id", 9}, {"name", "zz"}, {"type", "integer"}}, lit(1, 5)})})) == "0123");
  // AND with an unknown side still prunes on the other.
  CHECK(groups(json::array({call("and", {call("like", {attr(2), lit(2, "x%")}), call("=", {attr(1), lit(1, 5)})})})) == "0...");
}

TEST_CASE("parquet dictionary filtering: values inside min/max that no dictionary holds") {
  using namespace spp::sql;
  using nlohmann::json;
  auto schema = col::ColType::strct({"i", "s", "l"}, {col::ColType::scalar(col::TypeId::Int), col::ColType::scalar(col::TypeId::String),
                                                col::ColType::scalar(col::TypeId::Long)});
  // 3 row groups of 200 rows: even values only, each twice (dictionary-encoded), i in [100g, 100g + 98].
  auto file = [&](bool dictionary) {
    auto w = ParquetWriter::make(schema, Codec::Snappy, int64_t(128) << 20, dictionary);
    REQUIRE(w);
    std::string out;
    w.value()->begin(out);
    for (int g = 0; g < 3; ++g) {
      col::BatchBuilder bb(col::make_type(schema));
      for (int r = 0; r < 200; ++r) {
        const int v = g * 100 + (r % 50) * 2;
        bb.column(0).append<int32_t>(v);
        bb.column(1).append_str("k" + std::to_string(v));
        if (r == 7) bb.column(2).append_null(); else bb.column(2).append<int64_t>(v);
      }
      REQUIRE(w.value()->write(bb.finish(), out));
      REQUIRE(w.value()->finish_row_group(out));
    }
    REQUIRE(w.value()->end(out));
    auto f = ParquetFile::open(memory_source(out), "mem");
    REQUIRE(f);
    return std::move(f.value());
  };
  const FilterJson fj{{{1, "i"}, {2, "s"}, {3, "l"}}, {"integer", "string", "long"}};
  auto attr = [&](int id) { return fj.attr(id); };
  auto lit = [&](int id, json v) { return fj.lit(id, v); };
  auto call = FilterJson::call;
  auto groups = [&](ParquetFile& f, json conjuncts) { return fj.groups(f, 3, conjuncts); };
  auto dict = file(true);
  REQUIRE(only_dictionary_pages(dict->metadata().row_groups[0].columns[0].meta));
  CHECK(groups(*dict, json::array({call("=", {attr(1), lit(1, 101)})})) == "...");   // min/max alone keep group 1
  CHECK(groups(*dict, json::array({call("=", {attr(1), lit(1, 102)})})) == ".1.");
  CHECK(groups(*dict, json::array({call("=", {attr(2), lit(2, "k151")})})) == "...");
  CHECK(groups(*dict, json::array({call("=", {attr(2), lit(2, "k150")})})) == ".1.");
  CHECK(groups(*dict, json::array({call("=", {attr(3), lit(3, 201)})})) == "...");  // a column with NULLs too
  CHECK(groups(*dict, json::array({call("in", {attr(1), lit(1, 1), lit(1, 103), lit(1, 298)})})) == "..2");
  CHECK(groups(*dict, json::array({call("in", {attr(1), lit(1, 1), lit(1, 103)})})) == "...");
  CHECK(groups(*dict, json::array({call("<", {attr(1), lit(1, 101)})})) == "01.");  // ranges: statistics only
  // PLAIN pages (no dictionary): the statistics decide alone.
  auto plain = file(false);
  REQUIRE_FALSE(only_dictionary_pages(plain->metadata().row_groups[0].columns[0].meta));
  CHECK(groups(*plain, json::array({call("=", {attr(1), lit(1, 101)})})) == ".1.");
  // The encodings decide when page encoding stats are absent: PLAIN_DICTIONARY with level encodings only.
  ColumnMeta m;
  m.encodings = {int32_t(Encoding::PlainDictionary), int32_t(Encoding::Rle), int32_t(Encoding::BitPacked)};
  CHECK(only_dictionary_pages(m));
  m.encodings.push_back(int32_t(Encoding::Plain));
  CHECK_FALSE(only_dictionary_pages(m));
  m.encodings = {int32_t(Encoding::RleDictionary), int32_t(Encoding::Rle)};  // 2.0 pages may have fallen back
  CHECK_FALSE(only_dictionary_pages(m));
  m.has_encoding_stats = true;
  m.encoding_stats = {{int32_t(PageType::DictionaryPage), int32_t(Encoding::Plain), 1}, {int32_t(PageType::DataPage), int32_t(Encoding::RleDictionary), 3}};
  CHECK(only_dictionary_pages(m));
  m.encoding_stats.push_back({int32_t(PageType::DataPageV2), int32_t(Encoding::Plain), 1});
  CHECK_FALSE(only_dictionary_pages(m));
}

TEST_CASE("parquet mergeSchema: nested structs merged through arrays and maps, narrower files widened") {
  using namespace spp::sql;
  using col::ColType;
  using col::TypeId;
  const ColType i32 = ColType::scalar(TypeId::Int), str = ColType::scalar(TypeId::String);
  const ColType narrow = ColType::strct({"s", "xs", "m"}, {ColType::strct({"a"}, {i32}), ColType::array(ColType::strct({"x"}, {i32})),
                                                          ColType::map(str, ColType::strct({"p"}, {i32}))});
  const ColType other = ColType::strct({"m", "s", "xs"}, {ColType::map(str, ColType::strct({"p", "q"}, {i32, str})),
                                                          ColType::strct({"a", "b"}, {i32, str}),
                                                          ColType::array(ColType::strct({"x", "y"}, {i32, str}))});
  auto merged = merge_schemas({narrow, other});
  REQUIRE(merged);
  CHECK(merged.value().to_string() ==
        "struct<s:struct<a:int,b:string>,xs:array<struct<x:int,y:string>>,m:map<string,struct<p:int,q:string>>>");
  auto bad = merge_schemas({narrow, ColType::strct({"s"}, {ColType::strct({"a"}, {str})})});
  CHECK(bad.error_message() == "[CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE] Failed to merge incompatible data types \"INT\" and \"STRING\".");

  // A file of the narrow schema read as the merged one: the missing fields are NULL.
  col::BatchBuilder bb(col::make_type(narrow));
  for (int r = 0; r < 3; ++r) {
    if (r == 1) {
      for (size_t c = 0; c < 3; ++c) bb.column(c).append_null();
      bb.add_row();
      continue;
    }
    bb.column(0).child(0).append<int32_t>(r);
    bb.column(0).finish_struct();
    bb.column(1).child(0).child(0).append<int32_t>(10 + r);
    bb.column(1).child(0).finish_struct();
    bb.column(1).finish_list();
    bb.column(2).child(0).child(0).append_str("k");  // map: entries' key and value
    bb.column(2).child(0).child(1).child(0).append<int32_t>(20 + r);
    bb.column(2).child(0).child(1).finish_struct();
    bb.column(2).finish_list();
    bb.add_row();
  }
  auto w = ParquetWriter::make(narrow, Codec::Snappy);
  REQUIRE(w);
  std::string out;
  w.value()->begin(out);
  REQUIRE(w.value()->write(bb.finish(), out));
  REQUIRE(w.value()->end(out));
  auto f = ParquetFile::open(memory_source(out), "mem");
  REQUIRE(f);
  auto b = f.value()->read_row_group(0, col::make_type(merged.value()));
  REQUIRE(b);
  REQUIRE(col::validate(b.value()).is_ok());
  const col::Column& s = b.value().column(0);
  CHECK(s.type->to_string() == "struct<a:int,b:string>");
  CHECK(s.is_null(1));
  CHECK(s.children[0]->vals<int32_t>()[2] == 2);
  CHECK(s.children[1]->is_null(0));
  const col::Column& xs = *b.value().column(1).children[0];
  CHECK(xs.children[0]->vals<int32_t>()[1] == 12);
  CHECK(xs.children[1]->is_null(0));
  const col::Column& entries = *b.value().column(2).children[0];
  CHECK(entries.children[1]->type->to_string() == "struct<p:int,q:string>");
  CHECK(entries.children[1]->children[1]->is_null(1));
  // A leaf of another type still fails.
  CHECK_FALSE(f.value()->read_row_group(0, col::make_type(ColType::strct({"s"}, {ColType::strct({"a"}, {str})}))));
}

// ---- decoding fast paths (flat fixed-width columns decoded straight into the column) --------
namespace {
// The reference: bit i of a little-endian bit-packed stream, value by value.
uint32_t ref_bits(const std::vector<uint8_t>& b, int64_t i, int bw) {
  uint64_t v = 0;
  for (int k = 0; k < bw; ++k) {
    const uint64_t pos = uint64_t(i) * uint64_t(bw) + uint64_t(k);
    v |= uint64_t((b[pos >> 3] >> (pos & 7)) & 1) << k;
  }
  return uint32_t(v);
}
void put_uleb(std::vector<uint8_t>& o, uint64_t v) {
  while (v >= 0x80) { o.push_back(uint8_t(v | 0x80)); v >>= 7; }
  o.push_back(uint8_t(v));
}
// values bit-packed little-endian (bw bits each), padded to whole bytes.
void pack(std::vector<uint8_t>& o, const std::vector<uint32_t>& vals, int bw) {
  const size_t start = o.size();
  o.resize(start + (vals.size() * size_t(bw) + 7) / 8, 0);
  for (size_t i = 0; i < vals.size(); ++i)
    for (int k = 0; k < bw; ++k)
      if ((uint64_t(vals[i]) >> k) & 1) {
        const uint64_t pos = uint64_t(i) * uint64_t(bw) + uint64_t(k);
        o[start + (pos >> 3)] |= uint8_t(1u << (pos & 7));
      }
}
// The RLE/bit-packed hybrid of `vals`: runs of >= 8 equal values as RLE runs, the rest bit-packed
// in groups of 8 (the last group padded with zeros).
std::vector<uint8_t> hybrid(const std::vector<uint32_t>& vals, int bw) {
  std::vector<uint8_t> o;
  size_t i = 0;
  std::vector<uint32_t> lit;
  auto flush_lit = [&] {
    if (lit.empty()) return;
    while (lit.size() % 8) lit.push_back(0);
    put_uleb(o, (lit.size() / 8) << 1 | 1);
    pack(o, lit, bw);
    lit.clear();
  };
  while (i < vals.size()) {
    size_t j = i;
    while (j < vals.size() && vals[j] == vals[i]) ++j;
    if (j - i >= 8 && lit.size() % 8 == 0) {
      flush_lit();
      put_uleb(o, uint64_t(j - i) << 1);
      for (int b = 0; b < (bw + 7) / 8; ++b) o.push_back(uint8_t(vals[i] >> (8 * b)));
      i = j;
    } else {
      lit.push_back(vals[i++]);
    }
  }
  flush_lit();
  return o;
}
// Thrift compact: a struct's fields in increasing order.
struct Compact {
  std::vector<uint8_t> o;
  std::vector<int16_t> last{0};
  void field(int16_t id, int type) {
    const int16_t d = int16_t(id - last.back());
    if (d > 0 && d <= 15) o.push_back(uint8_t(d << 4 | type));
    else { o.push_back(uint8_t(type)); put_uleb(o, uint64_t((uint32_t(id) << 1) ^ uint32_t(id >> 15))); }
    last.back() = id;
  }
  void i32(int16_t id, int32_t v) { field(id, 5); put_uleb(o, uint64_t(uint32_t((v << 1) ^ (v >> 31)))); }
  void begin(int16_t id) { field(id, 12); last.push_back(0); }
  void end() { o.push_back(0); last.pop_back(); }
};
std::vector<uint8_t> page_header(int type, size_t size, int16_t sub, std::initializer_list<int32_t> subfields) {
  Compact c;
  c.i32(1, type);
  c.i32(2, int32_t(size));
  c.i32(3, int32_t(size));
  c.begin(sub);
  int16_t f = 1;
  for (int32_t v : subfields) c.i32(f++, v);
  c.end();
  c.end();
  return c.o;
}
// A DOUBLE column chunk (OPTIONAL unless max_def 0): a dictionary of `dict` values, then data
// pages of `per_page` rows, each row NULL where valid[r] is 0, else dict[idx[r]] with the indices
// bit-packed at `bw` bits.
std::string dict_chunk(const std::vector<double>& dict, const std::vector<uint32_t>& idx, const std::vector<uint8_t>& valid,
                       int bw, size_t per_page, int max_def) {
  std::string out;
  auto add = [&](const std::vector<uint8_t>& b) { out.append(reinterpret_cast<const char*>(b.data()), b.size()); };
  std::vector<uint8_t> dp(dict.size() * 8);
  std::memcpy(dp.data(), dict.data(), dp.size());
  add(page_header(2, dp.size(), 7, {int32_t(dict.size()), 0}));
  add(dp);
  for (size_t start = 0; start < idx.size(); start += per_page) {
    const size_t end = std::min(idx.size(), start + per_page);
    std::vector<uint8_t> body;
    std::vector<uint32_t> keys;
    if (max_def > 0) {
      std::vector<uint32_t> def;
      for (size_t r = start; r < end; ++r) def.push_back(valid[r]);
      auto lv = hybrid(def, 1);
      const uint32_t len = uint32_t(lv.size());
      for (int b = 0; b < 4; ++b) body.push_back(uint8_t(len >> (8 * b)));
      body.insert(body.end(), lv.begin(), lv.end());
    }
    for (size_t r = start; r < end; ++r)
      if (valid[r]) keys.push_back(idx[r]);
    body.push_back(uint8_t(bw));
    auto k = hybrid(keys, bw);
    body.insert(body.end(), k.begin(), k.end());
    add(page_header(0, body.size(), 5, {int32_t(end - start), 8, 3, 3}));
    add(body);
  }
  return out;
}
}  // namespace

TEST_CASE("parquet encodings: bit unpacking of every width, RLE runs visited") {
  for (int bw = 0; bw <= 32; ++bw) {
    std::vector<uint8_t> b(size_t(100 * 4 + 8));
    uint32_t x = 12345u + uint32_t(bw);
    for (auto& v : b) { x = x * 1103515245u + 12345u; v = uint8_t(x >> 16); }
    for (int64_t n : {0, 1, 7, 8, 31, 32, 33, 77, 100}) {
      const size_t need = (size_t(n) * size_t(bw) + 7) / 8;
      // the stream ends right after the values: loads must stay inside
      std::vector<uint8_t> exact(b.begin(), b.begin() + ptrdiff_t(need));
      std::vector<uint32_t> out(size_t(n) + 1, 0xdeadbeef);
      unpack_bits(exact.data(), exact.data() + exact.size(), bw, n, out.data());
      for (int64_t i = 0; i < n; ++i) REQUIRE(out[size_t(i)] == ref_bits(b, i, bw));
      CHECK(out[size_t(n)] == 0xdeadbeef);  // nothing written past n
    }
  }
  // visit() gives RLE runs as runs and bit-packed values in batches, the same values as get()
  std::vector<uint32_t> vals;
  for (int i = 0; i < 1000; ++i) vals.push_back(i % 300 < 40 ? 5u : uint32_t(i * 7 % 13));
  for (int bw : {4, 5, 13, 32}) {
    auto enc = hybrid(vals, bw);
    for (int64_t n : {int64_t(1000), int64_t(999), int64_t(513)}) {
      RleDecoder d(enc.data(), enc.size(), bw);
      std::vector<uint32_t> got;
      int64_t runs = 0;
      REQUIRE(d.visit(n, [&](uint32_t v, int64_t k) { ++runs; got.insert(got.end(), size_t(k), v); },
                      [&](const uint32_t* v, int64_t k) { REQUIRE(k <= RleDecoder::kBatch); got.insert(got.end(), v, v + k); }));
      CHECK(runs >= 1);
      REQUIRE(got.size() == size_t(n));
      CHECK(std::equal(got.begin(), got.end(), vals.begin()));
      RleDecoder g(enc.data(), enc.size(), bw);
      std::vector<uint32_t> all(static_cast<size_t>(n));
      REQUIRE(g.get(all.data(), n));
      CHECK(all == got);
    }
    RleDecoder shortd(enc.data(), enc.size() / 2, bw);  // truncated: fails cleanly
    std::vector<uint32_t> all(1000);
    CHECK_FALSE(shortd.get(all.data(), 1000));
  }
}

TEST_CASE("parquet reader: dictionary pages at every index bit width, NULLs anywhere, bad indices") {
  using namespace spp::sql;
  std::vector<double> dict;
  for (int i = 0; i < 100; ++i) dict.push_back(i * 1.5 - 20);
  Leaf leaf;
  leaf.phys = PhysType::Double;
  leaf.conv = Conv::Double;
  leaf.type = col::ColType::scalar(col::TypeId::Double);
  ColumnMeta meta;
  meta.type = PhysType::Double;
  meta.codec = Codec::Uncompressed;
  const size_t n = 1003;  // pages of 250 rows: not a multiple of 8 or 32
  auto check = [&](int bw, const std::vector<uint32_t>& idx, const std::vector<uint8_t>& valid, int max_def) {
    leaf.max_def = int16_t(max_def);
    const std::string chunk = dict_chunk(dict, idx, valid, bw, 250, max_def);
    auto c = read_flat_column(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), meta, leaf, int64_t(n));
    REQUIRE_MESSAGE(c, c.error_message());
    const col::Column& col = *c.value();
    REQUIRE(col.length == int64_t(n));
    int64_t nulls = 0;
    for (size_t r = 0; r < n; ++r) {
      REQUIRE(col.is_null(int64_t(r)) == !valid[r]);
      if (valid[r]) REQUIRE(col.vals<double>()[r] == dict[idx[r]]);
      else { ++nulls; REQUIRE(col.vals<double>()[r] == 0.0); }
    }
    CHECK(col.null_count == nulls);
    CHECK((col.validity != nullptr) == (nulls > 0));  // made only once a NULL appears
    // in pieces that cut pages, runs and groups of 8 anywhere
    auto rd = open_flat_column(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), meta, leaf, int64_t(n), {});
    REQUIRE(rd);
    size_t r0 = 0;
    for (int64_t piece = 1; rd->rows_left() > 0; piece = piece * 3 + 1) {
      auto p = rd->next(piece);
      REQUIRE_MESSAGE(p, p.error_message());
      const col::Column& pc = *p.value();
      REQUIRE(pc.length == std::min<int64_t>(piece, int64_t(n - r0)));
      for (int64_t r = 0; r < pc.length; ++r) {
        REQUIRE(pc.is_null(r) == !valid[r0 + size_t(r)]);
        if (valid[r0 + size_t(r)]) REQUIRE(pc.vals<double>()[r] == dict[idx[r0 + size_t(r)]]);
      }
      r0 += size_t(pc.length);
    }
    CHECK(r0 == n);
  };
  for (int bw = 0; bw <= 32; ++bw) {
    std::vector<uint32_t> idx(n);
    for (size_t r = 0; r < n; ++r) idx[r] = bw == 0 ? 0 : uint32_t((r * 37 + (r / 50 % 2 ? 0 : r)) % std::min<uint64_t>(100, uint64_t(1) << std::min(bw, 20)));
    for (size_t r = 300; r < 340; ++r) idx[r] = idx[300];  // an RLE run
    std::vector<uint8_t> all(n, 1), lead(n, 1), trail(n, 1), mixed(n, 1), none(n, 0);
    for (size_t r = 0; r < 13; ++r) lead[r] = 0;           // NULLs first, then valid
    for (size_t r = n - 9; r < n; ++r) trail[r] = 0;       // valid, NULLs at the end only
    for (size_t r = 0; r < n; ++r) mixed[r] = (r % 7 != 3) && !(r >= 500 && r < 620);
    check(bw, idx, all, 0);   // REQUIRED: no levels
    check(bw, idx, all, 1);   // OPTIONAL, every row valid
    check(bw, idx, lead, 1);
    check(bw, idx, trail, 1);
    check(bw, idx, mixed, 1);
    check(bw, idx, none, 1);
  }
  // an index past the dictionary fails cleanly
  leaf.max_def = 1;
  std::vector<uint32_t> idx(n, 3);
  idx[700] = 100;
  std::vector<uint8_t> valid(n, 1);
  for (const std::vector<uint32_t>& bad : {idx, std::vector<uint32_t>(n, 250)}) {  // bit-packed / an RLE run
    const std::string chunk = dict_chunk(dict, bad, valid, 8, 250, 1);
    auto c = read_flat_column(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size(), meta, leaf, int64_t(n));
    REQUIRE_FALSE(c);
    CHECK(c.error_message().find("out of range") != std::string::npos);
  }
  // truncated pages fail cleanly at every cut
  const std::string good = dict_chunk(dict, std::vector<uint32_t>(n, 1), valid, 7, 250, 1);
  for (size_t cut = 0; cut < good.size(); cut += 3) {
    auto c = read_flat_column(reinterpret_cast<const uint8_t*>(good.data()), cut, meta, leaf, int64_t(n));
    CHECK_FALSE(c);
  }
}

TEST_CASE("parquet reader: flat fixed-width columns with NULLs at the start, the end, everywhere, none") {
  using namespace spp::sql;
  auto schema = col::ColType::strct({"i", "l", "d", "dec", "b", "f"},
                                    {col::ColType::scalar(col::TypeId::Int), col::ColType::scalar(col::TypeId::Long),
                                     col::ColType::scalar(col::TypeId::Double), col::ColType::decimal(10, 2),
                                     col::ColType::scalar(col::TypeId::Byte), col::ColType::scalar(col::TypeId::Float)});
  const int n = 45013;  // several pages (about 20000 rows each), not a multiple of 8
  for (int pattern = 0; pattern < 5; ++pattern) {
    for (bool dictionary : {true, false}) {
      col::BatchBuilder bb(col::make_type(schema));
      auto is_null = [&](int r) {
        switch (pattern) {
          case 0: return false;                 // all valid
          case 1: return r < 20001;             // the first page all NULL, then valid
          case 2: return r >= n - 5;            // NULLs at the very end
          case 3: return r % 3 == 1;            // everywhere
          default: return true;                 // all NULL
        }
      };
      for (int r = 0; r < n; ++r) {
        if (is_null(r)) {
          for (size_t c = 0; c < 6; ++c) bb.column(c).append_null();
          continue;
        }
        bb.column(0).append<int32_t>(r % 1000 - 500);
        bb.column(1).append<int64_t>(int64_t(r) * 1000003);
        bb.column(2).append<double>(r % 50 + 0.25);
        bb.column(3).append_decimal(r % 77 - 30);
        bb.column(4).append<int8_t>(int8_t(r % 200 - 100));
        bb.column(5).append<float>(float(r % 13) / 4);
      }
      const col::Batch b = bb.finish();
      auto w = ParquetWriter::make(schema, Codec::Snappy, int64_t(128) << 20, dictionary);
      REQUIRE(w);
      std::string out;
      w.value()->begin(out);
      REQUIRE(w.value()->write(b, out));
      REQUIRE(w.value()->end(out));
      auto f = ParquetFile::open(memory_source(out), "mem");
      REQUIRE(f);
      auto back = f.value()->read_row_group(0, col::make_type(schema));
      REQUIRE(back);
      // and in batches, as the scan reads: pages split across batches, the last one short
      for (int64_t rows : {int64_t(997), int64_t(8192), int64_t(n)}) {
        REQUIRE(f.value()->begin_row_group(0, col::make_type(schema), rows));
        std::vector<col::Batch> parts;
        while (f.value()->has_batch()) {
          auto nb = f.value()->next_batch();
          REQUIRE(nb);
          REQUIRE(nb.value().num_rows <= rows);
          for (size_t c = 0; c < 6; ++c) REQUIRE(nb.value().column(c).length == nb.value().num_rows);
          parts.push_back(nb.value());
        }
        const col::Batch all = col::concat(parts);
        REQUIRE(all.num_rows == n);
        for (size_t c = 0; c < 6; ++c)
          for (int64_t r = 0; r < n; ++r) {
            REQUIRE(all.column(c).is_null(r) == b.column(c).is_null(r));
            if (!b.column(c).is_null(r) && c == 1) REQUIRE(all.column(c).vals<int64_t>()[r] == b.column(c).vals<int64_t>()[r]);
            if (!b.column(c).is_null(r) && c == 3) REQUIRE(all.column(c).dec_at(r) == b.column(c).dec_at(r));
            if (!b.column(c).is_null(r) && c == 5) REQUIRE(all.column(c).vals<float>()[r] == b.column(c).vals<float>()[r]);
          }
      }
      const col::Batch& g = back.value();
      REQUIRE(g.num_rows == n);
      for (size_t c = 0; c < 6; ++c) {
        CHECK(g.column(c).null_count == b.column(c).null_count);
        if (b.column(c).null_count == 0) CHECK(g.column(c).validity == nullptr);
        for (int64_t r = 0; r < n; ++r) {
          REQUIRE(g.column(c).is_null(r) == b.column(c).is_null(r));
          if (b.column(c).is_null(r)) continue;
          switch (c) {
            case 0: REQUIRE(g.column(c).vals<int32_t>()[r] == b.column(c).vals<int32_t>()[r]); break;
            case 1: REQUIRE(g.column(c).vals<int64_t>()[r] == b.column(c).vals<int64_t>()[r]); break;
            case 2: REQUIRE(g.column(c).vals<double>()[r] == b.column(c).vals<double>()[r]); break;
            case 3: REQUIRE(g.column(c).dec_at(r) == b.column(c).dec_at(r)); break;
            case 4: REQUIRE(g.column(c).vals<int8_t>()[r] == b.column(c).vals<int8_t>()[r]); break;
            default: REQUIRE(g.column(c).vals<float>()[r] == b.column(c).vals<float>()[r]); break;
          }
        }
      }
    }
  }
}
