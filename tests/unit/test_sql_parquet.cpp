// Native Parquet pieces on hand-built bytes: the Thrift compact reader, footer checks, the
// encodings and codecs (whole files from the parquet-testing corpus: tests/integration/test_sql_parquet.py).
#include <doctest/doctest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "sql/columnar/builder.h"
#include "sql/parquet/codec.h"
#include "sql/parquet/file_reader.h"
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
  for (Codec codec : {Codec::Snappy, Codec::Gzip, Codec::Zstd, Codec::Uncompressed}) {
    auto w = ParquetWriter::make(schema, codec, 64);  // tiny row groups: several per file
    REQUIRE(w);
    std::string out;
    w.value()->begin(out);
    REQUIRE(w.value()->write(col::slice(b, 0, 20), out));
    REQUIRE(w.value()->write(col::slice(b, 20, 30), out));
    REQUIRE(w.value()->end(out));
    auto f = ParquetFile::open(memory_source(out), "mem");
    REQUIRE(f);
    CHECK(f.value()->metadata().row_groups.size() == 2);
    CHECK(col::type_from_json(f.value()->spark_schema()).value() == col::ColType::strct(schema.names, schema.children, std::vector<bool>(6, true)));
    std::vector<col::Batch> parts;
    for (int g = 0; g < 2; ++g) {
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
  CHECK_FALSE(ParquetWriter::make(col::ColType::strct({"xs"}, {col::ColType::array(col::ColType::scalar(col::TypeId::Int))}), Codec::Snappy));
  CHECK(write_codec("lz4").error_message().find("not supported") != std::string::npos);
}
