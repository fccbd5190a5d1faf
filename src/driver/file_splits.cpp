// textFile / wholeTextFiles input listing and splitting.
#include "driver/file_splits.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>

namespace spp::driver {
namespace fs = std::filesystem;

namespace {
// Text compressed with a Hadoop codec the executor reads (by extension): read whole.
bool compressed(const std::string& p) {
  for (const char* ext : {".gz", ".bz2", ".zst", ".lz4"}) {
    const size_t n = std::strlen(ext);
    if (p.size() > n && p.compare(p.size() - n, n, ext) == 0) return true;
  }
  return false;
}

bool hidden(const std::string& name) { return !name.empty() && (name[0] == '.' || name[0] == '_'); }

std::string strip_scheme(const std::string& p) {
  if (p.rfind("file://", 0) == 0) return p.substr(7);
  if (p.rfind("file:", 0) == 0) return p.substr(5);
  return p;
}

void add_path(const std::string& p, std::vector<FileEntry>& out, bool& found) {
  std::error_code ec;
  auto st = fs::status(p, ec);
  if (ec || !fs::exists(st)) return;
  found = true;
  if (fs::is_directory(st)) {
    for (const auto& de : fs::directory_iterator(p, ec)) {
      std::string name = de.path().filename().string();
      if (hidden(name) || !de.is_regular_file(ec)) continue;
      out.push_back({fs::absolute(de.path()).lexically_normal().string(), static_cast<int64_t>(de.file_size(ec))});
    }
  } else {
    out.push_back({fs::absolute(p).lexically_normal().string(), static_cast<int64_t>(fs::file_size(p, ec))});
  }
}
bool hidden_sql(const std::string& name) {
  return !name.empty() && (name[0] == '.' || (name[0] == '_' && name.find('=') == std::string::npos));
}

void add_dataset_path(const std::string& p, std::vector<DatasetFile>& out, bool& found) {
  std::error_code ec;
  auto st = fs::status(p, ec);
  if (ec || !fs::exists(st)) return;
  found = true;
  std::string root = fs::absolute(p).lexically_normal().string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (!fs::is_directory(st)) {
    out.push_back({{root, static_cast<int64_t>(fs::file_size(p, ec))}, fs::path(root).parent_path().string()});
    return;
  }
  std::vector<std::string> dirs{p};
  while (!dirs.empty()) {
    const std::string d = dirs.back();
    dirs.pop_back();
    for (const auto& de : fs::directory_iterator(d, ec)) {
      const std::string name = de.path().filename().string();
      if (hidden_sql(name)) continue;
      if (de.is_directory(ec)) dirs.push_back(de.path().string());
      else if (de.is_regular_file(ec))
        out.push_back({{fs::absolute(de.path()).lexically_normal().string(), static_cast<int64_t>(de.file_size(ec))}, root});
    }
  }
}
// Each input path (globs expanded) to `add(path, found)`; Spark's errors when one finds nothing.
// With `skip_hidden` (Hadoop FileInputFormat's hiddenFileFilter, for textFile/wholeTextFiles),
// matches whose name starts with '_' or '.' are dropped even when the pattern or path names them.
Status for_each_input(const std::vector<std::string>& paths, const std::function<void(const std::string&, bool&)>& add,
                      bool skip_hidden = false) {
  auto is_hidden = [&](const std::string& path) { return skip_hidden && hidden(fs::path(path).filename().string()); };
  for (const auto& raw : paths) {
    std::string p = strip_scheme(raw);
    bool found = false;
    if (p.find_first_of("*?[{") != std::string::npos) {
      glob_t g{};
      if (::glob(p.c_str(), GLOB_BRACE, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i)
          if (!is_hidden(g.gl_pathv[i])) add(g.gl_pathv[i], found);
      }
      globfree(&g);
      if (!found) return Status::error("Input Pattern " + raw + " matches 0 files");
    } else {
      std::error_code ec;
      if (is_hidden(p) && fs::exists(p, ec)) return Status::error("Input Pattern " + raw + " matches 0 files");
      add(p, found);
      if (!found) return Status::error("Input path does not exist: " + raw);
    }
  }
  return Status::ok();
}
}  // namespace

Result<std::vector<DatasetFile>> list_dataset_files(const std::vector<std::string>& paths, const std::string& base_path) {
  using R = Result<std::vector<DatasetFile>>;
  std::vector<DatasetFile> out;
  if (paths.empty()) return R::error("no input path given");
  if (Status st = for_each_input(paths, [&](const std::string& p, bool& found) { add_dataset_path(p, out, found); }); !st)
    return R(st);
  if (!base_path.empty()) {
    std::string b = fs::absolute(strip_scheme(base_path)).lexically_normal().string();
    while (b.size() > 1 && b.back() == '/') b.pop_back();
    for (auto& f : out) f.base = b;
  }
  std::sort(out.begin(), out.end(), [](const DatasetFile& a, const DatasetFile& b) { return a.file.path < b.file.path; });
  out.erase(std::unique(out.begin(), out.end(), [](const DatasetFile& a, const DatasetFile& b) { return a.file.path == b.file.path; }),
            out.end());
  return out;
}

Result<std::vector<FileEntry>> list_input_files(const std::vector<std::string>& paths) {
  using R = Result<std::vector<FileEntry>>;
  std::vector<FileEntry> out;
  if (paths.empty()) return R::error("no input path given");
  if (Status st = for_each_input(paths, [&](const std::string& p, bool& found) { add_path(p, out, found); }, true);
      !st)
    return R(st);
  std::sort(out.begin(), out.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  out.erase(std::unique(out.begin(), out.end(), [](const FileEntry& a, const FileEntry& b) { return a.path == b.path; }),
            out.end());
  return out;
}

std::vector<TextSplit> compute_text_splits(const std::vector<FileEntry>& files, int min_partitions) {
  constexpr int64_t kBlock = 32LL << 20;
  constexpr double kSlop = 1.1;
  int64_t total = 0;
  for (const auto& f : files) total += f.size;
  int64_t goal = total / std::max(min_partitions, 1);
  int64_t split = std::max<int64_t>(1, std::min(goal, kBlock));
  std::vector<TextSplit> out;
  for (const auto& f : files) {
    if (f.size == 0) {
      out.push_back({f.path, 0, 0});
      continue;
    }
    if (compressed(f.path)) {
      out.push_back({f.path, 0, f.size});  // not split: one task reads it all
      continue;
    }
    int64_t remaining = f.size;
    while (static_cast<double>(remaining) / static_cast<double>(split) > kSlop) {
      out.push_back({f.path, f.size - remaining, split});
      remaining -= split;
    }
    if (remaining > 0) out.push_back({f.path, f.size - remaining, remaining});
  }
  return out;
}

std::vector<std::vector<FileEntry>> group_whole_files(const std::vector<FileEntry>& files, int min_partitions) {
  std::vector<std::vector<FileEntry>> groups;
  if (files.empty()) return groups;
  int64_t total = 0;
  for (const auto& f : files) total += f.size;
  int n = std::max(1, std::min<int>(min_partitions, static_cast<int>(files.size())));
  int64_t target = std::max<int64_t>(1, (total + n - 1) / n);
  groups.emplace_back();
  int64_t cur = 0;
  for (const auto& f : files) {
    if (!groups.back().empty() && cur + f.size > target && static_cast<int>(groups.size()) < n) {
      groups.emplace_back();
      cur = 0;
    }
    groups.back().push_back(f);
    cur += f.size;
  }
  return groups;
}

bool compressed_text_file(const std::string& path) {
  for (const char* ext : {".gz", ".bz2", ".zst", ".lz4", ".deflate", ".snappy"}) {
    const size_t n = std::char_traits<char>::length(ext);
    if (path.size() > n && path.compare(path.size() - n, n, ext) == 0) return true;
  }
  return false;
}

std::vector<std::vector<TextSplit>> sql_file_partitions(const std::vector<FileEntry>& files, int64_t max_partition_bytes,
                                                       int64_t open_cost, int parallelism, bool whole_files) {
  int64_t total = 0;
  for (const auto& f : files) total += f.size + open_cost;
  const int64_t per_core = total / std::max(1, parallelism);
  const int64_t max_split = std::max<int64_t>(1, std::min(max_partition_bytes, std::max(open_cost, per_core)));
  std::vector<TextSplit> chunks;
  for (const auto& f : files) {
    const bool splittable = !whole_files && !compressed_text_file(f.path);
    if (!splittable) {
      if (f.size > 0) chunks.push_back({f.path, 0, f.size});
      continue;
    }
    for (int64_t off = 0; off < f.size; off += max_split) chunks.push_back({f.path, off, std::min(max_split, f.size - off)});
  }
  std::stable_sort(chunks.begin(), chunks.end(), [](const TextSplit& a, const TextSplit& b) { return a.length > b.length; });
  std::vector<std::vector<TextSplit>> parts;
  std::vector<TextSplit> current;
  int64_t size = 0;
  for (const auto& c : chunks) {
    if (size + c.length > max_split && !current.empty()) {
      parts.push_back(std::move(current));
      current.clear();
      size = 0;
    }
    size += c.length + open_cost;
    current.push_back(c);
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

}  // namespace spp::driver
