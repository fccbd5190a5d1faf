// Parquet's file metadata (the Thrift structures of parquet.thrift that reading needs) decoded
// from the compact protocol, and the footer: `PAR1`, metadata, 4-byte length, `PAR1`.
// Field numbers follow parquet-format's parquet.thrift; unknown fields are skipped.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spp::sql::parquet {

enum class PhysType : int32_t { Boolean = 0, Int32 = 1, Int64 = 2, Int96 = 3, Float = 4, Double = 5, ByteArray = 6, FixedLenByteArray = 7 };
enum class Repetition : int32_t { Required = 0, Optional = 1, Repeated = 2 };
enum class Encoding : int32_t {
  Plain = 0, PlainDictionary = 2, Rle = 3, BitPacked = 4, DeltaBinaryPacked = 5,
  DeltaLengthByteArray = 6, DeltaByteArray = 7, RleDictionary = 8, ByteStreamSplit = 9,
};
enum class Codec : int32_t { Uncompressed = 0, Snappy = 1, Gzip = 2, Lzo = 3, Brotli = 4, Lz4 = 5, Zstd = 6, Lz4Raw = 7 };
enum class PageType : int32_t { DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3 };
// ConvertedType values (the legacy annotation).
enum class Converted : int32_t {
  None = -1, Utf8 = 0, Map = 1, MapKeyValue = 2, List = 3, Enum = 4, Decimal = 5, Date = 6,
  TimeMillis = 7, TimeMicros = 8, TimestampMillis = 9, TimestampMicros = 10, Uint8 = 11, Uint16 = 12,
  Uint32 = 13, Uint64 = 14, Int8 = 15, Int16 = 16, Int32 = 17, Int64 = 18, Json = 19, Bson = 20, Interval = 21,
};

// LogicalType (a union); `kind` is its field number (0 = absent).
struct LogicalType {
  enum Kind : int { None = 0, String = 1, Map = 2, List = 3, Enum = 4, Decimal = 5, Date = 6, Time = 7, Timestamp = 8,
                    Integer = 10, Unknown = 11, Json = 12, Bson = 13, Uuid = 14, Float16 = 15 };
  int kind = None;
  int32_t scale = 0, precision = 0;  // Decimal
  bool adjusted_to_utc = false;      // Time / Timestamp
  int unit = 0;                      // Time / Timestamp: 1 millis, 2 micros, 3 nanos
  int bit_width = 0;                 // Integer
  bool is_signed = true;             // Integer
};

struct SchemaElement {
  std::optional<PhysType> type;  // absent for groups
  int32_t type_length = 0;
  std::optional<Repetition> repetition;
  std::string name;
  int32_t num_children = 0;
  Converted converted = Converted::None;
  int32_t scale = 0, precision = 0;
  LogicalType logical;
};

// A column chunk's Statistics: min/max as PLAIN bytes of the physical type (byte arrays without
// their length); `deprecated`: they come from the old min/max fields (signed order, possibly
// wrong for byte arrays as old parquet-mr wrote them).
struct Statistics {
  std::optional<int64_t> null_count;
  std::optional<std::string> min, max;
  bool deprecated = false;
};

struct ColumnMeta {
  PhysType type = PhysType::Boolean;
  std::vector<std::string> path;
  Codec codec = Codec::Uncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0, total_compressed_size = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;  // -1: none
  std::optional<Statistics> stats;
  // The encodings the chunk's pages use (levels' too), and per page type and encoding how many
  // pages (PageEncodingStats; absent from older writers' files): what dictionary filtering needs
  // to know that every data page is dictionary-encoded.
  std::vector<int32_t> encodings;
  struct PageEncodings { int32_t page_type = 0, encoding = 0, count = 0; };
  std::vector<PageEncodings> encoding_stats;
  bool has_encoding_stats = false;
};

// Every data page of the chunk dictionary-encoded (parquet-mr's DictionaryFilter
// hasNonDictionaryPages, negated): from the page encoding stats when written, else from the
// encodings list, which only proves it for PLAIN_DICTIONARY (format 1.0) chunks.
bool only_dictionary_pages(const ColumnMeta& m);

struct ColumnChunk {
  std::string file_path;  // set: the data lives in another file (not supported)
  bool has_meta = false;
  bool encrypted = false;
  ColumnMeta meta;
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0, num_rows = 0;
  int64_t file_offset = -1, total_compressed_size = -1;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value;
  std::string created_by;
  bool encrypted_footer_algorithm = false;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::Plain;
  Encoding def_encoding = Encoding::Rle, rep_encoding = Encoding::Rle;
};
struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::Plain;
};
struct DataPageHeaderV2 {
  int32_t num_values = 0, num_nulls = 0, num_rows = 0;
  Encoding encoding = Encoding::Plain;
  int32_t def_levels_bytes = 0, rep_levels_bytes = 0;
  bool is_compressed = true;
};
struct PageHeader {
  PageType type = PageType::DataPage;
  int32_t uncompressed_size = 0, compressed_size = 0;
  std::optional<int32_t> crc;  // CRC-32 of the page's bytes after the header, as stored (compressed)
  std::optional<DataPageHeader> v1;
  std::optional<DictionaryPageHeader> dict;
  std::optional<DataPageHeaderV2> v2;
};

// FileMetaData from its Thrift bytes.
Result<FileMetaData> parse_file_metadata(const uint8_t* data, size_t size);
// A page header at the start of `data`; `header_size` gets its length in bytes.
Result<PageHeader> parse_page_header(const uint8_t* data, size_t size, size_t& header_size);

// The footer of a file of `file_size` bytes given its last 8 bytes: the metadata's offset and
// length, checked against the file's size and magics.
struct FooterSpan { int64_t offset = 0; int64_t length = 0; };
Result<FooterSpan> footer_span(std::string_view tail8, int64_t file_size);

// Spark's spelling of a physical type and its annotation in schema errors: `INT64 (TIMESTAMP(NANOS,true))`.
std::string type_string(const SchemaElement& e);

}  // namespace spp::sql::parquet
