// The task plan: what one task computes, as a tree of typed operator nodes, defined once.
// The driver builds it (driver/rdd_graph.cpp), LaunchTask carries it as JSON, the executor
// decodes and validates it before running anything (executor/task_runner.cpp), and the Python
// worker evaluates the operators that run Python (pyworker/sparkpp/worker.py). The JSON shape
// is documented in docs/protocol.md "Task plans"; this file is the one place that reads and
// writes it.
//
// Operator kinds today: `input` (a leaf fed through the executor's InputReader seam), `apply`
// (run one pickled Python function: the Python operator), `concat`, `zip`.
// `native`: a SQL stage fragment (src/sql/, docs/sql-engine.md "Stages") run by the
// executor's columnar operators with no Python at all; its leaves read SPB1 batches from
// shuffle blocks or from blobs shipped with the task. Adding a kind means one more struct in
// `Node::Op`, its codec and validation here, and an evaluator in the executor; the decoder
// refuses kinds it does not know, so old executors fail such tasks clearly rather than misrun
// them.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace spp::plan {

using json = nlohmann::json;

// How an input's batches are encoded (each batch is one blob).
// `sqlbatch`: SPB1 batch streams handed to Python as they are (df.rdd's rows are made there).
enum class Format { kPickled, kLines, kFiles, kSqlBatch };
const char* to_string(Format f);

struct Node;
using NodePtr = std::shared_ptr<const Node>;

// ---------------------------------------------------------------- input sources
struct BlobsSource {  // the task's own input blobs [first, first + count) (parallelize)
  int first = 0;
  int count = 0;
};
struct TextSource {  // a byte range of a text file (a .gz file is read whole)
  std::string path;
  int64_t start = 0;
  int64_t length = 0;
};
struct FilesSource {  // whole files (wholeTextFiles)
  std::vector<std::string> paths;
};
struct PickleFileSource {  // a checkpoint part file
  std::string path;
};
struct ShuffleBlockRef {  // one map output's segment for this reduce partition
  int map = 0;
  std::string exec;
  std::string host;
  int port = 0;
  std::string path;
  int64_t offset = 0;
  int64_t length = 0;
};
struct ShuffleSource {
  int shuffle_id = 0;
  int reduce = 0;
  std::vector<ShuffleBlockRef> blocks;  // the non-empty ones
};
struct BlockSource {  // a persisted RDD partition; computed with `compute` when not cached
  int rdd = 0;
  int partition = 0;
  json level;        // StorageLevel as JSON (executor/block_manager.h reads it)
  NodePtr compute;   // its lineage, run as a sub-task with a result sink
};
// A partition computed by a sub-task of this task, whose result blobs are the input: the bridge
// between the engines — a Python RDD's partition (its lineage ending in SPB1 batches) scanned by
// a SQL stage (createDataFrame(rdd)), or a SQL result partition read by Python (df.rdd). The
// sub-task's own input blobs are this task's [first, first + count).
struct ComputeSource {
  NodePtr compute;
  int first = 0;
  int count = 0;
};
using Source = std::variant<BlobsSource, TextSource, FilesSource, PickleFileSource, ShuffleSource, BlockSource, ComputeSource>;

// ---------------------------------------------------------------- operators
struct InputOp {  // leaf: batches pulled by the consumer, numbered `input` within the task
  int input = 0;
  Format format = Format::kPickled;
  Source source;
};
struct ApplyOp {  // the Python operator: funcs[func](split, iter(child))
  int64_t func = 0;
  int split = 0;
  NodePtr child;
};
struct ConcatOp {  // the children's elements one after another (coalesce)
  std::vector<NodePtr> children;
};
struct ZipOp {  // pairs of the two children's elements; unequal lengths fail the task
  std::vector<NodePtr> children;
};

// Where one leaf of a native fragment (a LocalTableScan or FileScan whose `data` is `data_ref`)
// reads its batches: a shuffle's blocks (SPB1 records), blobs of the task (SPB1 streams), or a
// byte range of a file (whole lines; a leaf may have several, read in order).
struct NativeInput {
  std::string data_ref;
  Source source;  // ShuffleSource, BlobsSource, TextSource, BlockSource (a cached DataFrame's) or
                  // ComputeSource (a Python RDD's partition, as SPB1 batches)
};
struct NativeOp {  // leaf: partition `partition` of a SQL stage fragment, computed natively
  json fragment;      // the stage's physical plan (physical_to_json)
  json partitioning;  // map stages: how rows are routed to reduce partitions; null otherwise
  int partition = 0;
  int num_partitions = 1;
  std::vector<NativeInput> inputs;
};

struct Node {
  using Op = std::variant<InputOp, ApplyOp, ConcatOp, ZipOp, NativeOp>;
  Op op;
};

template <typename T>
NodePtr make(T op) {
  return std::make_shared<const Node>(Node{std::move(op)});
}

// A task's sink: where its output goes. `pickle` writes checkpoint part files; `files` a SQL
// write's part file (df.write: format + options, formatted natively by the executor).
// `batches`: a Python sub-task's SPB1 batches kept in memory as its result (ComputeSource).
enum class SinkKind { kResult, kText, kPickle, kShuffle, kFiles, kBatches };
const char* to_string(SinkKind k);
struct Sink {
  SinkKind kind = SinkKind::kResult;
  std::string tmp_dir;  // text/pickle: the job's _temporary dir (made by the driver)
  std::string file;     // text/pickle/files: part file name
  std::string format;   // files: csv | json | text
  std::vector<std::pair<std::string, std::string>> options;  // files: the writer's options
  std::vector<std::string> columns;  // files: the output columns' names (the CSV header)
  std::vector<int> partition_by;     // files: partitionBy columns (indexes into `columns`)
  // files: bucketBy's bucket id column (an index into `columns`, left out of the files; -1: not
  // bucketed): one file per bucket, `part-…-<uuid>_<bucket 5 digits>.c000<ext>` as Spark names them.
  int bucket_col = -1;
  int shuffle_id = 0;   // shuffle
  int map = 0;          // shuffle: this map partition
  int num_reduce = 0;   // shuffle
  // result, local mode's toPandas: the batches go into this new file (an absolute path the
  // driver chose beside its result file) instead of back with the task's status; the status
  // then carries one spool reference (executor/result_spool.h) in their place.
  std::string spool;
};

// Encoding never fails. Decoding checks every field and the tree's shape (known ops and
// sources, input ids unique and non-negative, zip of exactly two, bounded depth); a plan
// that does not decode fails its task with an io error before any input is opened.
json to_json(const Node& n);
Result<NodePtr> decode(const json& j);
json to_json(const Sink& s);
Result<Sink> decode_sink(const json& j);

// The functions the plan's Python operators use, in the order the worker first needs them
// (not descending into cached blocks' `compute`: those run as their own sub-task).
void collect_funcs(const Node& n, std::vector<int64_t>& out);

}  // namespace spp::plan
