// Array library calls bound to collection_fns.h. Constant arguments Spark rejects at run time
// (element_at(a, 0), slice with start 0 or a negative length) fail the lowering with Spark's
// texts; computed ones give NULL (the kernels raise no row errors).
#include "sql/exec/library.h"
#include "sql/kernels/collection_fns.h"
#include "sql/kernels/map_fns.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

Result<ExprPtr> fail(const std::string& m) { return Result<ExprPtr>::error(m); }

// The integer value of a non-NULL constant argument.
std::optional<int64_t> const_int(const std::vector<ExprPtr>& args, size_t i) {
  const col::Column* c = literal(args, i);
  if (!c || c->is_null(0)) return std::nullopt;
  switch (c->id()) {
    case col::TypeId::Long: return c->vals<int64_t>()[0];
    case col::TypeId::Int: return c->vals<int32_t>()[0];
    default: return std::nullopt;
  }
}
std::optional<Result<ExprPtr>> lower_map_struct_call(const std::string& name, std::vector<ExprPtr>& a,
                                                     const col::ColTypePtr& type) {
  if (name == "struct")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::make_struct(x, type, n); });
  if (name == "named_struct") {
    std::vector<ExprPtr> vals;
    for (size_t i = 1; i < a.size(); i += 2) vals.push_back(a[i]);
    return bind_kernel(vals, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::make_struct(x, type, n); });
  }
  if (name == "map")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) {
      A keys, vals;
      for (size_t i = 0; i + 1 < x.size(); i += 2) keys.push_back(x[i]), vals.push_back(x[i + 1]);
      return kern::make_map(keys, vals, type, n);
    });
  if (name == "map_from_arrays")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::map_from_arrays(x[0], x[1], type, n); });
  if (name == "map_from_entries")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::map_from_entries(x[0], type, n); });
  if (name == "map_concat")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::map_concat(x, type, n); });
  for (auto [nm, part] : {std::pair{"map_keys", kern::MapPart::Keys}, std::pair{"map_values", kern::MapPart::Values},
                          std::pair{"map_entries", kern::MapPart::Entries}})
    if (name == nm)
      return bind_kernel(a, type, [type, part](const A& x, int64_t n, const EvalContext&) { return kern::map_part(x[0], part, type, n); });
  if (name == "str_to_map") {
    const col::Column *p = literal(a, 1), *k = literal(a, 2);
    if (!p || !k || p->is_null(0) || k->is_null(0)) return fail("str_to_map needs constant non-NULL delimiters");
    std::string pd(p->str(0)), kd(k->str(0));
    // Spark splits on regular expressions; plain delimiters (the common case) are split literally.
    for (const std::string& d : {pd, kd})
      if (d.find_first_of("\\^$.|?*+()[]{}") != std::string::npos)
        return fail("str_to_map with a regular-expression delimiter is not supported by the native engine yet");
    return bind_kernel({a[0]}, type, [type, pd, kd](const A& x, int64_t n, const EvalContext&) {
      return kern::str_to_map(x[0], pd, kd, type, n);
    });
  }
  return std::nullopt;
}
}  // namespace

std::optional<Result<ExprPtr>> lower_collection_call(const std::string& name, std::vector<ExprPtr>& a,
                                                     const col::ColTypePtr& type) {
  using col::TypeId;
  if (name == "array_contains")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::array_contains(x[0], x[1], n); });
  if (name == "array_position")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::array_position(x[0], x[1], n); });
  if (name == "array_remove")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::array_remove(x[0], x[1], type, n); });
  if (name == "element_at") {
    if (a[0]->type->id == TypeId::Array && const_int(a, 1) == 0)
      return fail("[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).");
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::element_at(x[0], x[1], n); });
  }
  if (name == "sort_array" || name == "array_sort") {
    bool asc = true, nulls_first = false;
    if (name == "sort_array") {
      const col::Column* l = literal(a, 1);
      asc = !l || l->is_null(0) || l->bool_at(0);
      nulls_first = asc;
    }
    return bind_kernel({a[0]}, type, [type, asc, nulls_first](const A& x, int64_t n, const EvalContext&) {
      return kern::sort_array(x[0], asc, nulls_first, type, n);
    });
  }
  if (name == "array_distinct")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::array_distinct(x[0], type, n); });
  for (auto [nm, op] : {std::pair{"array_union", kern::SetOp::Union}, std::pair{"array_intersect", kern::SetOp::Intersect},
                        std::pair{"array_except", kern::SetOp::Except}})
    if (name == nm)
      return bind_kernel(a, type, [type, op](const A& x, int64_t n, const EvalContext&) {
        return kern::array_set_op(op, x[0], x[1], type, n);
      });
  if (name == "arrays_overlap")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::arrays_overlap(x[0], x[1], n); });
  if (name == "array_join")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) {
      return kern::array_join(x[0], x[1], x.size() > 2 ? &x[2] : nullptr, n);
    });
  if (name == "slice") {
    if (const_int(a, 1) == 0)
      return fail("[INVALID_PARAMETER_VALUE.START] The value of parameter(s) `start` in `slice` is invalid: Expects a positive "
                  "or a negative value for `start`, but got 0.");
    if (auto l = const_int(a, 2); l && *l < 0)
      return fail("[INVALID_PARAMETER_VALUE.LENGTH] The value of parameter(s) `length` in `slice` is invalid: Expects "
                  "`length` greater than or equal to 0, but got " + std::to_string(*l) + ".");
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::slice(x[0], x[1], x[2], type, n); });
  }
  if (name == "reverse" && type->id == TypeId::Array)
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::array_reverse(x[0], type, n); });
  if (name == "flatten")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::flatten(x[0], type, n); });
  if (name == "array_max" || name == "array_min") {
    bool greatest = name == "array_max";
    return bind_kernel(a, type, [greatest](const A& x, int64_t n, const EvalContext&) { return kern::array_extreme(x[0], greatest, n); });
  }
  if (name == "cardinality") return call(Fn::Size, a, type);  // size under its own name (column names)
  if (name == "array_concat")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::concat_arrays(x, type, n); });
  if (name == "sequence")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) {
      return kern::sequence(x[0], x[1], x.size() > 2 ? &x[2] : nullptr, type, n);
    });
  if (name == "arrays_zip")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::arrays_zip(x, type, n); });
  if (name == "array_repeat")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return kern::array_repeat(x[0], x[1], type, n); });
  return lower_map_struct_call(name, a, type);
}

}  // namespace spp::sql::exec::lib
