// libFuzzer target: arbitrary bytes into the native Parquet reader (src/sql/parquet). Input
// starting with "PAR1" is a whole file: footer, schema, every row group's columns (nested
// ones assembled from their levels). Any
// other input is one column chunk (pages) of a column whose type, levels and codec the first
// two bytes pick. Whatever it accepts must be a valid batch/column; nothing may crash, hang or
// allocate without bound (small ReadLimits).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sql/parquet/encodings.h"
#include "sql/parquet/file_reader.h"

namespace {

using namespace spp::sql;

// Odd-sized inputs also have their page CRCs checked (parquet.page.verify-checksum.enabled).
parquet::ReadLimits limits(size_t size) {
  parquet::ReadLimits l;
  l.max_page_bytes = 1 << 20;
  l.max_page_values = 1 << 16;
  l.verify_checksums = (size & 1) != 0;
  return l;
}

void fuzz_file(const uint8_t* data, size_t size) {
  auto f = parquet::ParquetFile::open(parquet::memory_source(std::string(reinterpret_cast<const char*>(data), size)),
                                      "fuzz", limits(size));
  if (!f) return;
  auto& pf = *f.value();
  col::ColType want = col::ColType::strct({}, {});
  for (const auto& fd : pf.schema().fields) {
    want.names.push_back(fd.name);
    want.children.push_back(fd.type);
    want.nullable.push_back(true);
  }
  auto wt = col::make_type(want);
  int64_t rows = 0;
  for (size_t g = 0; g < pf.metadata().row_groups.size() && rows < (1 << 18); ++g) {
    rows += pf.metadata().row_groups[g].num_rows;
    for (size_t l = 0; l < pf.schema().leaves.size(); ++l) {  // dictionary filtering's reads
      parquet::PhysValues dict;
      (void)pf.read_dictionary(int(g), int(l), dict);
      (void)parquet::only_dictionary_pages(pf.metadata().row_groups[g].columns.size() > l ? pf.metadata().row_groups[g].columns[l].meta
                                                                                        : parquet::ColumnMeta{});
    }
    auto b = pf.read_row_group(int(g), wt);
    if (b && !col::validate(b.value()).is_ok()) __builtin_trap();
    // and in batches, as the scan reads (an odd size: pages and runs cut anywhere)
    if (!pf.begin_row_group(int(g), wt, 1 + int64_t(size % 97))) continue;
    while (pf.has_batch()) {
      auto nb = pf.next_batch();
      if (!nb) break;
      if (!col::validate(nb.value()).is_ok()) __builtin_trap();
    }
  }
  (void)pf.row_groups_in(0, int64_t(size));
}

void fuzz_chunk(const uint8_t* data, size_t size) {
  if (size < 2) return;
  static const parquet::PhysType phys[] = {parquet::PhysType::Boolean, parquet::PhysType::Int32, parquet::PhysType::Int64,
                                           parquet::PhysType::Int96, parquet::PhysType::Float, parquet::PhysType::Double,
                                           parquet::PhysType::ByteArray, parquet::PhysType::FixedLenByteArray};
  parquet::SchemaElement e;
  e.type = phys[data[0] & 7];
  e.type_length = 1 + ((data[0] >> 3) & 15);
  e.repetition = parquet::Repetition::Optional;
  if ((data[0] >> 7) && (e.type == parquet::PhysType::ByteArray || e.type == parquet::PhysType::FixedLenByteArray)) {
    e.converted = parquet::Converted::Decimal;
    e.precision = 4;
    e.scale = 2;
  }
  parquet::FileMetaData md;
  md.schema.resize(2);
  md.schema[0].num_children = 1;
  md.schema[1] = e;
  md.schema[1].name = "c";
  auto fs = parquet::convert_schema(md);
  if (!fs) return;
  parquet::Leaf leaf = fs.value().leaves[0];
  leaf.max_def = int16_t(data[1] & 3);  // also deeper levels than a flat column has
  parquet::ColumnMeta meta;
  meta.type = leaf.phys;
  meta.codec = parquet::Codec((data[1] >> 2) & 7);
  const int64_t rows = 1 + (data[1] >> 5) * 100;
  const parquet::ReadLimits lim = limits(size);
  auto c = parquet::read_flat_column(data + 2, size - 2, meta, leaf, rows, lim);
  if (c && !col::validate(*c.value()).is_ok()) __builtin_trap();
  if (leaf.max_rep == 0) {  // the same chunk in pieces of growing sizes
    auto rd = parquet::open_flat_column(data + 2, size - 2, meta, leaf, rows, lim);
    for (int64_t piece = 1; rd && rd->rows_left() > 0; piece += 7) {
      auto p = rd->next(piece);
      if (!p) break;
      if (!col::validate(*p.value()).is_ok()) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 4 && data[0] == 'P' && data[1] == 'A' && data[2] == 'R' && data[3] == '1') fuzz_file(data, size);
  else fuzz_chunk(data, size);
  return 0;
}
