// Null/conditional, hash and misc library calls: the conditionals reuse the core kernels
// (coalesce, CASE WHEN, <=>), the hashes bind digest_fns.
#include <random>

#include "sql/columnar/builder.h"
#include "sql/exec/input_file.h"
#include "sql/exec/library.h"
#include "sql/kernels/collection_fns.h"
#include "sql/kernels/date_fns.h"
#include "sql/kernels/digest_fns.h"
#include "sql/kernels/hash.h"

namespace spp::sql::exec {

namespace {
thread_local InputFileBlock input_file_block;
thread_local std::string input_file_path;  // the raw path of input_file_block
}  // namespace

const InputFileBlock& current_input_file() { return input_file_block; }

void set_input_file(const std::string& path, int64_t start, int64_t length) {
  if (path == input_file_path && start == input_file_block.start && length == input_file_block.length) return;
  // Hadoop's Path.toUri().toString() of a local file: file:// + the absolute path, the bytes a
  // URI path may not hold percent-encoded (java.net.URI leaves non-ASCII characters as they are).
  static const char* hex = "0123456789ABCDEF";
  static constexpr std::string_view kEscaped = "%#?\"<>^`{|}\\[]";
  std::string uri = "file://";
  for (unsigned char ch : path) {
    if (ch <= 0x20 || ch == 0x7f || kEscaped.find(static_cast<char>(ch)) != std::string_view::npos) {
      uri += '%';
      uri += hex[ch >> 4];
      uri += hex[ch & 15];
    } else {
      uri += static_cast<char>(ch);
    }
  }
  input_file_path = path;
  input_file_block = {std::move(uri), start, length};
}

void unset_input_file() {
  input_file_path.clear();
  input_file_block = {};
}

}  // namespace spp::sql::exec

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

ExprPtr constant_string(std::string v, const col::ColTypePtr& type) {
  col::ColumnBuilder b(type);
  b.append_str(v);
  return lit(b.finish());
}
}  // namespace

std::optional<Result<ExprPtr>> lower_misc_call(const std::string& name, std::vector<ExprPtr>& a,
                                               const col::ColTypePtr& type) {
  if (name == "nvl" || name == "ifnull") return call(Fn::Coalesce, a, type);
  if (name == "nvl2") return call(Fn::CaseWhen, {call(Fn::IsNotNull, {a[0]}), a[1], a[2]}, type);
  if (name == "if") return call(Fn::CaseWhen, {a[0], a[1], a[2]}, type);
  if (name == "nullif") return call(Fn::CaseWhen, {call(Fn::Eq, {a[1], a[2]}), lit_null(type), a[0]}, type);
  if (name == "equal_null") return call(Fn::EqNullSafe, a, type);
  if (name == "hash") return call(Fn::Hash, a, type);
  if (name == "xxhash64") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::xxhash64(x, n); });
  if (name == "md5") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::md5(x[0], n); });
  if (name == "sha1" || name == "sha")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::sha1(x[0], n); });
  if (name == "sha2") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::sha2(x[0], x[1], n); });
  if (name == "crc32") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::crc32(x[0], n); });
  for (auto [nm, f] : {std::pair{"dayofweek", kern::DateField::DayOfWeek}, std::pair{"dayofyear", kern::DateField::DayOfYear},
                       std::pair{"quarter", kern::DateField::Quarter}, std::pair{"weekofyear", kern::DateField::WeekOfYear}})
    if (name == nm)
      return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext&) { return kern::date_field(x[0], f, n); });
  if (name == "scalar_subquery_check")  // (row count, value): the value, an error past one row
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) {
      const col::Column& c = x[0].c();
      for (int64_t i = 0; i < (x[0].constant ? std::min<int64_t>(n, 1) : n); ++i)
        if (!c.is_null(i) && c.vals<int64_t>()[i] > 1 && ctx.error && ctx.error->empty())
          *ctx.error = "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression.";
      return x[1];
    });
  if (name == "typeof") return a.at(1);  // the analyzer's type-name literal
  if (name == "input_file_name")
    return bind_kernel(a, type, [type](const A&, int64_t, const EvalContext&) {
      col::ColumnBuilder b(type);
      b.append_str(current_input_file().uri);
      return Vec::constant_of(b.finish());
    });
  if (name == "input_file_block_start" || name == "input_file_block_length") {
    const bool start = name == "input_file_block_start";
    return bind_kernel(a, type, [type, start](const A&, int64_t, const EvalContext&) {
      col::ColumnBuilder b(type);
      b.append<int64_t>(start ? current_input_file().start : current_input_file().length);
      return Vec::constant_of(b.finish());
    });
  }
  if (name == "uuid") {  // random (version 4) UUIDs, a generator per task's expression
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    return bind_kernel(a, type, [type, rng](const A&, int64_t n, const EvalContext&) {
      static const char* hex = "0123456789abcdef";
      col::ColumnBuilder b(type);
      std::string s(36, '-');
      for (int64_t i = 0; i < n; ++i) {
        uint64_t hi = (*rng)(), lo = (*rng)();
        hi = (hi & ~uint64_t{0xF000}) | 0x4000;                       // version 4
        lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // IETF variant
        int at = 0;
        for (int k = 0; k < 32; ++k) {
          if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
          const uint64_t w = k < 16 ? hi : lo;
          s[static_cast<size_t>(at++)] = hex[(w >> (60 - 4 * (k % 16))) & 15];
        }
        b.append_str(s);
      }
      return Vec::flat(b.finish());
    });
  }
  if (name == "shuffle") {  // a random permutation of each array, a generator per task's expression
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    return bind_kernel(a, type, [type, rng](const A& x, int64_t n, const EvalContext&) { return kern::array_shuffle(x[0], type, n, *rng); });
  }
  if (name == "version") return constant_string(std::string("3.5.1 sparkpp-") + SPARKPP_VERSION, type);
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
