// Lowering of the function library (issue 14) to executor expressions: a canonical call name
// (analysis/fn_library.h) becomes a Fn::Library call whose kernel is bound here to its constant
// arguments — regexes compiled once, charsets and formats checked once (their errors, Java's
// texts, are lowering errors: the query fails before any row is computed).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sql/exec/expr.h"

namespace spp::sql::exec {

// nullopt: not a library function.
std::optional<Result<ExprPtr>> lower_library_call(const std::string& name, std::vector<ExprPtr>& args,
                                                  const col::ColTypePtr& type);

// Helpers the family files share.
namespace lib {
ExprPtr bind_kernel(std::vector<ExprPtr> args, col::ColTypePtr type, LibKernel k);
// The value of a literal argument (nullptr when the argument is not a literal).
const col::Column* literal(const std::vector<ExprPtr>& args, size_t i);
std::optional<Result<ExprPtr>> lower_string_call(const std::string& name, std::vector<ExprPtr>& args,
                                                 const col::ColTypePtr& type);
// Regexes / LIKE / printf with constant or per-row patterns, and Spark 3.5's newer string
// functions (library_text.cpp).
std::optional<Result<ExprPtr>> lower_text_call(const std::string& name, std::vector<ExprPtr>& args,
                                               const col::ColTypePtr& type);
// get, array_size, array_append/prepend/insert, array_compact, assert_true (library_arrays.cpp).
std::optional<Result<ExprPtr>> lower_array_extra_call(const std::string& name, std::vector<ExprPtr>& args,
                                                      const col::ColTypePtr& type);
// from_csv, to_csv, schema_of_csv (library_csv.cpp).
std::optional<Result<ExprPtr>> lower_csv_call(const std::string& name, std::vector<ExprPtr>& args,
                                              const col::ColTypePtr& type);
// aes_encrypt, aes_decrypt, try_aes_decrypt (library_crypto.cpp).
std::optional<Result<ExprPtr>> lower_crypto_call(const std::string& name, std::vector<ExprPtr>& args,
                                                 const col::ColTypePtr& type);
// to_number, try_to_number, to_char, to_varchar with Spark's number formats (library_number.cpp).
std::optional<Result<ExprPtr>> lower_number_call(const std::string& name, std::vector<ExprPtr>& args,
                                                 const col::ColTypePtr& type);
// the xpath family through libxml2 (library_xml.cpp).
std::optional<Result<ExprPtr>> lower_xml_call(const std::string& name, std::vector<ExprPtr>& args,
                                              const col::ColTypePtr& type);
std::optional<Result<ExprPtr>> lower_math_call(const std::string& name, std::vector<ExprPtr>& args,
                                               const col::ColTypePtr& type);
std::optional<Result<ExprPtr>> lower_misc_call(const std::string& name, std::vector<ExprPtr>& args,
                                               const col::ColTypePtr& type);
std::optional<Result<ExprPtr>> lower_collection_call(const std::string& name, std::vector<ExprPtr>& args,
                                                     const col::ColTypePtr& type);
std::optional<Result<ExprPtr>> lower_json_call(const std::string& name, std::vector<ExprPtr>& args,
                                               const col::ColTypePtr& type);
std::optional<Result<ExprPtr>> lower_date_call(const std::string& name, std::vector<ExprPtr>& args,
                                               const col::ColTypePtr& type);
// make_*interval and interval / datetime arithmetic (library_intervals.cpp); nullopt when no
// operand is an interval (and `-` is not between datetimes).
std::optional<Result<ExprPtr>> lower_interval_call(const std::string& name, std::vector<ExprPtr>& args,
                                                   const col::ColTypePtr& type);
// product, bit_and/or/xor, histogram_numeric, count_min_sketch over their group's collected
// values (library_math_aggs.cpp).
std::optional<Result<ExprPtr>> lower_math_agg_call(const std::string& name, std::vector<ExprPtr>& args,
                                                   const col::ColTypePtr& type);
// median, percentile, mode, max_by, min_by, approx_count_distinct, try_sum, try_avg over their
// group's collected values (library_aggs.cpp).
// hll_sketch_estimate, hll_union over DataSketches HLL images (library_sketches.cpp).
std::optional<Result<ExprPtr>> lower_sketch_call(const std::string& name, std::vector<ExprPtr>& args,
                                                 const col::ColTypePtr& type);
std::optional<Result<ExprPtr>> lower_agg_wrapper_call(const std::string& name, std::vector<ExprPtr>& args,
                                                      const col::ColTypePtr& type);
}  // namespace lib

}  // namespace spp::sql::exec
