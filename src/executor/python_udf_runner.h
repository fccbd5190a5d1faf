// The executor's side of a SQL task's BatchEvalPython: one pooled Python worker runs the UDF
// program as a task of its own (docs/protocol.md "Python UDF programs") — PwTask with the
// program, then for every batch PwRead -> PwInput(SPB1 argument batch) -> PwOutput(SPB1
// result batch), and PwInput(end) -> PwDone. The worker is the task's (killed with it) and
// goes back to the pool when the operator is done with it.
#pragma once
#include <memory>

#include "executor/task_runner.h"
#include "sql/exec/python_eval.h"

namespace spp::executor {

// The factory a native task gives its operators (ExecContext::python). `t` and `env` must
// outlive every runner it makes.
sql::exec::PythonUdfFactory python_udf_factory(RunningTask& t, const TaskEnv& env);

}  // namespace spp::executor
