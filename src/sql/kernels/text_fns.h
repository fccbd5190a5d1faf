// String functions of issue 14 (Spark 3.5 semantics, UTF8String's): characters are code points,
// positions 1-based; NULL in -> NULL out unless noted. Each takes Vecs (flat or constant) of the
// types the analyzer cast the arguments to (string / int / binary) and returns a flat Vec.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

Vec initcap(const Vec& s, int64_t n);        // lower-case, then title-case after each ' '
Vec lpad(const Vec& s, const Vec& len, const Vec& pad, int64_t n);  // truncates to len
Vec rpad(const Vec& s, const Vec& len, const Vec& pad, int64_t n);
Vec repeat(const Vec& s, const Vec& times, int64_t n);
Vec reverse(const Vec& s, int64_t n);
Vec instr(const Vec& s, const Vec& sub, int64_t n);                 // 0 when absent
Vec locate(const Vec& sub, const Vec& s, const Vec& pos, int64_t n);  // NULL pos -> 0
Vec substring_index(const Vec& s, const Vec& delim, const Vec& count, int64_t n);
Vec left(const Vec& s, const Vec& len, int64_t n);
Vec right(const Vec& s, const Vec& len, int64_t n);
Vec translate(const Vec& s, const Vec& from, const Vec& to, int64_t n);
Vec replace(const Vec& s, const Vec& search, const Vec& rep, int64_t n);
Vec ascii(const Vec& s, int64_t n);
Vec byte_length(const Vec& s, int bits_per_byte, int64_t n);  // octet_length (8: bit_length)
Vec levenshtein(const Vec& a, const Vec& b, const Vec* threshold, int64_t n);  // > threshold -> -1
Vec soundex(const Vec& s, int64_t n);
Vec overlay(const Vec& s, const Vec& rep, const Vec& pos, const Vec& len, int64_t n);

// Binary <-> text.
Vec base64(const Vec& bin, int64_t n);    // java.util.Base64 MIME encoder: lines of 76, CRLF
Vec unbase64(const Vec& s, int64_t n);    // MIME decoder: characters outside the alphabet skipped
// A charset name Spark 3.5 (Java) accepts: US-ASCII, ISO-8859-1, UTF-8, UTF-16BE, UTF-16LE,
// UTF-16 (and Java's aliases); nullopt for others.
enum class Charset { Ascii, Latin1, Utf8, Utf16Be, Utf16Le, Utf16 };
std::optional<Charset> charset_named(std::string_view name);
Vec encode(const Vec& s, const Vec& charset, int64_t n, std::string* error);  // error: unknown charset
Vec decode(const Vec& bin, const Vec& charset, int64_t n, std::string* error);

// format_number(x, d): Java DecimalFormat `#,###,##0.<d zeros>` (HALF_EVEN); d < 0 -> NULL.
Vec format_number(const Vec& x, const Vec& d, int64_t n);
// format_string(fmt, args...): java.util.Formatter's %s %d %f %e %g %x %o %c %b %% %n with flags
// (-#+ 0,), width, precision and `n$` / `<` indexes, over Spark's internal values (a date is its
// day number). format_check gives Java's exception text for a format the arguments cannot fill
// (checked once, the format being a constant); format_string assumes it passed.
std::optional<std::string> format_check(std::string_view fmt, const std::vector<ColTypePtr>& args);
Vec format_string(std::string_view fmt, const std::vector<Vec>& args, int64_t n);

}  // namespace spp::sql::kern
