// Driver: df.write (a Spark Connect writeOperation command). The save mode is applied to the
// output path here, the writer's options and the schema are checked (Spark's errors before any
// task runs), and the query's result stage gets a `files` sink: each task formats its rows into
// a part file committed through the same protocol as saveAsTextFile (executor/part_file.h);
// finish_job moves the committed files into the path and leaves `_SUCCESS`.
#include <algorithm>
#include <filesystem>

#include "common/util.h"
#include "common/strings.h"
#include "driver/driver.h"
#include "sql/columnar/col_type.h"
#include "sql/exec/file_writer.h"

namespace spp::driver {
namespace fs = std::filesystem;

namespace {
json analysis_error(const std::string& message, const std::string& error_class = "", json params = json::object(),
                    const std::string& sql_state = "") {
  return {{"kind", "AnalysisException"}, {"message", message}, {"errorClass", error_class},
          {"messageParameters", std::move(params)}, {"sqlState", sql_state}};
}

}  // namespace

Result<Driver::WriteStart> Driver::begin_write(const json& op, const json& schema_json,
                                               const std::map<std::string, std::string>& session) {
  using R = Result<WriteStart>;
  auto err = [](json e) { return R::error(e.dump()); };
  WriteStart w;
  if (op.contains("table"))
    return err(analysis_error("saveAsTable is not supported by sparkpp yet: write to a path with save(path)"));
  std::string format = ascii_lower(op.value("source", std::string("parquet")));
  if (!sql::exec::write_format_from(format)) {
    if (format == "orc" || format == "avro")
      return err(analysis_error("writing " + format + " files is not supported by sparkpp yet (parquet, csv, json and text are)"));
    return err(analysis_error("[DATA_SOURCE_NOT_FOUND] Failed to find the data source: " + op.value("source", std::string()) + ".",
                              "DATA_SOURCE_NOT_FOUND", {{"provider", op.value("source", std::string())}}, "42K02"));
  }
  if (op.contains("bucketBy") || op.contains("sortColumnNames"))
    return err(analysis_error("'save' does not support bucketBy and sortBy right now."));
  std::string path = op.value("path", std::string());
  if (path.empty()) return err(analysis_error("'path' is not specified."));
  std::vector<std::pair<std::string, std::string>> options;
  if (auto it = op.find("options"); it != op.end() && it->is_object())
    for (auto o = it->begin(); o != it->end(); ++o)
      options.emplace_back(o.key(), o->is_string() ? o->get<std::string>() : o->dump());
  // Session settings the Parquet writer reads, passed on as options below the user's (which win):
  // spark.sql.parquet.compression.codec, spark.sql.parquet.outputTimestampType, and Hadoop's parquet.block.size / parquet.enable.dictionary
  // given as spark.hadoop.* settings.
  if (format == "parquet") {
    auto setting = [&](const std::string& key) {
      auto it = session.find(key);
      return it != session.end() ? it->second : conf_.get(key, "");
    };
    auto has = [&](const std::string& key) {
      return std::any_of(options.begin(), options.end(), [&](const auto& kv) { return ascii_lower(kv.first) == ascii_lower(key); });
    };
    for (const char* k : {"spark.sql.parquet.compression.codec", "spark.sql.parquet.outputTimestampType"})
      if (auto v = setting(k); !v.empty()) options.emplace_back(k, v);
    for (const char* k : {"parquet.block.size", "parquet.enable.dictionary"})
      if (auto v = setting(std::string("spark.hadoop.") + k); !v.empty() && !has(k)) options.emplace_back(k, v);
    // Columns' metadata, kept in the files' Spark schema as Spark writes it.
    json md = json::object();
    for (const auto& f : schema_json.value("fields", json::array()))
      if (f.is_object() && f.contains("metadata") && f["metadata"].is_object() && !f["metadata"].empty())
        md[f.value("name", std::string())] = f["metadata"];
    if (!md.empty()) options.emplace_back("spark.sparkpp.parquet.fieldMetadata", md.dump());
  }
  auto ct = sql::col::type_from_json(schema_json);
  if (!ct) return err(analysis_error(ct.error_message()));
  // partitionBy: columns resolved case-insensitively (spark.sql.caseSensitive=false), left out
  // of the files (the formatter sees the other columns).
  std::vector<int> part_idx;
  sql::col::ColType data = ct.value();
  data.children.clear();
  data.names.clear();
  data.nullable.clear();
  for (const auto& pc : op.value("partitioningColumns", std::vector<std::string>{})) {
    int found = -1;
    for (size_t i = 0; i < ct.value().names.size() && found < 0; ++i)
      if (ascii_lower(ct.value().names[i]) == ascii_lower(pc)) found = static_cast<int>(i);
    if (found < 0)
      return err(analysis_error("Partition column `" + pc + "` not found in schema " + ct.value().to_string()));
    const auto id = ct.value().children[static_cast<size_t>(found)].id;
    if (id == sql::col::TypeId::Array || id == sql::col::TypeId::Map || id == sql::col::TypeId::Struct)
      return err(analysis_error("Cannot use " + ct.value().children[static_cast<size_t>(found)].to_string() +
                                " for partition column"));
    part_idx.push_back(found);
  }
  // A bucketed table write (SqlSession::plan_table_write): the input's last column is the bucket id.
  const int bucket_col = op.value("sparkppBucketed", false) ? static_cast<int>(ct.value().children.size()) - 1 : -1;
  for (size_t i = 0; i < ct.value().children.size(); ++i) {
    if (std::find(part_idx.begin(), part_idx.end(), static_cast<int>(i)) != part_idx.end()) continue;
    if (static_cast<int>(i) == bucket_col) continue;
    data.children.push_back(ct.value().children[i]);
    data.names.push_back(ct.value().names[i]);
    data.nullable.push_back(i < ct.value().nullable.size() ? bool(ct.value().nullable[i]) : true);
  }
  if (!part_idx.empty() && data.children.empty())
    return err(analysis_error("Cannot use all columns for partition columns"));
  auto f = sql::exec::RowFormatter::make(format, options, data);
  if (!f) return err(analysis_error(f.error_message()));

  // The save mode against what is at the path (SaveMode, InsertIntoHadoopFsRelationCommand).
  const std::string mode = op.value("mode", std::string("SAVE_MODE_ERROR_IF_EXISTS"));
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (exists) {
    if (mode == "SAVE_MODE_IGNORE") {
      w.skip = true;
      return w;
    }
    if (mode == "SAVE_MODE_ERROR_IF_EXISTS" || mode.empty())
      return err(analysis_error("[PATH_ALREADY_EXISTS] Path file:" + path +
                                    " already exists. Set mode as \"overwrite\" to overwrite the existing path.",
                                "PATH_ALREADY_EXISTS", {{"outputPath", "file:" + path}}, "42K04"));
    if (mode == "SAVE_MODE_OVERWRITE") {
      fs::remove_all(path, ec);
      if (ec) return err(analysis_error("cannot overwrite " + path + ": " + ec.message()));
    }
  }
  std::string uuid = random_hex(16);  // as UUID.randomUUID: version 4, IETF variant
  uuid[12] = '4';
  uuid[16] = "89ab"[std::stoi(uuid.substr(16, 1), nullptr, 16) & 3];
  w.job_uuid = uuid.substr(0, 8) + "-" + uuid.substr(8, 4) + "-" + uuid.substr(12, 4) + "-" + uuid.substr(16, 4) + "-" + uuid.substr(20);
  w.out_dir = path;
  w.tmp_dir = path + "/_temporary/" + w.job_uuid;
  fs::create_directories(w.tmp_dir, ec);
  if (ec) return err(analysis_error("cannot create output directory " + path + ": " + ec.message()));
  std::vector<std::string> names = ct.value().names;
  w.sink = {{"kind", "files"}, {"tmp_dir", w.tmp_dir}, {"format", format}, {"options", options}, {"columns", names}, {"partition_by", part_idx},
            {"ext", f.value()->extension()}};
  if (bucket_col >= 0) w.sink["bucket_col"] = bucket_col;
  return w;
}

// The part file of result partition `p`: Spark's part-<split 5 digits>-<job UUID>-c000<ext>.
std::string Driver::part_file_name(const Job& job, int p) {
  char b[16];
  std::snprintf(b, sizeof b, "%05d", p);
  return std::string("part-") + b + "-" + job.write_uuid + "-c000" + job.sink.value("ext", "");
}

}  // namespace spp::driver
