// Parquet metadata decoding (see the header). Each struct reader takes fields by number and
// skips the rest, so newer writers' additions are ignored as parquet-mr does.
#include "sql/parquet/metadata.h"

#include "sql/parquet/thrift.h"

namespace spp::sql::parquet {

namespace {

template <typename E> bool to_enum(CompactReader& r, CType t, int32_t lo, int32_t hi, E& out, const char* what) {
  const int32_t v = r.read_i32(t);
  if (!r.ok()) return false;
  if (v < lo || v > hi) { r.fail(std::string("unknown ") + what + " " + std::to_string(v)); return false; }
  out = E(v);
  return true;
}

// Reads a struct whose fields `on_field(id, type)` consumes (returning false to skip).
template <typename F> void read_struct(CompactReader& r, F on_field) {
  r.begin_struct();
  int16_t id;
  CType t;
  while (r.next_field(id, t))
    if (!on_field(id, t)) r.skip(t);
  r.end_struct();
}

// A list of structs (or values) handled by `each(elem_type)`.
template <typename F> void read_list(CompactReader& r, CType t, F each) {
  CType elem;
  int64_t n;
  if (!r.begin_list(t, elem, n)) return;
  for (int64_t i = 0; i < n && r.ok(); ++i) each(elem);
}

void read_time_unit(CompactReader& r, LogicalType& lt) {
  read_struct(r, [&](int16_t id, CType) { lt.unit = id; return false; });  // the union's member is the unit
}

void read_logical(CompactReader& r, LogicalType& lt) {
  read_struct(r, [&](int16_t id, CType t) {
    if (t != CType::Struct) return false;
    lt.kind = id;
    if (id == LogicalType::Decimal) {
      read_struct(r, [&](int16_t f, CType ft) {
        if (f == 1) lt.scale = r.read_i32(ft);
        else if (f == 2) lt.precision = r.read_i32(ft);
        else return false;
        return true;
      });
      return true;
    }
    if (id == LogicalType::Time || id == LogicalType::Timestamp) {
      read_struct(r, [&](int16_t f, CType ft) {
        if (f == 1) lt.adjusted_to_utc = r.read_bool(ft);
        else if (f == 2 && ft == CType::Struct) read_time_unit(r, lt);
        else return false;
        return true;
      });
      return true;
    }
    if (id == LogicalType::Integer) {
      read_struct(r, [&](int16_t f, CType ft) {
        if (f == 1) lt.bit_width = r.read_i32(ft);
        else if (f == 2) lt.is_signed = r.read_bool(ft);
        else return false;
        return true;
      });
      return true;
    }
    return false;  // members without fields (STRING, DATE, ...) are skipped as empty structs
  });
}

void read_schema_element(CompactReader& r, SchemaElement& e) {
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: { PhysType v; if (to_enum(r, t, 0, 7, v, "physical type")) e.type = v; return true; }
      case 2: e.type_length = r.read_i32(t); return true;
      case 3: { Repetition v; if (to_enum(r, t, 0, 2, v, "repetition")) e.repetition = v; return true; }
      case 4: e.name = r.read_string(t); return true;
      case 5: e.num_children = r.read_i32(t); return true;
      case 6: { Converted v; if (to_enum(r, t, 0, 21, v, "converted type")) e.converted = v; return true; }
      case 7: e.scale = r.read_i32(t); return true;
      case 8: e.precision = r.read_i32(t); return true;
      case 10: if (t != CType::Struct) return false; read_logical(r, e.logical); return true;
      default: return false;
    }
  });
}

// Statistics: min_value/max_value (fields 6/5) when present, else the deprecated min/max (2/1),
// whose order is only trustworthy for signed types (the reader's pushdown decides; see stats_order).
void read_statistics(CompactReader& r, Statistics& s) {
  std::optional<std::string> old_min, old_max;
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: old_max = r.read_string(t); return true;
      case 2: old_min = r.read_string(t); return true;
      case 3: s.null_count = r.read_i64(t); return true;
      case 5: s.max = r.read_string(t); return true;
      case 6: s.min = r.read_string(t); return true;
      default: return false;
    }
  });
  if (!s.min && !s.max && old_min && old_max) {
    s.min = std::move(old_min);
    s.max = std::move(old_max);
    s.deprecated = true;
  }
}

void read_column_meta(CompactReader& r, ColumnMeta& m) {
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: return to_enum(r, t, 0, 7, m.type, "physical type") || true;
      case 3: read_list(r, t, [&](CType et) { m.path.push_back(r.read_string(et)); }); return true;
      case 4: return to_enum(r, t, 0, 7, m.codec, "compression codec") || true;
      case 5: m.num_values = r.read_i64(t); return true;
      case 6: m.total_uncompressed_size = r.read_i64(t); return true;
      case 7: m.total_compressed_size = r.read_i64(t); return true;
      case 9: m.data_page_offset = r.read_i64(t); return true;
      case 2:
        read_list(r, t, [&](CType et) { m.encodings.push_back(r.read_i32(et)); });
        return true;
      case 11: m.dictionary_page_offset = r.read_i64(t); return true;
      case 12: if (t != CType::Struct) return false; m.stats.emplace(); read_statistics(r, *m.stats); return true;
      case 13:
        m.has_encoding_stats = true;
        read_list(r, t, [&](CType et) {
          if (et != CType::Struct) { r.skip(et); return; }
          ColumnMeta::PageEncodings pe;
          read_struct(r, [&](int16_t f, CType ft) {
            if (f == 1) pe.page_type = r.read_i32(ft);
            else if (f == 2) pe.encoding = r.read_i32(ft);
            else if (f == 3) pe.count = r.read_i32(ft);
            else return false;
            return true;
          });
          m.encoding_stats.push_back(pe);
        });
        return true;
      default: return false;
    }
  });
}

void read_column_chunk(CompactReader& r, ColumnChunk& c) {
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: c.file_path = r.read_string(t); return true;
      case 3: if (t != CType::Struct) return false; c.has_meta = true; read_column_meta(r, c.meta); return true;
      case 8: case 9: c.encrypted = true; return false;
      default: return false;
    }
  });
}

void read_row_group(CompactReader& r, RowGroup& g) {
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: read_list(r, t, [&](CType et) {
                if (et != CType::Struct) { r.fail("column chunk is not a struct"); return; }
                g.columns.emplace_back();
                read_column_chunk(r, g.columns.back());
              });
              return true;
      case 2: g.total_byte_size = r.read_i64(t); return true;
      case 3: g.num_rows = r.read_i64(t); return true;
      case 5: g.file_offset = r.read_i64(t); return true;
      case 6: g.total_compressed_size = r.read_i64(t); return true;
      default: return false;
    }
  });
}

}  // namespace

Result<FileMetaData> parse_file_metadata(const uint8_t* data, size_t size) {
  CompactReader r(data, size);
  FileMetaData md;
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: md.version = r.read_i32(t); return true;
      case 2: read_list(r, t, [&](CType et) {
                if (et != CType::Struct) { r.fail("schema element is not a struct"); return; }
                md.schema.emplace_back();
                read_schema_element(r, md.schema.back());
              });
              return true;
      case 3: md.num_rows = r.read_i64(t); return true;
      case 4: read_list(r, t, [&](CType et) {
                if (et != CType::Struct) { r.fail("row group is not a struct"); return; }
                md.row_groups.emplace_back();
                read_row_group(r, md.row_groups.back());
              });
              return true;
      case 5: read_list(r, t, [&](CType et) {
                if (et != CType::Struct) { r.fail("key/value is not a struct"); return; }
                std::pair<std::string, std::string> kv;
                read_struct(r, [&](int16_t f, CType ft) {
                  if (f == 1) kv.first = r.read_string(ft);
                  else if (f == 2) kv.second = r.read_string(ft);
                  else return false;
                  return true;
                });
                md.key_value.push_back(std::move(kv));
              });
              return true;
      case 6: md.created_by = r.read_string(t); return true;
      case 8: md.encrypted_footer_algorithm = true; return false;
      default: return false;
    }
  });
  if (!r.ok()) return Result<FileMetaData>::error("corrupt file metadata: " + r.error());
  if (md.schema.empty()) return Result<FileMetaData>::error("corrupt file metadata: no schema");
  if (md.num_rows < 0) return Result<FileMetaData>::error("corrupt file metadata: negative row count");
  return md;
}

Result<PageHeader> parse_page_header(const uint8_t* data, size_t size, size_t& header_size) {
  CompactReader r(data, size);
  PageHeader h;
  read_struct(r, [&](int16_t id, CType t) {
    switch (id) {
      case 1: return to_enum(r, t, 0, 3, h.type, "page type") || true;
      case 2: h.uncompressed_size = r.read_i32(t); return true;
      case 3: h.compressed_size = r.read_i32(t); return true;
      case 4: h.crc = r.read_i32(t); return true;
      case 5: {
        if (t != CType::Struct) return false;
        DataPageHeader d;
        read_struct(r, [&](int16_t f, CType ft) {
          switch (f) {
            case 1: d.num_values = r.read_i32(ft); return true;
            case 2: return to_enum(r, ft, 0, 9, d.encoding, "encoding") || true;
            case 3: return to_enum(r, ft, 0, 9, d.def_encoding, "encoding") || true;
            case 4: return to_enum(r, ft, 0, 9, d.rep_encoding, "encoding") || true;
            default: return false;
          }
        });
        h.v1 = d;
        return true;
      }
      case 7: {
        if (t != CType::Struct) return false;
        DictionaryPageHeader d;
        read_struct(r, [&](int16_t f, CType ft) {
          if (f == 1) d.num_values = r.read_i32(ft);
          else if (f == 2) to_enum(r, ft, 0, 9, d.encoding, "encoding");
          else return false;
          return true;
        });
        h.dict = d;
        return true;
      }
      case 8: {
        if (t != CType::Struct) return false;
        DataPageHeaderV2 d;
        read_struct(r, [&](int16_t f, CType ft) {
          switch (f) {
            case 1: d.num_values = r.read_i32(ft); return true;
            case 2: d.num_nulls = r.read_i32(ft); return true;
            case 3: d.num_rows = r.read_i32(ft); return true;
            case 4: return to_enum(r, ft, 0, 9, d.encoding, "encoding") || true;
            case 5: d.def_levels_bytes = r.read_i32(ft); return true;
            case 6: d.rep_levels_bytes = r.read_i32(ft); return true;
            case 7: d.is_compressed = r.read_bool(ft); return true;
            default: return false;
          }
        });
        h.v2 = d;
        return true;
      }
      default: return false;
    }
  });
  if (!r.ok()) return Result<PageHeader>::error("corrupt page header: " + r.error());
  if (h.compressed_size < 0 || h.uncompressed_size < 0) return Result<PageHeader>::error("corrupt page header: negative page size");
  header_size = r.position();
  return h;
}

Result<FooterSpan> footer_span(std::string_view tail8, int64_t file_size) {
  using R = Result<FooterSpan>;
  if (file_size < 12 || tail8.size() != 8) return R::error("is not a Parquet file (too small, " + std::to_string(file_size) + " bytes)");
  if (tail8.substr(4) == "PARE") return R::error("is an encrypted Parquet file, which sparkpp cannot read");
  if (tail8.substr(4) != "PAR1")
    return R::error("is not a Parquet file. Expected magic number at tail, but found [" +
                    std::to_string(uint8_t(tail8[4])) + ", " + std::to_string(uint8_t(tail8[5])) + ", " +
                    std::to_string(uint8_t(tail8[6])) + ", " + std::to_string(uint8_t(tail8[7])) + "]");
  const uint32_t len = uint32_t(uint8_t(tail8[0])) | uint32_t(uint8_t(tail8[1])) << 8 |
                       uint32_t(uint8_t(tail8[2])) << 16 | uint32_t(uint8_t(tail8[3])) << 24;
  if (int64_t(len) > file_size - 12)
    return R::error("has a corrupt footer: metadata length " + std::to_string(len) + " is beyond the file's " +
                    std::to_string(file_size) + " bytes");
  return FooterSpan{file_size - 8 - int64_t(len), int64_t(len)};
}

std::string type_string(const SchemaElement& e) {
  static const char* names[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BINARY", "FIXED_LEN_BYTE_ARRAY"};
  std::string s = e.type ? names[int(*e.type)] : "GROUP";
  const auto& l = e.logical;
  const char* units[] = {"", "MILLIS", "MICROS", "NANOS"};
  const std::string unit = l.unit >= 1 && l.unit <= 3 ? units[l.unit] : "";
  const std::string utc = l.adjusted_to_utc ? "true" : "false";
  switch (l.kind) {
    case LogicalType::Timestamp: return s + " (TIMESTAMP(" + unit + "," + utc + "))";
    case LogicalType::Time: return s + " (TIME(" + unit + "," + utc + "))";
    case LogicalType::Integer: return s + " (INTEGER(" + std::to_string(l.bit_width) + "," + (l.is_signed ? "true" : "false") + "))";
    case LogicalType::Decimal: return s + " (DECIMAL(" + std::to_string(l.precision) + "," + std::to_string(l.scale) + "))";
    case LogicalType::Uuid: return s + " (UUID)";
    case LogicalType::Float16: return s + " (FLOAT16)";
    case LogicalType::Json: return s + " (JSON)";
    case LogicalType::Bson: return s + " (BSON)";
    default: break;
  }
  static const char* conv[] = {"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS", "TIME_MICROS",
                               "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64", "INT_8",
                               "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};
  if (e.converted != Converted::None) s += std::string(" (") + conv[int(e.converted)] + ")";
  return s;
}

bool only_dictionary_pages(const ColumnMeta& m) {
  const auto is_dict = [](int32_t e) { return e == int32_t(Encoding::PlainDictionary) || e == int32_t(Encoding::RleDictionary); };
  if (m.has_encoding_stats) {
    bool any = false;
    for (const auto& pe : m.encoding_stats) {
      if (pe.page_type != int32_t(PageType::DataPage) && pe.page_type != int32_t(PageType::DataPageV2)) continue;
      if (pe.count > 0 && !is_dict(pe.encoding)) return false;
      any |= pe.count > 0;
    }
    return any;
  }
  bool plain_dictionary = false;
  for (int32_t e : m.encodings) {
    if (e == int32_t(Encoding::PlainDictionary)) plain_dictionary = true;
    else if (e != int32_t(Encoding::Rle) && e != int32_t(Encoding::BitPacked)) return false;
  }
  return plain_dictionary;
}

}  // namespace spp::sql::parquet
