// String library calls bound to their kernels (text_fns.h); regexes, LIKE and printf: library_text.cpp.
#include "sql/exec/library.h"
#include "sql/kernels/text_fns.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

template <typename F>
LibKernel k1(F f) { return [f](const A& a, int64_t n, const EvalContext&) { return f(a[0], n); }; }
template <typename F>
LibKernel k2(F f) { return [f](const A& a, int64_t n, const EvalContext&) { return f(a[0], a[1], n); }; }
template <typename F>
LibKernel k3(F f) { return [f](const A& a, int64_t n, const EvalContext&) { return f(a[0], a[1], a[2], n); }; }

Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

}  // namespace

std::optional<Result<ExprPtr>> lower_string_call(const std::string& name, std::vector<ExprPtr>& args,
                                                 const col::ColTypePtr& type) {
  auto& a = args;
  if (name == "initcap") return bind_kernel(a, type, k1(kern::initcap));
  if (name == "soundex") return bind_kernel(a, type, k1(kern::soundex));
  if (name == "reverse") return bind_kernel(a, type, k1(kern::reverse));
  if (name == "char_length" || name == "character_length") return bind_kernel(a, type, k1(kern::length));
  if (name == "octet_length" || name == "bit_length") {
    int k = name == "bit_length" ? 8 : 1;
    return bind_kernel(a, type, [k](const A& x, int64_t n, const EvalContext&) { return kern::byte_length(x[0], k, n); });
  }
  if (name == "ascii") return bind_kernel(a, type, k1(kern::ascii));
  if (name == "base64") return bind_kernel(a, type, k1(kern::base64));
  if (name == "unbase64") return bind_kernel(a, type, k1(kern::unbase64));
  if (name == "lpad") return bind_kernel(a, type, k3(kern::lpad));
  if (name == "rpad") return bind_kernel(a, type, k3(kern::rpad));
  if (name == "repeat") return bind_kernel(a, type, k2(kern::repeat));
  if (name == "left") return bind_kernel(a, type, k2(kern::left));
  if (name == "right") return bind_kernel(a, type, k2(kern::right));
  if (name == "instr") return bind_kernel(a, type, k2(kern::instr));
  if (name == "locate") return bind_kernel(a, type, k3(kern::locate));
  if (name == "substring_index") return bind_kernel(a, type, k3(kern::substring_index));
  if (name == "translate") return bind_kernel(a, type, k3(kern::translate));
  if (name == "replace") return bind_kernel(a, type, k3(kern::replace));
  if (name == "overlay")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::overlay(x[0], x[1], x[2], x[3], n); });
  if (name == "levenshtein")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) {
      return kern::levenshtein(x[0], x[1], x.size() > 2 ? &x[2] : nullptr, n);
    });
  if (name == "encode" || name == "decode") {
    // Java resolves the charset per call; a constant one is checked here, once.
    const col::Column* cs = literal(a, 1);
    if (cs && !cs->is_null(0) && !kern::charset_named(cs->str(0)))
      return fail("java.io.UnsupportedEncodingException: " + std::string(cs->str(0)));
    if (!cs) return fail(name + " with a charset that is not a constant is not supported by the native engine yet");
    bool enc = name == "encode";
    return bind_kernel(a, type, [enc](const A& x, int64_t n, const EvalContext&) {
      return enc ? kern::encode(x[0], x[1], n, nullptr) : kern::decode(x[0], x[1], n, nullptr);
    });
  }
  if (name == "format_number") {
    if (a[1]->type->id == col::TypeId::String)
      return fail("format_number with a pattern string is not supported by the native engine yet");
    return bind_kernel(a, type, k2(kern::format_number));
  }
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
