// Driver: the DataFrame engine's requests. A plan from the Python program is analysed,
// optimised and planned by the SqlSession (src/sql/, pure), cut into stages that the DAG
// scheduler runs like any job (SqlStageSource), on executors' native operators; the rows come
// back as serialized batches.
#include "common/log.h"
#include "common/strings.h"
#include "common/util.h"
#include "driver/driver.h"
#include "driver/result_file.h"
#include "sql/conf_catalog.h"
#include "driver/file_splits.h"
#include "executor/text_codecs.h"
#include "sql/exec/csv.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/timezone.h"
#include "sql/exec/json_lines.h"
#include "sql/exec/lower.h"
#include "sql/exec/partition_values.h"
#include "sql/parquet/file_reader.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace spp::driver {
namespace fs = std::filesystem;

namespace {

using OptionList = std::vector<std::pair<std::string, std::string>>;

// An option's value by case-insensitive key (the last one wins), "" when absent.
std::string option(const OptionList& options, std::string_view key) {
  std::string out;
  for (const auto& [k, v] : options) {
    if (k.size() != key.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(key[i]));
    if (same) out = v;
  }
  return out;
}

// A read path as a directory (the part before any glob), absolute and normalized.
fs::path read_root(std::string s) {
  if (s.rfind("file:", 0) == 0) {
    s = s.substr(5);
    while (s.size() > 1 && s[0] == '/' && s[1] == '/') s.erase(0, 1);
  }
  if (size_t g = s.find_first_of("*?[{"); g != std::string::npos) {
    const size_t slash = s.rfind('/', g);
    s = slash == std::string::npos ? "." : s.substr(0, std::max<size_t>(slash, 1));
  }
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(s, ec), ec);
  return ec ? fs::path(s).lexically_normal() : p;
}

bool same_or_inside(const fs::path& p, const fs::path& dir) {
  auto a = p.begin(), b = dir.begin();
  for (; b != dir.end(); ++a, ++b) {
    if (b->empty() && std::next(b) == dir.end()) break;  // a trailing separator
    if (a == p.end() || *a != *b) return false;
  }
  return true;
}

// A file read by the query at or under `out` (DDLUtils.verifyNotReadPath): overwriting `out`
// deletes it before the query reads it.
std::optional<std::string> read_under(const sql::PlanPtr& p, const fs::path& out) {
  if (p->kind == sql::PlanKind::DataSource)
    for (const auto& path : p->paths)
      if (same_or_inside(read_root(path), out)) return path;
  for (const auto& c : p->children)
    if (auto r = read_under(c, out)) return r;
  return std::nullopt;
}

// {a,b} alternatives of a Hadoop glob expanded (fnmatch has no braces), innermost-first free.
void expand_braces(const std::string& g, std::vector<std::string>& out) {
  const size_t open = g.find('{');
  const size_t close = open == std::string::npos ? std::string::npos : g.find('}', open);
  if (close == std::string::npos) {
    out.push_back(g);
    return;
  }
  const std::string head = g.substr(0, open), tail = g.substr(close + 1), body = g.substr(open + 1, close - open - 1);
  size_t from = 0;
  for (size_t comma; (comma = body.find(',', from)) != std::string::npos; from = comma + 1)
    expand_braces(head + body.substr(from, comma - from) + tail, out);
  expand_braces(head + body.substr(from) + tail, out);
}

// modifiedBefore / modifiedAfter: 'YYYY-MM-DDTHH:mm:ss' in the option timeZone (else the
// session's), as epoch seconds.
Result<int64_t> modified_threshold(const std::string& key, const std::string& v, const std::string& zone) {
  using R = Result<int64_t>;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, used = 0;
  if (std::sscanf(v.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6 ||
      static_cast<size_t>(used) != v.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
    return R::error("The timestamp provided for the '" + key + "' option is invalid. The expected format is "
                    "'YYYY-MM-DDTHH:mm:ss', but the provided timestamp was: " + v);
  auto tz = sql::kern::TimeZone::of(zone.empty() ? "UTC" : zone);
  if (!tz) return R::error(tz.error_message());
  const int64_t local = (int64_t(sql::kern::days_from_civil(y, unsigned(mo), unsigned(d))) * 86400 + h * 3600 + mi * 60 + se) * 1000000;
  return tz.value().to_utc(local) / 1000000;
}

// The files of a read (directories recursively, partition directories included), as Spark
// reports a missing one; then the listing options: pathGlobFilter (file names), modifiedBefore /
// modifiedAfter, recursiveFileLookup (partition discovery off: each file's base is its directory).
Result<std::vector<DatasetFile>> source_files(const std::vector<std::string>& paths, const OptionList& options,
                                              const std::string& session_zone = "UTC") {
  using R = Result<std::vector<DatasetFile>>;
  if (paths.empty()) return std::vector<DatasetFile>{};  // a catalog table with no directory or partitions yet
  auto files = list_dataset_files(paths, option(options, "basePath"));
  if (!files) {
    std::string m = files.error_message();
    const std::string prefix = "Input path does not exist: ";
    if (m.rfind(prefix, 0) == 0) m = "[PATH_NOT_FOUND] Path does not exist: file:" + m.substr(prefix.size()) + ".";
    return R::error(m);
  }
  std::vector<std::string> globs;
  if (const std::string g = option(options, "pathGlobFilter"); !g.empty()) expand_braces(g, globs);
  std::optional<int64_t> before, after;
  const std::string zone = option(options, "timeZone").empty() ? session_zone : option(options, "timeZone");
  for (const char* key : {"modifiedBefore", "modifiedAfter"})
    if (const std::string v = option(options, key); !v.empty()) {
      auto t = modified_threshold(key, v, zone);
      if (!t) return R::error(t.error_message());
      (key[8] == 'B' ? before : after) = t.value();
    }
  const bool recursive = ascii_lower(option(options, "recursiveFileLookup")) == "true";
  std::vector<DatasetFile> out;
  for (auto& f : files.value()) {
    const fs::path p(f.file.path);
    if (!globs.empty() && std::none_of(globs.begin(), globs.end(), [&](const std::string& g) {
          return ::fnmatch(g.c_str(), p.filename().c_str(), FNM_PERIOD) == 0;
        }))
      continue;
    if (before || after) {
      struct stat st {};
      if (::stat(f.file.path.c_str(), &st) != 0) continue;
      if (before && !(st.st_mtime < *before)) continue;
      if (after && !(st.st_mtime > *after)) continue;
    }
    if (recursive) f.base = p.parent_path().string();
    out.push_back(std::move(f));
  }
  return out;
}

// Partition pruning (Spark's PartitioningAwareFileIndex.listFiles with partition filters): the
// scan's pushed conjuncts that read only partition columns — deterministic ones the executor's
// expressions can evaluate — run over one row per file of its directories' values (typed as the
// scan reads them), and files whose row is not true are never split nor read.
bool partition_only(const json& e, const std::set<int64_t>& part_ids, bool& any) {
  static const std::set<std::string> volatile_fns = {"rand", "randn", "uuid", "shuffle", "monotonically_increasing_id",
                                                     "spark_partition_id", "input_file_name",
                                                     "input_file_block_start", "input_file_block_length"};
  const std::string kind = e.value("kind", "");
  if (kind == "attr") {
    any = true;
    return part_ids.count(e.value("id", int64_t{-1})) > 0;
  }
  if (kind != "lit" && kind != "call" && kind != "cast") return false;
  if (kind == "call" && volatile_fns.count(e.value("name", ""))) return false;
  for (const auto& a : e.value("args", json::array()))
    if (!partition_only(a, part_ids, any)) return false;
  return true;
}

std::vector<DatasetFile> prune_partitions(const json& scan, std::vector<DatasetFile> files) {
  const int np = scan.value("partitionColumns", 0);
  const json data = scan.value("dataSchema", json::array());
  if (np <= 0 || size_t(np) > data.size() || files.empty()) return files;
  json part_attrs = json::array();
  std::set<int64_t> part_ids;
  for (size_t i = data.size() - size_t(np); i < data.size(); ++i) {
    part_attrs.push_back(data[i]);
    part_ids.insert(data[i].value("id", int64_t{-1}));
  }
  std::vector<sql::exec::ExprPtr> preds;
  for (const auto& e : scan.value("exprs", json::array())) {
    bool any = false;
    if (!partition_only(e, part_ids, any) || !any) continue;
    if (auto x = sql::exec::lower_expr(e, part_attrs)) preds.push_back(x.value());
  }
  if (preds.empty()) return files;
  auto schema = sql::exec::output_schema(part_attrs);
  if (!schema) return files;
  sql::col::Batch b;
  b.schema = schema.value();
  b.num_rows = int64_t(files.size());
  for (size_t c = 0; c < part_attrs.size(); ++c) {
    const std::string name = part_attrs[c].value("name", "");
    const auto type = sql::col::make_type(schema.value()->children[c]);
    std::vector<sql::col::ColumnPtr> rows;
    for (const auto& f : files) {
      auto raw = sql::exec::partition_raw_value(f.file.path, name);
      rows.push_back(raw ? sql::exec::partition_value_column(*raw, type, 1) : sql::col::make_null_column(type, 1));
    }
    b.columns.push_back(sql::col::concat(rows));
  }
  std::vector<bool> keep(files.size(), true);
  for (const auto& p : preds) {
    const auto v = sql::exec::eval_flat(*p, b);
    if (!v || v->id() != sql::col::TypeId::Boolean || v->length != b.num_rows) return files;  // not a predicate: no pruning
    for (size_t r = 0; r < files.size(); ++r)
      if (!v->is_valid(int64_t(r)) || !v->bool_at(int64_t(r))) keep[r] = false;
  }
  std::vector<DatasetFile> out;
  for (size_t r = 0; r < files.size(); ++r)
    if (keep[r]) out.push_back(std::move(files[r]));
  return out;
}

// A file's bytes for schema inference: exact, or decompressed for a Hadoop codec's extension
// (.gz/.bz2/.zst/.lz4/.snappy/.deflate, read by the executors' same reader). `first_line`: only
// enough for the first line.
Result<std::string> file_text(const std::string& path, bool first_line) {
  using R = Result<std::string>;
  if (compressed_text_file(path)) {
    auto z = executor::compressed_text_reader(path);
    if (!z) return R::error("cannot read " + path);
    std::string all, buf;
    for (;;) {
      auto got = z->next(buf);
      if (!got) return R::error(got.error_message() + " (" + path + ")");
      if (!got.value()) break;
      all += buf;
      if (first_line && all.find('\n') != std::string::npos) break;
    }
    if (first_line) all = all.substr(0, all.find('\n'));
    return all;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::error("cannot read " + path);
  if (first_line) {
    std::string line;
    std::getline(in, line);
    return line;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The lines the CSV schema comes from: with inferSchema every file whole (samplingRatio 1, as
// Spark's inference job reads them), else the first line of the first file (header names /
// column count). Read on the driver: the files are on a file system the driver shares.
// `charset` (not UTF-8): each file decoded whole (iconv). `sep`: what ends a file's last record.
Result<std::string> csv_sample(const std::vector<FileEntry>& files, bool all, bool first_file = false,
                               const std::string& charset = "", const std::string& sep = "\n") {
  std::string text;
  for (const auto& f : files) {
    if (f.size == 0) continue;
    auto got = file_text(f.path, !all && !first_file && charset.empty());
    if (!got) return Result<std::string>::error(got.error_message());
    if (!charset.empty()) {
      auto utf8 = sql::exec::to_utf8(got.value(), charset);
      if (!utf8) return Result<std::string>::error(utf8.error_message() + " (" + f.path + ")");
      got = std::move(utf8.value());
    }
    text += got.value();
    if (!text.empty() && (text.size() < sep.size() || text.compare(text.size() - sep.size(), sep.size(), sep) != 0)) text += sep;
    if (!all) break;
  }
  return text;
}

Result<sql::DataType> csv_schema(const std::vector<FileEntry>& files,
                                 const std::vector<std::pair<std::string, std::string>>& options) {
  using R = Result<sql::DataType>;
  auto opt = sql::exec::CsvOptions::from(options);
  if (!opt) return R::error(opt.error_message());
  // multiLine or a lineSep other than \n: the first record may span lines, so the first file is
  // read whole; another charset: each file read whole and decoded.
  const std::string& sep = opt.value().line_sep;
  const bool first_file = opt.value().multi_line || (!sep.empty() && sep != "\n" && sep != "\r\n");
  Result<std::string> text = csv_sample(files, opt.value().infer_schema, first_file, opt.value().charset, first_file && !sep.empty() ? sep : "\n");
  if (!text) return R::error(text.error_message());
  auto lines = sql::exec::csv_data_lines(text.value(), opt.value());
  if (!opt.value().infer_schema && lines.size() > 1) lines.resize(1);
  auto t = sql::exec::csv_infer_schema(lines, opt.value());
  if (!t) return R::error(t.error_message());
  return sql::type_from_json(sql::col::type_to_json(t.value()));
}

// JsonInferSchema over every line of the files (samplingRatio 1, as Spark's inference job).
Result<sql::DataType> json_schema(const std::vector<FileEntry>& files,
                                  const std::vector<std::pair<std::string, std::string>>& options) {
  using R = Result<sql::DataType>;
  auto opt = sql::exec::JsonOptions::from(options);
  if (!opt) return R::error(opt.error_message());
  // multiLine: each file is one record.
  std::vector<std::string> texts;
  for (const auto& f : files) {
    const std::string& sep = opt.value().line_sep;
    auto text = csv_sample({f}, true, false, opt.value().charset, sep.empty() || sep == "\r\n" ? "\n" : sep);
    if (!text) return R::error(text.error_message());
    if (!opt.value().multi_line && !texts.empty()) texts.back() += text.value();
    else texts.push_back(std::move(text.value()));
  }
  std::vector<std::string_view> lines;
  for (const auto& text : texts)
    for (auto line : sql::exec::json_data_lines(text, opt.value())) lines.push_back(line);
  auto t = sql::exec::json_infer_schema(lines, opt.value());
  if (!t) return R::error(t.error_message());
  return sql::type_from_json(sql::col::type_to_json(t.value()));
}

// The schema of Parquet files from their footers: the first file's, or with mergeSchema
// (option, else spark.sql.parquet.mergeSchema) every file's merged, as Spark.
Result<sql::DataType> parquet_schema(const std::vector<FileEntry>& files,
                                     const std::vector<std::pair<std::string, std::string>>& options, bool merge_default) {
  using R = Result<sql::DataType>;
  bool merge = merge_default;
  for (const auto& [k, v] : options) {
    std::string key = k;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "mergeschema") merge = v == "true" || v == "TRUE" || v == "True";
  }
  std::vector<sql::col::ColType> schemas;
  nlohmann::json first;
  for (const auto& f : files) {
    auto pf = sql::parquet::ParquetFile::open_path(f.path);
    if (!pf) return R::error(pf.error_message());
    nlohmann::json j = pf.value()->spark_schema();
    if (schemas.empty()) first = j;
    auto t = sql::col::type_from_json(j);
    if (!t) return R::error(t.error_message());
    schemas.push_back(std::move(t.value()));
    if (!merge) break;
  }
  if (schemas.empty())
    return R::error("[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for Parquet. It must be specified manually.");
  if (schemas.size() == 1) return sql::type_from_json(first);
  auto merged = sql::parquet::merge_schemas(schemas);
  if (!merged) return R::error(merged.error_message());
  return sql::type_from_json(sql::col::type_to_json(merged.value()));
}

// Schemas of file sources (SqlSession's SourceResolver): files must exist; text has one string
// column; csv and json take the user's schema or infer it from the files.
Result<sql::DataType> data_schema(const std::string& f, const std::vector<DatasetFile>& all_files, const OptionList& options,
                                  const std::optional<sql::DataType>& user_schema, bool parquet_merge);

Result<sql::ResolvedSource> resolve_source(const std::string& format, const std::vector<std::string>& paths,
                                           const OptionList& options, const std::optional<sql::DataType>& user,
                                           bool parquet_merge, bool type_inference, const std::string& zone) {
  using R = Result<sql::ResolvedSource>;
  std::string f = format;
  for (auto& c : f) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (f != "text" && f != "csv" && f != "json" && f != "parquet")
    return R::error(f == "orc" || f == "avro"
                        ? "reading " + f + " files is not supported by sparkpp yet"
                        : "[DATA_SOURCE_NOT_FOUND] Failed to find the data source: " + format + ".");
  auto files = source_files(paths, options, zone);
  if (!files) return R::error(files.error_message());
  auto data = data_schema(f, files.value(), options, user, parquet_merge);
  if (!data) return R::error(data.error_message());
  // Partition directories' columns after the files' (user-typed when the schema names them).
  std::vector<std::pair<std::string, std::string>> file_base;
  for (const auto& fe : files.value()) file_base.emplace_back(fe.file.path, fe.base);
  auto parts = sql::exec::infer_partition_columns(file_base, type_inference);
  if (!parts) return R::error(parts.error_message());
  int64_t bytes = 0;
  for (const auto& fe : files.value()) bytes += fe.file.size;
  if (parts.value().names.empty()) return sql::ResolvedSource{data.value(), 0, bytes};
  auto same = [](const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  std::vector<sql::StructField> fields, part_fields;
  for (size_t i = 0; i < parts.value().names.size(); ++i) {
    const std::string& n = parts.value().names[i];
    auto t = sql::type_from_json(sql::col::type_to_json(parts.value().types[i]));
    if (!t) return R::error(t.error_message());
    sql::StructField pf{n, t.value(), true, "{}"};
    if (user)
      for (const auto& uf : user->fields)
        if (same(uf.name, n)) pf = uf;
    part_fields.push_back(pf);
  }
  for (const auto& df : data.value().fields) {
    // A file column named as a partition column takes the directory's value (Spark's overlap);
    // csv keeps it, its columns being positional.
    bool overlap = std::any_of(part_fields.begin(), part_fields.end(), [&](const sql::StructField& pf) { return same(pf.name, df.name); });
    if (!overlap || f == "csv") fields.push_back(df);
  }
  fields.insert(fields.end(), part_fields.begin(), part_fields.end());
  return sql::ResolvedSource{sql::DataType::structure(fields), static_cast<int>(part_fields.size()), bytes};
}

// The files' own columns: the user's schema (less partition columns, added after) or inferred.
Result<sql::DataType> data_schema(const std::string& f, const std::vector<DatasetFile>& all_files, const OptionList& options,
                                  const std::optional<sql::DataType>& user_schema, bool parquet_merge) {
  using R = Result<sql::DataType>;
  std::vector<FileEntry> plain;
  for (const auto& fe : all_files) plain.push_back(fe.file);
  Result<std::vector<FileEntry>> files(std::move(plain));
  std::optional<sql::DataType> user = user_schema;
  if (user) {  // partition columns the user named are typed there but read from directories
    std::vector<std::pair<std::string, std::string>> file_base;
    for (const auto& fe : all_files) file_base.emplace_back(fe.file.path, fe.base);
    auto parts = sql::exec::infer_partition_columns(file_base, false);
    if (!parts) return R::error(parts.error_message());
    std::vector<sql::StructField> keep;
    for (const auto& uf : user->fields) {
      bool is_part = false;
      for (const auto& n : parts.value().names) {
        std::string a = uf.name, b = n;
        for (auto& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        is_part = is_part || a == b;
      }
      if (!is_part) keep.push_back(uf);
    }
    user = sql::DataType::structure(keep);
  }
  if (f == "text") {
    if (user) {
      if (user->fields.size() != 1)
        return R::error("Text data source supports only a single column, and you have " +
                        std::to_string(user->fields.size()) + " columns.");
      if (user->fields[0].type.id != sql::TypeId::String)
        return R::error("Text data source does not support " + user->fields[0].type.simple_string() + " data type.");
      return *user;
    }
    return sql::DataType::structure({sql::StructField{"value", sql::DataType::string(), true, "{}"}});
  }
  if (user) return *user;
  if (f == "parquet") return parquet_schema(files.value(), options, parquet_merge);
  if (f == "csv") return csv_schema(files.value(), options);
  if (f == "json") return json_schema(files.value(), options);
  return R::error("reading " + f + " files without a schema needs schema inference, which sparkpp does not have yet: "
                  "pass .schema(...)");
}

}  // namespace

// spark.sql.adaptive.* (session settings first, then the application's conf).
sql::AqeSettings aqe_settings(const std::function<std::string(const char*)>& value, int parallelism) {
  sql::AqeSettings s;
  auto flag = [&](const char* key) { return sql::sql_conf_flag(key, value(key)); };
  auto bytes = [&](const char* key) { return sql::sql_conf_number(key, value(key)).value_or(0); };
  s.enabled = flag("spark.sql.adaptive.enabled");
  s.coalesce = flag("spark.sql.adaptive.coalescePartitions.enabled");
  s.parallelism_first = flag("spark.sql.adaptive.coalescePartitions.parallelismFirst");
  // The advisory size's fallback is the legacy key, as Spark's entry.
  const char* advisory = "spark.sql.adaptive.advisoryPartitionSizeInBytes";
  s.advisory_bytes = value(advisory).empty() ? bytes("spark.sql.adaptive.shuffle.targetPostShuffleInputSize") : bytes(advisory);
  s.min_partition_bytes = bytes("spark.sql.adaptive.coalescePartitions.minPartitionSize");
  if (auto n = sql::sql_conf_number("spark.sql.adaptive.coalescePartitions.minPartitionNum",
                                    value("spark.sql.adaptive.coalescePartitions.minPartitionNum")))
    s.min_partition_num = static_cast<int>(*n);
  s.default_parallelism = std::max(1, parallelism);
  // The runtime switch to broadcast joins: its own threshold, else the planner's.
  const char* threshold = "spark.sql.adaptive.autoBroadcastJoinThreshold";
  s.broadcast_threshold = value(threshold).empty() ? bytes("spark.sql.autoBroadcastJoinThreshold") : bytes(threshold);
  s.local_shuffle_reader = flag("spark.sql.adaptive.localShuffleReader.enabled");
  s.early_switch = flag("spark.sql.sparkpp.adaptive.earlyBroadcastSwitch.enabled");
  const std::string ratio = value("spark.sql.adaptive.nonEmptyPartitionRatioForBroadcastJoin");
  if (!ratio.empty()) s.non_empty_ratio = std::strtod(ratio.c_str(), nullptr);
  return s;
}

void Driver::sql_error(Connection& c, int64_t req, const json& error) {
  msg::PyError e;
  e.req = req;
  e.kind = error.value("kind", "AnalysisException");
  e.message = error.value("message", "");
  e.details = {{"errorClass", error.value("errorClass", "")},
               {"messageParameters", error.value("messageParameters", json::object())},
               {"sqlState", error.value("sqlState", "")}};
  c.send(e);
}

// The spark.sql.* settings planning reads: the application's conf, then the session's own
// (spark.conf.set), sent with every request.
void Driver::sql_conf(const std::map<std::string, std::string>& session) {
  sql::SqlConf c;
  for (const auto& [k, v] : conf_.values())
    if (k.rfind("spark.sql.", 0) == 0) c.set(k, v);
  for (const auto& [k, v] : session) c.set(k, v);
  auto value = [&](const char* key) {
    auto it = session.find(key);
    return it != session.end() ? it->second : conf_.get(key, "");
  };
  // Leaf nodes without a partition count (SQL range()) take spark.sql.leafNodeDefaultParallelism,
  // else the context's defaultParallelism, as SparkSession.leafNodeDefaultParallelism.
  c.planner.default_parallelism = default_parallelism();
  if (const std::string leaf = value("spark.sql.leafNodeDefaultParallelism"); !leaf.empty()) {
    char* end = nullptr;
    const long n = std::strtol(leaf.c_str(), &end, 10);
    if (end && *end == 0 && n > 0) c.planner.default_parallelism = static_cast<int>(n);
  }
  const bool merge = sql::sql_conf_flag("spark.sql.parquet.mergeSchema", value("spark.sql.parquet.mergeSchema"));
  const char* infer_key = "spark.sql.sources.partitionColumnTypeInference.enabled";
  const bool infer = sql::sql_conf_flag(infer_key, value(infer_key));
  sql_.conf() = c;
  ensure_catalog();
  sql_resolver_set_ = true;
  std::string zone = value("spark.sql.session.timeZone");
  if (zone.empty()) zone = sql::default_time_zone();
  sql_.set_source_resolver([merge, infer, zone](const std::string& format, const std::vector<std::string>& paths,
                                                const std::vector<std::pair<std::string, std::string>>& options,
                                                const std::optional<sql::DataType>& user) {
    return resolve_source(format, paths, options, user, merge, infer, zone);
  });
}

void Driver::sql_analyze(Connection& c, const msg::PySqlAnalyze& m) {
  sql_conf(m.conf);
  json r = sql_.analyze(m.plan);
  if (r.contains("error")) return sql_error(c, m.req, r["error"]);
  msg::PyReply rep;
  rep.req = m.req;
  rep.value = std::move(r);
  c.send(rep);
}

void Driver::sql_explain(Connection& c, const msg::PySqlExplain& m) {
  sql_conf(m.conf);
  json r = sql_.explain(m.plan, m.mode);
  if (r.contains("error")) return sql_error(c, m.req, r["error"]);
  // The same DataFrame ran: its physical plan is AQE's final one (simple and extended modes).
  auto ran = final_plans_.find(m.plan.dump());
  if (ran != final_plans_.end() && (m.mode == "simple" || m.mode == "extended") && r.contains("text")) {
    std::string text = r["text"].get<std::string>();
    const std::string head = "== Physical Plan ==\n";
    if (auto at = text.rfind(head); at != std::string::npos) r["text"] = text.substr(0, at + head.size()) + ran->second + "\n";
  }
  msg::PyReply rep;
  rep.req = m.req;
  rep.value = std::move(r);
  c.send(rep);
}

// Dynamic partition overwrite, after the commit: in every directory that received a file of
// job `uuid`, the data files of earlier writes go (hidden `_`/`.` files stay).
static void replace_written_partitions(const std::string& dir, const std::string& uuid) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::map<fs::path, std::vector<fs::path>> by_dir;
  std::set<fs::path> written;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '_' || name[0] == '.') continue;
    if (name.find(uuid) != std::string::npos) written.insert(it->path().parent_path());
    else by_dir[it->path().parent_path()].push_back(it->path());
  }
  for (const auto& d : written)
    for (const auto& f : by_dir[d]) fs::remove(f, ec);
}

// The table catalog on spark.sql.warehouse.dir (a static setting: the application's conf;
// default `spark-warehouse` in the driver's working directory), opened lazily by the catalog.
void Driver::ensure_catalog() {
  if (sql_.catalog()) return;
  std::string dir = conf_.get("spark.sql.warehouse.dir", "spark-warehouse");
  if (dir.rfind("file:", 0) == 0) dir = dir.substr(5);
  while (dir.size() > 1 && dir.rfind("//", 0) == 0) dir = dir.substr(1);
  std::error_code ec;
  sql_.set_catalog(std::make_shared<sql::Catalog>(std::filesystem::weakly_canonical(std::filesystem::absolute(dir), ec).string()));
}

void Driver::sql_command(Connection& c, const msg::PySqlCommand& m, std::vector<std::string>&& blobs) {
  // createDataFrame's rows uploaded once (Spark Connect: an artifact `cache/<sha256>` that
  // plans then reference as CachedLocalRelation): {"cacheLocalRelation": {"hash"}} + 1 blob.
  const json* cmd = m.command.contains("command") ? &m.command["command"] : &m.command;
  if (cmd->is_object() && cmd->contains("cacheLocalRelation")) {
    const json& b = (*cmd)["cacheLocalRelation"];
    if (blobs.size() != 1 || !b.is_object() || !b.contains("hash") || !b["hash"].is_string())
      return py_error(c, m.req, "bad_request", "cacheLocalRelation needs a hash and one blob (the batch stream)");
    sql_.cache_local_relation(b["hash"].get<std::string>(), std::make_shared<const std::string>(std::move(blobs[0])));
    return py_reply(c, m.req, Status::ok());
  }
  ensure_catalog();
  // spark.sql's statements plan with the session's settings (EXPLAIN, CACHE TABLE ... AS):
  // its sqlCommand carries them; other statements may read files (CREATE TABLE … LOCATION).
  const json* sql_cmd = cmd->is_object() && cmd->contains("sqlCommand") ? &(*cmd)["sqlCommand"] : nullptr;
  if (sql_cmd && sql_cmd->is_object() && sql_cmd->contains("conf") && (*sql_cmd)["conf"].is_object()) {
    std::map<std::string, std::string> session;
    for (const auto& [k, v] : (*sql_cmd)["conf"].items())
      if (v.is_string()) session[k] = v.get<std::string>();
    sql_conf(session);
  } else if (!sql_resolver_set_) {
    sql_conf({});
  }
  json r = sql_.command(m.command);
  drop_sql_caches();
  if (r.contains("error")) return sql_error(c, m.req, r["error"]);
  py_reply(c, m.req, Status::ok(), std::move(r));  // spark.sql statements answer rows
}

void Driver::sql_execute(Connection& c, const msg::PySqlExecute& m) {
  if (phase_ != AppPhase::kRunning || !dag_)
    return py_error(c, m.req, "context_stopped", "Cannot call methods on a stopped SparkContext");
  sql_conf(m.conf);
  // A plan is a query (`root`) or, as in Spark Connect, a command: df.write's writeOperation
  // runs its input query with a files sink (driver_sql_write.cpp).
  const json* write_op = nullptr;
  if (m.plan.contains("command")) {
    write_op = m.plan["command"].contains("writeOperation") ? &m.plan["command"]["writeOperation"] : nullptr;
    if (!write_op) return py_error(c, m.req, "bad_request", "unsupported command " + m.plan["command"].dump().substr(0, 80));
  }
  // saveAsTable / insertInto: a path write on the table's location; the catalog learns of the
  // table (and of the partitions written) once the files are committed.
  std::optional<sql::TableWrite> table_write;
  json table_op;
  // spark.sql.sources.partitionOverwriteMode of a write: its option first, then the session's.
  auto overwrite_mode_of = [&](const json& op) {
    OptionList write_options;
    if (auto it = op.find("options"); it != op.end() && it->is_object())
      for (auto o = it->begin(); o != it->end(); ++o)
        if (o->is_string()) write_options.emplace_back(o.key(), o->get<std::string>());
    std::string mode = option(write_options, "partitionOverwriteMode");
    if (mode.empty()) {
      auto it = m.conf.find("spark.sql.sources.partitionOverwriteMode");
      mode = it != m.conf.end() ? it->second : conf_.get("spark.sql.sources.partitionOverwriteMode", "static");
    }
    return mode;
  };
  if (write_op && write_op->contains("table")) {
    table_op = *write_op;
    if (!table_op.contains("source") || !table_op["source"].is_string() || table_op["source"].get<std::string>().empty()) {
      auto it = m.conf.find("spark.sql.sources.default");
      table_op["source"] = it != m.conf.end() ? it->second : conf_.get("spark.sql.sources.default", "parquet");
    }
    table_op["partitionOverwriteMode"] = overwrite_mode_of(table_op);
    auto tw = sql_.plan_table_write(table_op);
    drop_sql_caches();  // the written table's cache (registered again after the commit)
    if (auto* err = std::get_if<json>(&tw)) return sql_error(c, m.req, (*err)["error"]);
    table_write = std::move(std::get<sql::TableWrite>(tw));
    if (table_write->skip) {
      msg::PySqlResult r;
      r.req = m.req;
      r.schema = json{{"type", "struct"}, {"fields", json::array()}};
      return c.send(r);
    }
    table_op = table_write->op;
    write_op = &table_op;
  }
  // A partitioned path write in mode overwrite with dynamic partitionOverwriteMode appends, and
  // once committed the older files of each partition directory it wrote go (Spark's
  // dynamicPartitionOverwrite); the other partitions stay.
  bool replace_written = false;
  json path_op;
  if (write_op && !table_write && write_op->value("mode", std::string()) == "SAVE_MODE_OVERWRITE" &&
      !write_op->value("partitioningColumns", json::array()).empty() && ascii_lower(overwrite_mode_of(*write_op)) == "dynamic") {
    path_op = *write_op;
    path_op["mode"] = "SAVE_MODE_APPEND";
    write_op = &path_op;
    replace_written = true;
  }
  auto prepared = sql_.prepare(write_op ? json{{"root", write_op->value("input", json::object())}} : m.plan);
  if (auto* err = std::get_if<json>(&prepared)) return sql_error(c, m.req, (*err)["error"]);
  sql::PreparedQuery q = std::move(std::get<sql::PreparedQuery>(prepared));
  if (q.subqueries.empty()) return sql_run(c, m, std::move(q), write_op, std::move(table_write), replace_written);
  // Uncorrelated scalar subqueries first, each a job of its own (Spark's SubqueryExec); the
  // query then runs with their values as literals.
  auto ctx = std::make_shared<SubqueryRun>(SubqueryRun{c.id(), m.req, m.conf, m.description, m.properties});
  auto subs = q.subqueries;
  std::optional<json> op = write_op ? std::optional<json>(*write_op) : std::nullopt;
  run_subqueries(std::move(subs), 0, {}, ctx,
                 [this, cid = c.id(), m, op = std::move(op), tw = std::move(table_write), replace_written,
                  q = std::move(q)](std::map<int64_t, sql::Value> values) mutable {
                   auto it = py_conns_.find(cid);
                   if (it == py_conns_.end()) return;
                   sql_run(*it->second, m, sql::with_subquery_values(std::move(q), values), op ? &*op : nullptr,
                           std::move(tw), replace_written);
                 });
}

// The rest of sql_execute, once the query's subqueries have their values.
void Driver::sql_run(Connection& c, const msg::PySqlExecute& m, sql::PreparedQuery q, const json* write_op,
                     std::optional<sql::TableWrite> table_write, bool replace_written) {
  json schema = sql::type_to_json(sql::plan_schema(q.analyzed));
  std::optional<WriteStart> write;
  if (write_op && !table_write && write_op->value("mode", std::string()) == "SAVE_MODE_OVERWRITE") {
    const std::string out = write_op->value("path", std::string());
    if (!out.empty() && read_under(q.analyzed, read_root(out))) {
      const std::string shown = "file:" + read_root(out).string();
      return sql_error(c, m.req, json{{"kind", "AnalysisException"},
                                      {"message", "[UNSUPPORTED_OVERWRITE.PATH] Can't overwrite the target that is also being read from. "
                                                  "The target path is " + shown + "."},
                                      {"errorClass", "UNSUPPORTED_OVERWRITE.PATH"},
                                      {"messageParameters", {{"path", shown}}},
                                      {"sqlState", "42902"}});
    }
  }
  if (write_op) {
    auto w = begin_write(*write_op, schema, m.conf);
    if (!w) return sql_error(c, m.req, json::parse(w.error_message()));
    if (w.value().skip) {  // mode ignore, the path exists: nothing runs
      msg::PySqlResult r;
      r.req = m.req;
      r.schema = schema;
      return c.send(r);
    }
    write = std::move(w.value());
  }
  auto value = [&](const char* key) {
    auto it = m.conf.find(key);
    return it != m.conf.end() ? it->second : conf_.get(key, "");
  };
  const int parallelism = default_parallelism();
  FileSplitter splitter = file_splitter(m.conf);
  if (Status st = register_sql_caches(q.executed, splitter, parallelism); !st) return py_error(c, m.req, "bad_request", st.message());
  auto node = sql_source_.add(q, parallelism, splitter, aqe_settings(value, parallelism));
  if (!node) return py_error(c, m.req, "bad_request", node.error_message());
  Job job;
  job.id = next_job_++;
  job.rdd = node.value();
  job.sql = true;
  job.schema = std::move(schema);
  job.req = m.req;
  job.py_conn = c.id();
  job.sink = write ? write->sink : json{{"kind", "result"}};
  job.sink_kind = write ? "files" : "result";
  if (auto rf = m.conf.find(kResultFileKey); rf != m.conf.end() && !write) job.result_file = rf->second;
  if (write) {
    job.out_dir = write->out_dir;
    job.tmp_dir = write->tmp_dir;
    job.write_uuid = write->job_uuid;
    if (table_write)
      job.after_commit = [this, tw = *table_write, dir = write->out_dir, uuid = write->job_uuid] {
        if (tw.op.value("sparkppReplaceWrittenPartitions", false)) replace_written_partitions(dir, uuid);
        Status st = sql_.commit_table_write(tw);
        drop_sql_caches();
        return st;
      };
    else if (replace_written)
      job.after_commit = [dir = write->out_dir, uuid = write->job_uuid] {
        replace_written_partitions(dir, uuid);
        return Status::ok();
      };
  }
  job.description = m.description.empty() ? (write ? "save" : "collect") : m.description;
  apply_properties(job, m.properties);
  job.start_ms = clock_.now_ms();
  const std::string points = value("spark.sql.execution.rangeExchange.sampleSizePerPartition");
  job.range_points = std::clamp(std::atoi(points.empty() ? "100" : points.c_str()), 1, 1000000);
  job.all_partitions = true;  // known when the result stage starts (AQE coalescing)
  // One SQL execution per action (Spark's SQLExecution.withNewExecutionId): described by the
  // SQL text when the action runs spark.sql(...)'s plan itself, else by the call site.
  job.sql_exec = next_sql_exec_++;
  const json& root = m.plan.value("root", json::object());
  const std::string text = root.contains("sql") ? root["sql"].value("query", "") : "";
  if (!write)
    job.on_final_plan = [this, key = m.plan.dump(), executed = q.executed, physical = q.physical,
                         opts = sql_.conf().planner](const sql::AqeDecisions& d) {
      if (!final_plans_.count(key)) final_plan_order_.push_back(key);
      final_plans_[key] = sql::adaptive_final_plan_string(executed, physical, d, opts);
      while (final_plan_order_.size() > 64) {
        final_plans_.erase(final_plan_order_.front());
        final_plan_order_.pop_front();
      }
    };
  json graph = sql::plan_graph(q.executed, q.stages);
  graph["baseNode"] = node.value() - static_cast<int>(q.stages.size()) + 1;  // fragment i runs as scheduler node base + i
  ui_->post(sc::SqlExecutionStartEvent{job.sql_exec, text.empty() ? job.description : text,
                                       "== Physical Plan ==\n" + sql::physical_tree_string(q.physical, sql_.conf().planner) + "\n",
                                       std::move(graph), clock_.wall_ms()});
  LOG_DEBUG("driver", "SQL job " << job.id << ": " << q.stages.size() << " stage(s)");
  submit_job(std::move(job), json{{"nodes", json::array()}});
}

// FileScan partitions as Spark SQL packs them (spark.sql.files.maxPartitionBytes/openCostInBytes).
FileSplitter Driver::file_splitter(const std::map<std::string, std::string>& session) {
  auto value = [&](const char* key) {
    auto it = session.find(key);
    return it != session.end() ? it->second : conf_.get(key, "");
  };
  auto bytes = [&](const char* key) { return sql::sql_conf_number(key, value(key)).value_or(0); };
  const int64_t max_bytes = std::max<int64_t>(1, bytes("spark.sql.files.maxPartitionBytes"));
  const int64_t open_cost = std::max<int64_t>(0, bytes("spark.sql.files.openCostInBytes"));
  const int parallelism = default_parallelism();
  std::string zone = value("spark.sql.session.timeZone");
  if (zone.empty()) zone = sql::default_time_zone();
  return [this, max_bytes, open_cost, parallelism, zone](const json& scan) -> Result<std::vector<std::vector<plan::TextSource>>> {
    using R = Result<std::vector<std::vector<plan::TextSource>>>;
    OptionList opts;
    if (scan.contains("options") && scan["options"].is_object())
      for (auto it = scan["options"].begin(); it != scan["options"].end(); ++it)
        opts.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    auto paths = scan.value("paths", std::vector<std::string>{});
    std::error_code ec;
    if (scan.contains("table"))  // a catalog table's directory may be gone: Spark lists no files there
      std::erase_if(paths, [&](const std::string& d) { return !fs::exists(d, ec); });
    auto files = source_files(paths, opts, zone);
    if (!files) return R::error(files.error_message());
    // multiLine CSV/JSON files are not splittable (Spark's isSplitable): one split per file.
    const std::string format = ascii_lower(scan.value("format", std::string()));
    // So are text files with wholetext (one row each) or a lineSep other than \n (read whole).
    bool whole = false;
    for (const auto& [k, v] : opts) {
      const std::string key = ascii_lower(k);
      if ((format == "csv" || format == "json") && key == "multiline" && ascii_lower(v) == "true") whole = true;
      if ((format == "csv" || format == "json") && (key == "encoding" || key == "charset") && ascii_lower(v) != "utf-8" &&
          ascii_lower(v) != "utf8")
        whole = true;  // decoded whole (iconv)
      if (format == "text" && key == "wholetext" && ascii_lower(v) == "true") whole = true;
      // A lineSep other than \n: records do not end where the line reader cuts a split, so each
      // file is one split, cut into records by the parser.
      if ((format == "csv" || format == "json") && key == "linesep" && v != "\n" && v != "\r\n") whole = true;
      if (format == "text" && key == "linesep" && v != "\n") whole = true;
    }
    std::vector<std::vector<plan::TextSource>> out;
    std::vector<FileEntry> plain;
    for (const auto& fe : prune_partitions(scan, std::move(files.value()))) plain.push_back(fe.file);
    for (const auto& part : sql_file_partitions(plain, max_bytes, open_cost, parallelism, whole)) {
      out.emplace_back();
      for (const auto& c : part) out.back().push_back({c.path, c.start, c.length});
    }
    return out;
  };
}

// df.rdd: the plan becomes a registered query (no AQE coalescing: the RDD's partitions are fixed
// when it is defined, as Spark's QueryExecution.toRdd) and a `sql` RDD over its result stage.
// Range exchanges (global sorts) get their bounds from a sampling job first, as Spark's
// RangePartitioner samples when the RDD is built; PyDefined answers once they are set.
Result<int> Driver::register_sql_rdd(const json& plan, const std::map<std::string, std::string>& session) {
  using R = Result<int>;
  sql_conf(session);
  auto prepared = sql_.prepare(json{{"root", plan}}, false);  // one query: the RDD is its result stage
  if (auto* err = std::get_if<json>(&prepared)) return R::error((*err)["error"].dump());
  const auto& q = std::get<sql::PreparedQuery>(prepared);
  const int parallelism = default_parallelism();
  FileSplitter splitter = file_splitter(session);
  if (Status st = register_sql_caches(q.executed, splitter, parallelism); !st) return R::error(st.message());
  return sql_source_.add(q, parallelism, splitter, SqlStageSource::no_aqe());
}

// The first query scanning a cached DataFrame registers the cached query's stages (kept until
// unpersisted; AQE does not coalesce them, as Spark keeps a cache's partitioning) and shows it
// on the Storage page; a cached plan over other caches registers those first.
Status Driver::register_sql_caches(const sql::PhysPtr& p, const FileSplitter& files, int parallelism) {
  if (p->kind == sql::PhysKind::InMemoryTableScan && !sql_source_.has_cache(static_cast<int>(p->id))) {
    const int id = static_cast<int>(p->id);
    const sql::CachedData* e = sql_.cache().find(id);
    if (!e) return Status::error("cached data " + std::to_string(id) + " is gone");
    auto prepared = sql_.prepare_cached(id);
    if (auto* err = std::get_if<json>(&prepared)) return Status::error((*err)["error"].value("message", "cannot plan the cached query"));
    const auto& cq = std::get<sql::PreparedQuery>(prepared);
    if (Status st = register_sql_caches(cq.executed, files, parallelism); !st) return st;
    auto node = sql_source_.add(cq, parallelism, files, SqlStageSource::no_aqe());
    if (!node) return Status::error(node.error_message());
    const int block = kSqlCacheBlockBase + id;
    sql_source_.add_cache(id, node.value(), block, e->level);
    sql_source_.locate_blocks([this](int b, int part) {
      std::vector<std::string> out;
      if (auto it = block_locs_.find({b, part}); it != block_locs_.end()) out.assign(it->second.begin(), it->second.end());
      return out;
    });
    // Spark's name for the cached RDD: "In-memory table t", else the cached plan's text.
    std::string name = e->table.empty() ? (e->tree ? *e->tree : "InMemoryRelation") : "In-memory table " + e->table;
    if (name.size() > 1024) name = name.substr(0, 1021) + "...";
    if (ui_) ui_->post(sc::RddPersistedEvent{block, name, sql_source_.num_partitions(node.value()), level_description(e->level)});
  }
  for (const auto& ch : p->children)
    if (Status st = register_sql_caches(ch, files, parallelism); !st) return st;
  return Status::ok();
}

// Unpersisted caches: their stages go, executors drop their blocks.
void Driver::drop_sql_caches() {
  for (int id : sql_.take_dropped_caches()) {
    std::vector<int> shuffles;
    const int block = sql_source_.drop_cache(id, &shuffles);
    if (block >= 0) drop_blocks(block);
    remove_shuffles(shuffles);
  }
}

// A query whose next range exchange (leaves first) lacks bounds becomes that exchange's sampling
// job, under the query's id (Spark's RangePartitioner runs `sample` as its own job before the
// exchange's map stage); finish_job submits the query again, with the next id, once the bounds
// are set. Any other query is returned as it is.
Driver::Job Driver::range_sampling_first(Job job) {
  const int map = sql_source_.next_range_to_sample(job.rdd);
  if (map < 0) return job;
  Job s;
  s.id = job.id;
  s.rdd = sql_source_.add_range_sampler(map, job.range_points);
  s.sql = true;
  s.range_sample = true;
  s.req = job.req;
  s.py_conn = job.py_conn;
  s.sink = json{{"kind", "result"}};
  s.sink_kind = "result";
  s.description = job.description;
  s.properties = job.properties;
  s.sql_exec = job.sql_exec;
  s.start_ms = clock_.now_ms();
  s.all_partitions = true;
  s.then = std::make_shared<Job>(std::move(job));
  return s;
}

}  // namespace spp::driver
