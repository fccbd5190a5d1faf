// Hadoop's text compression codecs by file extension, for saveAsTextFile(path, codec) and
// textFile: .gz (GzipCodec), .bz2 (BZip2Codec), .zst (ZStandardCodec: zstd frames), .lz4
// (Lz4Codec: Hadoop's block format — u32 BE raw length, then u32 BE length | LZ4 block chunks —
// not the lz4 command's frame format), .snappy (SnappyCodec: the same framing of snappy blocks),
// .deflate (DefaultCodec: zlib streams).
#pragma once
#include <memory>
#include <string>

#include "common/status.h"
#include "executor/input_readers.h"

namespace spp::executor {

class TextCompressor {
 public:
  virtual ~TextCompressor() = default;
  // Compresses `n` bytes, appending what is ready to `out`.
  virtual Status write(const char* data, size_t n, std::string& out) = 0;
  // Ends the stream (appends the rest to `out`).
  virtual Status finish(std::string& out) = 0;
};

// The compressor for a part file of this name, or nullptr for a name without a codec extension.
std::unique_ptr<TextCompressor> compressor_for(const std::string& file_name);

// A line reader over a compressed text file, or nullptr when the path names no codec.
std::unique_ptr<InputReader> compressed_text_reader(const std::string& path, size_t batch_bytes = 1 << 20);

}  // namespace spp::executor
