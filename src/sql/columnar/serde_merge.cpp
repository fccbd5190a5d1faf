// merge_serialized: reads only the batches' headers, nodes and buffer spans (and the offsets
// and bitmaps it rebuilds); values and string bytes are referenced, not copied.
#include "sql/columnar/serde_merge.h"

#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

#include "sql/columnar/col_type.h"
#include "sql/columnar/serde.h"

namespace spp::sql::col {

namespace {

size_t pad8(size_t n) { return (n + 7) & ~size_t(7); }
template <typename T> T get(const char* p) { T v; std::memcpy(&v, p, sizeof(T)); return v; }
template <typename T> void put(std::string& out, T v) { out.append(reinterpret_cast<const char*>(&v), sizeof(T)); }

struct Span { const char* p = nullptr; uint64_t len = 0; };

// One parsed batch: per column its node and buffers (validity, values/offsets, data).
struct Parsed {
  int64_t rows = 0;
  uint64_t body_len = 0;
  std::string_view schema;
  std::vector<std::pair<int64_t, int64_t>> nodes;
  std::vector<Span> bufs;
};

bool parse_stream(std::string_view s, std::vector<Parsed>& out) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (s.size() - pos < kBatchHeaderSize) return false;
    const char* p = s.data() + pos;
    if (std::memcmp(p, kBatchMagic, 4) != 0 || get<uint16_t>(p + 4) != kBatchVersion || get<uint16_t>(p + 6) != 0)
      return false;  // another version, or a zstd body: not merged
    Parsed b;
    b.rows = get<int64_t>(p + 8);
    uint64_t schema_len = get<uint32_t>(p + 16), n_nodes = get<uint32_t>(p + 20), n_bufs = get<uint32_t>(p + 24);
    uint64_t body_len = get<uint64_t>(p + 32), stored_len = get<uint64_t>(p + 40);
    if (b.rows < 0 || b.rows > INT32_MAX || stored_len != body_len || body_len > kMaxBatchBody) return false;
    uint64_t total = kBatchHeaderSize + pad8(schema_len) + 16 * (n_nodes + n_bufs) + pad8(body_len);
    if (n_nodes > (1u << 20) || n_bufs > (1u << 20) || total > s.size() - pos) return false;
    b.body_len = body_len;
    b.schema = std::string_view(p + kBatchHeaderSize, schema_len);
    const char* np = p + kBatchHeaderSize + pad8(schema_len);
    for (uint64_t i = 0; i < n_nodes; ++i) b.nodes.emplace_back(get<int64_t>(np + 16 * i), get<int64_t>(np + 16 * i + 8));
    const char* bp = np + 16 * n_nodes;
    const char* body = bp + 16 * n_bufs;
    for (uint64_t i = 0; i < n_bufs; ++i) {
      uint64_t off = get<uint64_t>(bp + 16 * i), len = get<uint64_t>(bp + 16 * i + 8);
      if (off > body_len || len > body_len - off) return false;
      b.bufs.push_back({body + off, len});
    }
    out.push_back(std::move(b));
    pos += total;
  }
  return true;
}

// Appends n bits of `src` (from bit 0) at bit `at` of `dst` (zeroed beyond `at`).
void append_bits(std::string& dst, int64_t at, const uint8_t* src, int64_t n) {
  if (n == 0) return;
  auto* d = reinterpret_cast<uint8_t*>(dst.data());
  const int64_t full = n / 8, rest = n % 8;
  const int shift = int(at % 8);
  uint8_t* o = d + at / 8;
  if (shift == 0) {
    std::memcpy(o, src, size_t(full));
    if (rest) o[full] = uint8_t(src[full] & ((1u << rest) - 1));
    return;
  }
  for (int64_t i = 0; i < full; ++i) {
    o[i] |= uint8_t(src[i] << shift);
    o[i + 1] = uint8_t(src[i] >> (8 - shift));
  }
  if (rest) {
    const uint32_t last = src[full] & ((1u << rest) - 1);
    o[full] |= uint8_t(last << shift);
    if (shift + rest > 8) o[full + 1] = uint8_t(last >> (8 - shift));
  }
}

void set_bits(std::string& dst, int64_t at, int64_t n) {
  auto* d = reinterpret_cast<uint8_t*>(dst.data());
  int64_t i = at;
  for (; i < at + n && (i & 7); ++i) d[i >> 3] |= uint8_t(1u << (i & 7));
  if (i + 8 <= at + n) {
    std::memset(d + (i >> 3), 0xff, size_t((at + n - i) / 8));
    i += (at + n - i) / 8 * 8;
  }
  for (; i < at + n; ++i) d[i >> 3] |= uint8_t(1u << (i & 7));
}

enum class Kind { Null, Bits, Fixed, Var };

}  // namespace

bool merge_serialized(const std::vector<std::string_view>& streams, MergedStream& out) {
  std::vector<Parsed> batches;
  for (auto s : streams)
    if (!parse_stream(s, batches)) return false;
  if (batches.empty()) return true;
  const std::string_view schema = batches[0].schema;
  auto j = nlohmann::json::parse(schema.begin(), schema.end(), nullptr, false);
  if (j.is_discarded()) return false;
  auto st = type_from_json(j);
  if (!st || st->id != TypeId::Struct) return false;
  std::vector<Kind> kinds;
  std::vector<int> width;
  size_t n_bufs = 0;
  for (const auto& t : st->children) {
    Kind k = t.id == TypeId::Null ? Kind::Null : t.id == TypeId::Boolean ? Kind::Bits
             : is_fixed_width(t.id) ? Kind::Fixed : is_var_binary(t.id) ? Kind::Var : Kind::Null;
    if (k == Kind::Null && t.id != TypeId::Null) return false;  // nested: not merged
    kinds.push_back(k);
    width.push_back(fixed_width(t.id));
    n_bufs += k == Kind::Null ? 0 : k == Kind::Var ? 3 : 2;
  }
  const size_t ncols = kinds.size();
  // Check every batch against the schema before any piece is made.
  for (const auto& b : batches) {
    if (b.schema != schema || b.nodes.size() != ncols || b.bufs.size() != n_bufs) return false;
    size_t k = 0;
    for (size_t c = 0; c < ncols; ++c) {
      auto [len, nulls] = b.nodes[c];
      if (len != b.rows || nulls < 0 || nulls > len) return false;
      if (kinds[c] == Kind::Null) {
        if (nulls != len) return false;
        continue;
      }
      const Span& v = b.bufs[k];
      if (v.len == 0 ? nulls != 0 : int64_t(v.len) < bitmap_bytes(len)) return false;
      const Span& vals = b.bufs[k + 1];
      if (kinds[c] == Kind::Bits && int64_t(vals.len) < bitmap_bytes(len)) return false;
      if (kinds[c] == Kind::Fixed && vals.len < uint64_t(len) * uint64_t(width[c])) return false;
      if (kinds[c] == Kind::Var) {
        if (vals.len < uint64_t(len + 1) * 4) return false;
        const int32_t first = get<int32_t>(vals.p), last = get<int32_t>(vals.p + 4 * len);
        if (first != 0 || last < 0 || uint64_t(last) > b.bufs[k + 2].len) return false;
      }
      k += kinds[c] == Kind::Var ? 3 : 2;
    }
  }
  // Groups of batches: rows and each string column's bytes stay under 2^31, and the body
  // under kMaxBatchBody (bounded by the inputs' bodies plus, per column, a whole bitmap — a
  // column without NULLs in some inputs gets one — and padding).
  size_t g0 = 0;
  while (g0 < batches.size()) {
    size_t g1 = g0;
    int64_t rows = 0;
    uint64_t body_bound = 0;
    std::vector<int64_t> var_bytes(ncols, 0);
    for (; g1 < batches.size(); ++g1) {
      const auto& b = batches[g1];
      const uint64_t bound = body_bound + b.body_len + ncols * (uint64_t(bitmap_bytes(rows + b.rows)) + 32);
      bool fits = rows + b.rows <= INT32_MAX && bound <= kMaxBatchBody;
      size_t k = 0;
      for (size_t c = 0; c < ncols && fits; ++c) {
        if (kinds[c] == Kind::Var) fits = var_bytes[c] + get<int32_t>(b.bufs[k + 1].p + 4 * b.rows) <= INT32_MAX;
        k += kinds[c] == Kind::Null ? 0 : kinds[c] == Kind::Var ? 3 : 2;
      }
      if (!fits && g1 > g0) break;
      rows += b.rows;
      body_bound += b.body_len;
      k = 0;
      for (size_t c = 0; c < ncols; ++c) {
        if (kinds[c] == Kind::Var) var_bytes[c] += get<int32_t>(b.bufs[k + 1].p + 4 * b.rows);
        k += kinds[c] == Kind::Null ? 0 : kinds[c] == Kind::Var ? 3 : 2;
      }
    }
    // The body: per column its buffers, each padded to 8; pieces collected first, the header
    // (which needs the spans) put in front of them.
    static const char kZeros[8] = {};
    std::vector<std::pair<int64_t, int64_t>> nodes;
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    std::vector<std::string_view> body;
    uint64_t body_size = 0;
    auto add_piece = [&](const char* p, size_t n) {
      if (n) body.emplace_back(p, n);
      body_size += n;
    };
    auto end_buffer = [&](uint64_t start) {
      spans.emplace_back(start, body_size - start);
      if (size_t pad = pad8(body_size) - body_size) add_piece(kZeros, pad);
    };
    size_t k = 0;
    for (size_t c = 0; c < ncols; ++c) {
      int64_t nulls = 0;
      for (size_t i = g0; i < g1; ++i) nulls += batches[i].nodes[c].second;
      nodes.emplace_back(rows, nulls);
      if (kinds[c] == Kind::Null) continue;
      uint64_t start = body_size;
      if (nulls) {  // validity: the batches' bitmaps one after another (all-valid ones set)
        std::string& bits = out.owned.emplace_back(size_t(bitmap_bytes(rows)) + 1, '\0');
        int64_t at = 0;
        for (size_t i = g0; i < g1; ++i) {
          const auto& b = batches[i];
          if (b.nodes[c].second) append_bits(bits, at, reinterpret_cast<const uint8_t*>(b.bufs[k].p), b.rows);
          else set_bits(bits, at, b.rows);
          at += b.rows;
        }
        add_piece(bits.data(), size_t(bitmap_bytes(rows)));
      }
      end_buffer(start);
      start = body_size;
      if (kinds[c] == Kind::Fixed) {
        for (size_t i = g0; i < g1; ++i) add_piece(batches[i].bufs[k + 1].p, size_t(batches[i].rows) * size_t(width[c]));
      } else if (kinds[c] == Kind::Bits) {
        std::string& bits = out.owned.emplace_back(size_t(bitmap_bytes(rows)) + 1, '\0');
        int64_t at = 0;
        for (size_t i = g0; i < g1; ++i) {
          append_bits(bits, at, reinterpret_cast<const uint8_t*>(batches[i].bufs[k + 1].p), batches[i].rows);
          at += batches[i].rows;
        }
        add_piece(bits.data(), size_t(bitmap_bytes(rows)));
      } else {  // offsets rebased onto one data buffer
        std::string& offs = out.owned.emplace_back(size_t(rows + 1) * 4, '\0');
        auto* o = reinterpret_cast<int32_t*>(offs.data());
        int64_t at = 0;
        int32_t base = 0;
        for (size_t i = g0; i < g1; ++i) {
          const char* src = batches[i].bufs[k + 1].p;
          for (int64_t r = 0; r < batches[i].rows; ++r) o[at + r] = base + get<int32_t>(src + 4 * r);
          at += batches[i].rows;
          base += get<int32_t>(src + 4 * batches[i].rows);
        }
        o[rows] = base;
        for (int64_t r = 0; r < rows; ++r)
          if (o[r + 1] < o[r]) return false;  // offsets decrease: malformed, sent as they are
        add_piece(offs.data(), offs.size());
        end_buffer(start);
        start = body_size;
        for (size_t i = g0; i < g1; ++i)
          add_piece(batches[i].bufs[k + 2].p, size_t(get<int32_t>(batches[i].bufs[k + 1].p + 4 * batches[i].rows)));
      }
      end_buffer(start);
      k += kinds[c] == Kind::Var ? 3 : 2;
    }
    std::string& head = out.owned.emplace_back();
    head.append(kBatchMagic, 4);
    put<uint16_t>(head, kBatchVersion);
    put<uint16_t>(head, 0);
    put<int64_t>(head, rows);
    put<uint32_t>(head, uint32_t(schema.size()));
    put<uint32_t>(head, uint32_t(nodes.size()));
    put<uint32_t>(head, uint32_t(spans.size()));
    put<uint32_t>(head, 0);
    put<uint64_t>(head, body_size);
    put<uint64_t>(head, body_size);
    head.append(schema);
    head.append(pad8(schema.size()) - schema.size(), '\0');
    for (auto [l, n] : nodes) { put<int64_t>(head, l); put<int64_t>(head, n); }
    for (auto [o, l] : spans) { put<uint64_t>(head, o); put<uint64_t>(head, l); }
    out.pieces.emplace_back(head);
    out.size += head.size();
    for (auto p : body) out.pieces.push_back(p);
    out.size += body_size;
    g0 = g1;
  }
  return true;
}

}  // namespace spp::sql::col
