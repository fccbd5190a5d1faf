// Parquet schema -> Spark types (see the header), after Spark 3.5's ParquetSchemaConverter with
// its defaults: binaryAsString false, int96AsTimestamp true, inferTimestampNTZ true, nanosAsLong false.
#include "sql/parquet/schema.h"

#include <nlohmann/json.hpp>

namespace spp::sql::parquet {

namespace {

using col::ColType;
using col::TypeId;
constexpr int kMaxNesting = 64;

struct Err { std::string msg; };

std::string illegal(const SchemaElement& e) { return "[PARQUET_TYPE_ILLEGAL] Illegal Parquet type: " + type_string(e) + "."; }
std::string not_implemented(const SchemaElement& e) {
  return "[PARQUET_TYPE_NOT_SUPPORTED] Parquet type not yet supported: " + type_string(e) + ".";
}

// The logical annotation, from LogicalType when it is one this reader knows, else from the
// ConvertedType (parquet-mr maps the legacy annotations the same way).
LogicalType effective_logical(const SchemaElement& e) {
  LogicalType l = e.logical;
  switch (l.kind) {
    case LogicalType::String: case LogicalType::Map: case LogicalType::List: case LogicalType::Enum:
    case LogicalType::Decimal: case LogicalType::Date: case LogicalType::Time: case LogicalType::Timestamp:
    case LogicalType::Integer: case LogicalType::Json: case LogicalType::Bson: case LogicalType::Uuid:
    case LogicalType::Float16:
      return l;
    default: break;
  }
  l = LogicalType{};
  switch (e.converted) {
    case Converted::Utf8: l.kind = LogicalType::String; break;
    case Converted::Map: case Converted::MapKeyValue: l.kind = LogicalType::Map; break;
    case Converted::List: l.kind = LogicalType::List; break;
    case Converted::Enum: l.kind = LogicalType::Enum; break;
    case Converted::Decimal: l.kind = LogicalType::Decimal; l.precision = e.precision; l.scale = e.scale; break;
    case Converted::Date: l.kind = LogicalType::Date; break;
    case Converted::TimeMillis: l = {LogicalType::Time, 0, 0, true, 1}; break;
    case Converted::TimeMicros: l = {LogicalType::Time, 0, 0, true, 2}; break;
    case Converted::TimestampMillis: l = {LogicalType::Timestamp, 0, 0, true, 1}; break;
    case Converted::TimestampMicros: l = {LogicalType::Timestamp, 0, 0, true, 2}; break;
    case Converted::Uint8: l.kind = LogicalType::Integer; l.bit_width = 8; l.is_signed = false; break;
    case Converted::Uint16: l.kind = LogicalType::Integer; l.bit_width = 16; l.is_signed = false; break;
    case Converted::Uint32: l.kind = LogicalType::Integer; l.bit_width = 32; l.is_signed = false; break;
    case Converted::Uint64: l.kind = LogicalType::Integer; l.bit_width = 64; l.is_signed = false; break;
    case Converted::Int8: l.kind = LogicalType::Integer; l.bit_width = 8; break;
    case Converted::Int16: l.kind = LogicalType::Integer; l.bit_width = 16; break;
    case Converted::Int32: l.kind = LogicalType::Integer; l.bit_width = 32; break;
    case Converted::Int64: l.kind = LogicalType::Integer; l.bit_width = 64; break;
    case Converted::Json: l.kind = LogicalType::Json; break;
    case Converted::Bson: l.kind = LogicalType::Bson; break;
    case Converted::Interval: l.kind = -1; break;  // INTERVAL has no LogicalType
    default: break;
  }
  return l;
}

// Largest decimal precision `n` bytes of two's complement hold (Decimal.maxPrecisionForBytes).
int max_precision_for_bytes(int n) {
  if (n <= 0) return 0;
  if (n >= 16) return 38;
  // floor(log10(2^(8n-1) - 1))
  __int128 v = (__int128(1) << (8 * n - 1)) - 1;
  int d = 0;
  while (v >= 10) { v /= 10; ++d; }
  return d;
}

Result<Leaf> convert_primitive(const SchemaElement& e) {
  using R = Result<Leaf>;
  Leaf leaf;
  leaf.phys = *e.type;
  leaf.type_length = e.type_length;
  const LogicalType l = effective_logical(e);
  auto decimal = [&](int max_precision, Conv conv) -> R {
    if (l.precision <= 0 || l.precision > max_precision || l.precision > 38 || l.scale < 0 || l.scale > l.precision)
      return R::error(illegal(e));
    leaf.type = ColType::decimal(l.precision, l.scale);
    leaf.conv = conv;
    return leaf;
  };
  auto set = [&](TypeId id, Conv conv) -> R { leaf.type = ColType::scalar(id); leaf.conv = conv; return leaf; };
  switch (*e.type) {
    case PhysType::Boolean:
      if (l.kind != LogicalType::None) return R::error(illegal(e));
      return set(TypeId::Boolean, Conv::Bool);
    case PhysType::Float:
      if (l.kind != LogicalType::None) return R::error(illegal(e));
      return set(TypeId::Float, Conv::Float);
    case PhysType::Double:
      if (l.kind != LogicalType::None) return R::error(illegal(e));
      return set(TypeId::Double, Conv::Double);
    case PhysType::Int32:
      switch (l.kind) {
        case LogicalType::None: return set(TypeId::Int, Conv::Int32);
        case LogicalType::Integer:
          if (l.is_signed && l.bit_width == 8) return set(TypeId::Byte, Conv::Int32ToByte);
          if (l.is_signed && l.bit_width == 16) return set(TypeId::Short, Conv::Int32ToShort);
          if (l.is_signed && l.bit_width == 32) return set(TypeId::Int, Conv::Int32);
          if (!l.is_signed && l.bit_width == 8) return set(TypeId::Short, Conv::Int32ToShort);
          if (!l.is_signed && l.bit_width == 16) return set(TypeId::Int, Conv::Int32);
          if (!l.is_signed && l.bit_width == 32) return set(TypeId::Long, Conv::Uint32ToLong);
          return R::error(illegal(e));
        case LogicalType::Decimal: return decimal(9, Conv::Int32ToDecimal);
        case LogicalType::Date: return set(TypeId::Date, Conv::Int32);
        case LogicalType::Time: return R::error(not_implemented(e));
        default: return R::error(illegal(e));
      }
    case PhysType::Int64:
      switch (l.kind) {
        case LogicalType::None: return set(TypeId::Long, Conv::Int64);
        case LogicalType::Integer:
          if (l.bit_width != 64) return R::error(illegal(e));
          if (l.is_signed) return set(TypeId::Long, Conv::Int64);
          leaf.type = ColType::decimal(20, 0);
          leaf.conv = Conv::Uint64ToDecimal;
          return leaf;
        case LogicalType::Decimal: return decimal(18, Conv::Int64ToDecimal);
        case LogicalType::Timestamp: {
          const TypeId id = l.adjusted_to_utc ? TypeId::Timestamp : TypeId::TimestampNtz;
          if (l.unit == 1) return set(id, Conv::MillisToMicros);
          if (l.unit == 2) return set(id, Conv::Int64);
          return R::error(illegal(e));  // NANOS: Spark's nanosAsLong is off by default
        }
        case LogicalType::Time: return R::error(not_implemented(e));
        default: return R::error(illegal(e));
      }
    case PhysType::Int96:
      if (l.kind != LogicalType::None) return R::error(illegal(e));
      return set(TypeId::Timestamp, Conv::Int96ToMicros);
    case PhysType::ByteArray:
      switch (l.kind) {
        case LogicalType::String: case LogicalType::Enum: case LogicalType::Json: return set(TypeId::String, Conv::Bytes);
        case LogicalType::Decimal: return decimal(38, Conv::BytesToDecimal);
        case LogicalType::None: case LogicalType::Bson: return set(TypeId::Binary, Conv::Bytes);
        default: return R::error(illegal(e));
      }
    case PhysType::FixedLenByteArray:
      if (e.type_length <= 0) return R::error(illegal(e) + " (its length is " + std::to_string(e.type_length) + ")");
      switch (l.kind) {
        case LogicalType::Decimal: return decimal(max_precision_for_bytes(e.type_length), Conv::BytesToDecimal);
        case -1: return R::error(not_implemented(e));
        case LogicalType::None: case LogicalType::Uuid: case LogicalType::Float16: return set(TypeId::Binary, Conv::Bytes);
        default: return R::error(illegal(e));
      }
  }
  return R::error(illegal(e));
}

// Walks the flattened schema depth-first (elements in pre-order, groups giving num_children).
class Converter {
 public:
  Converter(const FileMetaData& md, FileSchema& out) : md_(md), out_(out) {}

  // Converts element `i_` (advancing past its subtree) into its Spark type; `def`/`rep` are the
  // levels of its parent.
  ColType convert(int16_t def, int16_t rep, std::vector<std::string> path, int depth, Node& node) {
    if (depth > kMaxNesting) throw Err{"Parquet schema nested too deeply"};
    if (i_ >= md_.schema.size()) throw Err{"corrupt Parquet schema: fewer elements than the groups claim"};
    const size_t me = i_++;
    const SchemaElement& e = md_.schema[me];
    const Repetition r = e.repetition.value_or(Repetition::Optional);
    const int16_t parent_def = def;
    if (r != Repetition::Required) ++def;
    if (r == Repetition::Repeated) ++rep;
    path.push_back(e.name);
    // A repeated field outside a LIST/MAP is a list (never null) of non-null elements.
    const bool bare_repeated = r == Repetition::Repeated && !in_list_;
    Node inner;
    inner.def_present = def;
    ColType t = e.type ? primitive(me, def, rep, path, inner) : group(me, def, rep, path, depth, inner);
    if (bare_repeated) {
      node = Node{};
      node.kind = Node::List;
      node.def_present = parent_def;
      node.def_elem = def;
      node.rep_elem = rep;
      node.children.push_back(std::move(inner));
      return ColType::array(std::move(t), false);
    }
    node = std::move(inner);
    return t;
  }

 private:
  ColType primitive(size_t me, int16_t def, int16_t rep, const std::vector<std::string>& path, Node& node) {
    node.kind = Node::Leaf;
    node.leaf = int(out_.leaves.size());
    const SchemaElement& e = md_.schema[me];
    if (e.num_children > 0) throw Err{"corrupt Parquet schema: primitive " + e.name + " has children"};
    auto leaf = convert_primitive(e);
    if (!leaf) throw Err{leaf.error_message()};
    leaf.value().path = path;
    leaf.value().schema_index = int(me);
    leaf.value().max_def = def;
    leaf.value().max_rep = rep;
    out_.leaves.push_back(leaf.value());
    return leaf.value().type;
  }

  std::vector<size_t> children_of(size_t me) const {
    const SchemaElement& e = md_.schema[me];
    if (e.num_children <= 0) throw Err{"[PARQUET_TYPE_ILLEGAL] Illegal Parquet type: group " + e.name + " has no fields."};
    if (size_t(e.num_children) > md_.schema.size()) throw Err{"corrupt Parquet schema: group " + e.name + " claims too many fields"};
    return {};
  }

  ColType group(size_t me, int16_t def, int16_t rep, const std::vector<std::string>& path, int depth, Node& node) {
    const SchemaElement& e = md_.schema[me];
    children_of(me);
    const int n = e.num_children;
    const LogicalType l = effective_logical(e);
    const bool saved = in_list_;
    if (l.kind == LogicalType::List) {
      if (n != 1) throw Err{"Invalid list type " + e.name};
      const SchemaElement& rep_el = md_.schema.at(i_);
      if (rep_el.repetition != Repetition::Repeated) throw Err{"Invalid list type " + e.name};
      const bool element_is_repeated = rep_el.type || rep_el.num_children > 1 || rep_el.name == "array" ||
                                       rep_el.name == e.name + "_tuple";
      in_list_ = true;
      ColType out;
      node.kind = Node::List;
      node.def_elem = int16_t(def + 1);
      node.rep_elem = int16_t(rep + 1);
      node.children.resize(1);
      if (element_is_repeated) {
        out = ColType::array(convert(def, rep, path, depth + 1, node.children[0]), false);
      } else {
        // three-level list: repeated group with one element field
        if (rep_el.num_children != 1) throw Err{"Invalid list type " + e.name};
        ++i_;
        auto p = path;
        p.push_back(rep_el.name);
        in_list_ = false;
        const SchemaElement& elem = md_.schema.at(i_);
        const bool optional = elem.repetition.value_or(Repetition::Optional) == Repetition::Optional;
        out = ColType::array(convert(int16_t(def + 1), int16_t(rep + 1), p, depth + 1, node.children[0]), optional);
      }
      in_list_ = saved;
      return out;
    }
    if (l.kind == LogicalType::Map) {
      if (n != 1) throw Err{"Invalid map type " + e.name};
      const SchemaElement& kv = md_.schema.at(i_);
      if (kv.type || kv.repetition != Repetition::Repeated || kv.num_children != 2) throw Err{"Invalid map type: " + e.name};
      ++i_;
      auto p = path;
      p.push_back(kv.name);
      in_list_ = false;
      node.kind = Node::Map;
      node.def_elem = int16_t(def + 1);
      node.rep_elem = int16_t(rep + 1);
      node.children.resize(1);
      Node& kv_node = node.children[0];
      kv_node.kind = Node::Struct;
      kv_node.def_present = node.def_elem;
      kv_node.children.resize(2);
      ColType k = convert(int16_t(def + 1), int16_t(rep + 1), p, depth + 1, kv_node.children[0]);
      const SchemaElement& ve = md_.schema.at(i_);
      const bool value_optional = ve.repetition.value_or(Repetition::Optional) == Repetition::Optional;
      ColType v = convert(int16_t(def + 1), int16_t(rep + 1), p, depth + 1, kv_node.children[1]);
      in_list_ = saved;
      return ColType::map(std::move(k), std::move(v), value_optional);
    }
    in_list_ = false;
    std::vector<std::string> names;
    std::vector<ColType> types;
    std::vector<bool> nullable;
    node.kind = Node::Struct;
    node.children.resize(size_t(n));
    for (int c = 0; c < n; ++c) {
      if (i_ >= md_.schema.size()) throw Err{"corrupt Parquet schema: fewer elements than the groups claim"};
      names.push_back(md_.schema[i_].name);
      nullable.push_back(md_.schema[i_].repetition.value_or(Repetition::Optional) != Repetition::Required);
      types.push_back(convert(def, rep, path, depth + 1, node.children[size_t(c)]));
    }
    in_list_ = saved;
    return ColType::strct(std::move(names), std::move(types), std::move(nullable));
  }

 public:
  size_t i_ = 0;

 private:
  const FileMetaData& md_;
  FileSchema& out_;
  bool in_list_ = false;
};

}  // namespace

col::ColType FileSchema::struct_type() const {
  std::vector<std::string> names;
  std::vector<ColType> types;
  for (const auto& f : fields) {
    names.push_back(f.name);
    types.push_back(f.type);
  }
  return ColType::strct(std::move(names), std::move(types), std::vector<bool>(fields.size(), true));
}

Result<FileSchema> convert_schema(const FileMetaData& md) {
  FileSchema fs;
  const SchemaElement& root = md.schema[0];
  if (root.type) return Result<FileSchema>::error("corrupt Parquet schema: the root is not a group");
  if (root.num_children < 0 || size_t(root.num_children) >= md.schema.size() + 1)
    return Result<FileSchema>::error("corrupt Parquet schema: the root claims " + std::to_string(root.num_children) + " fields");
  Converter c(md, fs);
  c.i_ = 1;
  try {
    for (int k = 0; k < root.num_children; ++k) {
      if (c.i_ >= md.schema.size()) return Result<FileSchema>::error("corrupt Parquet schema: fewer elements than the root claims");
      Field f;
      f.name = md.schema[c.i_].name;
      f.first_leaf = int(fs.leaves.size());
      f.type = c.convert(0, 0, {}, 0, f.node);
      f.num_leaves = int(fs.leaves.size()) - f.first_leaf;
      f.flat = f.num_leaves == 1 && fs.leaves[size_t(f.first_leaf)].max_rep == 0 && f.type.id != TypeId::Struct;
      fs.fields.push_back(std::move(f));
    }
  } catch (const Err& e) {
    return Result<FileSchema>::error(e.msg);
  } catch (const std::out_of_range&) {
    return Result<FileSchema>::error("corrupt Parquet schema: fewer elements than the groups claim");
  }
  if (c.i_ != md.schema.size()) return Result<FileSchema>::error("corrupt Parquet schema: elements past the root's fields");
  return fs;
}

nlohmann::json spark_schema_json(const FileMetaData& md, const FileSchema& fs) {
  nlohmann::json derived = col::type_to_json(fs.struct_type());
  for (const auto& [k, v] : md.key_value) {
    if (k != "org.apache.spark.sql.parquet.row.metadata") continue;
    auto j = nlohmann::json::parse(v, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("type", "") != "struct" || !j.contains("fields") ||
        !j["fields"].is_array() || j["fields"].size() != fs.fields.size())
      return derived;
    auto t = col::type_from_json(j);
    if (!t) return derived;
    for (size_t i = 0; i < fs.fields.size(); ++i)
      if (t.value().names[i] != fs.fields[i].name || t.value().children[i] != fs.fields[i].type) return derived;
    for (auto& f : j["fields"]) f["nullable"] = true;  // file sources read every column as nullable
    return j;
  }
  return derived;
}

}  // namespace spp::sql::parquet
