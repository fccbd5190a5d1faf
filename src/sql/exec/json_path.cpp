// JsonPath (json_path.h): compile the path once, walk the tape per row.
#include "sql/exec/json_path.h"

#include <cctype>

namespace spp::sql::exec {

std::optional<JsonPath> JsonPath::compile(std::string_view p) {
  if (p.empty() || p[0] != '$') return std::nullopt;
  JsonPath jp;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t j = i + 1;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      if (j == i + 1) return std::nullopt;
      std::string name(p.substr(i + 1, j - i - 1));
      if (name == "*") jp.steps_.push_back({Step::Kind::AnyKey, "", 0});
      else jp.steps_.push_back({Step::Kind::Key, std::move(name), 0});
      i = j;
    } else if (p[i] == '[') {
      size_t close = p.find(']', i);
      if (close == std::string_view::npos) return std::nullopt;
      std::string_view in = p.substr(i + 1, close - i - 1);
      if (in == "*") {
        jp.steps_.push_back({Step::Kind::AnyIndex, "", 0});
      } else if (in.size() >= 2 && in.front() == '\'' && in.back() == '\'') {
        jp.steps_.push_back({Step::Kind::Key, std::string(in.substr(1, in.size() - 2)), 0});
      } else {
        if (in.empty() || in.size() > 9) return std::nullopt;
        int64_t v = 0;
        for (char ch : in) {
          if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
          v = v * 10 + (ch - '0');
        }
        jp.steps_.push_back({Step::Kind::Index, "", v});
      }
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  return jp;
}

void JsonPath::walk(const std::vector<JTok>& t, size_t i, size_t step, std::vector<size_t>& hits, bool& wild) const {
  if (step == steps_.size()) {
    hits.push_back(i);
    return;
  }
  const Step& s = steps_[step];
  const JTok& tok = t[i];
  if (tok.kind == JKind::Object && (s.kind == Step::Kind::Key || s.kind == Step::Kind::AnyKey)) {
    if (s.kind == Step::Kind::AnyKey) wild = true;
    for (size_t m = i + 1; m < tok.end; m = json_next(t, m)) {
      if (s.kind == Step::Kind::AnyKey) {
        walk(t, m, step + 1, hits, wild);
      } else if (t[m].key == s.key) {
        walk(t, m, step + 1, hits, wild);
        return;  // the first member of that name
      }
    }
    return;
  }
  if (tok.kind == JKind::Array && (s.kind == Step::Kind::Index || s.kind == Step::Kind::AnyIndex)) {
    if (s.kind == Step::Kind::AnyIndex) wild = true;
    int64_t k = 0;
    for (size_t m = i + 1; m < tok.end; m = json_next(t, m), ++k) {
      if (s.kind == Step::Kind::AnyIndex) walk(t, m, step + 1, hits, wild);
      else if (k == s.index) { walk(t, m, step + 1, hits, wild); return; }
    }
  }
}

bool JsonPath::eval(const std::vector<JTok>& tape, std::string& out) const {
  std::vector<size_t> hits;
  bool wild = false;
  if (!tape.empty()) walk(tape, 0, 0, hits, wild);
  out.clear();
  if (hits.empty()) return false;
  // One value: a string's text as is, anything else as JSON. Several (wildcards): a JSON array.
  if (hits.size() == 1) {
    const JTok& h = tape[hits[0]];
    if (h.kind == JKind::String) out.assign(h.text);
    else if (h.kind == JKind::Null && !wild) return false;
    else json_write(tape, hits[0], out);
    return true;
  }
  out += '[';
  for (size_t k = 0; k < hits.size(); ++k) {
    if (k) out += ',';
    json_write(tape, hits[k], out);
  }
  out += ']';
  return true;
}

std::optional<std::string> json_get_object(std::string_view json, const JsonPath& path, std::vector<JTok>& tape,
                                           std::string& scratch) {
  static const JsonSyntax syntax{};
  if (json_tokenize(json, syntax, tape, scratch) != JParse::Ok) return std::nullopt;
  std::string out;
  if (!path.eval(tape, out)) return std::nullopt;
  return out;
}

}  // namespace spp::sql::exec
