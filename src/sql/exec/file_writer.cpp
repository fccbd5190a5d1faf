#include "sql/exec/file_writer.h"
#include "common/strings.h"

#include "sql/parquet/writer.h"

#include <cmath>
#include <functional>

#include <nlohmann/json.hpp>

#include "sql/kernels/cast.h"

namespace spp::sql::exec {

namespace {
using col::Column;
using col::TypeId;

// toSQLType: the type in double quotes, upper case as Spark's sql form.
std::string sql_type(const col::ColType& t) {
  std::string s = t.id == TypeId::Null ? "void" : t.to_string();
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "\"" + s + "\"";
}

std::string unsupported(std::string_view format, const std::string& column, const col::ColType& t) {
  return "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The " + std::string(format) + " datasource doesn't support the column `" +
         column + "` of the type " + sql_type(t) + ".";
}

Result<DateTimePattern> pattern(const ReaderOptions& o, std::string_view key, std::string_view dflt) {
  auto v = o.get(key);
  return DateTimePattern::compile(v ? *v : dflt);
}

Result<std::string> line_sep(const ReaderOptions& o) {
  auto v = o.get("lineSep");
  if (!v) return std::string("\n");
  if (v->empty()) return Result<std::string>::error("requirement failed: 'lineSep' cannot be an empty string.");
  return *v;
}

// Spark's write-side timestamp defaults (CSVOptions / JSONOptions timestampFormatInWrite).
constexpr const char* kDateFormat = "yyyy-MM-dd";
constexpr const char* kTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]";
constexpr const char* kTimestampNtzFormat = "yyyy-MM-dd'T'HH:mm:ss[.SSS]";

struct Temporal {
  DateTimePattern date, ts, ntz;
  kern::TimeZone tz;
  static Result<Temporal> from(const ReaderOptions& o, const kern::TimeZone& tz) {
    auto d = pattern(o, "dateFormat", kDateFormat);
    if (!d) return Result<Temporal>::error(d.error_message());
    auto t = pattern(o, "timestampFormat", kTimestampFormat);
    if (!t) return Result<Temporal>::error(t.error_message());
    auto n = pattern(o, "timestampNTZFormat", kTimestampNtzFormat);
    if (!n) return Result<Temporal>::error(n.error_message());
    return Temporal{std::move(d.value()), std::move(t.value()), std::move(n.value()), tz};
  }
};

// A scalar's text as Spark's writers print it (numbers via toString, dates/timestamps with
// the patterns); `quoted_nonfinite`: JSON's "NaN"/"Infinity" strings.
void scalar_text(const Column& c, int64_t i, const Temporal& tm, std::string& out) {
  switch (c.id()) {
    case TypeId::Date: tm.date.format_date(c.vals<int32_t>()[i], out); return;
    case TypeId::Timestamp: tm.ts.format_timestamp(c.vals<int64_t>()[i], tm.tz, out); return;
    case TypeId::TimestampNtz: tm.ntz.format(c.vals<int64_t>()[i], 0, out); return;
    case TypeId::String: case TypeId::Binary: out += c.str(i); return;
    default: out += kern::value_to_string(c, i); return;
  }
}

// ------------------------------------------------------------------------------------ CSV
class CsvFormatter final : public RowFormatter {
 public:
  static Result<std::unique_ptr<RowFormatter>> make(const ReaderOptionList& list, const col::ColType& schema, const kern::TimeZone& tz) {
    using R = Result<std::unique_ptr<RowFormatter>>;
    for (size_t f = 0; f < schema.children.size(); ++f) {
      TypeId id = schema.children[f].id;
      if (id == TypeId::Array || id == TypeId::Map || id == TypeId::Struct || id == TypeId::Null)
        return R::error(unsupported("CSV", schema.names[f], schema.children[f]));
    }
    ReaderOptions o(list);
    auto p = std::make_unique<CsvFormatter>();
    auto sep = o.get("sep");
    if (!sep) sep = o.get("delimiter");
    if (sep) {
      if (sep->empty()) return R::error("Delimiter cannot be empty string");
      p->sep_ = *sep == "\\t" ? "\t" : *sep;
    }
    auto ch = [&](std::string_view key, char& into) -> Status {
      auto v = o.get(key);
      if (!v) return Status::ok();
      if (v->size() > 1) return Status::error(std::string(key) + " cannot be more than one character");
      into = v->empty() ? '\0' : (*v)[0];
      return Status::ok();
    };
    if (auto s = ch("quote", p->quote_); !s) return R::error(s.message());
    if (auto s = ch("escape", p->escape_); !s) return R::error(s.message());
    for (auto [key, into, dflt] : {std::tuple{"header", &p->header_, false}, {"quoteAll", &p->quote_all_, false},
                                   {"escapeQuotes", &p->escape_quotes_, true},
                                   {"ignoreLeadingWhiteSpace", &p->trim_leading_, true},
                                   {"ignoreTrailingWhiteSpace", &p->trim_trailing_, true}}) {
      auto b = o.get_bool(key, dflt);
      if (!b) return R::error(b.error_message());
      *into = b.value();
    }
    p->null_value_ = o.get("nullValue").value_or("");
    p->empty_value_ = o.get("emptyValue").value_or("\"\"");
    auto ls = line_sep(o);
    if (!ls) return R::error(ls.error_message());
    p->line_sep_ = ls.value();
    auto tm = Temporal::from(o, tz);
    if (!tm) return R::error(tm.error_message());
    p->tm_ = std::move(tm.value());
    for (const auto& n : schema.names) p->names_.push_back(n);
    p->format_ = WriteFormat::Csv;
    return R(std::unique_ptr<RowFormatter>(std::move(p)));
  }

  void begin(std::string& out) const override {
    if (!header_) return;
    for (size_t f = 0; f < names_.size(); ++f) {
      if (f) out += sep_;
      cell(names_[f], out);
    }
    out += line_sep_;
  }

  void write(const col::Batch& b, std::string& out) const override {
    std::string text;
    for (int64_t r = 0; r < b.num_rows; ++r) {
      for (size_t f = 0; f < b.num_columns(); ++f) {
        if (f) out += sep_;
        const Column& c = b.column(f);
        if (c.is_null(r)) {
          out += null_value_;
          continue;
        }
        text.clear();
        scalar_text(c, r, tm_, text);
        cell(text, out);
      }
      out += line_sep_;
    }
  }

 private:
  // univocity's CsvWriter: trims (chars <= ' ') unless told not to; an empty value is
  // emptyValue; quotes values holding the separator, a line break or (escapeQuotes) the quote,
  // or every value with quoteAll; inner quotes are escaped with `escape`.
  void cell(std::string_view v, std::string& out) const {
    size_t a = 0, e = v.size();
    if (trim_leading_) while (a < e && static_cast<unsigned char>(v[a]) <= ' ') ++a;
    if (trim_trailing_) while (e > a && static_cast<unsigned char>(v[e - 1]) <= ' ') --e;
    v = v.substr(a, e - a);
    if (v.empty()) {
      out += empty_value_;
      return;
    }
    bool quote = quote_all_ && quote_;
    bool has_quote = quote_ && v.find(quote_) != std::string_view::npos;
    if (!quote && quote_)
      quote = v.find(sep_) != std::string_view::npos || v.find('\n') != std::string_view::npos ||
              v.find('\r') != std::string_view::npos || (escape_quotes_ && has_quote);
    if (!quote) {
      out += v;
      return;
    }
    out += quote_;
    if (!has_quote) {
      out += v;
    } else {
      for (char c : v) {
        if (c == quote_) out += escape_ ? escape_ : quote_;
        out += c;
      }
    }
    out += quote_;
  }

  std::string sep_ = ",";
  char quote_ = '"', escape_ = '\\';
  bool header_ = false, quote_all_ = false, escape_quotes_ = true, trim_leading_ = true, trim_trailing_ = true;
  std::string null_value_, empty_value_, line_sep_;
  Temporal tm_;
  std::vector<std::string> names_;
};

// ----------------------------------------------------------------------------------- JSON
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64(std::string_view s, std::string& out) {
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(s[i])) << 16) | (uint32_t(uint8_t(s[i + 1])) << 8) | uint8_t(s[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
  }
  if (i < s.size()) {
    uint32_t v = uint32_t(uint8_t(s[i])) << 16;
    if (i + 1 < s.size()) v |= uint32_t(uint8_t(s[i + 1])) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
}

class JsonFormatter final : public RowFormatter {
 public:
  static Result<std::unique_ptr<RowFormatter>> make(const ReaderOptionList& list, const col::ColType& schema, const kern::TimeZone& tz) {
    using R = Result<std::unique_ptr<RowFormatter>>;
    ReaderOptions o(list);
    auto p = std::make_unique<JsonFormatter>();
    auto nulls = o.get_bool("ignoreNullFields", true);
    if (!nulls) return R::error(nulls.error_message());
    p->ignore_nulls_ = nulls.value();
    auto ls = line_sep(o);
    if (!ls) return R::error(ls.error_message());
    p->line_sep_ = ls.value();
    auto tm = Temporal::from(o, tz);
    if (!tm) return R::error(tm.error_message());
    p->tm_ = std::move(tm.value());
    for (const auto& n : schema.names) {
      std::string k;
      json_quote(n, k);
      p->keys_.push_back(k + ":");
    }
    p->format_ = WriteFormat::Json;
    return R(std::unique_ptr<RowFormatter>(std::move(p)));
  }

  void write(const col::Batch& b, std::string& out) const override {
    for (int64_t r = 0; r < b.num_rows; ++r) {
      out += '{';
      bool first = true;
      for (size_t f = 0; f < b.num_columns(); ++f) {
        const Column& c = b.column(f);
        if (c.is_null(r) && ignore_nulls_) continue;
        if (!first) out += ',';
        first = false;
        out += keys_[f];
        value(c, r, out);
      }
      out += '}';
      out += line_sep_;
    }
  }

 private:
  // JacksonGenerator: NULL struct fields omitted (ignoreNullFields), array elements and map
  // values NULL as null; non-finite doubles as strings (Jackson's QUOTE_NON_NUMERIC_NUMBERS).
  void value(const Column& c, int64_t i, std::string& out) const {
    if (c.is_null(i)) {
      out += "null";
      return;
    }
    switch (c.id()) {
      case TypeId::Null: out += "null"; return;
      case TypeId::Float: case TypeId::Double: {
        double d = c.id() == TypeId::Float ? double(c.vals<float>()[i]) : c.vals<double>()[i];
        std::string s = kern::value_to_string(c, i);
        if (std::isfinite(d)) out += s;
        else out += "\"" + s + "\"";
        return;
      }
      case TypeId::String: json_quote(c.str(i), out); return;
      case TypeId::Binary: out += '"'; base64(c.str(i), out); out += '"'; return;
      case TypeId::Date: case TypeId::Timestamp: case TypeId::TimestampNtz: {
        std::string s;
        scalar_text(c, i, tm_, s);
        json_quote(s, out);
        return;
      }
      case TypeId::Array: {
        const int32_t* o = c.offsets();
        out += '[';
        for (int32_t e = o[i]; e < o[i + 1]; ++e) {
          if (e > o[i]) out += ',';
          value(*c.children[0], e, out);
        }
        out += ']';
        return;
      }
      case TypeId::Map: {
        const int32_t* o = c.offsets();
        const Column& en = *c.children[0];
        out += '{';
        for (int32_t e = o[i]; e < o[i + 1]; ++e) {
          if (e > o[i]) out += ',';
          std::string k;
          scalar_text(*en.children[0], e, tm_, k);
          json_quote(k, out);
          out += ':';
          value(*en.children[1], e, out);
        }
        out += '}';
        return;
      }
      case TypeId::Struct: {
        out += '{';
        bool first = true;
        for (size_t f = 0; f < c.children.size(); ++f) {
          const Column& ch = *c.children[f];
          if (ch.is_null(i) && ignore_nulls_) continue;
          if (!first) out += ',';
          first = false;
          json_quote(c.type->names[f], out);
          out += ':';
          value(ch, i, out);
        }
        out += '}';
        return;
      }
      default: out += kern::value_to_string(c, i); return;
    }
  }

  bool ignore_nulls_ = true;
  std::string line_sep_;
  Temporal tm_;
  std::vector<std::string> keys_;
};

// ----------------------------------------------------------------------------------- text
class TextFormatter final : public RowFormatter {
 public:
  static Result<std::unique_ptr<RowFormatter>> make(const ReaderOptionList& list, const col::ColType& schema) {
    using R = Result<std::unique_ptr<RowFormatter>>;
    for (size_t f = 0; f < schema.children.size(); ++f)
      if (schema.children[f].id != TypeId::String) return R::error(unsupported("Text", schema.names[f], schema.children[f]));
    if (schema.children.size() != 1)
      return R::error("Text data source supports only a single column, and you have " +
                      std::to_string(schema.children.size()) + " columns.");
    ReaderOptions o(list);
    auto p = std::make_unique<TextFormatter>();
    auto ls = line_sep(o);
    if (!ls) return R::error(ls.error_message());
    p->line_sep_ = ls.value();
    p->format_ = WriteFormat::Text;
    return R(std::unique_ptr<RowFormatter>(std::move(p)));
  }
  // TextOutputWriter: the value's bytes (nothing for NULL), then the separator.
  void write(const col::Batch& b, std::string& out) const override {
    const Column& c = b.column(0);
    for (int64_t r = 0; r < b.num_rows; ++r) {
      if (c.is_valid(r)) out += c.str(r);
      out += line_sep_;
    }
  }

 private:
  std::string line_sep_;
};
}  // namespace

// Parquet (src/sql/parquet/writer.h): a ParquetWriter per part file; compression is inside the
// file (pages), so the part file itself is not stream-compressed.
class ParquetFormatter final : public RowFormatter {
 public:
  static Result<std::unique_ptr<RowFormatter>> make(const ReaderOptionList& options, const col::ColType& schema) {
    using R = Result<std::unique_ptr<RowFormatter>>;
    ReaderOptions o(options);
    // ParquetOptions: `compression`, then `parquet.compression`, then the session's
    // spark.sql.parquet.compression.codec (the driver adds it as `spark.sql.parquet.compression.codec`).
    auto name = o.get("compression");
    if (!name) name = o.get("parquet.compression");
    if (!name) name = o.get("spark.sql.parquet.compression.codec");
    std::string ext;
    auto codec = parquet::write_codec(name ? *name : "snappy", &ext);
    if (!codec) return R::error(codec.error_message());
    auto f = std::make_unique<ParquetFormatter>();
    // parquet.block.size (bytes of a row group; Hadoop's conf, here an option or the driver's
    // spark.hadoop.parquet.block.size) and parquet.enable.dictionary.
    if (auto bs = o.get("parquet.block.size")) {
      char* end = nullptr;
      const long long v = std::strtoll(bs->c_str(), &end, 10);
      if (bs->empty() || *end != '\0' || v <= 0) return R::error("parquet.block.size must be a positive number of bytes, got " + *bs);
      f->block_size_ = v;
    }
    if (auto d = o.get("parquet.enable.dictionary")) f->dictionary_ = ascii_lower(*d) != "false";
    if (auto ts = o.get("spark.sql.parquet.outputTimestampType")) {
      auto t = parquet::timestamp_out(*ts);
      if (!t) return R::error(t.error_message());
      f->ts_ = t.value();
    }
    if (auto w = parquet::ParquetWriter::make(schema, codec.value(), f->block_size_, f->dictionary_, f->ts_); !w)
      return R::error(w.error_message());
    // The columns' metadata by name (the driver's spark.sparkpp.parquet.fieldMetadata, a JSON object).
    if (auto md = o.get("spark.sparkpp.parquet.fieldMetadata")) {
      auto j = nlohmann::json::parse(*md, nullptr, false);
      if (j.is_object())
        for (const auto& n : schema.names) {
          auto it = j.find(n);
          f->field_md_.push_back(it != j.end() && it->is_object() ? it->dump() : std::string());
        }
    }
    f->format_ = WriteFormat::Parquet;
    f->schema_ = schema;
    f->codec_pq_ = codec.value();
    f->ext_ = ext;
    return R(std::unique_ptr<RowFormatter>(std::move(f)));
  }
  void write(const col::Batch&, std::string&) const override {}  // file_encoder() does the work
  std::unique_ptr<FileEncoder> file_encoder() const override {
    auto w = std::move(parquet::ParquetWriter::make(schema_, codec_pq_, block_size_, dictionary_, ts_).value());
    w->set_field_metadata(field_md_);
    return std::make_unique<Encoder>(std::move(w));
  }
  std::string extension() const override { return ext_; }

 private:
  class Encoder final : public FileEncoder {
   public:
    explicit Encoder(std::unique_ptr<parquet::ParquetWriter> w) : w_(std::move(w)) {}
    void begin(std::string& out) override { w_->begin(out); }
    Status write(const col::Batch& b, std::string& out) override { return w_->write(b, out); }
    Status end(std::string& out) override { return w_->end(out); }

   private:
    std::unique_ptr<parquet::ParquetWriter> w_;
  };
  col::ColType schema_;
  parquet::Codec codec_pq_ = parquet::Codec::Snappy;
  int64_t block_size_ = int64_t(128) << 20;
  bool dictionary_ = true;
  parquet::TimestampOut ts_ = parquet::TimestampOut::Int96;
  std::vector<std::string> field_md_;
  std::string ext_;
};

std::optional<WriteFormat> write_format_from(std::string_view name) {
  std::string n = ascii_lower(name);
  if (n == "parquet") return WriteFormat::Parquet;
  if (n == "csv") return WriteFormat::Csv;
  if (n == "json") return WriteFormat::Json;
  if (n == "text") return WriteFormat::Text;
  return std::nullopt;
}

Result<WriteCodec> write_codec_from(std::string_view name) {
  const std::string n = ascii_lower(name);
  const std::string cls(name);
  const std::string hadoop = "org.apache.hadoop.io.compress.";
  if (n == "none" || n == "uncompressed") return WriteCodec::None;
  if (n == "gzip" || cls == hadoop + "GzipCodec") return WriteCodec::Gzip;
  if (n == "deflate" || cls == hadoop + "DeflateCodec" || cls == hadoop + "DefaultCodec") return WriteCodec::Deflate;
  if (n == "bzip2" || cls == hadoop + "BZip2Codec") return WriteCodec::Bzip2;
  if (n == "lz4" || cls == hadoop + "Lz4Codec") return WriteCodec::Lz4;
  if (n == "snappy" || cls == hadoop + "SnappyCodec") return WriteCodec::Snappy;
  if (cls == hadoop + "ZStandardCodec") return WriteCodec::Zstd;
  return Result<WriteCodec>::error("Codec [" + std::string(name) +
                                   "] is not available. Known codecs are bzip2, deflate, uncompressed, lz4, gzip, snappy, none.");
}

const char* codec_extension(WriteCodec c) {
  switch (c) {
    case WriteCodec::Gzip: return ".gz";
    case WriteCodec::Deflate: return ".deflate";
    case WriteCodec::Bzip2: return ".bz2";
    case WriteCodec::Lz4: return ".lz4";
    case WriteCodec::Snappy: return ".snappy";
    case WriteCodec::Zstd: return ".zst";
    default: return "";
  }
}

std::string RowFormatter::extension() const {
  const char* base = format_ == WriteFormat::Csv ? ".csv" : format_ == WriteFormat::Json ? ".json" : ".txt";
  return base + std::string(codec_extension(codec_));
}

Result<std::unique_ptr<RowFormatter>> RowFormatter::make(std::string_view format, const ReaderOptionList& options,
                                                         const col::ColType& schema, const kern::TimeZone& tz) {
  using R = Result<std::unique_ptr<RowFormatter>>;
  auto f = write_format_from(format);
  if (!f) return R::error("writing " + std::string(format) + " files is not supported by sparkpp yet");
  if (*f == WriteFormat::Parquet) return ParquetFormatter::make(options, schema);
  ReaderOptions o(options);
  WriteCodec codec = WriteCodec::None;
  auto cname = o.get("compression");
  if (!cname) cname = o.get("codec");
  if (cname) {
    auto c = write_codec_from(*cname);
    if (!c) return R::error(c.error_message());
    codec = c.value();
  }
  R r = *f == WriteFormat::Csv ? CsvFormatter::make(options, schema, tz)
        : *f == WriteFormat::Json ? JsonFormatter::make(options, schema, tz)
                                  : TextFormatter::make(options, schema);
  if (r) r.value()->codec_ = codec;
  return r;
}

void json_quote(std::string_view s, std::string& out) {
  static const char kHex[] = "0123456789ABCDEF";
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace spp::sql::exec
