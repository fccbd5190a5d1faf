// BatchEvalPython on an executor (Spark's BatchEvalPythonExec): the UDFs' argument columns are
// computed natively, shipped a batch at a time to a pooled Python worker, and the result
// columns come back appended to the child's. The worker conversation sits behind
// PythonUdfRunner, so this operator knows no sockets (the executor provides the runner).
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/columnar/batch.h"

namespace spp::sql::exec {

class PythonUdfRunner {
 public:
  virtual ~PythonUdfRunner() = default;
  // One batch of argument columns in; one batch of result columns (the program's outputs, in
  // order, same rows) out. A user error carries the worker's traceback.
  virtual Result<col::Batch> eval(const col::Batch& args) = 0;
  // No more input: the worker ends its task. Only after every eval succeeded.
  virtual Status finish() = 0;
};

// The worker program (docs/protocol.md "Python UDF programs"):
//   {"udfs": [{"funcId": id, "returnType": <Spark DataType JSON>, "args": [{"col": i} | {"udf": k}]}],
//    "outputs": [k, …]}
// `col` names an argument column of the input batches, `udf` an earlier UDF's result (chains).
// `funcs`: the function ids it calls (the executor ships the pickles the worker lacks).
using PythonUdfFactory =
    std::function<Result<std::unique_ptr<PythonUdfRunner>>(const nlohmann::json& program, const std::vector<int64_t>& funcs)>;

}  // namespace spp::sql::exec
