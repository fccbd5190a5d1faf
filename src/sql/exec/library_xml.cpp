// The xpath family's calls bound to kernels/xml_fns (libxml2): the path, a constant, compiled
// once at lowering.
#include "sql/exec/library.h"
#include "sql/kernels/xml_fns.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;
using kern::XKind;
}  // namespace

std::optional<Result<ExprPtr>> lower_xml_call(const std::string& name, std::vector<ExprPtr>& a,
                                              const col::ColTypePtr& type) {
  static const std::pair<const char*, XKind> kinds[] = {
      {"xpath", XKind::Nodes},        {"xpath_boolean", XKind::Bool},  {"xpath_short", XKind::Short},
      {"xpath_int", XKind::Int},      {"xpath_long", XKind::Long},     {"xpath_float", XKind::Float},
      {"xpath_double", XKind::Double}, {"xpath_number", XKind::Double}, {"xpath_string", XKind::String}};
  const XKind* k = nullptr;
  for (const auto& [nm, kind] : kinds)
    if (name == nm) k = &kind;
  if (!k) return std::nullopt;
  const col::Column* p = literal(a, 1);
  if (!p) return Result<ExprPtr>::error(name + " needs a constant path");
  if (p->is_null(0) || p->str(0).empty())
    return bind_kernel({a[0]}, type, [type](const A&, int64_t n, const EvalContext&) {
      return Vec::flat(col::make_null_column(type, n));
    });
  auto path = kern::xpath_compile(p->str(0));
  if (!path) return Result<ExprPtr>::error("[INVALID_PARAMETER_VALUE] Invalid XPath '" + std::string(p->str(0)) + "'");
  XKind kind = *k;
  return bind_kernel({a[0]}, type, [kind, path, type](const A& x, int64_t n, const EvalContext& ctx) {
    return kern::xpath_eval(kind, *path, x[0], type, n, ctx.error.get());
  });
}

}  // namespace spp::sql::exec::lib
