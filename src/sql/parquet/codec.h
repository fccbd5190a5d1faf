// Page decompression with Debian's libraries: SNAPPY (libsnappy), GZIP (zlib, concatenated
// members too), ZSTD, LZ4_RAW and Hadoop's framed LZ4 (liblz4), BROTLI (libbrotlidec).
#pragma once
#include <cstdint>
#include <string>

#include "common/status.h"
#include "sql/parquet/metadata.h"

namespace spp::sql::parquet {

// Decompresses `size` bytes into exactly `expected` bytes (the page header's uncompressed size).
Status decompress(Codec codec, const uint8_t* data, size_t size, size_t expected, std::string& out);
const char* codec_name(Codec c);

}  // namespace spp::sql::parquet
