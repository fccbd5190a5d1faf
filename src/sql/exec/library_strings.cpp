// String library calls bound to their kernels (text_fns.h, regex_fns.h).
#include "sql/exec/library.h"
#include "sql/kernels/regex_fns.h"
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

// The compiled constant pattern of argument i, or Spark's INVALID_PARAMETER_VALUE.PATTERN.
Result<std::shared_ptr<kern::Regex>> pattern(const std::string& fn, const std::vector<ExprPtr>& args, size_t i) {
  const col::Column* p = literal(args, i);
  if (!p) return Result<std::shared_ptr<kern::Regex>>::error(fn + " with a pattern that is not a constant string is not supported by the native engine yet");
  if (p->is_null(0)) return std::shared_ptr<kern::Regex>();
  std::string pat(p->str(0));
  auto re = kern::Regex::compile(pat);
  if (!re)
    return Result<std::shared_ptr<kern::Regex>>::error(
        "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `" + fn + "` is invalid: '" + pat +
        "'. " + re.error_message());
  return *re;
}

// A NULL constant pattern makes every row NULL.
ExprPtr all_null(std::vector<ExprPtr>& args, const col::ColTypePtr& type) {
  return bind_kernel({args[0]}, type, [type](const A&, int64_t n, const EvalContext&) {
    return Vec::flat(col::make_null_column(type, n));
  });
}
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
  if (name == "format_string" || name == "printf") {
    const col::Column* f = literal(a, 0);
    if (!f) return fail(name + " with a format that is not a constant is not supported by the native engine yet");
    if (f->is_null(0)) return all_null(a, type);
    std::string fmt(f->str(0));
    std::vector<col::ColTypePtr> ts;
    for (size_t i = 1; i < a.size(); ++i) ts.push_back(a[i]->type);
    if (auto e = kern::format_check(fmt, ts)) return fail(*e);
    return bind_kernel(a, type, [fmt](const A& x, int64_t n, const EvalContext&) {
      return kern::format_string(fmt, A(x.begin() + 1, x.end()), n);
    });
  }
  if (name == "regexp_extract" || name == "regexp_extract_all") {
    auto re = pattern(name, a, 1);
    if (!re) return fail(re.error_message());
    if (!*re) return all_null(a, type);
    const col::Column* g = literal(a, 2);
    if (!g) return fail(name + " with a group index that is not a constant is not supported by the native engine yet");
    if (g->is_null(0)) return all_null(a, type);
    int idx = g->vals<int32_t>()[0], gc = (*re)->group_count();
    if (idx < 0 || idx > gc)
      return fail("[INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX] The value of parameter(s) `idx` in `" + name +
                  "` is invalid: Expects group index between 0 and " + std::to_string(gc) + ", but got " +
                  std::to_string(idx) + ".");
    auto r = *re;
    bool all = name == "regexp_extract_all";
    return bind_kernel({a[0]}, type, [r, idx, all](const A& x, int64_t n, const EvalContext&) {
      return all ? kern::regexp_extract_all(x[0], *r, idx, n) : kern::regexp_extract(x[0], *r, idx, n);
    });
  }
  if (name == "regexp_replace") {
    auto re = pattern(name, a, 1);
    if (!re) return fail(re.error_message());
    if (!*re) return all_null(a, type);
    if (const col::Column* rep = literal(a, 2); rep && !rep->is_null(0))
      if (auto e = kern::check_replacement(rep->str(0), **re)) return fail(*e);
    auto r = *re;
    return bind_kernel({a[0], a[2], a[3]}, type, [r](const A& x, int64_t n, const EvalContext&) {
      return kern::regexp_replace(x[0], *r, x[1], x[2], n);
    });
  }
  if (name == "regexp_like" || name == "regexp") {
    auto re = pattern(name, a, 1);
    if (!re) return fail(re.error_message());
    if (!*re) return all_null(a, type);
    auto r = *re;
    return bind_kernel({a[0]}, type, [r](const A& x, int64_t n, const EvalContext&) { return kern::rlike(x[0], *r, n); });
  }
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
