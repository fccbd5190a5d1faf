// libFuzzer target: arbitrary bytes as a string column value CAST to every type whose cast parses
// text (integral, floating, boolean, date, timestamps, decimal, and the ANSI interval types over
// every field range). Invariants: nothing crashes; a value either parses or is NULL, with an
// error text only for the casts that fail as Spark's do (intervals).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sql/columnar/batch.h"
#include "sql/columnar/builder.h"
#include "sql/kernels/cast.h"

using namespace spp::sql;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  col::ColumnBuilder b(kern::type_of(col::TypeId::String));
  b.append_str(std::string_view(reinterpret_cast<const char*>(data), size));
  b.append_null();
  const kern::Vec in = kern::Vec::flat(b.finish());
  std::string err;
  kern::CastOptions opt;
  opt.error = &err;
  std::vector<col::ColType> targets;
  for (auto id : {col::TypeId::Byte, col::TypeId::Int, col::TypeId::Long, col::TypeId::Double, col::TypeId::Boolean,
                  col::TypeId::Date, col::TypeId::Timestamp, col::TypeId::TimestampNtz, col::TypeId::CalendarInterval})
    targets.push_back(col::ColType::scalar(id));
  targets.push_back(col::ColType::decimal(10, 2));
  for (int s = 0; s < 4; ++s)
    for (int e = s; e < 4; ++e) targets.push_back(col::ColType::interval(col::TypeId::DayTimeInterval, s, e));
  for (int s = 0; s < 2; ++s)
    for (int e = s; e < 2; ++e) targets.push_back(col::ColType::interval(col::TypeId::YearMonthInterval, s, e));
  for (const auto& t : targets) {
    err.clear();
    kern::Vec out = kern::cast(in, col::make_type(t), 2, opt);
    if (!out.col->is_null(1)) __builtin_trap();  // NULL stays NULL
    if (!err.empty() && !out.col->is_null(0)) __builtin_trap();  // an error leaves the row NULL
    // Round trip through the string form for what parsed.
    if (!out.col->is_null(0)) (void)kern::cast(out, kern::type_of(col::TypeId::String), 2, opt);
  }
  return 0;
}
