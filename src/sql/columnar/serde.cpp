// Batch message encoder/decoder. The decoder treats its input as hostile (shuffle files and
// blocks come from other processes): every size is checked before it is used.
#include "sql/columnar/serde.h"

#include <zstd.h>

#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

namespace spp::sql::col {

namespace {

size_t pad8(size_t n) { return (n + 7) & ~size_t(7); }

template <typename T> void put(std::string& out, T v) { out.append(reinterpret_cast<const char*>(&v), sizeof(T)); }
template <typename T> T get(const char* p) { T v; std::memcpy(&v, p, sizeof(T)); return v; }

// Collects where each buffer is; the body is written once, straight into the output.
struct Encoder {
  std::vector<std::pair<int64_t, int64_t>> nodes;
  std::vector<std::pair<uint64_t, uint64_t>> bufs;
  std::vector<const uint8_t*> ptrs;
  std::vector<ColumnPtr> keep;  // the compacted columns the pointers point into
  uint64_t body_size = 0;

  void add_buffer(const uint8_t* p, size_t n) {
    bufs.emplace_back(body_size, n);
    ptrs.push_back(p);
    body_size = pad8(body_size + n);
  }
  // Appended buffer by buffer (only the padding between them zeroed: a resize would zero the
  // whole body first, a second pass over it).
  void write_body(std::string& out) const {
    const size_t at = out.size();
    out.reserve(at + body_size);
    for (size_t i = 0; i < bufs.size(); ++i) {
      if (!bufs[i].second) continue;
      out.append(at + bufs[i].first - out.size(), '\0');
      out.append(reinterpret_cast<const char*>(ptrs[i]), bufs[i].second);
    }
    out.append(at + body_size - out.size(), '\0');
  }
  void write_body(char* dst) const {
    size_t pos = 0;
    for (size_t i = 0; i < bufs.size(); ++i) {
      if (!bufs[i].second) continue;
      std::memset(dst + pos, 0, bufs[i].first - pos);
      std::memcpy(dst + bufs[i].first, ptrs[i], bufs[i].second);
      pos = bufs[i].first + bufs[i].second;
    }
    std::memset(dst + pos, 0, body_size - pos);
  }
  // `c` is compact: offset 0, offsets starting at 0, list children exactly as long as used.
  void add(const Column& c) {
    nodes.emplace_back(c.length, c.null_count);
    TypeId id = c.id();
    if (id == TypeId::Null) return;
    if (c.null_count) add_buffer(c.validity->data(), size_t(bitmap_bytes(c.length)));
    else add_buffer(nullptr, 0);
    if (is_fixed_width(id)) add_buffer(c.values->data(), size_t(c.length) * fixed_width(id));
    else if (id == TypeId::Boolean) add_buffer(c.values->data(), size_t(bitmap_bytes(c.length)));
    else if (is_var_binary(id) || id == TypeId::Array || id == TypeId::Map) {
      add_buffer(c.values->data(), size_t(c.length + 1) * 4);
      if (is_var_binary(id)) add_buffer(c.data->data(), size_t(c.offsets()[c.length]));
    }
    for (const auto& ch : c.children) add(*ch);
  }
};

struct Decoder {
  const std::pair<int64_t, int64_t>* nodes;
  size_t n_nodes, next_node = 0;
  const std::pair<uint64_t, uint64_t>* bufs;
  size_t n_bufs, next_buf = 0;
  const uint8_t* body;
  uint64_t body_len;
  uint64_t last_end = 0;
  int depth = 0;

  Result<BufferPtr> buffer() {
    if (next_buf >= n_bufs) return Result<BufferPtr>::error("fewer buffers than the schema needs");
    auto [off, len] = bufs[next_buf++];
    if (off % 8 || off < last_end || off > body_len || len > body_len - off)
      return Result<BufferPtr>::error("buffer outside the body, misaligned or overlapping");
    last_end = off + len;
    auto b = std::make_shared<Buffer>(size_t(len), Buffer::Uninit{});  // every byte copied next
    if (len) std::memcpy(b->data(), body + off, size_t(len));
    return b;
  }

  // expect_len >= 0: the node must have exactly this many rows.
  Result<ColumnPtr> column(const ColType& t, int64_t expect_len) {
    if (++depth > 64) return Result<ColumnPtr>::error("nesting too deep");
    struct Guard { int& d; ~Guard() { --d; } } guard{depth};
    if (next_node >= n_nodes) return Result<ColumnPtr>::error("fewer nodes than the schema needs");
    auto [len, nulls] = nodes[next_node++];
    if (len < 0 || len > INT32_MAX || nulls < 0 || nulls > len)
      return Result<ColumnPtr>::error("bad node length or null count");
    if (expect_len >= 0 && len != expect_len) return Result<ColumnPtr>::error("node length disagrees with its parent");
    auto c = std::make_shared<Column>();
    c->type = make_type(t);
    c->length = len;
    c->null_count = nulls;
    if (t.id == TypeId::Null) {
      if (nulls != len) return Result<ColumnPtr>::error("void column with non-null rows");
      return c;
    }
    auto v = buffer();
    if (!v) return v.status();
    if ((*v)->size() == 0) {
      if (nulls) return Result<ColumnPtr>::error("nulls without a validity bitmap");
    } else {
      if (int64_t((*v)->size()) < bitmap_bytes(len)) return Result<ColumnPtr>::error("validity bitmap too short");
      c->validity = *v;
    }
    if (is_fixed_width(t.id) || t.id == TypeId::Boolean || is_var_binary(t.id) || t.id == TypeId::Array ||
        t.id == TypeId::Map) {
      auto vals = buffer();
      if (!vals) return vals.status();
      c->values = *vals;
      if (is_var_binary(t.id) || t.id == TypeId::Array || t.id == TypeId::Map) {
        if (int64_t(c->values->size()) < (len + 1) * 4) return Result<ColumnPtr>::error("offsets buffer too short");
        if (c->values->as<int32_t>()[0] != 0) return Result<ColumnPtr>::error("offsets must start at 0");
      }
    }
    if (is_var_binary(t.id)) {
      auto d = buffer();
      if (!d) return d.status();
      c->data = *d;
    }
    if (t.id == TypeId::Array || t.id == TypeId::Map) {
      // Check the offsets before trusting the last one as the child's length.
      const int32_t* o = c->values->as<int32_t>();
      for (int64_t i = 0; i < len; ++i)
        if (o[i + 1] < o[i]) return Result<ColumnPtr>::error("offsets decrease");
      auto ch = column(*list_child_type(t), o[len]);
      if (!ch) return ch;
      c->children.push_back(*ch);
    }
    if (t.id == TypeId::Struct)
      for (const auto& ct : t.children) {
        auto ch = column(ct, len);
        if (!ch) return ch;
        c->children.push_back(*ch);
      }
    if (auto s = validate(*c); !s) return s;
    return c;
  }
};

// The schema's JSON (a few us to build and dump): a task serializes batch after batch of one
// schema, so the thread's last one is kept (with the type itself, so the pointer stays its).
const std::string& schema_json(const ColTypePtr& t) {
  static thread_local ColTypePtr last;
  static thread_local std::string json;
  if (t != last) {
    json = type_to_json(*t).dump();
    last = t;
  }
  return json;
}

int type_depth(const nlohmann::json& j, int d) {
  if (d > 64) return d;
  int m = d;
  if (j.is_object() || j.is_array())
    for (const auto& v : j) m = std::max(m, type_depth(v, d + 1));
  return m;
}

}  // namespace

void serialize(const Batch& b, std::string& out, const SerializeOptions& opt) {
  Encoder enc;
  for (const auto& c : b.columns) {
    enc.keep.push_back(compact(c));
    enc.add(*enc.keep.back());
  }
  const std::string& schema = schema_json(b.schema);
  std::string stored;
  bool z = opt.zstd && enc.body_size > 0;
  if (z) {
    std::string body;
    enc.write_body(body);
    stored.resize(ZSTD_compressBound(body.size()));
    size_t n = ZSTD_compress(stored.data(), stored.size(), body.data(), body.size(), opt.zstd_level);
    SPP_CHECK(!ZSTD_isError(n), "zstd: %s", ZSTD_getErrorName(n));
    stored.resize(n);
  }
  const uint64_t payload_size = z ? stored.size() : enc.body_size;
  out.reserve(out.size() + 48 + pad8(schema.size()) + 16 * (enc.nodes.size() + enc.bufs.size()) + pad8(payload_size));
  out.append(kBatchMagic, 4);
  put<uint16_t>(out, kBatchVersion);
  put<uint16_t>(out, z ? kFlagZstd : 0);
  put<int64_t>(out, b.num_rows);
  put<uint32_t>(out, uint32_t(schema.size()));
  put<uint32_t>(out, uint32_t(enc.nodes.size()));
  put<uint32_t>(out, uint32_t(enc.bufs.size()));
  put<uint32_t>(out, 0);
  put<uint64_t>(out, enc.body_size);
  put<uint64_t>(out, payload_size);
  out += schema;
  out.resize(out.size() + pad8(schema.size()) - schema.size(), '\0');
  for (auto [l, n] : enc.nodes) { put<int64_t>(out, l); put<int64_t>(out, n); }
  for (auto [o, l] : enc.bufs) { put<uint64_t>(out, o); put<uint64_t>(out, l); }
  if (z) {
    out += stored;
    out.resize(out.size() + pad8(stored.size()) - stored.size(), '\0');
  } else {
    enc.write_body(out);  // already a multiple of 8
  }
}

namespace {
// The message's bytes before its body, at `p`; returns the first byte after them.
char* write_head(char* p, int64_t rows, const std::string& schema, const Encoder& enc) {
  auto put_raw = [&p](auto v) {
    std::memcpy(p, &v, sizeof(v));
    p += sizeof(v);
  };
  std::memcpy(p, kBatchMagic, 4);
  p += 4;
  put_raw(uint16_t(kBatchVersion));
  put_raw(uint16_t(0));
  put_raw(int64_t(rows));
  put_raw(uint32_t(schema.size()));
  put_raw(uint32_t(enc.nodes.size()));
  put_raw(uint32_t(enc.bufs.size()));
  put_raw(uint32_t(0));
  put_raw(uint64_t(enc.body_size));
  put_raw(uint64_t(enc.body_size));
  std::memcpy(p, schema.data(), schema.size());
  std::memset(p + schema.size(), 0, pad8(schema.size()) - schema.size());
  p += pad8(schema.size());
  for (auto [l, n] : enc.nodes) { put_raw(int64_t(l)); put_raw(int64_t(n)); }
  for (auto [o, l] : enc.bufs) { put_raw(uint64_t(o)); put_raw(uint64_t(l)); }
  return p;
}
}  // namespace

size_t serialize_to(const Batch& b, char* dst, size_t cap) {
  Encoder enc;
  for (const auto& c : b.columns) {
    enc.keep.push_back(compact(c));
    enc.add(*enc.keep.back());
  }
  const std::string& schema = schema_json(b.schema);
  const size_t meta = 16 * (enc.nodes.size() + enc.bufs.size());
  const size_t total = 48 + pad8(schema.size()) + meta + enc.body_size;
  if (total > cap) return 0;
  enc.write_body(write_head(dst, b.num_rows, schema, enc));
  return total;
}

size_t serialize_to(const std::vector<Batch>& parts, char* dst, size_t cap) {
  SPP_CHECK(!parts.empty(), "nothing to serialize");
  if (parts.size() == 1) return serialize_to(parts[0], dst, cap);
  const Batch& first = parts[0];
  for (const auto& p : parts)
    for (const auto& c : p.columns)
      if (!is_fixed_width(c->id())) return serialize_to(concat(parts), dst, cap);
  // The layout Encoder::add gives the concatenated columns: per column a node (rows, NULLs), a
  // validity buffer (empty without NULLs) and the values.
  Encoder enc;
  int64_t rows = 0;
  for (const auto& p : parts) rows += p.num_rows;
  for (size_t c = 0; c < first.columns.size(); ++c) {
    int64_t nulls = 0;
    for (const auto& p : parts) nulls += p.columns[c]->null_count;
    enc.nodes.emplace_back(rows, nulls);
    if (nulls) enc.add_buffer(nullptr, size_t(bitmap_bytes(rows)));
    else enc.add_buffer(nullptr, 0);
    enc.add_buffer(nullptr, size_t(rows) * fixed_width(first.columns[c]->id()));
  }
  const std::string& schema = schema_json(first.schema);
  const size_t total = 48 + pad8(schema.size()) + 16 * (enc.nodes.size() + enc.bufs.size()) + enc.body_size;
  if (total > cap) return 0;
  char* body = write_head(dst, rows, schema, enc);
  for (auto [off, len] : enc.bufs) std::memset(body + off + len, 0, pad8(off + len) - (off + len));  // padding
  for (size_t c = 0; c < first.columns.size(); ++c) {
    const auto [voff, vlen] = enc.bufs[2 * c];
    const size_t width = fixed_width(first.columns[c]->id());
    uint8_t* bits = reinterpret_cast<uint8_t*>(body + voff);
    std::memset(bits, 0, vlen);  // validity bits are set below
    char* to = body + enc.bufs[2 * c + 1].first;
    int64_t at = 0;
    for (const auto& p : parts) {
      const Column& col = *p.columns[c];
      if (col.length) std::memcpy(to, col.values->data() + size_t(col.offset) * width, size_t(col.length) * width);
      to += size_t(col.length) * width;
      if (vlen)
        for (int64_t i = 0; i < col.length; ++i)
          if (col.is_valid(i)) set_bit(bits, at + i);
      at += col.length;
    }
  }
  return total;
}

std::string serialize(const Batch& b, const SerializeOptions& opt) {
  std::string s;
  serialize(b, s, opt);
  return s;
}

namespace {
// Inflates a zstd body that must come to exactly `want` bytes. The header's `want` (a peer's
// word, up to kMaxBatchBody) is trusted only as far as typical ratios go: the buffer starts at
// 16x the input (at least 64 KiB) and doubles as output actually arrives, so a small message
// claiming a huge body costs what it decodes to, not what it claims (as shuffle records).
bool inflate_body(const char* src, size_t len, size_t want, std::string& out) {
  static thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  ZSTD_DCtx* d = dctx.get();
  if (!d) return false;
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  size_t first = std::min(want, std::max<size_t>(len * 16, size_t{1} << 16));
  out.assign(first, '\0');
  ZSTD_inBuffer in{src, len, 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  for (;;) {
    size_t r = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(r)) return false;
    if (r == 0) break;  // frame complete
    if (o.pos < o.size) {
      if (in.pos == in.size) return false;  // truncated
      continue;
    }
    if (o.size == want) return false;  // more output than the header says
    out.resize(std::min(want, o.size * 2));
    o.dst = out.data();
    o.size = out.size();
  }
  return o.pos == want && in.pos == in.size;
}
}  // namespace

namespace {
// One message: its header, schema and buffer table read from `head` (the message's first bytes:
// `in` itself, or a private copy of them), its body from `in`.
Result<Batch> decode_message(std::string_view head, std::string_view in, bool shared, size_t* consumed) {
  using R = Result<Batch>;
  if (head.size() < kBatchHeaderSize) return R::error("batch message truncated (header)");
  const char* p = head.data();
  if (std::memcmp(p, kBatchMagic, 4) != 0) return R::error("not a batch message (bad magic)");
  if (get<uint16_t>(p + 4) != kBatchVersion) return R::error("unsupported batch message version");
  uint16_t flags = get<uint16_t>(p + 6);
  if (flags & ~kFlagZstd) return R::error("unknown batch message flags");
  int64_t num_rows = get<int64_t>(p + 8);
  uint64_t schema_len = get<uint32_t>(p + 16), n_nodes = get<uint32_t>(p + 20), n_bufs = get<uint32_t>(p + 24);
  uint64_t body_len = get<uint64_t>(p + 32), stored_len = get<uint64_t>(p + 40);
  if (get<uint32_t>(p + 28) != 0) return R::error("reserved header field is not 0");
  if (num_rows < 0 || num_rows > INT32_MAX) return R::error("bad row count");
  if (body_len > kMaxBatchBody || stored_len > kMaxBatchBody) return R::error("batch body too large");
  if (!(flags & kFlagZstd) && stored_len != body_len) return R::error("stored length differs from body length");
  if (shared && (flags & kFlagZstd)) return R::error("a compressed batch in shared memory");
  const uint64_t prefix = kBatchHeaderSize + pad8(schema_len) + 16 * n_nodes + 16 * n_bufs;
  uint64_t total = prefix + pad8(stored_len);
  if (total > in.size() || prefix > head.size()) return R::error("batch message truncated");
  const char* sp = p + kBatchHeaderSize;
  // The batches of a stream (a shuffle block, a Python worker's results) repeat one schema:
  // the last one parsed on this thread is reused when its bytes are the same.
  static thread_local std::string last_schema;
  static thread_local ColTypePtr last_type;
  ColTypePtr schema_type;
  if (last_type && std::string_view(sp, schema_len) == last_schema) {
    schema_type = last_type;
  } else {
    auto j = nlohmann::json::parse(sp, sp + schema_len, nullptr, false);
    if (j.is_discarded()) return R::error("batch schema is not JSON");
    if (type_depth(j, 0) > 64) return R::error("batch schema nested too deeply");
    auto st = type_from_json(j);
    if (!st) return st.status();
    if (st->id != TypeId::Struct) return R::error("batch schema must be a struct");
    schema_type = make_type(std::move(*st));
    if (schema_len <= 4096) {
      last_schema.assign(sp, schema_len);
      last_type = schema_type;
    }
  }
  const char* np = sp + pad8(schema_len);
  std::vector<std::pair<int64_t, int64_t>> nodes(n_nodes);
  for (uint64_t i = 0; i < n_nodes; ++i) nodes[i] = {get<int64_t>(np + 16 * i), get<int64_t>(np + 16 * i + 8)};
  const char* bp = np + 16 * n_nodes;
  std::vector<std::pair<uint64_t, uint64_t>> bufs(n_bufs);
  for (uint64_t i = 0; i < n_bufs; ++i) bufs[i] = {get<uint64_t>(bp + 16 * i), get<uint64_t>(bp + 16 * i + 8)};
  const char* body = in.data() + prefix;
  std::string inflated;
  if (flags & kFlagZstd) {
    if (!inflate_body(body, stored_len, body_len, inflated)) return R::error("batch body does not decompress to its length");
    body = inflated.data();
  }
  Decoder dec{nodes.data(), nodes.size(), 0, bufs.data(), bufs.size(), 0,
              reinterpret_cast<const uint8_t*>(body), body_len};
  Batch b;
  b.schema = std::move(schema_type);
  b.num_rows = num_rows;
  for (const auto& ft : b.schema->children) {
    auto c = dec.column(ft, num_rows);
    if (!c) return c.status();
    b.columns.push_back(*c);
  }
  if (dec.next_node != n_nodes || dec.next_buf != n_bufs) return R::error("more nodes or buffers than the schema needs");
  if (consumed) *consumed = size_t(total);
  return b;
}
}  // namespace

Result<Batch> deserialize(std::string_view in, size_t* consumed) { return decode_message(in, in, false, consumed); }

Result<Batch> deserialize_shared(std::string_view in, size_t* consumed) {
  // The prefix's length from a copy of the header, then the prefix copied: decode_message reads
  // the header again from that copy and checks the prefix it describes lies inside the copy.
  if (in.size() < kBatchHeaderSize) return Result<Batch>::error("batch message truncated (header)");
  char h[kBatchHeaderSize];
  std::memcpy(h, in.data(), kBatchHeaderSize);
  const uint64_t prefix = kBatchHeaderSize + pad8(get<uint32_t>(h + 16)) + 16 * uint64_t(get<uint32_t>(h + 20)) +
                          16 * uint64_t(get<uint32_t>(h + 24));
  static thread_local std::string head;
  head.assign(in.data(), size_t(std::min<uint64_t>(prefix, in.size())));
  return decode_message(head, in, true, consumed);
}

}  // namespace spp::sql::col
