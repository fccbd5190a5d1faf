// base64/unbase64 (java.util.Base64 MIME encoder/decoder, as Spark 3.5) and encode/decode
// between strings and bytes in the charsets Java always has (String.getBytes / new String:
// unmappable characters become '?', malformed input U+FFFD).
#include <array>
#include <cctype>

#include "sql/kernels/fn_util.h"
#include "sql/kernels/text_fns.h"

namespace spp::sql::kern {

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::array<int8_t, 256> b64_index() {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[(unsigned char)kB64[i]] = int8_t(i);
  return t;
}

// Appends code point cp in UTF-16 (big- or little-endian).
void put16(uint32_t cp, bool be, std::string& out) {
  auto unit = [&](uint32_t u) {
    char hi = char(u >> 8), lo = char(u & 0xff);
    if (be) { out.push_back(hi); out.push_back(lo); } else { out.push_back(lo); out.push_back(hi); }
  };
  if (cp >= 0x10000) {
    cp -= 0x10000;
    unit(0xd800 + (cp >> 10));
    unit(0xdc00 + (cp & 0x3ff));
  } else {
    unit(cp);
  }
}

// Decodes UTF-8 leniently: each byte of a malformed sequence becomes U+FFFD.
void utf8_lenient(std::string_view b, std::string& out) {
  for (size_t i = 0; i < b.size();) {
    unsigned char c = (unsigned char)b[i];
    size_t len = c < 0x80 ? 1 : (c >= 0xc2 && c < 0xe0) ? 2 : (c >= 0xe0 && c < 0xf0) ? 3 : (c >= 0xf0 && c < 0xf5) ? 4 : 0;
    bool ok = len > 0 && i + len <= b.size();
    for (size_t k = 1; ok && k < len; ++k) ok = utf8::is_cont((unsigned char)b[i + k]);
    if (ok && len == 3) {
      unsigned char c1 = (unsigned char)b[i + 1];
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong / surrogate
    }
    if (ok && len == 4) {
      unsigned char c1 = (unsigned char)b[i + 1];
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) { out.append("\xef\xbf\xbd"); ++i; continue; }
    out.append(b.substr(i, len));
    i += len;
  }
}

void utf16_decode(std::string_view b, bool be, std::string& out) {
  auto unit = [&](size_t i) -> uint32_t {
    auto x = (unsigned char)b[i], y = (unsigned char)b[i + 1];
    return be ? (uint32_t(x) << 8 | y) : (uint32_t(y) << 8 | x);
  };
  size_t i = 0;
  for (; i + 1 < b.size(); i += 2) {
    uint32_t u = unit(i);
    if (u >= 0xd800 && u < 0xdc00 && i + 3 < b.size()) {
      uint32_t v = unit(i + 2);
      if (v >= 0xdc00 && v < 0xe000) {
        utf8::put(0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00), out);
        i += 2;
        continue;
      }
    }
    utf8::put(u >= 0xd800 && u < 0xe000 ? 0xfffd : u, out);
  }
  if (i < b.size()) utf8::put(0xfffd, out);  // a dangling byte
}

std::string upper_name(std::string_view s) {
  std::string u(s);
  for (auto& ch : u) ch = char(std::toupper((unsigned char)ch));
  return u;
}
}  // namespace

Vec base64(const Vec& bin, int64_t n) {
  StrArg B(bin);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (B.null(i)) return false;
    std::string_view v = B[i];
    size_t line = 0;
    for (size_t k = 0; k < v.size(); k += 3) {
      if (line == 76) { out.append("\r\n"); line = 0; }
      uint32_t x = uint32_t((unsigned char)v[k]) << 16;
      if (k + 1 < v.size()) x |= uint32_t((unsigned char)v[k + 1]) << 8;
      if (k + 2 < v.size()) x |= (unsigned char)v[k + 2];
      out.push_back(kB64[(x >> 18) & 63]);
      out.push_back(kB64[(x >> 12) & 63]);
      out.push_back(k + 1 < v.size() ? kB64[(x >> 6) & 63] : '=');
      out.push_back(k + 2 < v.size() ? kB64[x & 63] : '=');
      line += 4;
    }
    return true;
  });
}

Vec unbase64(const Vec& s, int64_t n) {
  static const auto idx = b64_index();
  StrArg S(s);
  return gen_str(
      n,
      [&](int64_t i, std::string& out) {
        if (S.null(i)) return false;
        uint32_t acc = 0;
        int bits = 0;
        for (unsigned char ch : S[i]) {
          if (ch == '=') break;  // padding ends the data
          int8_t d = idx[ch];
          if (d < 0) continue;  // MIME: characters outside the alphabet are ignored
          acc = (acc << 6) | uint32_t(d);
          bits += 6;
          if (bits >= 8) {
            bits -= 8;
            out.push_back(char((acc >> bits) & 0xff));
          }
        }
        return true;
      },
      TypeId::Binary);
}

std::optional<Charset> charset_named(std::string_view name) {
  std::string u = upper_name(name);
  for (auto a : {"UTF-8", "UTF8"}) if (u == a) return Charset::Utf8;
  for (auto a : {"US-ASCII", "ASCII", "US", "ISO646-US", "ASCII7", "646", "CP367", "IBM367", "DEFAULT",
                 "ANSI_X3.4-1968", "ANSI_X3.4-1986", "ISO_646.IRV:1983", "CSASCII"})
    if (u == a) return Charset::Ascii;
  for (auto a : {"ISO-8859-1", "ISO8859_1", "ISO_8859_1", "ISO_8859-1", "ISO8859-1", "8859_1", "LATIN1", "L1",
                 "CP819", "IBM819", "IBM-819", "819", "CSISOLATIN1", "ISO_8859-1:1987", "ISO-IR-100"})
    if (u == a) return Charset::Latin1;
  for (auto a : {"UTF-16BE", "UTF_16BE", "X-UTF-16BE", "ISO-10646-UCS-2", "UNICODEBIGUNMARKED"})
    if (u == a) return Charset::Utf16Be;
  for (auto a : {"UTF-16LE", "UTF_16LE", "X-UTF-16LE", "UNICODELITTLEUNMARKED"}) if (u == a) return Charset::Utf16Le;
  for (auto a : {"UTF-16", "UTF_16", "UTF16", "UNICODE", "UNICODEBIG"}) if (u == a) return Charset::Utf16;
  return std::nullopt;
}

Vec encode(const Vec& s, const Vec& charset, int64_t n, std::string* error) {
  StrArg S(s), C(charset);
  return gen_str(
      n,
      [&](int64_t i, std::string& out) {
        if (S.null(i) || C.null(i)) return false;
        auto cs = charset_named(C[i]);
        if (!cs) {
          if (error && error->empty()) *error = "java.io.UnsupportedEncodingException: " + std::string(C[i]);
          return false;
        }
        std::string_view v = S[i];
        if (*cs == Charset::Utf8) { out.append(v); return true; }
        if (*cs == Charset::Utf16 && !v.empty()) out.append("\xfe\xff");  // Java's BOM (none for "")
        for (size_t k = 0; k < v.size();) {
          uint32_t cp = utf8::next(v, k);
          switch (*cs) {
            case Charset::Ascii: out.push_back(cp < 0x80 ? char(cp) : '?'); break;
            case Charset::Latin1: out.push_back(cp < 0x100 ? char(cp) : '?'); break;
            case Charset::Utf16Le: put16(cp, false, out); break;
            default: put16(cp, true, out); break;
          }
        }
        return true;
      },
      TypeId::Binary);
}

Vec decode(const Vec& bin, const Vec& charset, int64_t n, std::string* error) {
  StrArg B(bin), C(charset);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (B.null(i) || C.null(i)) return false;
    auto cs = charset_named(C[i]);
    if (!cs) {
      if (error && error->empty()) *error = "java.io.UnsupportedEncodingException: " + std::string(C[i]);
      return false;
    }
    std::string_view v = B[i];
    switch (*cs) {
      case Charset::Utf8: utf8_lenient(v, out); break;
      case Charset::Ascii:
        for (unsigned char ch : v) {
          if (ch < 0x80) out.push_back(char(ch));
          else out.append("\xef\xbf\xbd");
        }
        break;
      case Charset::Latin1: for (unsigned char ch : v) utf8::put(ch, out); break;
      case Charset::Utf16Be: utf16_decode(v, true, out); break;
      case Charset::Utf16Le: utf16_decode(v, false, out); break;
      case Charset::Utf16: {
        // A byte-order mark picks the order (and is dropped); big-endian without one.
        bool le = v.size() >= 2 && (unsigned char)v[0] == 0xff && (unsigned char)v[1] == 0xfe;
        bool bom = le || (v.size() >= 2 && (unsigned char)v[0] == 0xfe && (unsigned char)v[1] == 0xff);
        utf16_decode(bom ? v.substr(2) : v, !le, out);
        break;
      }
    }
    return true;
  });
}

}  // namespace spp::sql::kern
