// Parquet files (see the header).
#include "sql/parquet/file_reader.h"
#include "common/strings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "sql/parquet/nested.h"

namespace spp::sql::parquet {

namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  int64_t size() const override { return size_; }
  Status read(int64_t offset, size_t n, std::string& out) override {
    out.resize(n);
    return read_into(offset, n, reinterpret_cast<uint8_t*>(out.data()));
  }
  Status read_into(int64_t offset, size_t n, uint8_t* out) override {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, out + got, n - got, off_t(offset + int64_t(got)));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::error(std::string("read failed: ") + std::strerror(errno));
      if (r == 0) return Status::error("the file is shorter than its metadata says");
      got += size_t(r);
    }
    return Status::ok();
  }

 private:
  int fd_;
  int64_t size_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string b) : b_(std::move(b)) {}
  int64_t size() const override { return int64_t(b_.size()); }
  Status read(int64_t offset, size_t n, std::string& out) override {
    if (offset < 0 || uint64_t(offset) + n > b_.size()) return Status::error("read past the end");
    out.assign(b_, size_t(offset), n);
    return Status::ok();
  }
  Status read_into(int64_t offset, size_t n, uint8_t* out) override {
    if (offset < 0 || uint64_t(offset) + n > b_.size()) return Status::error("read past the end");
    if (n) std::memcpy(out, b_.data() + offset, n);
    return Status::ok();
  }

 private:
  std::string b_;
};

// Where a column chunk starts: its dictionary page when it has one (some writers put 0 there
// for "none").
int64_t chunk_start(const ColumnMeta& m) {
  if (m.dictionary_page_offset > 0 && m.dictionary_page_offset < m.data_page_offset) return m.dictionary_page_offset;
  return m.data_page_offset;
}

std::string upper(std::string s) {
  for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path) {
  using R = Result<std::unique_ptr<ByteSource>>;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return R::error("cannot open file:" + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return R::error("cannot stat file:" + path);
  }
  return std::unique_ptr<ByteSource>(std::make_unique<FileSource>(fd, int64_t(st.st_size)));
}

std::unique_ptr<ByteSource> memory_source(std::string bytes) { return std::make_unique<MemorySource>(std::move(bytes)); }

Result<std::unique_ptr<ParquetFile>> ParquetFile::open_path(const std::string& path, ReadLimits limits) {
  auto src = open_file_source(path);
  if (!src) return Result<std::unique_ptr<ParquetFile>>::error(src.error_message());
  return open(std::move(src.value()), "file:" + path, limits);
}

Result<std::unique_ptr<ParquetFile>> ParquetFile::open(std::unique_ptr<ByteSource> src, std::string name, ReadLimits limits) {
  using R = Result<std::unique_ptr<ParquetFile>>;
  auto f = std::unique_ptr<ParquetFile>(new ParquetFile());
  f->src_ = std::move(src);
  f->name_ = std::move(name);
  f->limits_ = limits;
  const int64_t size = f->src_->size();
  std::string tail;
  if (size >= 8) {
    if (auto s = f->src_->read(size - 8, 8, tail); !s) return R::error(f->name_ + ": " + s.message());
  }
  auto span = footer_span(tail, size);
  if (!span) return R::error(f->name_ + " " + span.error_message());
  std::string head;
  if (auto s = f->src_->read(0, 4, head); !s) return R::error(f->name_ + ": " + s.message());
  if (head != "PAR1") return R::error(f->name_ + " is not a Parquet file: it does not start with PAR1");
  std::string meta;
  if (auto s = f->src_->read(span.value().offset, size_t(span.value().length), meta); !s) return R::error(f->name_ + ": " + s.message());
  auto md = parse_file_metadata(reinterpret_cast<const uint8_t*>(meta.data()), meta.size());
  if (!md) return R::error("Could not read footer for file: " + f->name_ + ": " + md.error_message());
  f->md_ = std::move(md.value());
  if (f->md_.encrypted_footer_algorithm) return R::error(f->name_ + " is an encrypted Parquet file, which sparkpp cannot read");
  auto schema = convert_schema(f->md_);
  if (!schema) return R::error(schema.error_message() + " (file " + f->name_ + ")");
  f->schema_ = std::move(schema.value());
  const size_t leaves = f->schema_.leaves.size();
  for (size_t g = 0; g < f->md_.row_groups.size(); ++g) {
    const auto& rg = f->md_.row_groups[g];
    if (rg.columns.size() != leaves)
      return R::error("Could not read footer for file: " + f->name_ + ": row group " + std::to_string(g) + " has " +
                      std::to_string(rg.columns.size()) + " columns, the schema " + std::to_string(leaves));
    if (rg.num_rows < 0) return R::error("Could not read footer for file: " + f->name_ + ": negative row count");
    if (rg.num_rows == 0) continue;
    // Column chunks must lie between the magic and the footer: a lying range would put the row
    // group's midpoint in no split (its rows silently lost) or send reads past the data.
    for (const auto& c : rg.columns) {
      const int64_t start = chunk_start(c.meta);
      if (!c.has_meta || !c.file_path.empty() || c.encrypted) continue;  // reported when read
      if (start < 4 || c.meta.total_compressed_size < 0 || start > span.value().offset ||
          c.meta.total_compressed_size > span.value().offset - start)
        return R::error("Could not read footer for file: " + f->name_ + ": column chunk " +
                        (c.meta.path.empty() ? std::string("?") : c.meta.path.back()) + " of row group " + std::to_string(g) +
                        " lies outside the file's data (bytes [" + std::to_string(start) + ", +" +
                        std::to_string(c.meta.total_compressed_size) + "))");
    }
  }
  return f;
}

nlohmann::json ParquetFile::spark_schema() const { return spark_schema_json(md_, schema_); }

std::vector<int> ParquetFile::row_groups_in(int64_t start, int64_t length) const {
  std::vector<int> out;
  for (size_t g = 0; g < md_.row_groups.size(); ++g) {
    const auto& rg = md_.row_groups[g];
    int64_t first = 0, total = 0;
    if (!rg.columns.empty()) first = chunk_start(rg.columns[0].meta);
    for (const auto& c : rg.columns) total += c.meta.total_compressed_size;
    const int64_t mid = first + total / 2;
    if (mid >= start && mid < start + length) out.push_back(int(g));
  }
  return out;
}

Status ByteSource::read_into(int64_t offset, size_t n, uint8_t* out) {
  std::string tmp;
  if (auto s = read(offset, n, tmp); !s) return s;
  if (n) std::memcpy(out, tmp.data(), n);
  return Status::ok();
}

Status ParquetFile::read_chunk_bytes(const RowGroup& rg, int leaf, ChunkBuffer& bytes) const {
  const ColumnChunk& cc = rg.columns[size_t(leaf)];
  if (cc.encrypted) return Status::error("the column is encrypted");
  if (!cc.file_path.empty()) return Status::error("its data lives in another file (" + cc.file_path + ")");
  if (!cc.has_meta) return Status::error("the column chunk has no metadata");
  const ColumnMeta& m = cc.meta;
  const int64_t start = chunk_start(m);
  const int64_t footer = src_->size() - 8;
  if (start < 4 || m.total_compressed_size < 0 || start > footer || m.total_compressed_size > footer - start)
    return Status::error("the column chunk's byte range [" + std::to_string(start) + ", +" +
                         std::to_string(m.total_compressed_size) + ") lies outside the file");
  return src_->read_into(start, size_t(m.total_compressed_size), bytes.ensure(size_t(m.total_compressed_size)));
}

Status ParquetFile::read_dictionary(int rg, int leaf, PhysValues& out) const {
  if (rg < 0 || size_t(rg) >= md_.row_groups.size() || leaf < 0 || size_t(leaf) >= schema_.leaves.size())
    return Status::error("no such column chunk");
  const ColumnChunk& cc = md_.row_groups[size_t(rg)].columns.at(size_t(leaf));
  if (cc.encrypted || !cc.file_path.empty() || !cc.has_meta) return Status::error("the column chunk cannot be read");
  const ColumnMeta& m = cc.meta;
  const int64_t start = m.dictionary_page_offset, end = m.data_page_offset;
  const int64_t footer = src_->size() - 8;
  if (start < 4 || end <= start || end > footer || end - start > m.total_compressed_size ||
      end - start > int64_t(limits_.max_page_bytes) + 4096)
    return Status::error("no dictionary page range in the footer");
  std::string bytes;
  if (auto s = src_->read(start, size_t(end - start), bytes); !s) return s;
  return read_dictionary_page(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), m, schema_.leaves[size_t(leaf)], limits_, out);
}

Status ParquetFile::fail_chunk(const std::string& column, const std::string& why) const {
  return Status::error("Encountered error while reading file " + name_ + " (column " + column + "): " + why);
}

Result<col::Batch> ParquetFile::read_row_group(int rg_index, const col::ColTypePtr& want) {
  using R = Result<col::Batch>;
  if (rg_index < 0 || size_t(rg_index) >= md_.row_groups.size()) return R::error("no row group " + std::to_string(rg_index));
  const RowGroup& rg = md_.row_groups[size_t(rg_index)];
  col::Batch b;
  b.schema = want;
  b.num_rows = rg.num_rows;
  ChunkBuffer bytes;
  for (size_t i = 0; i < want->children.size(); ++i) {
    auto c = read_column(rg, *want, i, bytes, nullptr);
    if (!c) return R::error(c.error_message());
    b.columns.push_back(std::move(c.value()));
  }
  return b;
}

Result<col::ColumnPtr> ParquetFile::read_column(const RowGroup& rg, const col::ColType& want, size_t i, ChunkBuffer& bytes,
                                                std::unique_ptr<FlatColumnReader>* stream, std::string* scratch) {
  using R = Result<col::ColumnPtr>;
  const std::string& name = want.names[i];
  const col::ColType& type = want.children[i];
  const Field* field = nullptr;
  for (const auto& f : schema_.fields)
    if (ascii_lower(f.name) == ascii_lower(name)) { field = &f; break; }
  if (!field || rg.num_rows == 0)  // a column other files of the dataset have (mergeSchema): NULL here
    return col::make_null_column(col::make_type(type), rg.num_rows);
  auto cannot_convert = [&] {
    return R::error("Parquet column cannot be converted in file " + name_ + ". Column: [" + name + "], Expected: " +
                    type.to_string() + ", Found: " + type_string(md_.schema[size_t(schema_.leaves[size_t(field->first_leaf)].schema_index)]) + ".");
  };
  // A nested field may be narrower than the merged schema's (mergeSchema): widened after assembly.
  if (field->type != type && (field->flat || type.id != field->type.id)) return cannot_convert();
  if (!field->flat) {
    std::vector<LeafLevels> levels(size_t(field->num_leaves));
    std::vector<col::ColumnPtr> values;
    for (int l = 0; l < field->num_leaves; ++l) {
      auto chunk = read_chunk_bytes(rg, field->first_leaf + l, bytes);
      if (!chunk) return fail_chunk(name, chunk.message());
      auto v = read_leaf_levels(bytes.data.get(), bytes.size,
                                rg.columns[size_t(field->first_leaf + l)].meta, schema_.leaves[size_t(field->first_leaf + l)],
                                limits_, levels[size_t(l)]);
      if (!v) return fail_chunk(name, v.error_message());
      values.push_back(std::move(v.value()));
    }
    auto c = assemble_field(schema_, *field, levels, values, rg.num_rows);
    if (!c) return fail_chunk(name, c.error_message());
    col::ColumnPtr wide = widen_nested(c.value(), type);
    if (!wide) return cannot_convert();
    return wide;
  }
  const Leaf& leaf = schema_.leaves[size_t(field->first_leaf)];
  if (auto st = read_chunk_bytes(rg, field->first_leaf, bytes); !st) return fail_chunk(name, st.message());
  const ColumnMeta& m = rg.columns[size_t(field->first_leaf)].meta;
  if (stream) {  // decoded batch by batch when the column allows
    *stream = open_flat_column(bytes.data.get(), bytes.size, m, leaf, rg.num_rows, limits_, scratch);
    if (*stream) return col::ColumnPtr();
  }
  auto c = read_flat_column(bytes.data.get(), bytes.size, m, leaf, rg.num_rows, limits_);
  if (!c) return fail_chunk(name, c.error_message());
  return c;
}

Status ParquetFile::begin_row_group(int rg_index, const col::ColTypePtr& want, int64_t batch_rows, ScanBuffers* bufs) {
  cur_.clear();
  cur_rows_ = cur_done_ = 0;
  if (rg_index < 0 || size_t(rg_index) >= md_.row_groups.size()) return Status::error("no row group " + std::to_string(rg_index));
  const RowGroup& rg = md_.row_groups[size_t(rg_index)];
  const size_t n = want->children.size();
  ScanBuffers& b = bufs ? *bufs : own_bufs_;
  if (b.chunks.size() < n) b.chunks.resize(n);
  if (b.pages.size() < n) b.pages.resize(n);
  cur_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto c = read_column(rg, *want, i, b.chunks[i], &cur_[i].reader, &b.pages[i]);
    if (!c) {
      cur_.clear();
      return Status::error(c.error_message());
    }
    cur_[i].whole = std::move(c.value());
  }
  cur_want_ = want;
  cur_rows_ = rg.num_rows;
  batch_rows_ = std::max<int64_t>(1, batch_rows);
  return Status::ok();
}

Result<col::Batch> ParquetFile::next_batch() {
  using R = Result<col::Batch>;
  const int64_t m = std::min(batch_rows_, cur_rows_ - cur_done_);
  col::Batch b;
  b.schema = cur_want_;
  b.num_rows = m;
  for (size_t i = 0; i < cur_.size(); ++i) {
    if (cur_[i].reader) {
      auto c = cur_[i].reader->next(m);
      if (!c) {
        const std::string name = cur_want_->names[i];
        cur_.clear();
        cur_rows_ = cur_done_ = 0;
        return R::error(fail_chunk(name, c.error_message()).message());
      }
      b.columns.push_back(std::move(c.value()));
    } else {
      b.columns.push_back(col::slice(cur_[i].whole, cur_done_, m));
    }
  }
  cur_done_ += m;
  if (cur_done_ >= cur_rows_) cur_.clear();  // the row group's buffers go with its last batch
  return b;
}

namespace {

// StructType.merge: structs field by field (by name; new fields appended, nullable), arrays by
// element, maps by key and value; any other pair must be equal.
Result<col::ColType> merge_types(const col::ColType& a, const col::ColType& b) {
  using R = Result<col::ColType>;
  auto fail = [&] {
    return R::error("[CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE] Failed to merge incompatible data types \"" + upper(a.to_string()) +
                    "\" and \"" + upper(b.to_string()) + "\".");
  };
  if (a.id != b.id) return fail();
  col::ColType out = a;
  if (a.id == col::TypeId::Struct) {
    for (size_t i = 0; i < b.children.size(); ++i) {
      bool found = false;
      for (size_t j = 0; j < out.children.size() && !found; ++j) {
        if (out.names[j] != b.names[i]) continue;
        found = true;
        auto m = merge_types(out.children[j], b.children[i]);
        if (!m) return m;
        out.children[j] = std::move(m.value());
      }
      if (!found) {
        out.names.push_back(b.names[i]);
        out.children.push_back(b.children[i]);
        out.nullable.push_back(true);
      }
    }
    return out;
  }
  if (a.id == col::TypeId::Array || a.id == col::TypeId::Map) {
    if (a.children.size() != b.children.size()) return fail();
    for (size_t k = 0; k < a.children.size(); ++k) {
      auto m = merge_types(a.children[k], b.children[k]);
      if (!m) return fail();
      out.children[k] = std::move(m.value());
    }
    return out;
  }
  if (a != b) return fail();
  return out;
}

}  // namespace

col::ColumnPtr widen_nested(const col::ColumnPtr& c, const col::ColType& want) {
  const col::ColType& have = *c->type;
  if (have == want) return c;
  if (have.id != want.id) return nullptr;
  auto out = std::make_shared<col::Column>(*c);
  out->type = col::make_type(want);
  if (want.id == col::TypeId::Struct) {
    out->children.clear();
    for (size_t i = 0; i < want.children.size(); ++i) {
      int at = -1;
      for (size_t j = 0; j < have.names.size() && at < 0; ++j)
        if (ascii_lower(have.names[j]) == ascii_lower(want.names[i])) at = int(j);
      if (at < 0) {  // a field only other files have: NULL (struct children hold the struct's rows)
        out->children.push_back(col::make_null_column(col::make_type(want.children[i]), c->length));
        continue;
      }
      auto child = widen_nested(c->children[size_t(at)], want.children[i]);
      if (!child) return nullptr;
      out->children.push_back(std::move(child));
    }
    return out;
  }
  if (want.id == col::TypeId::Array) {
    auto child = widen_nested(c->children[0], want.children[0]);
    if (!child) return nullptr;
    out->children = {std::move(child)};
    return out;
  }
  if (want.id == col::TypeId::Map) {
    auto entries = std::make_shared<col::Column>(*c->children[0]);
    entries->type = col::list_child_type(want);
    auto k = widen_nested(c->children[0]->children[0], want.children[0]);
    auto v = widen_nested(c->children[0]->children[1], want.children[1]);
    if (!k || !v) return nullptr;
    entries->children = {std::move(k), std::move(v)};
    out->children = {std::move(entries)};
    return out;
  }
  return nullptr;  // leaves of different types
}

Result<col::ColType> merge_schemas(const std::vector<col::ColType>& schemas) {
  col::ColType out = schemas.empty() ? col::ColType::strct({}, {}) : schemas[0];
  for (size_t s = 1; s < schemas.size(); ++s) {
    auto m = merge_types(out, schemas[s]);
    if (!m) return m;
    out = std::move(m.value());
  }
  return out;
}

}  // namespace spp::sql::parquet
