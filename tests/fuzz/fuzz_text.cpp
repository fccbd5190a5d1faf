// libFuzzer target: the line readers behind textFile / spark.read.text (executor/input_readers.h,
// executor/gzip_reader.h) over arbitrary file contents. Byte 0 picks the mode, byte 1 the split
// size (at most 8 splits); the rest is the file. Invariants:
//   text   every split size gives the same lines, each exactly once, as the whole file read
//          in one split, and that is the file cut at '\n' with a trailing '\r' dropped;
//   gzip   the file gzip-compressed (one or two members) reads back as the same lines;
//   raw    the bytes themselves read as a .gz file: lines or an error, never a crash;
//   block  the file through Hadoop's lz4/snappy block compressors (text_codecs.h) reads back
//          as the same lines;
//   rawblk the bytes themselves read as a .lz4 / .snappy file: lines or an error.
// Files are memfds named through /proc/self/fd, so the readers run their real open/read code.
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>

#include "executor/gzip_reader.h"
#include "executor/input_readers.h"
#include "executor/text_codecs.h"

namespace {
struct MemFile {
  int fd;
  std::string path;
  explicit MemFile(const std::string& bytes) {
    fd = memfd_create("fuzz_text", MFD_CLOEXEC);
    if (fd < 0) __builtin_trap();
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
      if (n <= 0) __builtin_trap();
      off += static_cast<size_t>(n);
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() { ::close(fd); }
};

// Every batch of a reader, concatenated; false on a reader error.
bool drain(spp::executor::InputReader& r, std::string& all) {
  std::string out;
  for (;;) {
    auto n = r.next(out);
    if (!n.is_ok()) return false;
    if (!n.value()) return true;
    if (out.empty() || out.back() != '\n') __builtin_trap();
    all += out;
  }
}

std::string expected_lines(const std::string& text) {
  std::string want;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    size_t len = end - pos;
    if (len > 0 && text[end - 1] == '\r') --len;
    want.append(text, pos, len);
    want += '\n';
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return want;
}

// A named temporary file (the codec readers choose by extension), removed on scope exit.
struct TempFile {
  std::string path;
  TempFile(const std::string& bytes, const char* ext) {
    path = std::string("/tmp/fuzz_text_XXXXXX") + ext;
    int fd = mkstemps(path.data(), static_cast<int>(std::char_traits<char>::length(ext)));
    if (fd < 0) __builtin_trap();
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
      if (n <= 0) __builtin_trap();
      off += static_cast<size_t>(n);
    }
    ::close(fd);
  }
  ~TempFile() { ::unlink(path.c_str()); }
};

std::string gzip(const std::string& text, int members) {
  std::string out;
  size_t per = members > 1 ? text.size() / 2 : text.size();
  for (int m = 0; m < members; ++m) {
    std::string part = m + 1 < members ? text.substr(0, per) : text.substr(m ? per : 0);
    z_stream z{};
    if (deflateInit2(&z, 1, Z_DEFLATED, 16 + 9, 1, Z_DEFAULT_STRATEGY) != Z_OK) __builtin_trap();
    std::string buf(deflateBound(&z, part.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(part.data());
    z.avail_in = static_cast<uInt>(part.size());
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) __builtin_trap();
    buf.resize(z.total_out);
    deflateEnd(&z);
    out += buf;
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::executor;
  if (size < 2) return 0;
  int mode = data[0] % 5;
  std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);
  // At most 8 splits: each reader reads 64 KiB at a time, so more would only slow the fuzzer.
  int64_t split = std::max<int64_t>(1 + data[1], (static_cast<int64_t>(text.size()) + 7) / 8);
  if (mode == 0) {
    MemFile f(text);
    std::string whole;
    TextSplitReader r(f.path, 0, static_cast<int64_t>(text.size()), 1 + (data[1] & 63));
    if (!drain(r, whole) || whole != expected_lines(text)) __builtin_trap();
    std::string joined;
    for (int64_t s = 0; s < static_cast<int64_t>(text.size()); s += split) {
      int64_t len = std::min<int64_t>(split, static_cast<int64_t>(text.size()) - s);
      TextSplitReader part(f.path, s, len, 1 + (data[1] & 7));
      if (!drain(part, joined)) __builtin_trap();
    }
    if (joined != whole) __builtin_trap();
  } else if (mode == 1) {
    MemFile f(gzip(text, 1 + (data[1] & 1)));
    GzipTextReader r(f.path, 1 + (data[1] & 15));
    std::string got;
    if (!drain(r, got) || got != expected_lines(text)) __builtin_trap();
  } else if (mode == 2) {
    MemFile f(text);
    GzipTextReader r(f.path, 1 + data[1]);
    std::string got;
    drain(r, got);
  } else {
    const char* ext = (data[1] & 1) ? ".snappy" : ".lz4";
    std::string file = text;
    if (mode == 3) {
      auto c = compressor_for(std::string("x") + ext);
      file.clear();
      const size_t step = 1 + (data[1] >> 1);
      for (size_t at = 0; at < text.size(); at += step)
        if (!c->write(text.data() + at, std::min(step, text.size() - at), file)) __builtin_trap();
      if (!c->finish(file)) __builtin_trap();
    }
    TempFile f(file, ext);
    auto r = compressed_text_reader(f.path, 1 + (data[1] & 15));
    if (!r) __builtin_trap();
    std::string got;
    const bool ok = drain(*r, got);
    if (mode == 3 && (!ok || got != expected_lines(text))) __builtin_trap();
  }
  return 0;
}
