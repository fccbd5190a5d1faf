// The DataFrame writers' formatting (df.write.csv/json/text): rows of columnar batches -> the
// bytes of a part file, as Spark's UnivocityGenerator (CSV), JacksonGenerator (JSON lines) and
// TextOutputWriter write them. Options share the readers' case-insensitive list; the same
// code validates them on the driver (errors before any task runs) and formats on executors.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/columnar/batch.h"
#include "sql/exec/datetime_pattern.h"
#include "sql/exec/reader_common.h"

namespace spp::sql::exec {

enum class WriteFormat : uint8_t { Csv, Json, Text, Parquet };

// The `compression` option (Spark 3.5's CompressionCodecs short names none/uncompressed, bzip2,
// deflate, gzip, lz4, snappy — case-insensitive — or a Hadoop codec class name such as
// org.apache.hadoop.io.compress.ZStandardCodec): the part-file extension suffix and what the
// executor compresses with (Hadoop's formats: lz4/snappy in BlockCompressorStream framing).
enum class WriteCodec : uint8_t { None, Gzip, Deflate, Bzip2, Lz4, Snappy, Zstd };
Result<WriteCodec> write_codec_from(std::string_view name);
const char* codec_extension(WriteCodec c);  // "", ".gz", ".deflate", ".bz2", ".lz4", ".snappy", ".zst"

// Formats that need whole-file state (Parquet: row groups, then a footer) encode each part
// file through one of these; the row formats have none.
class FileEncoder {
 public:
  virtual ~FileEncoder() = default;
  // Each call appends the file's next bytes to `out`.
  virtual void begin(std::string& out) = 0;
  virtual Status write(const col::Batch& b, std::string& out) = 0;
  virtual Status end(std::string& out) = 0;
};

class RowFormatter {
 public:
  virtual ~RowFormatter() = default;
  // Validates the options against the schema (a Struct ColType) with Spark's errors.
  // `tz`: the session time zone for timestamps.
  static Result<std::unique_ptr<RowFormatter>> make(std::string_view format, const ReaderOptionList& options,
                                                    const col::ColType& schema, const kern::TimeZone& tz = {});
  // What every part file starts with (the CSV header line when `header` is set).
  virtual void begin(std::string& out) const { (void)out; }
  // Appends the batch's rows, each ended by the line separator.
  virtual void write(const col::Batch& b, std::string& out) const = 0;
  // A fresh encoder for each part file, for formats that need one (else null).
  virtual std::unique_ptr<FileEncoder> file_encoder() const { return nullptr; }
  // ".csv" / ".json" / ".txt" plus the codec's suffix; ".snappy.parquet" etc.
  virtual std::string extension() const;
  WriteCodec codec() const { return codec_; }

 protected:
  WriteFormat format_ = WriteFormat::Csv;
  WriteCodec codec_ = WriteCodec::None;
};

// Lower-cased format name if csv/json/text/parquet, else nullopt.
std::optional<WriteFormat> write_format_from(std::string_view name);

// Jackson's string escaping (quotes, backslash, control characters as \n \t ... \u00XX).
void json_quote(std::string_view s, std::string& out);

}  // namespace spp::sql::exec
