// File scans (see the header).
#include "executor/native_scan.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "executor/gzip_reader.h"
#include "executor/input_readers.h"
#include "executor/text_codecs.h"
#include "sql/columnar/builder.h"
#include "sql/exec/csv.h"
#include "sql/exec/input_file.h"
#include "sql/exec/json_lines.h"
#include "sql/exec/lower.h"
#include "sql/exec/partition_values.h"
#include "sql/kernels/byte_scan.h"
#include "sql/parquet/file_reader.h"
#include "sql/parquet/stats_filter.h"

namespace spp::executor {
namespace ex = sql::exec;
namespace col = sql::col;

namespace {

// Lines of a blob (each ends in '\n') into the `value` column of spark.read.text: the bytes
// are copied once, without the newlines, into a buffer sized up front (no append per line);
// the newlines are found 64 bytes at a time (a bit each), counted first for the offsets.
col::Batch text_batch(std::string_view lines, const col::ColTypePtr& schema) {
  col::Batch b;
  b.schema = schema;
  const bool want_value = !schema->children.empty();
  const char* in = lines.data();
  const int64_t size = static_cast<int64_t>(lines.size());
  const int64_t n = sql::kern::count_byte(in, 0, size, '\n') + (size > 0 && in[size - 1] != '\n' ? 1 : 0);
  b.num_rows = n;
  if (!want_value) return b;
  SPP_CHECK(lines.size() < size_t(INT32_MAX), "a text batch over 2 GiB");
  auto offsets = std::make_shared<col::Buffer>(static_cast<size_t>(n + 1) * 4);
  auto data = std::make_shared<col::Buffer>(0);
  data->reserve(lines.size());
  int32_t* off = offsets->as<int32_t>();
  char* out = reinterpret_cast<char*>(data->data());
  int32_t pos = 0;
  int64_t r = 0, at = 0;  // at: where the current line starts
  for (int64_t blk = 0; blk < size; blk += 64)
    for (uint64_t m = sql::kern::byte_mask64_at(in, blk, size, '\n'); m != 0; m &= m - 1) {
      const int64_t nl = blk + __builtin_ctzll(m);
      if (nl > at) std::memcpy(out + pos, in + at, static_cast<size_t>(nl - at));
      pos += static_cast<int32_t>(nl - at);
      off[++r] = pos;
      at = nl + 1;
    }
  if (r < n) {  // a last line without '\n'
    std::memcpy(out + pos, in + at, static_cast<size_t>(size - at));
    pos += static_cast<int32_t>(size - at);
    off[++r] = pos;
  }
  data->resize(static_cast<size_t>(pos));
  auto value = std::make_shared<col::Column>();
  value->type = col::make_type(col::ColType::scalar(col::TypeId::String));
  value->length = n;
  value->values = std::move(offsets);
  value->data = std::move(data);
  b.columns.push_back(std::move(value));
  return b;
}

// Decodes a blob of whole lines of a file range into a batch of the file's columns.
using LineDecoder = std::function<Result<col::Batch>(std::string_view lines, bool first_of_file)>;

class FileScan final : public ex::Operator {
 public:
  // `decode` null: the text format (`value`). `keep`: the file columns the output takes, in
  // output order (csv/json read every column, then keep the needed ones).
  // `whole`: each chunk is a whole file decoded at once (multiLine: records may span lines).
  // `charset` (not UTF-8): whole files' exact bytes decoded to UTF-8 first. `exact`: whole files'
  // exact bytes (a lineSep other than \n: records end only there, so no \r\n is rewritten).
  FileScan(std::string format, std::vector<plan::TextSource> chunks, col::ColTypePtr schema, LineDecoder decode = nullptr,
           std::vector<int> keep = {}, bool whole = false, std::string charset = "", bool exact = false)
      : format_(std::move(format)), chunks_(std::move(chunks)), decode_(std::move(decode)), keep_(std::move(keep)),
        whole_(whole || exact || !charset.empty()), exact_(exact || !charset.empty()), keep_crlf_(exact),
        charset_(std::move(charset)) {
    schema_ = std::move(schema);
  }
  // The text format over whole files' exact bytes: `wholetext` one row per file, else one row per
  // record cut at `line_sep` (no '\r' handling; a trailing separator ends the last record).
  static std::unique_ptr<FileScan> raw_text(std::vector<plan::TextSource> chunks, col::ColTypePtr schema, bool wholetext,
                                            std::string line_sep) {
    auto f = std::make_unique<FileScan>("text", std::move(chunks), std::move(schema));
    f->raw_ = true;
    f->wholetext_ = wholetext;
    f->line_sep_ = std::move(line_sep);
    return f;
  }
  std::string name() const override { return "FileScan " + format_; }

 protected:
  ex::BatchResult next_impl() override {
    if (raw_) return next_raw();
    for (;;) {
      if (!reader_ && exact_) {  // whole files' exact bytes (another charset, a lineSep)
        if (next_chunk_ >= chunks_.size()) return std::optional<col::Batch>();
        const auto& c = chunks_[next_chunk_++];
        if (c.start > 0) continue;  // the file is read whole by its first range
        ex::set_input_file(c.path, c.start, c.length);
        auto raw = file_bytes(c.path);
        if (!raw) return ex::BatchResult::error(raw.error_message());
        std::string t = std::move(raw.value());
        if (!charset_.empty()) {
          auto text = ex::to_utf8(t, charset_);
          if (!text) return ex::BatchResult::error(text.error_message() + " (" + c.path + ")");
          t = std::move(text.value());
        }
        if (!keep_crlf_) {  // \r\n as \n, as the line reader gives them
          size_t w = 0;
          for (size_t r = 0; r < t.size(); ++r)
            if (!(t[r] == '\r' && r + 1 < t.size() && t[r + 1] == '\n')) t[w++] = t[r];
          t.resize(w);
        }
        auto all = decode_(t, true);
        if (!all) return ex::BatchResult::error(all.error_message());
        col::Batch b;
        b.schema = schema_;
        b.num_rows = all.value().num_rows;
        for (int k : keep_) b.columns.push_back(all.value().columns[static_cast<size_t>(k)]);
        if (b.num_rows > 0) return std::optional<col::Batch>(std::move(b));
        continue;
      }
      if (!reader_) {
        if (next_chunk_ >= chunks_.size()) return std::optional<col::Batch>();
        const auto& c = chunks_[next_chunk_++];
        ex::set_input_file(c.path, c.start, c.length);  // input_file_name() & co. (Spark's InputFileBlockHolder)
        first_of_file_ = c.start == 0;
        // A compressed file (Hadoop's codecs by extension) is one split, read whole.
        if (auto z = compressed_text_reader(c.path)) reader_ = std::move(z);
        else reader_ = std::make_unique<TextSplitReader>(c.path, c.start, c.length);
      }
      auto got = reader_->next(buf_);
      if (!got) return ex::BatchResult::error(got.error_message());
      if (whole_) {  // the file's content in one blob
        std::string all;
        while (got.value()) {
          all += buf_;
          got = reader_->next(buf_);
          if (!got) return ex::BatchResult::error(got.error_message());
        }
        buf_.swap(all);
        reader_.reset();
        if (buf_.empty()) continue;
      } else if (!got.value()) {
        reader_.reset();
        continue;
      }
      if (!decode_) {
        col::Batch b = text_batch(buf_, schema_);
        if (b.num_rows > 0) return std::optional<col::Batch>(std::move(b));
        continue;
      }
      auto all = decode_(buf_, first_of_file_);
      first_of_file_ = false;  // the header is the first line of the file only
      if (!all) return ex::BatchResult::error(all.error_message());
      col::Batch b;
      b.schema = schema_;
      b.num_rows = all.value().num_rows;
      for (int k : keep_) b.columns.push_back(all.value().columns[static_cast<size_t>(k)]);
      if (b.num_rows > 0) return std::optional<col::Batch>(std::move(b));
    }
  }

 private:
  // A whole file's bytes: exact, or decompressed (as lines) for a Hadoop codec's extension.
  Result<std::string> file_bytes(const std::string& path) {
    std::string all;
    if (auto z = compressed_text_reader(path)) {
      for (;;) {
        auto got = z->next(buf_);
        if (!got) return Result<std::string>::error(got.error_message());
        if (!got.value()) break;
        all += buf_;
      }
      return all;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return Result<std::string>::error("cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  ex::BatchResult next_raw() {
    while (next_chunk_ < chunks_.size()) {
      const auto& c = chunks_[next_chunk_++];
      if (c.start > 0) continue;  // the file is read whole by its first range
      ex::set_input_file(c.path, c.start, c.length);
      auto bytes = file_bytes(c.path);
      if (!bytes) return ex::BatchResult::error(bytes.error_message());
      const std::string& all = bytes.value();
      col::Batch b;
      b.schema = schema_;
      const bool want_value = !schema_->children.empty();
      col::ColumnBuilder value(col::make_type(col::ColType::scalar(col::TypeId::String)));
      if (wholetext_) {
        if (want_value) value.append_str(all);
        b.num_rows = 1;
      } else {
        size_t at = 0;
        while (at < all.size()) {
          size_t end = all.find(line_sep_, at);
          if (end == std::string::npos) end = all.size();
          if (want_value) value.append_str(std::string_view(all).substr(at, end - at));
          ++b.num_rows;
          at = end == all.size() ? end : end + line_sep_.size();
        }
      }
      if (want_value) b.columns.push_back(value.finish());
      if (b.num_rows > 0) return std::optional<col::Batch>(std::move(b));
    }
    return std::optional<col::Batch>();
  }

  std::string format_;
  std::vector<plan::TextSource> chunks_;
  size_t next_chunk_ = 0;
  LineDecoder decode_;
  bool raw_ = false, wholetext_ = false;
  std::string line_sep_;
  std::vector<int> keep_;
  bool whole_ = false, exact_ = false, keep_crlf_ = false;
  std::string charset_;
  bool first_of_file_ = false;
  std::unique_ptr<InputReader> reader_;
  std::string buf_;
};

// Positions in the file schema (`dataSchema`) of the leaf's output attributes, by exprId.
Result<std::vector<int>> kept_columns(const nlohmann::json& leaf) {
  std::vector<int> keep;
  const nlohmann::json data = leaf.value("dataSchema", nlohmann::json::array());
  for (const auto& o : leaf.value("output", nlohmann::json::array())) {
    int at = -1;
    for (size_t i = 0; i < data.size(); ++i)
      if (data[i].value("id", int64_t{-1}) == o.value("id", int64_t{-2})) at = static_cast<int>(i);
    if (at < 0) return Result<std::vector<int>>::error("file scan column " + o.value("name", std::string()) + " is not in the file schema");
    keep.push_back(at);
  }
  return keep;
}

ex::ReaderOptionList reader_options(const nlohmann::json& leaf) {
  ex::ReaderOptionList out;
  if (leaf.contains("options") && leaf["options"].is_object()) {
    const nlohmann::json& opts = leaf["options"];
    for (auto it = opts.begin(); it != opts.end(); ++it) out.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  }
  return out;
}

// Parquet: each chunk's row groups (those whose midpoint lies in its byte range, as Spark
// splits them) read one batch per row group, only the wanted columns decoded.
class ParquetScan final : public ex::Operator {
 public:
  // Rows per batch: a row group is decoded in pieces whose columns stay in the CPU's cache for the
  // operators above (Spark's vectorized reader: 4096), and whose buffers malloc reuses.
  static constexpr int64_t kBatchRows = 32768;
  ParquetScan(std::vector<plan::TextSource> chunks, col::ColTypePtr schema, col::ColTypePtr want,
              sql::parquet::StatPredicate filter, sql::parquet::ReadLimits limits)
      : chunks_(std::move(chunks)), want_(std::move(want)), filter_(std::move(filter)), limits_(limits) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "FileScan parquet"; }

 protected:
  ex::BatchResult next_impl() override {
    for (;;) {
      if (file_ && file_->has_batch()) {
        auto b = file_->next_batch();
        if (!b) return ex::BatchResult::error(b.error_message());
        b.value().schema = schema_;
        return std::optional<col::Batch>(std::move(b.value()));
      }
      if (next_group_ >= groups_.size()) {
        if (next_chunk_ >= chunks_.size()) return std::optional<col::Batch>();
        const auto& c = chunks_[next_chunk_++];
        if (!file_ || file_path_ != c.path) {
          auto f = sql::parquet::ParquetFile::open_path(c.path, limits_);
          if (!f) return ex::BatchResult::error(f.error_message());
          file_ = std::move(f.value());
          file_path_ = c.path;
        }
        groups_ = file_->row_groups_in(c.start, c.length);
        next_group_ = 0;
        ex::set_input_file(c.path, c.start, c.length);
        continue;
      }
      const int g = groups_[next_group_++];
      if (file_->metadata().row_groups[size_t(g)].num_rows == 0) continue;
      // Row groups whose statistics rule the pushed filters out are not read (the Filter above
      // still runs over the rest).
      if (!sql::parquet::row_group_may_match(filter_, *file_, g)) continue;
      if (auto s = file_->begin_row_group(g, want_, kBatchRows, &bufs_); !s) return ex::BatchResult::error(s.message());
    }
  }

 private:
  std::vector<plan::TextSource> chunks_;
  col::ColTypePtr want_;  // the output columns under their names in the files
  sql::parquet::StatPredicate filter_;
  sql::parquet::ReadLimits limits_;
  size_t next_chunk_ = 0;
  sql::parquet::ScanBuffers bufs_;  // chunk and page buffers reused across files (before file_: its readers use them)
  std::unique_ptr<sql::parquet::ParquetFile> file_;
  std::string file_path_;
  std::vector<int> groups_;
  size_t next_group_ = 0;
};

// A partitioned dataset: each chunk read by the format's own scan over the files' columns
// (`file_leaf`), the partition columns — constant per file, from its k=v directories — put at
// their output positions.
class PartitionedScan final : public ex::Operator {
 public:
  // `parts[i]`: the partition column name of output column i, "" for a file column.
  PartitionedScan(nlohmann::json file_leaf, std::vector<plan::TextSource> chunks, col::ColTypePtr schema,
                  col::ColTypePtr file_schema, std::vector<std::string> parts, const ex::ExecContext& ctx)
      : file_leaf_(std::move(file_leaf)), chunks_(std::move(chunks)), file_schema_(std::move(file_schema)),
        parts_(std::move(parts)), ctx_(ctx) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "FileScan " + file_leaf_.value("format", std::string()); }

 protected:
  ex::BatchResult next_impl() override {
    for (;;) {
      if (!inner_) {
        if (next_chunk_ >= chunks_.size()) return std::optional<col::Batch>();
        const auto& c = chunks_[next_chunk_++];
        auto op = make_file_scan(file_leaf_, {c}, file_schema_, ctx_);
        if (!op) return ex::BatchResult::error(op.error_message());
        inner_ = std::move(op.value());
        raw_.clear();
        for (const auto& p : parts_)
          raw_.push_back(p.empty() ? "" : ex::partition_raw_value(c.path, p).value_or(std::string(ex::kDefaultPartitionName)));
      }
      auto b = inner_->next();
      if (!b) return ex::BatchResult::error(b.error_message());
      if (!b.value()) {
        inner_.reset();
        continue;
      }
      col::Batch in = std::move(*b.value());
      col::Batch out;
      out.schema = schema_;
      out.num_rows = in.num_rows;
      size_t next_file_col = 0;
      for (size_t i = 0; i < parts_.size(); ++i) {
        if (parts_[i].empty()) out.columns.push_back(in.columns[next_file_col++]);
        else out.columns.push_back(ex::partition_value_column(raw_[i], col::make_type(schema_->children[i]), in.num_rows));
      }
      return std::optional<col::Batch>(std::move(out));
    }
  }

 private:
  nlohmann::json file_leaf_;
  std::vector<plan::TextSource> chunks_;
  col::ColTypePtr file_schema_;
  std::vector<std::string> parts_;
  const ex::ExecContext& ctx_;
  size_t next_chunk_ = 0;
  ex::OpPtr inner_;
  std::vector<std::string> raw_;  // the current file's raw partition values, by output column
};

}  // namespace

Result<ex::OpPtr> make_file_scan(const nlohmann::json& leaf, std::vector<plan::TextSource> chunks, col::ColTypePtr schema,
                                 const ex::ExecContext& ctx) {
  const std::string format = leaf.value("format", "");
  if (const int np = leaf.value("partitionColumns", 0); np > 0) {
    // The files' own columns go to the format's scan; the last `np` of dataSchema are directories'.
    nlohmann::json file_leaf = leaf;
    file_leaf.erase("partitionColumns");
    nlohmann::json data = leaf.value("dataSchema", nlohmann::json::array());
    if (static_cast<size_t>(np) > data.size()) return Result<ex::OpPtr>::error("file scan: more partition columns than columns");
    std::map<int64_t, std::string> part_ids;
    for (size_t i = data.size() - size_t(np); i < data.size(); ++i) part_ids[data[i].value("id", int64_t{-1})] = data[i].value("name", "");
    data.erase(data.end() - np, data.end());
    file_leaf["dataSchema"] = data;
    nlohmann::json out = nlohmann::json::array();
    std::vector<std::string> parts;
    std::vector<std::string> names;
    std::vector<col::ColType> types;
    const nlohmann::json output = leaf.value("output", nlohmann::json::array());
    for (size_t i = 0; i < output.size(); ++i) {
      auto it = part_ids.find(output[i].value("id", int64_t{-2}));
      parts.push_back(it == part_ids.end() ? "" : (it->second.empty() ? "?" : it->second));
      if (it != part_ids.end()) continue;
      out.push_back(output[i]);
      if (i < schema->children.size()) {
        names.push_back(schema->names[i]);
        types.push_back(schema->children[i]);
      }
    }
    file_leaf["output"] = out;
    auto file_schema = col::make_type(col::ColType::strct(names, types));
    return ex::OpPtr(std::make_unique<PartitionedScan>(std::move(file_leaf), std::move(chunks), std::move(schema),
                                                       std::move(file_schema), std::move(parts), ctx));
  }
  if (format == "text") {
    // TextOptions: `wholetext` (a file is one row; files are not split), `lineSep` (records cut
    // at exactly that string; files read whole here, which gives Spark's rows).
    bool wholetext = false;
    std::optional<std::string> sep;
    for (const auto& [k, v] : reader_options(leaf)) {
      std::string key = k;
      for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (key == "wholetext") {
        std::string lv = v;
        for (auto& ch : lv) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (lv != "true" && lv != "false") return Result<ex::OpPtr>::error("wholetext flag can be true or false");
        wholetext = lv == "true";
      }
      if (key == "linesep") {
        if (v.empty()) return Result<ex::OpPtr>::error("'lineSep' cannot be an empty string.");
        sep = v;
      }
    }
    if (wholetext || (sep && *sep != "\n"))
      return ex::OpPtr(FileScan::raw_text(std::move(chunks), std::move(schema), wholetext, sep.value_or("\n")));
    return ex::OpPtr(std::make_unique<FileScan>(format, std::move(chunks), std::move(schema)));
  }
  if (format == "csv") {
    using R = Result<ex::OpPtr>;
    auto opt = ex::CsvOptions::from(reader_options(leaf));
    if (!opt) return R::error(opt.error_message());
    auto data = ex::output_schema(leaf.value("dataSchema", nlohmann::json::array()));
    if (!data) return R::error(data.error_message());
    auto parser = ex::CsvParser::make(opt.value(), data.value(), ctx.eval.cast.tz);
    if (!parser) return R::error(parser.error_message());
    auto keep = kept_columns(leaf);
    if (!keep) return R::error(keep.error_message());
    // multiLine, or a lineSep other than \n: records may span the line reader's batches, so the
    // file (one split, the driver's choice) is decoded whole (with a lineSep: its exact bytes).
    const std::string& sep = opt.value().line_sep;
    const bool header = opt.value().header, whole = opt.value().multi_line;
    const bool exact = !sep.empty() && sep != "\n" && sep != "\r\n";
    const std::string charset = opt.value().charset;
    parser.value().require_only(keep.value());  // Spark's CSV column pruning
    auto shared = std::make_shared<ex::CsvParser>(std::move(parser.value()));
    LineDecoder decode = [shared, header](std::string_view lines, bool first_of_file) {
      return shared->parse_text(lines, header && first_of_file);
    };
    return ex::OpPtr(std::make_unique<FileScan>(format, std::move(chunks), std::move(schema), decode, keep.value(), whole, charset, exact));
  }
  if (format == "json") {
    using R = Result<ex::OpPtr>;
    auto opt = ex::JsonOptions::from(reader_options(leaf));
    if (!opt) return R::error(opt.error_message());
    auto data = ex::output_schema(leaf.value("dataSchema", nlohmann::json::array()));
    if (!data) return R::error(data.error_message());
    auto parser = ex::JsonLinesParser::make(opt.value(), data.value(), ctx.eval.cast.tz);
    if (!parser) return R::error(parser.error_message());
    auto keep = kept_columns(leaf);
    if (!keep) return R::error(keep.error_message());
    const std::string& sep = opt.value().line_sep;  // as csv's
    const bool whole = opt.value().multi_line, exact = !sep.empty() && sep != "\n" && sep != "\r\n";
    const std::string charset = opt.value().charset;
    auto shared = std::make_shared<ex::JsonLinesParser>(std::move(parser.value()));
    LineDecoder decode = [shared](std::string_view lines, bool) { return shared->parse_text(lines); };
    return ex::OpPtr(std::make_unique<FileScan>(format, std::move(chunks), std::move(schema), decode, keep.value(), whole, charset, exact));
  }
  if (format == "parquet") {
    using R = Result<ex::OpPtr>;
    auto data = ex::output_schema(leaf.value("dataSchema", nlohmann::json::array()));
    if (!data) return R::error(data.error_message());
    auto keep = kept_columns(leaf);
    if (!keep) return R::error(keep.error_message());
    col::ColType want = *schema;
    for (size_t i = 0; i < keep.value().size() && i < want.names.size(); ++i)
      want.names[i] = data.value()->names[size_t(keep.value()[i])];
    // The pushed data filters (the scan node's `exprs`) over the files' column names.
    std::vector<std::pair<int64_t, std::string>> names;
    for (const auto& a : leaf.value("dataSchema", nlohmann::json::array())) names.emplace_back(a.value("id", int64_t{-1}), a.value("name", ""));
    auto filter = sql::parquet::compile_pushed_filters(leaf.value("exprs", nlohmann::json::array()), names);
    // Hadoop's parquet.page.verify-checksum.enabled, given as a read option (Spark copies a read's
    // options into the Hadoop conf its Parquet reader gets).
    sql::parquet::ReadLimits limits;
    for (const auto& [k, v] : reader_options(leaf)) {
      if (ascii_lower(k) != "parquet.page.verify-checksum.enabled") continue;
      const std::string lv = ascii_lower(v);
      if (lv != "true" && lv != "false") return R::error("parquet.page.verify-checksum.enabled must be true or false, got " + v);
      limits.verify_checksums = lv == "true";
    }
    return ex::OpPtr(std::make_unique<ParquetScan>(std::move(chunks), std::move(schema), col::make_type(std::move(want)),
                                                   std::move(filter), limits));
  }
  return Result<ex::OpPtr>::error("the native engine cannot read " + format + " files yet");
}

}  // namespace spp::executor
