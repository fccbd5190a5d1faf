// CSV functions (csvExpressions.scala, Spark 3.5): from_csv parses each row's text with the CSV
// reader's parser (CSVOptions, PERMISSIVE: a malformed record gives NULL fields), to_csv formats
// a struct with the CSV writer (UnivocityGenerator), schema_of_csv infers one record's types
// (CSVInferSchema with inferSchema on). Options ride along as hidden key/value literals after
// the first argument (analysis/fn_json.cpp).
#include <nlohmann/json.hpp>

#include "sql/columnar/builder.h"
#include "sql/exec/csv.h"
#include "sql/exec/file_writer.h"
#include "sql/exec/library.h"
#include "sql/exec/schema_infer.h"
#include "sql/types.h"

namespace spp::sql::exec {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

ReaderOptionList options_from(const std::vector<ExprPtr>& a, size_t from) {
  ReaderOptionList o;
  for (size_t i = from; i + 1 < a.size(); i += 2) {
    const col::Column *k = lib::literal(a, i), *v = lib::literal(a, i + 1);
    if (k && v) o.emplace_back(std::string(k->str(0)), std::string(v->str(0)));
  }
  return o;
}

inline int64_t at(const Vec& v, int64_t i) { return v.constant ? 0 : i; }

Vec from_csv(const CsvParser& parser, const Vec& text, const col::ColTypePtr& type, int64_t n) {
  std::vector<std::string_view> lines;
  std::vector<int32_t> line_of(size_t(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = at(text, i);
    if (text.col->is_null(r)) continue;
    line_of[size_t(i)] = int32_t(lines.size());
    lines.push_back(text.col->str(r));
  }
  auto out = std::make_shared<col::Column>();
  out->type = type;
  out->length = n;
  auto rows = lines.empty() ? Result<col::Batch>::error("") : parser.parse_lines(lines, false);
  for (size_t f = 0; f < type->children.size(); ++f) {
    if (!rows || rows.value().num_rows != int64_t(lines.size())) {
      out->children.push_back(col::make_null_column(col::make_type(type->children[f]), n));
      continue;
    }
    out->children.push_back(col::gather(*rows.value().columns[f], line_of.data(), n));
  }
  uint8_t* bits = nullptr;
  for (int64_t i = 0; i < n; ++i)
    if (line_of[size_t(i)] < 0) {
      if (!bits) bits = col::ensure_validity(*out);
      col::clear_bit(bits, i);
    }
  if (bits) col::finish_validity(*out);
  return Vec::flat(out);
}

// One row at a time through the CSV writer (a field may hold a line break, so the batch's text
// cannot be cut at line ends afterwards); the line separator is dropped.
Vec to_csv(const RowFormatter& f, const Vec& v, int64_t n) {
  col::ColumnPtr c = v.col;
  if (v.constant) {
    std::vector<int32_t> zeros(size_t(n), 0);
    c = col::gather(*v.col, zeros.data(), n);
  }
  col::ColumnBuilder b(kern::type_of(col::TypeId::String));
  b.reserve(n);
  std::string line;
  for (int64_t i = 0; i < n; ++i) {
    if (c->is_null(i)) { b.append_null(); continue; }
    col::Batch row;
    row.schema = c->type;
    row.num_rows = 1;
    for (const auto& ch : c->children) row.columns.push_back(col::slice(ch, i, 1));
    line.clear();
    f.write(row, line);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    b.append_str(line);
  }
  return Vec::flat(b.finish());
}
}  // namespace

Result<std::string> infer_csv_schema_sql(std::string_view text, const OptionPairs& options) {
  auto opt = CsvOptions::from(options);
  if (!opt) return Result<std::string>::error(opt.error_message());
  CsvOptions o = opt.value();
  o.infer_schema = true;
  o.header = false;
  auto t = csv_infer_schema({text}, o);
  if (!t) return Result<std::string>::error(t.error_message());
  auto dt = type_from_json(col::type_to_json(t.value()));
  if (!dt) return Result<std::string>::error(dt.error_message());
  return dt.value().sql();
}

namespace lib {

std::optional<Result<ExprPtr>> lower_csv_call(const std::string& name, std::vector<ExprPtr>& a,
                                              const col::ColTypePtr& type) {
  if (name == "from_csv") {
    auto opt = CsvOptions::from(options_from(a, 1));
    if (!opt) return fail(opt.error_message());
    if (opt.value().mode != ParseMode::Permissive)
      return fail("from_csv supports only the PERMISSIVE mode in the native engine yet");
    return bind_kernel({a[0]}, type, [o = opt.value(), type](const A& x, int64_t n, const EvalContext& ctx) {
      auto p = CsvParser::make(o, type, ctx.cast.tz);
      if (!p) return Vec::flat(col::make_null_column(type, n));
      return from_csv(p.value(), x[0], type, n);
    });
  }
  if (name == "to_csv") {
    ReaderOptionList opts = options_from(a, 1);
    auto probe = RowFormatter::make("csv", opts, *a[0]->type);
    if (!probe) return fail(probe.error_message());
    return bind_kernel({a[0]}, type, [opts](const A& x, int64_t n, const EvalContext& ctx) {
      auto f = RowFormatter::make("csv", opts, *x[0].col->type, ctx.cast.tz);
      return to_csv(*f.value(), x[0], n);
    });
  }
  if (name == "schema_of_csv") {
    const col::Column* j = literal(a, 0);
    if (!j || j->is_null(0)) return fail("schema_of_csv needs a constant CSV string");
    auto s = infer_csv_schema_sql(j->str(0), options_from(a, 1));
    if (!s) return fail(s.error_message());
    col::ColumnBuilder b(type);
    b.append_str(s.value());
    return lit(b.finish());
  }
  return std::nullopt;
}

}  // namespace lib
}  // namespace spp::sql::exec
