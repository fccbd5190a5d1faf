// Library calls -> Fn::Library kernels (library.h): dispatch to the families.
#include "sql/exec/library.h"

namespace spp::sql::exec {

namespace lib {
ExprPtr bind_kernel(std::vector<ExprPtr> args, col::ColTypePtr type, LibKernel k) {
  auto e = std::const_pointer_cast<Expr>(call(Fn::Library, std::move(args), std::move(type)));
  e->lib = std::make_shared<const LibKernel>(std::move(k));
  return e;
}

const col::Column* literal(const std::vector<ExprPtr>& args, size_t i) {
  if (i >= args.size() || args[i]->kind != Expr::Kind::Literal) return nullptr;
  return args[i]->literal.get();
}
}  // namespace lib

std::optional<Result<ExprPtr>> lower_library_call(const std::string& name, std::vector<ExprPtr>& args,
                                                  const col::ColTypePtr& type) {
  if (auto r = lib::lower_interval_call(name, args, type)) return r;  // first: try_add & co. of intervals
  if (auto r = lib::lower_collection_call(name, args, type)) return r;  // then reverse of arrays
  if (auto r = lib::lower_text_call(name, args, type)) return r;
  if (auto r = lib::lower_array_extra_call(name, args, type)) return r;
  if (auto r = lib::lower_string_call(name, args, type)) return r;
  if (auto r = lib::lower_math_call(name, args, type)) return r;
  if (auto r = lib::lower_misc_call(name, args, type)) return r;
  if (auto r = lib::lower_json_call(name, args, type)) return r;
  if (auto r = lib::lower_csv_call(name, args, type)) return r;
  if (auto r = lib::lower_crypto_call(name, args, type)) return r;
  if (auto r = lib::lower_number_call(name, args, type)) return r;
  if (auto r = lib::lower_xml_call(name, args, type)) return r;
  if (auto r = lib::lower_date_call(name, args, type)) return r;
  if (auto r = lib::lower_agg_wrapper_call(name, args, type)) return r;
  if (auto r = lib::lower_sketch_call(name, args, type)) return r;
  if (auto r = lib::lower_math_agg_call(name, args, type)) return r;
  return std::nullopt;
}

}  // namespace spp::sql::exec
