// File scans (see the header).
#include "executor/native_scan.h"

#include "executor/gzip_reader.h"
#include "executor/input_readers.h"
#include "sql/columnar/builder.h"

namespace spp::executor {
namespace ex = sql::exec;
namespace col = sql::col;

namespace {

bool is_gz(const std::string& p) { return p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0; }

// Lines of a blob (each ends in '\n') into the `value` column of spark.read.text.
col::Batch text_batch(std::string_view lines, const col::ColTypePtr& schema) {
  col::Batch b;
  b.schema = schema;
  const bool want_value = !schema->children.empty();
  col::ColumnBuilder value(col::make_type(col::ColType::scalar(col::TypeId::String)));
  int64_t n = 0;
  size_t at = 0;
  while (at < lines.size()) {
    size_t end = lines.find('\n', at);
    if (end == std::string_view::npos) end = lines.size();
    if (want_value) value.append_str(lines.substr(at, end - at));
    ++n;
    at = end + 1;
  }
  b.num_rows = n;
  if (want_value) b.columns.push_back(value.finish());
  return b;
}

class FileScan final : public ex::Operator {
 public:
  FileScan(std::string format, std::vector<plan::TextSource> chunks, col::ColTypePtr schema)
      : format_(std::move(format)), chunks_(std::move(chunks)) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "FileScan " + format_; }

 protected:
  ex::BatchResult next_impl() override {
    for (;;) {
      if (!reader_) {
        if (next_chunk_ >= chunks_.size()) return std::optional<col::Batch>();
        const auto& c = chunks_[next_chunk_++];
        if (is_gz(c.path)) reader_ = std::make_unique<GzipTextReader>(c.path);
        else reader_ = std::make_unique<TextSplitReader>(c.path, c.start, c.length);
      }
      auto got = reader_->next(buf_);
      if (!got) return ex::BatchResult::error(got.error_message());
      if (!got.value()) {
        reader_.reset();
        continue;
      }
      col::Batch b = text_batch(buf_, schema_);
      if (b.num_rows > 0) return std::optional<col::Batch>(std::move(b));
    }
  }

 private:
  std::string format_;
  std::vector<plan::TextSource> chunks_;
  size_t next_chunk_ = 0;
  std::unique_ptr<InputReader> reader_;
  std::string buf_;
};

}  // namespace

Result<ex::OpPtr> make_file_scan(const nlohmann::json& leaf, std::vector<plan::TextSource> chunks, col::ColTypePtr schema,
                                 const ex::ExecContext&) {
  const std::string format = leaf.value("format", "");
  if (format == "text") {
    if (leaf.contains("options") && leaf["options"].is_object()) {
      const nlohmann::json& opts = leaf["options"];
      for (auto it = opts.begin(); it != opts.end(); ++it) {
        std::string key = it.key();
        for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const std::string v = it->is_string() ? it->get<std::string>() : it->dump();
        if ((key == "wholetext" && v == "true") || (key == "linesep" && v != "\n"))
          return Result<ex::OpPtr>::error("text option " + it.key() + "=" + v + " is not supported by the native reader yet");
      }
    }
    return ex::OpPtr(std::make_unique<FileScan>(format, std::move(chunks), std::move(schema)));
  }
  return Result<ex::OpPtr>::error("the native engine cannot read " + format + " files yet");
}

}  // namespace spp::executor
