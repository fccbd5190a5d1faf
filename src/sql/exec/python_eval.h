// BatchEvalPython on an executor (Spark's BatchEvalPythonExec): the UDFs' argument columns are
// computed natively, shipped a batch at a time to a pooled Python worker, and the result
// columns come back appended to the child's. The worker conversation sits behind
// PythonUdfRunner, so this operator knows no sockets (the executor provides the runner).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/columnar/batch.h"

namespace spp::sql::exec {

// Input for a Python program: the next batch, nullopt at the end.
using PythonInput = std::function<Result<std::optional<col::Batch>>()>;
// The same, each batch as the parts it is cut from (one schema, their rows in order): the
// runner writes them as one batch for the worker without concatenating them first.
using PythonArgs = std::vector<col::Batch>;
using PythonArgsInput = std::function<Result<std::optional<PythonArgs>>()>;

class PythonUdfRunner {
 public:
  virtual ~PythonUdfRunner() = default;
  // The program's next output batch, nullopt once the worker has finished. Whenever the worker
  // asks for input, `pull` gives it (so outputs need not line up with inputs: an iterator UDF
  // or mapInPandas may read ahead or emit several batches per input). A user error carries the
  // worker's traceback.
  virtual Result<std::optional<col::Batch>> next_parts(const PythonArgsInput& pull) = 0;
  Result<std::optional<col::Batch>> next(const PythonInput& pull) {
    return next_parts([&pull]() -> Result<std::optional<PythonArgs>> {
      auto b = pull();
      if (!b) return Result<std::optional<PythonArgs>>(b.status());
      if (!b.value()) return std::optional<PythonArgs>();
      PythonArgs one;
      one.push_back(std::move(*b.value()));
      return std::optional<PythonArgs>(std::move(one));
    });
  }
};

// The worker program (docs/protocol.md "Python UDF programs"):
//   {"evalType": 100 | 200 | 204 | 205 | 201,
//    "udfs": [{"funcId": id, "returnType": <Spark DataType JSON>, "args": [{"col": i} | {"udf": k}]}],
//    "outputs": [k, …]}
// `col` names an argument column of the input batches, `udf` an earlier UDF's result (chains).
// `funcs`: the function ids it calls (the executor ships the pickles the worker lacks).
using PythonUdfFactory =
    std::function<Result<std::unique_ptr<PythonUdfRunner>>(const nlohmann::json& program, const std::vector<int64_t>& funcs)>;

}  // namespace spp::sql::exec
