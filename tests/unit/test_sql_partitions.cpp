// Partition discovery (sql/exec/partition_values): k=v directories, Spark's value type
// inference and widening, values cast per file.
#include <doctest/doctest.h>

#include "sql/exec/partition_values.h"

using namespace spp::sql;
using col::ColType;
using col::TypeId;

TEST_CASE("partition directories below the base path, innermost k=v run") {
  auto c = exec::parse_partition_dirs("/d/t/y=2024/m=1/part-0.parquet", "/d/t");
  REQUIRE(c);
  REQUIRE(c->size() == 2);
  CHECK((*c)[0] == std::make_pair(std::string("y"), std::string("2024")));
  CHECK((*c)[1].second == "1");
  CHECK(exec::parse_partition_dirs("/d/t/y=1/part", "/d/t/y=1")->empty());  // the base itself is no column
  CHECK(exec::parse_partition_dirs("/d/t/a=1/plain/b=2/f", "/d/t")->size() == 1);  // a plain dir ends the walk
  CHECK(!exec::parse_partition_dirs("/d/t/_temporary/a=1/f", "/d/t"));
  CHECK(exec::unescape_path_name("a%3Ab%2") == "a:b%2");
}

TEST_CASE("partition value types as Spark infers and widens them") {
  CHECK(exec::infer_partition_type("12", true).id == TypeId::Int);
  CHECK(exec::infer_partition_type("3000000000", true).id == TypeId::Long);
  CHECK(exec::infer_partition_type("123456789012345678901234", true) == ColType::decimal(24, 0));
  CHECK(exec::infer_partition_type("1.5", true).id == TypeId::Double);
  CHECK(exec::infer_partition_type("2024-01-02", true).id == TypeId::Date);
  CHECK(exec::infer_partition_type("2024-01-02 03%3A04%3A05", true).id == TypeId::Timestamp);
  CHECK(exec::infer_partition_type("true", true).id == TypeId::String);
  CHECK(exec::infer_partition_type("12", false).id == TypeId::String);
  CHECK(exec::infer_partition_type("__HIVE_DEFAULT_PARTITION__", true).id == TypeId::Null);
  auto S = [](TypeId t) { return ColType::scalar(t); };
  CHECK(exec::wider_partition_type(S(TypeId::Int), S(TypeId::Long)).id == TypeId::Long);
  CHECK(exec::wider_partition_type(S(TypeId::Int), S(TypeId::Double)).id == TypeId::Double);
  CHECK(exec::wider_partition_type(S(TypeId::Long), S(TypeId::Double)).id == TypeId::String);
  CHECK(exec::wider_partition_type(S(TypeId::Null), S(TypeId::Date)).id == TypeId::Date);
  CHECK(exec::wider_partition_type(S(TypeId::Date), S(TypeId::Timestamp)).id == TypeId::Timestamp);
  CHECK(exec::wider_partition_type(S(TypeId::Int), S(TypeId::Date)).id == TypeId::String);

  auto cols = exec::infer_partition_columns({{"/t/y=1/s=a/f", "/t"}, {"/t/y=3000000000/s=__HIVE_DEFAULT_PARTITION__/f", "/t"}}, true);
  REQUIRE(cols);
  CHECK(cols.value().names == std::vector<std::string>{"y", "s"});
  CHECK(cols.value().types[0].id == TypeId::Long);
  CHECK(cols.value().types[1].id == TypeId::String);
  auto bad = exec::infer_partition_columns({{"/t/y=1/f", "/t"}, {"/t/z=1/f", "/t"}}, true);
  REQUIRE(!bad);
  CHECK(bad.error_message().find("Conflicting directory structures detected") != std::string::npos);
}

TEST_CASE("a file's partition values as constant columns") {
  auto raw = exec::partition_raw_value("/t/Y=7/s=a%20b/f.parquet", "y");
  REQUIRE(raw);
  auto c = exec::partition_value_column(*raw, col::make_type(ColType::scalar(TypeId::Long)), 3);
  REQUIRE(c->length == 3);
  CHECK(c->vals<int64_t>()[2] == 7);
  auto s = exec::partition_value_column(*exec::partition_raw_value("/t/Y=7/s=a%20b/f", "s"),
                                        col::make_type(ColType::scalar(TypeId::String)), 2);
  CHECK(s->str(1) == "a b");
  auto n = exec::partition_value_column("__HIVE_DEFAULT_PARTITION__", col::make_type(ColType::scalar(TypeId::Int)), 2);
  CHECK(n->null_count == 2);
  auto bad = exec::partition_value_column("x", col::make_type(ColType::scalar(TypeId::Int)), 1);
  CHECK(bad->null_count == 1);
}
