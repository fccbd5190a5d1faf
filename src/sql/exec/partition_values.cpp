// Partition discovery (see the header).
#include "sql/exec/partition_values.h"
#include "common/strings.h"

#include <algorithm>
#include <cctype>

#include "sql/columnar/builder.h"
#include "sql/exec/reader_common.h"
#include "sql/kernels/cast.h"

namespace spp::sql::exec {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The directory names of `path` (without its last component, the file), outermost first.
std::vector<std::string_view> dir_names(std::string_view path) {
  std::vector<std::string_view> out;
  size_t end = path.rfind('/');
  if (end == std::string_view::npos) return out;
  size_t at = 0;
  while (at < end) {
    size_t slash = path.find('/', at);
    if (slash == std::string_view::npos || slash > end) slash = end;
    if (slash > at) out.push_back(path.substr(at, slash - at));
    at = slash + 1;
  }
  return out;
}

bool digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// yyyy-MM-dd HH:mm:ss[.S…]: the timestamp formatter's shape; Cast decides the value.
bool timestamp_shape(std::string_view s) {
  if (s.size() < 19 || !digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2) ||
      s[10] != ' ' || !digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2))
    return false;
  if (s.size() == 19) return true;
  return s[19] == '.' && s.size() > 20 && s.size() <= 29 && digits(s, 20, s.size() - 20);
}

bool is_numeric(col::TypeId t) {
  return t == col::TypeId::Int || t == col::TypeId::Long || t == col::TypeId::Double || t == col::TypeId::Decimal;
}

// Integral digits a type needs as a decimal (DecimalType.forType).
int integral_digits(const col::ColType& t) {
  switch (t.id) {
    case col::TypeId::Int: return 10;
    case col::TypeId::Long: return 20;
    case col::TypeId::Decimal: return t.precision - t.scale;
    default: return 0;
  }
}

}  // namespace

std::string unescape_path_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_partition_dirs(std::string_view file,
                                                                                  std::string_view base) {
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  std::string_view rel = file;
  if (!base.empty() && file.size() > base.size() && file.substr(0, base.size()) == base && file[base.size()] == '/')
    rel = file.substr(base.size() + 1);
  else if (!base.empty())
    return std::vector<std::pair<std::string, std::string>>{};  // the file is not below its base
  auto dirs = dir_names(rel);
  std::vector<std::pair<std::string, std::string>> cols;  // innermost first while walking
  for (size_t i = dirs.size(); i-- > 0;) {
    const std::string_view d = dirs[i];
    if (ascii_lower(d) == "_temporary") return std::nullopt;
    const size_t eq = d.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      if (!cols.empty()) break;
      continue;
    }
    cols.emplace_back(unescape_path_name(d.substr(0, eq)), std::string(d.substr(eq + 1)));
  }
  std::reverse(cols.begin(), cols.end());
  return cols;
}

col::ColType infer_partition_type(std::string_view raw, bool type_inference) {
  using col::ColType;
  using col::TypeId;
  if (raw == kDefaultPartitionName) return ColType::scalar(TypeId::Null);
  if (!type_inference) return ColType::scalar(TypeId::String);
  if (java_parse_long(raw, INT32_MIN, INT32_MAX)) return ColType::scalar(TypeId::Int);
  if (java_parse_long(raw, INT64_MIN, INT64_MAX)) return ColType::scalar(TypeId::Long);
  if (auto d = java_decimal_shape(raw); d && d->scale <= 0) {
    const int64_t p = d->precision - d->scale;  // a negative scale's zeros become digits
    if (p <= 38) return ColType::decimal(static_cast<int>(std::max<int64_t>(p, 1)), 0);
  }
  if (java_parse_double(raw)) return ColType::scalar(TypeId::Double);
  const std::string un = unescape_path_name(raw);
  if (timestamp_shape(un) && kern::parse_timestamp(un, 0)) return ColType::scalar(TypeId::Timestamp);
  if (parse_iso_date_strict(raw)) return ColType::scalar(TypeId::Date);
  return ColType::scalar(TypeId::String);
}

col::ColType wider_partition_type(const col::ColType& a, const col::ColType& b) {
  using col::ColType;
  using col::TypeId;
  if (a == b) return a;
  if (a.id == TypeId::Null) return b;
  if (b.id == TypeId::Null) return a;
  const auto str = ColType::scalar(TypeId::String);
  if (a.id == TypeId::String || b.id == TypeId::String) return str;
  if (is_numeric(a.id) && is_numeric(b.id)) {
    if (a.id == TypeId::Double || b.id == TypeId::Double) {
      const TypeId other = a.id == TypeId::Double ? b.id : a.id;
      return other == TypeId::Int ? ColType::scalar(TypeId::Double) : str;
    }
    if (a.id == TypeId::Decimal || b.id == TypeId::Decimal) {
      const int digits = std::max(integral_digits(a), integral_digits(b));
      return digits <= 38 ? ColType::decimal(digits, 0) : str;
    }
    return ColType::scalar(TypeId::Long);  // int with long
  }
  if ((a.id == TypeId::Date && b.id == TypeId::Timestamp) || (a.id == TypeId::Timestamp && b.id == TypeId::Date))
    return ColType::scalar(TypeId::Timestamp);
  return str;
}

Result<PartitionColumns> infer_partition_columns(const std::vector<std::pair<std::string, std::string>>& file_and_base,
                                                 bool type_inference) {
  using R = Result<PartitionColumns>;
  PartitionColumns out;
  std::vector<std::string> first_dir;
  bool have = false;
  for (const auto& [file, base] : file_and_base) {
    auto cols = parse_partition_dirs(file, base);
    if (!cols || cols->empty()) continue;
    std::vector<std::string> names;
    for (const auto& c : *cols) names.push_back(c.first);
    std::vector<std::string> lnames, lhave;
    for (const auto& n : names) lnames.push_back(ascii_lower(n));
    for (const auto& n : out.names) lhave.push_back(ascii_lower(n));
    if (!have) {
      out.names = names;
      out.types.assign(names.size(), col::ColType::scalar(col::TypeId::Null));
      first_dir = {file.substr(0, file.rfind('/'))};
      have = true;
    } else if (lnames != lhave) {
      return R::error("Conflicting directory structures detected. Suspicious paths:\n\t" + first_dir[0] + "\n\t" +
                      file.substr(0, file.rfind('/')) +
                      "\n\nIf provided paths are partition directories, please set \"basePath\" in the options of the "
                      "data source to specify the root directory of the table. If there are multiple root "
                      "directories, please load them separately and then union them.");
    }
    for (size_t i = 0; i < cols->size(); ++i)
      out.types[i] = wider_partition_type(out.types[i], infer_partition_type((*cols)[i].second, type_inference));
  }
  for (auto& t : out.types)
    if (t.id == col::TypeId::Null) t = col::ColType::scalar(col::TypeId::String);
  return out;
}

col::ColumnPtr partition_value_column(std::string_view raw, const col::ColTypePtr& type, int64_t rows) {
  col::ColumnBuilder one(col::make_type(col::ColType::scalar(col::TypeId::String)));
  if (raw == kDefaultPartitionName) one.append_null();
  else one.append_str(unescape_path_name(raw));
  kern::Vec v = kern::Vec::flat(one.finish());
  if (type->id != col::TypeId::String) v = kern::cast(v, type, 1);
  col::ColumnBuilder out(type);
  for (int64_t r = 0; r < rows; ++r) out.append_from(v.c(), 0);
  return out.finish();
}

std::optional<std::string> partition_raw_value(std::string_view file, std::string_view name) {
  const std::string want = ascii_lower(name);
  auto dirs = dir_names(file);
  for (size_t i = dirs.size(); i-- > 0;) {
    const size_t eq = dirs[i].find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    if (ascii_lower(unescape_path_name(dirs[i].substr(0, eq))) == want) return std::string(dirs[i].substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace spp::sql::exec
