#include "executor/part_file.h"

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "executor/text_codecs.h"
#include "sql/kernels/cast.h"

namespace spp::executor {
namespace fs = std::filesystem;

PartFileWriter::PartFileWriter(std::string tmp_dir, std::string file, int64_t task_id, sql::exec::WriteCodec codec)
    : dir_(std::move(tmp_dir)), file_(std::move(file)), attempt_dir_(dir_ + "/attempt_" + std::to_string(task_id)), codec_(codec) {}

PartFileWriter::~PartFileWriter() {
  if (z_on_) deflateEnd(&z_);
  if (f_) std::fclose(f_);
  if (!committed_ && opened_) {
    std::error_code ec;
    fs::remove_all(attempt_dir_, ec);
  }
}

Status PartFileWriter::open() {
  std::error_code ec;
  // The driver made the job's directory; it is missing when the path is not shared between the
  // driver and this host, or when the job already ended (a late speculative copy): never
  // recreate it.
  if (!fs::is_directory(dir_, ec))
    return Status::error("output directory " + dir_ + " does not exist on this executor's host (the job ended, or the path is not on "
                         "a file system shared by the driver and every executor)");
  fs::create_directory(attempt_dir_, ec);
  opened_ = true;
  const std::string path = attempt_dir_ + "/" + file_;
  if (file_.find('/') != std::string::npos) fs::create_directories(fs::path(path).parent_path(), ec);
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) return Status::error("cannot write " + path + ": " + std::strerror(errno));
  if (codec_ != sql::exec::WriteCodec::None && codec_ != sql::exec::WriteCodec::Gzip && codec_ != sql::exec::WriteCodec::Deflate) {
    tc_ = compressor_for(std::string("part") + sql::exec::codec_extension(codec_));  // bzip2, lz4, snappy, zstd
    if (!tc_) return Status::error("no compressor for " + path);
  } else if (codec_ != sql::exec::WriteCodec::None) {
    // gzip: a gzip member (windowBits 16+15); deflate: Hadoop's DefaultCodec, a zlib stream.
    const int bits = codec_ == sql::exec::WriteCodec::Gzip ? 16 + 15 : 15;
    if (deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return Status::error("cannot start compressing " + path);
    z_on_ = true;
  }
  return Status::ok();
}

Status PartFileWriter::put(const char* p, size_t n) {
  if (n && std::fwrite(p, 1, n, f_) != n) return Status::error("cannot write " + attempt_dir_ + "/" + file_ + ": " + std::strerror(errno));
  bytes_ += static_cast<int64_t>(n);
  return Status::ok();
}

Status PartFileWriter::deflate_some(int flush) {
  char buf[64 * 1024];
  int rc = Z_OK;
  do {
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = sizeof buf;
    rc = deflate(&z_, flush);
    if (rc == Z_STREAM_ERROR) return Status::error("compression failed for " + file_);
    if (Status s = put(buf, sizeof buf - z_.avail_out); !s) return s;
  } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  return Status::ok();
}

Status PartFileWriter::write(std::string_view bytes) {
  if (tc_) {
    std::string out;
    if (Status s = tc_->write(bytes.data(), bytes.size(), out); !s) return s;
    return put(out.data(), out.size());
  }
  if (!z_on_) return put(bytes.data(), bytes.size());
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z_.avail_in = static_cast<uInt>(bytes.size());
  return deflate_some(Z_NO_FLUSH);
}

Status PartFileWriter::commit() {
  if (tc_) {
    std::string out;
    if (Status s = tc_->finish(out); !s) return s;
    if (Status s = put(out.data(), out.size()); !s) return s;
    tc_.reset();
  }
  if (z_on_) {
    z_.next_in = nullptr;
    z_.avail_in = 0;
    if (Status s = deflate_some(Z_FINISH); !s) return s;
    deflateEnd(&z_);
    z_on_ = false;
  }
  const bool bad = std::fflush(f_) != 0;
  std::fclose(f_);
  f_ = nullptr;
  if (bad) return Status::error("cannot write " + file_ + ": " + std::strerror(errno));
  std::error_code ec;
  if (file_.find('/') != std::string::npos) fs::create_directories(fs::path(dir_ + "/" + file_).parent_path(), ec);
  fs::rename(attempt_dir_ + "/" + file_, dir_ + "/" + file_, ec);  // task commit: atomic, idempotent for retries
  if (ec) return Status::error("cannot commit " + dir_ + "/" + file_ + ": " + ec.message());
  committed_ = true;
  return Status::ok();
}

std::string partition_path_value(const sql::col::Column& c, int64_t row) {
  if (c.is_null(row)) return "__HIVE_DEFAULT_PARTITION__";
  std::string v = sql::kern::value_to_string(c, row);  // Cast(value AS STRING)
  if (v.empty()) return "__HIVE_DEFAULT_PARTITION__";
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : v) {
    unsigned char u = static_cast<unsigned char>(ch);
    const bool esc = (u >= 0x01 && u <= 0x1F) || u == 0x7F || std::strchr("\"#%'*/:=?\\{[]^", ch) != nullptr;
    if (!esc) {
      out += ch;
      continue;
    }
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

Result<std::unique_ptr<SqlFileSink>> SqlFileSink::make(const plan::Sink& sink, const sql::col::ColType& schema,
                                                       int64_t task_id, int partition, const sql::kern::TimeZone& tz) {
  using R = Result<std::unique_ptr<SqlFileSink>>;
  auto s = std::make_unique<SqlFileSink>();
  s->sink_ = sink;
  s->task_id_ = task_id;
  s->partition_ = partition;
  std::vector<std::string> names = sink.columns.size() == schema.names.size() ? sink.columns : schema.names;
  for (int p : sink.partition_by) {
    if (p < 0 || static_cast<size_t>(p) >= schema.children.size()) return R::error("partition column out of range");
    s->part_cols_.push_back(p);
  }
  if (sink.bucket_col >= static_cast<int>(schema.children.size())) return R::error("bucket column out of range");
  s->bucket_col_ = sink.bucket_col;
  sql::col::ColType data;
  data.id = sql::col::TypeId::Struct;
  for (size_t i = 0; i < schema.children.size(); ++i) {
    if (std::find(s->part_cols_.begin(), s->part_cols_.end(), static_cast<int>(i)) != s->part_cols_.end()) continue;
    if (static_cast<int>(i) == s->bucket_col_) continue;
    s->data_cols_.push_back(static_cast<int>(i));
    data.children.push_back(schema.children[i]);
    data.names.push_back(names[i]);
    data.nullable.push_back(i < schema.nullable.size() ? bool(schema.nullable[i]) : true);
  }
  auto f = sql::exec::RowFormatter::make(sink.format, sink.options, data, tz);
  if (!f) return R::error(f.error_message());
  s->fmt_ = std::move(f.value());
  return R(std::move(s));
}

// A bucket's file: Spark's `part-<split>-<uuid>_<bucket %05d>.c000<ext>` from `part-<split>-<uuid>-c000<ext>`.
static std::string bucket_file(const std::string& file, int bucket) {
  const size_t at = file.find("-c000");
  if (at == std::string::npos) return file;
  char b[16];
  std::snprintf(b, sizeof b, "_%05d.", bucket);
  return file.substr(0, at) + b + file.substr(at + 1);
}

Status SqlFileSink::write_to(const std::string& dir, int bucket, const sql::col::Batch& rows) {
  const std::string key = bucket < 0 ? dir : dir + "#" + std::to_string(bucket);
  auto& w = files_[key];
  text_.clear();
  if (!w) {
    const std::string file = bucket < 0 ? sink_.file : bucket_file(sink_.file, bucket);
    w = std::make_unique<PartFileWriter>(sink_.tmp_dir, dir.empty() ? file : dir + "/" + file, task_id_, fmt_->codec());
    if (Status s = w->open(); !s) return s;
    if (auto e = fmt_->file_encoder()) {
      e->begin(text_);
      encoders_[key] = std::move(e);
    } else {
      fmt_->begin(text_);
    }
  }
  if (auto e = encoders_.find(key); e != encoders_.end()) {
    if (Status s = e->second->write(rows, text_); !s) return s;
  } else if (rows.num_rows > 0) {
    fmt_->write(rows, text_);
  }
  return w->write(text_);
}

Status SqlFileSink::add(const sql::col::Batch& b) {
  if (b.num_rows == 0) return Status::ok();
  sql::col::Batch data;
  data.num_rows = b.num_rows;
  for (int c : data_cols_) data.columns.push_back(b.columns[static_cast<size_t>(c)]);
  if (part_cols_.empty() && bucket_col_ < 0) return write_to("", -1, data);
  // Rows grouped by their partition directory and bucket, in order of first appearance.
  std::map<std::pair<std::string, int>, std::vector<int32_t>> groups;
  std::vector<const std::pair<std::string, int>*> order;
  for (int64_t r = 0; r < b.num_rows; ++r) {
    std::string dir;
    for (size_t k = 0; k < part_cols_.size(); ++k) {
      const int c = part_cols_[k];
      if (k) dir += '/';
      dir += sink_.columns.size() > static_cast<size_t>(c) ? sink_.columns[static_cast<size_t>(c)] : std::string("_c") + std::to_string(c);
      dir += '=';
      dir += partition_path_value(*b.columns[static_cast<size_t>(c)], r);
    }
    const int bucket = bucket_col_ < 0 ? -1 : std::atoi(partition_path_value(*b.columns[static_cast<size_t>(bucket_col_)], r).c_str());
    auto [it, fresh] = groups.try_emplace({std::move(dir), bucket});
    if (fresh) order.push_back(&it->first);
    it->second.push_back(static_cast<int32_t>(r));
  }
  for (const auto* key : order) {
    const auto& idx = groups[*key];
    if (Status s = write_to(key->first, key->second, sql::col::gather(data, idx.data(), static_cast<int64_t>(idx.size()))); !s) return s;
  }
  return Status::ok();
}

Status SqlFileSink::finish() {
  if (files_.empty() && partition_ == 0 && part_cols_.empty() && bucket_col_ < 0) {
    if (Status s = write_to("", -1, sql::col::Batch{}); !s) return s;
  }
  for (auto& [dir, w] : files_) {
    if (auto e = encoders_.find(dir); e != encoders_.end()) {  // the footer
      text_.clear();
      if (Status s = e->second->end(text_); !s) return s;
      if (Status s = w->write(text_); !s) return s;
    }
    if (Status s = w->commit(); !s) return s;
    bytes_ += w->bytes_written();
  }
  std::error_code ec;
  fs::remove_all(sink_.tmp_dir + "/attempt_" + std::to_string(task_id_), ec);
  return Status::ok();
}

}  // namespace spp::executor
