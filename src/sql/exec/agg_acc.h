// Aggregate accumulators: per-group state for one aggregate function, updated a batch at a time
// from group ids (one virtual call per batch, typed loops inside).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "sql/exec/aggregate.h"

namespace spp::sql::exec {

class Accumulator {
 public:
  virtual ~Accumulator() = default;
  // Grows the state to `groups` groups (new groups start empty).
  virtual void resize(int64_t groups) = 0;
  // Raw input values (v may be null for count(*)) of n rows into groups gid[0..n).
  virtual void update(const Vec* v, const int32_t* gid, int64_t n) = 0;
  // Partial states (agg_state_types columns) of n rows into groups gid.
  virtual void merge(const std::vector<col::ColumnPtr>& state, const int32_t* gid, int64_t n) = 0;
  virtual std::vector<col::ColumnPtr> state(int64_t groups) = 0;
  virtual col::ColumnPtr result(int64_t groups) = 0;
  // A global aggregate (no grouping keys: every row is in group 0). The defaults call
  // update/merge with all-zero group ids; count, sum, avg and fixed-width min/max override them
  // with one tight loop over the column that gives exactly the generic path's result.
  virtual void update_all(const Vec* v, int64_t n);
  virtual void merge_all(const std::vector<col::ColumnPtr>& state, int64_t n);
  // Bytes held (for the reservation).
  virtual int64_t memory() const = 0;
  // A run-time error an update or merge met (Spark's text); the operator fails with it.
  virtual std::string error() const { return {}; }
};

std::unique_ptr<Accumulator> make_accumulator(const AggSpec& spec, const col::ColType& in_type);
// hll_sketch_agg / hll_union_agg (agg_hll.cpp).
std::unique_ptr<Accumulator> make_hll_accumulator(const AggSpec& spec, const col::ColType& in_type);

}  // namespace spp::sql::exec
