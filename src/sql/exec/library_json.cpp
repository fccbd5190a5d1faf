// JSON library calls: get_json_object (json_path.h over a reused tape), from_json (the JSON
// Lines reader's parser on each row's text: the same conversions and PERMISSIVE handling as
// spark.read.json) and to_json (the JSON writer's JacksonGenerator formatting).
#include <nlohmann/json.hpp>

#include "sql/columnar/builder.h"
#include "sql/types.h"
#include "sql/exec/file_writer.h"
#include "sql/exec/json_lines.h"
#include "sql/exec/json_path.h"
#include "sql/exec/library.h"
#include "sql/exec/schema_infer.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

// Hidden key/value literals from index `from` on (see analysis/fn_json.cpp).
ReaderOptionList options_from(const std::vector<ExprPtr>& a, size_t from) {
  ReaderOptionList o;
  for (size_t i = from; i + 1 < a.size(); i += 2) {
    const col::Column *k = literal(a, i), *v = literal(a, i + 1);
    if (k && v) o.emplace_back(std::string(k->str(0)), std::string(v->str(0)));
  }
  return o;
}

inline int64_t at(const Vec& v, int64_t i) { return v.constant ? 0 : i; }

Vec get_json_object(const Vec& json, const JsonPath& path, int64_t n) {
  col::ColumnBuilder b(kern::type_of(col::TypeId::String));
  b.reserve(n);
  std::vector<JTok> tape;
  std::string scratch;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = at(json, i);
    if (json.col->is_null(r)) { b.append_null(); continue; }
    auto v = json_get_object(json.col->str(r), path, tape, scratch);
    v ? b.append_str(*v) : b.append_null();
  }
  return Vec::flat(b.finish());
}

Result<Vec> from_json_struct(const Vec& json, const JsonOptions& opt, const col::ColTypePtr& type, int64_t n, const kern::TimeZone& tz);

// Arrays and maps: each text becomes the one field of a record (`{"x": text}`), parsed with the
// struct reader; the field is the result. Text that is not one such value gives NULL.
Result<Vec> from_json(const Vec& json, const JsonOptions& opt, const col::ColTypePtr& type, int64_t n, const kern::TimeZone& tz) {
  if (type->id == col::TypeId::Struct) {
    // Unlike spark.read.json, from_json does not read a top-level array as rows
    // (allowArrayAsStructs = false): such a text is a malformed record, every field NULL.
    auto is_array = [&](int64_t i) {
      const int64_t r = at(json, i);
      if (json.col->is_null(r)) return false;
      std::string_view t = json.col->str(r);
      size_t p = t.find_first_not_of(" \t\r\n");
      return p != std::string_view::npos && t[p] == '[';
    };
    bool any = false;
    for (int64_t i = 0; i < n && !any; ++i) any = is_array(i);
    if (!any) return from_json_struct(json, opt, type, n, tz);
    col::ColumnBuilder fixed(kern::type_of(col::TypeId::String));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = at(json, i);
      if (json.col->is_null(r)) fixed.append_null();
      else fixed.append_str(is_array(i) ? std::string_view("{}") : json.col->str(r));
    }
    return from_json_struct(Vec::flat(fixed.finish()), opt, type, n, tz);
  }
  col::ColumnBuilder wrapped(kern::type_of(col::TypeId::String));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = at(json, i);
    if (json.col->is_null(r)) { wrapped.append_null(); continue; }
    std::string_view t = json.col->str(r);
    size_t p = t.find_first_not_of(" \t\r\n");
    const char want = type->id == col::TypeId::Array ? '[' : '{';
    if (p == std::string_view::npos || t[p] != want) { wrapped.append_null(); continue; }
    wrapped.append_str("{\"x\":" + std::string(t) + "}");
  }
  auto st = col::make_type(col::ColType::strct({"x"}, {*type}));
  auto r = from_json_struct(Vec::flat(wrapped.finish()), opt, st, n, tz);
  if (!r) return r;
  const col::Column& s = *r.value().col;
  std::vector<int32_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[size_t(i)] = s.is_null(i) ? -1 : int32_t(i);
  return Vec::flat(col::gather(*s.children[0], idx.data(), n));
}

Result<Vec> from_json_struct(const Vec& json, const JsonOptions& opt, const col::ColTypePtr& type, int64_t n, const kern::TimeZone& tz) {
  auto parser = JsonLinesParser::make(opt, type, tz);
  if (!parser) return Result<Vec>::error(parser.error_message());
  std::vector<std::string_view> lines;
  std::vector<int32_t> line_of(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = at(json, i);
    if (json.col->is_null(r)) continue;
    line_of[size_t(i)] = int32_t(lines.size());
    lines.push_back(json.col->str(r));
  }
  auto batch = parser.value().parse_lines(lines);
  if (!batch) return Result<Vec>::error(batch.error_message());
  col::Batch rows = std::move(batch.value());
  if (rows.num_rows != int64_t(lines.size())) {
    // Some text held no value or an array of records: one line at a time keeps rows aligned
    // (no value: NULL; an array: its first record).
    std::vector<col::Batch> parts;
    for (size_t k = 0; k < lines.size(); ++k) {
      auto one = parser.value().parse_lines({lines[k]});
      if (!one) return Result<Vec>::error(one.error_message());
      parts.push_back(one.value().num_rows ? col::slice(one.value(), 0, 1) : col::Batch{});
    }
    std::vector<col::Batch> kept;
    std::vector<int32_t> part_row(lines.size(), -1);
    for (size_t k = 0; k < parts.size(); ++k)
      if (parts[k].schema) { part_row[k] = int32_t(kept.size()); kept.push_back(parts[k]); }
    rows = kept.empty() ? col::Batch{} : col::concat(kept);
    int32_t line = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (json.col->is_null(at(json, i))) continue;
      line_of[size_t(i)] = part_row[size_t(line++)];
    }
  }
  auto out = std::make_shared<col::Column>();
  out->type = type;
  out->length = n;
  for (size_t f = 0; f < type->children.size(); ++f) {
    if (!rows.schema) {
      out->children.push_back(col::make_null_column(col::make_type(type->children[f]), n));
      continue;
    }
    out->children.push_back(col::gather(*rows.columns[f], line_of.data(), n));
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

Result<Vec> to_json(const Vec& v, const ReaderOptionList& opts, int64_t n, const kern::TimeZone& tz) {
  col::ColumnPtr c = v.col;
  if (v.constant) {
    std::vector<int32_t> zeros(static_cast<size_t>(n), 0);
    c = col::gather(*v.col, zeros.data(), n);
  }
  const bool is_struct = c->id() == col::TypeId::Struct;
  col::Batch b;
  b.num_rows = n;
  if (is_struct) {
    b.schema = c->type;
    b.columns = c->children;
  } else {  // arrays and maps: written as the one field of a row, then unwrapped
    b.schema = col::make_type(col::ColType::strct({"x"}, {*c->type}));
    b.columns = {c};
  }
  auto fmt = RowFormatter::make("json", opts, *b.schema, tz);
  if (!fmt) return Result<Vec>::error(fmt.error_message());
  std::string text;
  fmt.value()->write(b, text);
  col::ColumnBuilder out(kern::type_of(col::TypeId::String));
  out.reserve(n);
  size_t pos = 0;
  const size_t prefix = is_struct ? 0 : 5;  // {"x":
  for (int64_t i = 0; i < n; ++i) {
    size_t end = text.find('\n', pos);  // strings are escaped: a newline only ends a row
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (c->is_null(i)) { out.append_null(); continue; }
    if (!is_struct) line = line.substr(prefix, line.size() - prefix - 1);
    out.append_str(line);
  }
  return Vec::flat(out.finish());
}
// SchemaOfJson: the value's own type (a top-level array stays an array), NULLs as STRING, in
// DataType.sql form (`STRUCT<a: BIGINT>`).
Result<std::string> schema_of_json(std::string_view text, const JsonOptions& opt) {
  size_t p = text.find_first_not_of(" \t\r\n");
  const bool is_array = p != std::string_view::npos && text[p] == '[';
  std::string wrapped;
  if (is_array) wrapped = "{\"x\":" + std::string(text) + "}";
  auto t = json_infer_schema({is_array ? std::string_view(wrapped) : text}, opt);
  if (!t) return Result<std::string>::error(t.error_message());
  col::ColType ct = t.value();
  for (const auto& nm : ct.names)
    if (nm == opt.corrupt_column)
      return Result<std::string>::error("Malformed records are detected in schema inference. Parse Mode: FAILFAST.");
  if (is_array) {
    if (ct.children.size() != 1) return Result<std::string>::error("cannot infer the schema of " + std::string(text));
    col::ColType inner = ct.children[0];  // a copy first: assigning a member of ct to ct frees it midway
    ct = std::move(inner);
  }
  auto dt = type_from_json(col::type_to_json(ct));
  if (!dt) return Result<std::string>::error(dt.error_message());
  return dt.value().sql();
}
}  // namespace

std::optional<Result<ExprPtr>> lower_json_call(const std::string& name, std::vector<ExprPtr>& a, const col::ColTypePtr& type) {
  if (name == "json_array_length" || name == "json_object_keys") {
    const bool keys = name == "json_object_keys";
    return bind_kernel(a, type, [keys, type](const A& x, int64_t n, const EvalContext&) {
      // Jackson with its default features: the top-level value's elements or field names; NULL
      // for text that is not an array (object) or does not parse.
      std::vector<JTok> tape;
      std::string scratch;
      JsonSyntax syn;
      col::ColumnBuilder b(type);
      b.reserve(n);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r = at(x[0], i);
        if (x[0].col->is_null(r) ||
            json_tokenize(x[0].col->str(r), syn, tape, scratch) != JParse::Ok || tape.empty() ||
            tape[0].kind != (keys ? JKind::Object : JKind::Array)) {
          b.append_null();
          continue;
        }
        int32_t count = 0;
        for (size_t k = 1; k < tape[0].end; k = json_next(tape, k)) {
          if (keys) b.child(0).append_str(tape[k].key);
          ++count;
        }
        if (keys) b.finish_list();
        else b.append<int32_t>(count);
      }
      return Vec::flat(b.finish());
    });
  }
  if (name == "get_json_object") {
    const col::Column* p = literal(a, 1);
    if (!p) return fail("get_json_object with a path that is not a constant is not supported by the native engine yet");
    std::optional<JsonPath> path;
    if (!p->is_null(0)) path = JsonPath::compile(p->str(0));
    if (!path) {  // NULL or invalid path: NULL for every row, as Spark
      return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) {
        return Vec::flat(col::make_null_column(type, n));
      });
    }
    return bind_kernel({a[0]}, type, [path = *path](const A& x, int64_t n, const EvalContext&) {
      return get_json_object(x[0], path, n);
    });
  }
  if (name == "from_json") {
    auto opt = JsonOptions::from(options_from(a, 2));
    if (!opt) return fail(opt.error_message());
    if (opt.value().mode != ParseMode::Permissive)
      return fail("from_json supports only the PERMISSIVE mode in the native engine yet");
    return bind_kernel({a[0]}, type, [o = opt.value(), type](const A& x, int64_t n, const EvalContext& ctx) {
      auto r = from_json(x[0], o, type, n, ctx.cast.tz);
      return r ? r.value() : Vec::flat(col::make_null_column(type, n));
    });
  }
  if (name == "to_json") {
    ReaderOptionList opts = options_from(a, 1);
    // Checked once here: the same options fail the query before any row is formatted.
    auto probe = RowFormatter::make("json", opts, col::ColType::strct({"x"}, {*a[0]->type}), 0);
    if (!probe) return fail(probe.error_message());
    return bind_kernel({a[0]}, type, [opts, type](const A& x, int64_t n, const EvalContext& ctx) {
      auto r = to_json(x[0], opts, n, ctx.cast.tz);
      return r ? r.value() : Vec::flat(col::make_null_column(type, n));
    });
  }
  if (name == "schema_of_json") {
    const col::Column* j = literal(a, 0);
    if (!j || j->is_null(0)) return fail("schema_of_json needs a constant JSON string");
    auto opt = JsonOptions::from(options_from(a, 1));
    if (!opt) return fail(opt.error_message());
    auto s = schema_of_json(j->str(0), opt.value());
    if (!s) return fail(s.error_message());
    col::ColumnBuilder b(type);
    b.append_str(s.value());
    return lit(b.finish());
  }
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib

namespace spp::sql::exec {

Result<std::string> infer_json_schema_sql(std::string_view text, const OptionPairs& options) {
  auto opt = JsonOptions::from(options);
  if (!opt) return Result<std::string>::error(opt.error_message());
  return lib::schema_of_json(text, opt.value());
}

}  // namespace spp::sql::exec
