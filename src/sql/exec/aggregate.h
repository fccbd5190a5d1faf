// Hash aggregation (partial before the exchange, final after, or complete), with Spark's result
// types, and spilling: past its reservation the table is written out as partial states
// partitioned by key hash, and each partition is merged back on its own at the end.
#pragma once
#include "sql/exec/operator.h"

namespace spp::sql::exec {

enum class AggFn {
  Count, CountStar, Sum, Avg, Min, Max, First, Last, CollectList, CollectSet, CountDistinct,
  // Central moments (Spark's CentralMomentAgg over double input): state n, avg, m2, m3, m4.
  StddevSamp, StddevPop, VarSamp, VarPop, Skewness, Kurtosis,
  // percentile_approx: the values are kept (state array<in>) and each percentage answered with
  // the value of rank ceil(p * n) - what Spark's sketch answers exactly below its accuracy.
  Percentile, PercentileArray,
  CountIf,  // rows whose boolean input is true
  // sum(DISTINCT x) / avg(DISTINCT x): the group's distinct values kept (state array<in>, as
  // CountDistinct), summed / averaged at the end.
  SumDistinct, AvgDistinct,
  // Two columns as struct<x: double, y: double> input (Spark's Covariance / PearsonCorrelation):
  // state n, xAvg, yAvg, ck, xMk, yMk; rows where either is NULL are skipped.
  CovarPop, CovarSamp, Corr,
  // Apache DataSketches HLL (agg_hll.cpp): hll_sketch_agg over INT/BIGINT/STRING/BINARY input and
  // hll_union_agg over sketches; state and result a BINARY sketch image.
  HllSketch, HllUnion,
};
bool is_moment_agg(AggFn fn);
bool is_comoment_agg(AggFn fn);

// Partial: input rows -> keys + states; Final: keys + states -> keys + results;
// Complete: input rows -> keys + results.
enum class AggMode { Partial, Final, Complete };

struct AggSpec {
  AggFn fn = AggFn::CountStar;
  ExprPtr input;             // null for CountStar. Final mode: ignored (states are read by position)
  col::ColTypePtr in_type;   // the aggregated value's type (needed in Final mode)
  bool ignore_nulls = false; // first/last
  std::string name;
  std::vector<double> percentages = {};  // Percentile(Array)
  int64_t accuracy = 10000;         // Percentile(Array): relative error 1 / accuracy
  int hll_lg_k = 12;                // HllSketch: lgConfigK
  bool hll_allow_different_k = false;  // HllUnion: allowDifferentLgConfigK
};

// Spark's result type: count -> bigint, sum(integral) -> bigint, sum(float/double) -> double,
// sum(decimal(p,s)) -> decimal(min(38,p+10),s), avg -> double / decimal(min(38,p+4),min(38,s+4)),
// min/max/first/last -> input type, collect_* -> array<input>.
col::ColType agg_result_type(AggFn fn, const col::ColType& in);
// The partial-state columns of an aggregate (names and types), in order.
std::vector<col::ColType> agg_state_types(AggFn fn, const col::ColType& in);

// Final mode: the child's columns are the keys (first keys.size()) then each aggregate's states.
OpPtr make_hash_aggregate(OpPtr child, std::vector<ExprPtr> keys, std::vector<std::string> key_names,
                          std::vector<AggSpec> aggs, AggMode mode, const ExecContext& ctx);

}  // namespace spp::sql::exec
