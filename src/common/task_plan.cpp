// Task plan codec: typed nodes <-> the JSON of docs/protocol.md "Task plans", with validation.
#include "common/task_plan.h"

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace spp::plan {

namespace {
// Deeper trees than any lineage builds (each narrow RDD adds one level): refused so a hostile
// or corrupt plan cannot exhaust the task thread's stack.
constexpr int kMaxDepth = 2000;

constexpr std::pair<Format, const char*> kFormats[] = {
    {Format::kPickled, "pickled"}, {Format::kLines, "lines"}, {Format::kFiles, "files"}, {Format::kSqlBatch, "sqlbatch"}};
constexpr std::pair<SinkKind, const char*> kSinks[] = {
    {SinkKind::kResult, "result"}, {SinkKind::kText, "text"}, {SinkKind::kPickle, "pickle"}, {SinkKind::kShuffle, "shuffle"}, {SinkKind::kFiles, "files"},
    {SinkKind::kBatches, "batches"}};

template <typename E, size_t N>
const char* name_of(const std::pair<E, const char*> (&table)[N], E e) {
  for (const auto& [v, n] : table)
    if (v == e) return n;
  return "?";
}

template <typename E, size_t N>
E parse_name(const std::pair<E, const char*> (&table)[N], const std::string& s, const char* what) {
  for (const auto& [v, n] : table)
    if (s == n) return v;
  throw std::invalid_argument(std::string("unknown ") + what + " '" + s + "'");
}

// Typed field access: a missing key or a wrong type throws (caught by decode()).
template <typename T>
T field(const json& j, const char* key) {
  return j.at(key).get<T>();
}

// An integer element of a column (a float would be cast silently).
int64_t integer(const json& v, const char* what) {
  if (!v.is_number_integer()) throw std::invalid_argument(std::string(what) + " is not an integer");
  return v.get<int64_t>();
}

void non_negative(int64_t v, const char* what) {
  if (v < 0) throw std::invalid_argument(std::string(what) + " is negative");
}

json source_json(const Source& s) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, BlobsSource>) {
          return {{"kind", "blobs"}, {"first", x.first}, {"count", x.count}};
        } else if constexpr (std::is_same_v<T, TextSource>) {
          return {{"kind", "text"}, {"path", x.path}, {"start", x.start}, {"length", x.length}};
        } else if constexpr (std::is_same_v<T, FilesSource>) {
          return {{"kind", "files"}, {"paths", x.paths}};
        } else if constexpr (std::is_same_v<T, PickleFileSource>) {
          return {{"kind", "pickle_file"}, {"path", x.path}};
        } else if constexpr (std::is_same_v<T, ShuffleSource>) {
          // In columns, with each executor's address once in `locs`: a reduce task of a wide
          // shuffle reads thousands of blocks, and an object per block was most of its plan's cost.
          json locs = json::array(), map = json::array(), loc = json::array(), path = json::array(),
               offset = json::array(), length = json::array();
          std::map<std::tuple<std::string, std::string, int>, int> loc_ids;
          for (const auto& b : x.blocks) {
            auto [it, fresh] = loc_ids.try_emplace({b.exec, b.host, b.port}, static_cast<int>(loc_ids.size()));
            if (fresh) locs.push_back({{"exec", b.exec}, {"host", b.host}, {"port", b.port}});
            map.push_back(b.map);
            loc.push_back(it->second);
            path.push_back(b.path);
            offset.push_back(b.offset);
            length.push_back(b.length);
          }
          return {{"kind", "shuffle"},
                  {"shuffle_id", x.shuffle_id},
                  {"reduce", x.reduce},
                  {"locs", std::move(locs)},
                  {"blocks",
                   {{"map", std::move(map)},
                    {"loc", std::move(loc)},
                    {"path", std::move(path)},
                    {"offset", std::move(offset)},
                    {"length", std::move(length)}}}};
        } else if constexpr (std::is_same_v<T, ComputeSource>) {
          return {{"kind", "compute"}, {"compute", x.compute ? to_json(*x.compute) : json()}, {"first", x.first},
                  {"count", x.count}};
        } else {
          return {{"kind", "block"}, {"rdd", x.rdd}, {"partition", x.partition}, {"level", x.level},
                  {"compute", x.compute ? to_json(*x.compute) : json()}};
        }
      },
      s);
}

struct Decoder {
  std::set<int> inputs;  // input ids of this plan (a block's `compute` is its own plan)

  NodePtr node(const json& j, int depth) {
    if (depth > kMaxDepth) throw std::invalid_argument("plan nested deeper than " + std::to_string(kMaxDepth));
    if (!j.is_object()) throw std::invalid_argument("plan node is not an object");
    const std::string op = field<std::string>(j, "op");
    if (op == "input") {
      InputOp in;
      in.input = field<int>(j, "input");
      non_negative(in.input, "input id");
      if (!inputs.insert(in.input).second) throw std::invalid_argument("input " + std::to_string(in.input) + " appears twice");
      in.format = parse_name(kFormats, field<std::string>(j, "format"), "input format");
      in.source = source(j.at("source"), depth);
      return make(std::move(in));
    }
    if (op == "apply") {
      ApplyOp a;
      a.func = field<int64_t>(j, "func");
      non_negative(a.func, "func");
      a.split = field<int>(j, "split");
      a.child = node(j.at("child"), depth + 1);
      return make(std::move(a));
    }
    if (op == "concat" || op == "zip") {
      const json& cs = j.at("children");
      if (!cs.is_array()) throw std::invalid_argument(op + " children is not an array");
      std::vector<NodePtr> children;
      for (const auto& c : cs) children.push_back(node(c, depth + 1));
      if (op == "zip") {
        if (children.size() != 2) throw std::invalid_argument("zip needs exactly two children");
        return make(ZipOp{std::move(children)});
      }
      return make(ConcatOp{std::move(children)});
    }
    if (op == "native") {
      NativeOp n;
      n.fragment = j.at("fragment");
      if (!n.fragment.is_object()) throw std::invalid_argument("native fragment is not an object");
      n.partitioning = j.value("partitioning", json());
      n.partition = field<int>(j, "partition");
      n.num_partitions = field<int>(j, "num_partitions");
      non_negative(n.partition, "native partition");
      if (n.num_partitions <= 0 || n.partition >= n.num_partitions)
        throw std::invalid_argument("native partition out of range");
      const json& ins = j.at("inputs");
      if (!ins.is_array()) throw std::invalid_argument("native inputs is not an array");
      for (const auto& in : ins) {
        NativeInput ni{field<std::string>(in, "data"), source(in.at("source"), depth)};
        if (!std::holds_alternative<ShuffleSource>(ni.source) && !std::holds_alternative<BlobsSource>(ni.source) &&
            !std::holds_alternative<TextSource>(ni.source) && !std::holds_alternative<BlockSource>(ni.source) &&
            !std::holds_alternative<ComputeSource>(ni.source))
          throw std::invalid_argument("native input '" + ni.data_ref +
                                      "' must read shuffle blocks, blobs, a file range, a cached block or a sub-task");
        // A SQL stage's sub-task computes a Python RDD's partition (a native one would be a stage).
        if (const auto* c = std::get_if<ComputeSource>(&ni.source); c && std::holds_alternative<NativeOp>(c->compute->op))
          throw std::invalid_argument("native input '" + ni.data_ref + "' is computed by another native task");
        // A cached DataFrame's block is computed, when missing, by a SQL stage's task.
        if (const auto* b = std::get_if<BlockSource>(&ni.source); b && !std::holds_alternative<NativeOp>(b->compute->op))
          throw std::invalid_argument("native input '" + ni.data_ref + "' is a cached block computed by a non-native task");
        n.inputs.push_back(std::move(ni));
      }
      return make(std::move(n));
    }
    throw std::invalid_argument("unknown plan op '" + op + "'");
  }

  Source source(const json& s, int depth) {
    if (!s.is_object()) throw std::invalid_argument("input source is not an object");
    const std::string kind = field<std::string>(s, "kind");
    if (kind == "blobs") {
      BlobsSource b{field<int>(s, "first"), field<int>(s, "count")};
      non_negative(b.first, "blobs first");
      non_negative(b.count, "blobs count");
      return b;
    }
    if (kind == "text") {
      TextSource t{field<std::string>(s, "path"), field<int64_t>(s, "start"), field<int64_t>(s, "length")};
      non_negative(t.start, "text start");
      non_negative(t.length, "text length");
      return t;
    }
    if (kind == "files") return FilesSource{field<std::vector<std::string>>(s, "paths")};
    if (kind == "pickle_file") return PickleFileSource{field<std::string>(s, "path")};
    if (kind == "shuffle") {
      ShuffleSource sh{field<int>(s, "shuffle_id"), field<int>(s, "reduce"), {}};
      non_negative(sh.shuffle_id, "shuffle id");
      non_negative(sh.reduce, "reduce partition");
      struct Loc {
        std::string exec, host;
        int port = 0;
      };
      std::vector<Loc> locs;
      for (const auto& l : s.at("locs")) {
        locs.push_back({field<std::string>(l, "exec"), field<std::string>(l, "host"), field<int>(l, "port")});
        if (locs.back().port < 0 || locs.back().port > 65535) throw std::invalid_argument("block port out of range");
      }
      const json& bs = s.at("blocks");
      const json &map = bs.at("map"), &loc = bs.at("loc"), &path = bs.at("path"), &offset = bs.at("offset"),
                 &length = bs.at("length");
      if (!map.is_array() || !loc.is_array() || !path.is_array() || !offset.is_array() || !length.is_array())
        throw std::invalid_argument("shuffle blocks' columns are not arrays");
      size_t n = map.size();
      if (loc.size() != n || path.size() != n || offset.size() != n || length.size() != n)
        throw std::invalid_argument("shuffle blocks' columns differ in length");
      sh.blocks.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        int64_t li = integer(loc[i], "block location");
        if (li < 0 || static_cast<size_t>(li) >= locs.size()) throw std::invalid_argument("block location out of range");
        int64_t m = integer(map[i], "block map");
        if (m < 0 || m > INT32_MAX) throw std::invalid_argument("block map out of range");
        const Loc& l = locs[static_cast<size_t>(li)];
        ShuffleBlockRef r{static_cast<int>(m), l.exec, l.host, l.port, path[i].get<std::string>(),
                          integer(offset[i], "block offset"), integer(length[i], "block length")};
        non_negative(r.offset, "block offset");
        non_negative(r.length, "block length");
        sh.blocks.push_back(std::move(r));
      }
      return sh;
    }
    if (kind == "block") {
      BlockSource b{field<int>(s, "rdd"), field<int>(s, "partition"), s.at("level"), nullptr};
      non_negative(b.partition, "block partition");
      if (!b.level.is_object()) throw std::invalid_argument("block level is not an object");
      Decoder sub;  // the lineage is its own sub-task with its own input numbering
      b.compute = sub.node(s.at("compute"), depth + 1);
      return b;
    }
    if (kind == "compute") {
      ComputeSource c{nullptr, field<int>(s, "first"), field<int>(s, "count")};
      non_negative(c.first, "compute first");
      non_negative(c.count, "compute count");
      Decoder sub;  // its own sub-task with its own input numbering
      c.compute = sub.node(s.at("compute"), depth + 1);
      return c;
    }
    throw std::invalid_argument("unknown input source '" + kind + "'");
  }
};
}  // namespace

const char* to_string(Format f) { return name_of(kFormats, f); }
const char* to_string(SinkKind k) { return name_of(kSinks, k); }

json to_json(const Node& n) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, InputOp>) {
          return {{"op", "input"}, {"input", x.input}, {"format", to_string(x.format)}, {"source", source_json(x.source)}};
        } else if constexpr (std::is_same_v<T, ApplyOp>) {
          return {{"op", "apply"}, {"func", x.func}, {"split", x.split}, {"child", x.child ? to_json(*x.child) : json()}};
        } else if constexpr (std::is_same_v<T, NativeOp>) {
          json ins = json::array();
          for (const auto& in : x.inputs) ins.push_back({{"data", in.data_ref}, {"source", source_json(in.source)}});
          return {{"op", "native"},        {"fragment", x.fragment},   {"partitioning", x.partitioning},
                  {"partition", x.partition}, {"num_partitions", x.num_partitions}, {"inputs", std::move(ins)}};
        } else {
          json cs = json::array();
          for (const auto& c : x.children) cs.push_back(c ? to_json(*c) : json());
          return {{"op", std::is_same_v<T, ZipOp> ? "zip" : "concat"}, {"children", std::move(cs)}};
        }
      },
      n.op);
}

Result<NodePtr> decode(const json& j) {
  try {
    Decoder d;
    return d.node(j, 0);
  } catch (const std::exception& e) {
    return Result<NodePtr>::error(std::string("malformed task plan: ") + e.what());
  }
}

json to_json(const Sink& s) {
  json j = {{"kind", to_string(s.kind)}};
  if (s.kind == SinkKind::kText || s.kind == SinkKind::kPickle || s.kind == SinkKind::kFiles) {
    j["tmp_dir"] = s.tmp_dir;
    j["file"] = s.file;
    if (s.kind == SinkKind::kFiles) {
      j["format"] = s.format;
      j["options"] = s.options;
      j["columns"] = s.columns;
      j["partition_by"] = s.partition_by;
      if (s.bucket_col >= 0) j["bucket_col"] = s.bucket_col;
    }
  } else if (s.kind == SinkKind::kResult && !s.spool.empty()) {
    j["spool"] = s.spool;
  } else if (s.kind == SinkKind::kShuffle) {
    j["shuffle_id"] = s.shuffle_id;
    j["map"] = s.map;
    j["num_reduce"] = s.num_reduce;
  }
  return j;
}

Result<Sink> decode_sink(const json& j) {
  try {
    if (!j.is_object()) throw std::invalid_argument("sink is not an object");
    Sink s;
    s.kind = parse_name(kSinks, field<std::string>(j, "kind"), "sink");
    if (s.kind == SinkKind::kText || s.kind == SinkKind::kPickle || s.kind == SinkKind::kFiles) {
      s.tmp_dir = field<std::string>(j, "tmp_dir");
      s.file = field<std::string>(j, "file");
      if (s.kind == SinkKind::kFiles) {
        s.format = field<std::string>(j, "format");
        s.options = j.at("options").get<std::vector<std::pair<std::string, std::string>>>();
        s.columns = j.at("columns").get<std::vector<std::string>>();
        s.partition_by = j.value("partition_by", std::vector<int>{});
        s.bucket_col = j.value("bucket_col", -1);
      }
      if (s.tmp_dir.empty() || s.file.empty() || s.file.find('/') != std::string::npos)
        throw std::invalid_argument("file sink needs a directory and a plain file name");
    } else if (s.kind == SinkKind::kResult && j.contains("spool")) {
      s.spool = field<std::string>(j, "spool");
      if (s.spool.empty() || s.spool[0] != '/') throw std::invalid_argument("a result spool must be an absolute path");
    } else if (s.kind == SinkKind::kShuffle) {
      s.shuffle_id = field<int>(j, "shuffle_id");
      s.map = field<int>(j, "map");
      s.num_reduce = field<int>(j, "num_reduce");
      non_negative(s.shuffle_id, "shuffle id");
      non_negative(s.map, "map partition");
      non_negative(s.num_reduce, "num_reduce");
    }
    return s;
  } catch (const std::exception& e) {
    return Result<Sink>::error(std::string("malformed task sink: ") + e.what());
  }
}

void collect_funcs(const Node& n, std::vector<int64_t>& out) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ApplyOp>) {
          out.push_back(x.func);
          if (x.child) collect_funcs(*x.child, out);
        } else if constexpr (std::is_same_v<T, ConcatOp> || std::is_same_v<T, ZipOp>) {
          for (const auto& c : x.children)
            if (c) collect_funcs(*c, out);
        }
      },
      n.op);
}

}  // namespace spp::plan
