// Statements (CREATE TEMPORARY VIEW, DROP VIEW, SHOW, DESCRIBE, SET, EXPLAIN) and the parser's
// pure entry points, plus ParseException's message text.
#include <algorithm>
#include <cctype>

#include "sql/parser/parser_impl.h"
#include "common/strings.h"

namespace spp::sql::parser {
namespace {

std::string join_name(const std::vector<std::string>& parts) {
  std::string s;
  for (size_t k = 0; k < parts.size(); ++k) s += (k ? "." : "") + parts[k];
  return s;
}

// Scala's String.split("\n"): trailing empty pieces dropped.
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (true) {
    size_t e = s.find('\n', b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}


// A string literal's value ('…' / "…", unescaped), else a fail.
std::string string_literal(Parser& p) {
  if (p.peek().kind != Tok::String) p.fail();
  return unescape_sql_string(p.next().text);
}

// OPTIONS / TBLPROPERTIES / DBPROPERTIES (k [=] v, …): keys are strings or dotted names.
std::vector<std::pair<std::string, std::string>> property_list(Parser& p) {
  std::vector<std::pair<std::string, std::string>> out;
  p.expect_op("(");
  do {
    std::string k;
    if (p.peek().kind == Tok::String) k = unescape_sql_string(p.next().text);
    else k = join_name(p.qualified_name());
    p.accept_op("=");
    std::string v;
    if (p.peek().kind == Tok::String) v = unescape_sql_string(p.next().text);
    else v = p.next().raw;  // numbers, true/false
    out.emplace_back(k, v);
  } while (p.accept_op(","));
  p.expect_op(")");
  return out;
}

// PARTITION (k = v, k2, …): constants as written (strings unescaped; NULL keeps its word).
PartitionSpec partition_spec(Parser& p) {
  PartitionSpec spec;
  p.expect_op("(");
  do {
    PartitionSpec::Value v;
    v.column = p.identifier();
    if (p.accept_op("=")) {
      v.has_value = true;
      const Token& t = p.peek();
      if (t.kind == Tok::String) v.value = unescape_sql_string(p.next().text);
      else if (p.accept_op("-")) v.value = "-" + p.next().raw;
      else v.value = p.next().raw;
    }
    spec.values.push_back(std::move(v));
  } while (p.accept_op(","));
  p.expect_op(")");
  return spec;
}

// A query and its text as written (for statements that run it later as a DataFrame).
void statement_query(Parser& p, Statement& st) {
  size_t begin = p.peek().offset;
  st.plan = p.query();
  size_t end = std::max(begin, p.consumed_end());
  st.query_text = p.text().substr(begin, end - begin);
}

// CREATE TABLE's column list `(a INT, b STRING COMMENT 'x')` as DDL text (parsed by the session).
std::string column_list_text(Parser& p) {
  p.expect_op("(");
  std::string t = p.type_text_until_close();
  p.expect_op(")");
  return t;
}

// `(a, b, …)`: identifiers.
std::vector<std::string> identifier_list(Parser& p) {
  std::vector<std::string> out;
  p.expect_op("(");
  do out.push_back(p.identifier()); while (p.accept_op(","));
  p.expect_op(")");
  return out;
}

// A view's optional column list `(a [COMMENT '…'], …)`: the names (comments are accepted, not kept).
std::vector<std::string> view_columns(Parser& p) {
  std::vector<std::string> cols;
  if (p.accept_op("(")) {
    do {
      cols.push_back(p.identifier());
      if (p.accept_kw("COMMENT")) string_literal(p);
    } while (p.accept_op(","));
    p.expect_op(")");
  }
  return cols;
}

bool starts_query(const Parser& p) {
  return p.is_kw("SELECT") || p.is_kw("WITH") || p.is_kw("VALUES") || p.is_kw("FROM") || p.is_kw("TABLE") || p.is_op("(");
}

// SET TBLPROPERTIES (…) | UNSET TBLPROPERTIES [IF EXISTS] (k, …) after ALTER TABLE|VIEW name.
bool table_properties_change(Parser& p, Statement& st) {
  if (p.is_kw("SET") && p.is_kw("TBLPROPERTIES", 1)) {
    p.next();
    p.next();
    st.kind = StmtKind::SetProperties;
    st.properties = property_list(p);
    return true;
  }
  if (p.is_kw("UNSET") && p.is_kw("TBLPROPERTIES", 1)) {
    p.next();
    p.next();
    st.kind = StmtKind::UnsetProperties;
    if (p.accept_kw("IF")) { p.expect_kw("EXISTS"); st.if_exists = true; }
    p.expect_op("(");
    do {
      if (p.peek().kind == Tok::String) st.columns.push_back(string_literal(p));
      else st.columns.push_back(join_name(p.qualified_name()));
    } while (p.accept_op(","));
    p.expect_op(")");
    return true;
  }
  return false;
}

// After CREATE [OR REPLACE] VIEW: [IF NOT EXISTS] name [(cols)] [COMMENT …] [TBLPROPERTIES (…)] AS query.
void persisted_view(Parser& p, Statement& st) {
  st.kind = StmtKind::CreatePersistedView;
  if (p.accept_kw("IF")) { p.expect_kw("NOT"); p.expect_kw("EXISTS"); st.if_not_exists = true; }
  st.name = join_name(p.qualified_name());
  st.columns = view_columns(p);
  while (!p.is_kw("AS")) {
    if (p.accept_kw("COMMENT")) {
      st.comment = string_literal(p);
      st.has_comment = true;
    } else if (p.accept_kw("TBLPROPERTIES")) {
      for (auto& kv : property_list(p)) st.properties.push_back(std::move(kv));
    } else {
      p.fail();
    }
  }
  p.expect_kw("AS");
  statement_query(p, st);
}

}  // namespace

Statement Parser::statement() {
  Statement st;
  const Token& first = peek();
  if (accept_kw("EXPLAIN")) {
    st.kind = StmtKind::Explain;
    st.mode = "simple";
    for (const char* m : {"EXTENDED", "FORMATTED", "CODEGEN", "COST"})
      if (accept_kw(m)) {
        st.mode = ascii_lower(m);
        break;
      }
    if (is_kw("LOGICAL")) unsupported(peek(), "EXPLAIN LOGICAL");  // AstBuilder: operationNotAllowed
    Statement inner = statement();
    if (inner.kind != StmtKind::Query) unsupported(first, "EXPLAIN of a command");
    st.plan = inner.plan;
    return st;
  }
  if (accept_kw("CREATE")) {
    if (accept_kw("DATABASE") || accept_kw("SCHEMA") || accept_kw("NAMESPACE")) {
      st.kind = StmtKind::CreateDatabase;
      if (accept_kw("IF")) { expect_kw("NOT"); expect_kw("EXISTS"); st.if_not_exists = true; }
      st.name = join_name(qualified_name());
      while (!at_end() && !is_op(";")) {
        if (accept_kw("COMMENT")) st.value = string_literal(*this);
        else if (accept_kw("LOCATION")) st.key = string_literal(*this);
        else if (accept_kw("WITH")) {
          if (!accept_kw("DBPROPERTIES")) expect_kw("PROPERTIES");
          property_list(*this);
        } else fail();
      }
      return st;
    }
    if (accept_kw("OR")) { expect_kw("REPLACE"); st.replace = true; }
    if (accept_kw("EXTERNAL") || is_kw("TABLE")) {
      expect_kw("TABLE");
      st.kind = StmtKind::CreateTable;
      if (accept_kw("IF")) { expect_kw("NOT"); expect_kw("EXISTS"); st.if_not_exists = true; }
      st.name = join_name(qualified_name());
      if (is_op("(") && !(is_kw("SELECT", 1) || is_kw("WITH", 1) || is_kw("VALUES", 1) || is_op("(", 1)))
        st.schema = column_list_text(*this);
      while (!at_end() && !is_op(";")) {
        if (accept_kw("USING")) {
          st.value = ascii_lower(join_name(qualified_name()));
        } else if (accept_kw("STORED")) {  // Hive's STORED AS fmt: a Hive serde table
          expect_kw("AS");
          identifier();
          st.mode = "hive";
        } else if (accept_kw("ROW")) {  // ROW FORMAT …: a Hive serde table too
          expect_kw("FORMAT");
          st.mode = "hive";
          while (!at_end() && !is_op(";") && !is_kw("STORED") && !is_kw("LOCATION") && !is_kw("TBLPROPERTIES") &&
                 !is_kw("AS") && !is_kw("COMMENT"))
            next();
        } else if (accept_kw("OPTIONS")) {
          for (auto& kv : property_list(*this)) st.options.push_back(std::move(kv));
        } else if (accept_kw("TBLPROPERTIES")) {
          for (auto& kv : property_list(*this)) st.properties.push_back(std::move(kv));
        } else if (accept_kw("CLUSTERED")) {  // CLUSTERED BY (c, …) [SORTED BY (c, …)] INTO n BUCKETS
          expect_kw("BY");
          st.bucket_columns = identifier_list(*this);
          if (accept_kw("SORTED")) {
            expect_kw("BY");
            st.sort_columns = identifier_list(*this);
          }
          expect_kw("INTO");
          if (peek().kind != Tok::Number) fail();
          st.num_buckets = std::atoi(next().raw.c_str());
          expect_kw("BUCKETS");
        } else if (accept_kw("PARTITIONED")) {
          expect_kw("BY");
          expect_op("(");
          std::string typed;  // Hive style `(p INT, …)`: the columns join the schema
          do {
            std::string c = identifier();
            st.columns.push_back(c);
            if (!is_op(",") && !is_op(")")) {
              DataType t = data_type();
              typed += (typed.empty() ? "" : ", ") + std::string("`") + c + "` " + t.sql();
            }
          } while (accept_op(","));
          expect_op(")");
          if (!typed.empty()) st.schema += (st.schema.empty() ? "" : ", ") + typed;
        } else if (accept_kw("LOCATION")) {
          st.key = string_literal(*this);
        } else if (accept_kw("COMMENT")) {
          st.comment = string_literal(*this);
          st.has_comment = true;
        } else if (accept_kw("AS") || starts_query(*this)) {
          statement_query(*this, st);
          break;
        } else {
          fail();
        }
      }
      return st;
    }
    st.kind = StmtKind::CreateView;
    st.global = accept_kw("GLOBAL");
    if (!accept_kw("TEMPORARY") && !accept_kw("TEMP")) {
      if (st.global || !is_kw("VIEW")) fail();
      next();
      persisted_view(*this, st);
      return st;
    }
    expect_kw("VIEW");
    if (accept_kw("IF")) { expect_kw("NOT"); expect_kw("EXISTS"); st.if_not_exists = true; }
    const Token& nt = peek();
    auto name = qualified_name();
    if (name.size() > 1 && !(st.global && name.size() == 2))
      fail_msg(nt, "TEMP_VIEW_NAME_TOO_MANY_NAME_PARTS",
               "CREATE TEMPORARY VIEW or the corresponding Dataset APIs only accept single-part view names, but got: " +
                   join_name(name) + ".");
    st.name = name.back();
    std::vector<std::string> cols = view_columns(*this);
    expect_kw("AS");
    st.plan = query();
    if (!cols.empty()) {
      LogicalPlan t;
      t.kind = PlanKind::ToDF;
      t.names = cols;
      t.children = {st.plan};
      st.plan = make_plan(std::move(t));
    }
    return st;
  }
  if (accept_kw("CACHE")) {  // CACHE [LAZY] TABLE t [OPTIONS ('storageLevel' [=] 'X')] [[AS] query]
    st.kind = StmtKind::CacheTable;
    st.if_exists = accept_kw("LAZY");
    expect_kw("TABLE");
    st.name = join_name(qualified_name());
    if (accept_kw("OPTIONS")) {
      expect_op("(");
      do {
        if (peek().kind != Tok::String) fail();
        std::string k = unescape_sql_string(next().text);
        accept_op("=");
        if (peek().kind != Tok::String) fail();
        std::string v = unescape_sql_string(next().text);
        if (ascii_lower(k) == "storagelevel") st.value = v;
      } while (accept_op(","));
      expect_op(")");
    }
    if (accept_kw("AS") || is_kw("SELECT") || is_kw("WITH") || is_kw("VALUES") || is_kw("FROM") || is_op("("))
      st.plan = query();
    return st;
  }
  if (accept_kw("UNCACHE")) {
    st.kind = StmtKind::UncacheTable;
    expect_kw("TABLE");
    if (accept_kw("IF")) { expect_kw("EXISTS"); st.if_exists = true; }
    st.name = join_name(qualified_name());
    return st;
  }
  if (accept_kw("CLEAR")) {
    expect_kw("CACHE");
    st.kind = StmtKind::ClearCache;
    return st;
  }
  if (accept_kw("DROP")) {
    if (accept_kw("DATABASE") || accept_kw("SCHEMA") || accept_kw("NAMESPACE")) {
      st.kind = StmtKind::DropDatabase;
      if (accept_kw("IF")) { expect_kw("EXISTS"); st.if_exists = true; }
      st.name = join_name(qualified_name());
      if (accept_kw("CASCADE")) st.replace = true;
      else accept_kw("RESTRICT");
      return st;
    }
    st.kind = StmtKind::DropView;
    if (accept_kw("TABLE")) st.kind = StmtKind::DropTable;
    else if (!accept_kw("VIEW")) fail();
    if (accept_kw("IF")) { expect_kw("EXISTS"); st.if_exists = true; }
    auto name = qualified_name();
    st.name = join_name(name);
    if (st.kind == StmtKind::DropTable) accept_kw("PURGE");
    return st;
  }
  if (accept_kw("USE")) {
    st.kind = StmtKind::UseDatabase;
    if (!accept_kw("DATABASE") && !accept_kw("SCHEMA")) accept_kw("NAMESPACE");
    st.name = join_name(qualified_name());
    return st;
  }
  if (is_kw("INSERT")) {
    next();
    st.kind = StmtKind::Insert;
    if (accept_kw("OVERWRITE")) st.replace = true;
    else expect_kw("INTO");
    accept_kw("TABLE");
    st.name = join_name(qualified_name());
    if (accept_kw("PARTITION")) st.partitions.push_back(partition_spec(*this));
    if (st.replace && accept_kw("IF")) { expect_kw("NOT"); expect_kw("EXISTS"); st.if_not_exists = true; }
    if (is_op("(") && !(is_kw("SELECT", 1) || is_kw("WITH", 1) || is_kw("VALUES", 1) || is_op("(", 1))) {
      next();
      do st.columns.push_back(identifier()); while (accept_op(","));
      expect_op(")");
    }
    if (!starts_query(*this)) fail();
    statement_query(*this, st);
    return st;
  }
  if (accept_kw("MSCK")) {
    expect_kw("REPAIR");
    expect_kw("TABLE");
    st.kind = StmtKind::RepairTable;
    st.name = join_name(qualified_name());
    if (accept_kw("ADD") || accept_kw("SYNC")) expect_kw("PARTITIONS");
    else if (is_kw("DROP")) unsupported(peek(), "MSCK REPAIR TABLE … DROP PARTITIONS");
    return st;
  }
  if (is_kw("ALTER") && is_kw("VIEW", 1)) {  // ALTER VIEW v AS query | SET/UNSET TBLPROPERTIES
    next();
    next();
    st.name = join_name(qualified_name());
    if (accept_kw("AS")) {
      st.kind = StmtKind::CreatePersistedView;
      st.mode = "alter";
      statement_query(*this, st);
      return st;
    }
    if (!table_properties_change(*this, st)) unsupported(peek(), "ALTER VIEW " + peek().text);
    st.mode = "view";
    return st;
  }
  if (is_kw("ALTER") && is_kw("TABLE", 1)) {
    next();
    next();
    st.name = join_name(qualified_name());
    if (table_properties_change(*this, st)) return st;
    if (accept_kw("SET")) {
      expect_kw("LOCATION");
      st.kind = StmtKind::SetLocation;
      st.key = string_literal(*this);
      return st;
    }
    if (is_kw("PARTITION")) {  // ALTER TABLE t PARTITION (…) SET LOCATION '…'
      next();
      st.partitions.push_back(partition_spec(*this));
      expect_kw("SET");
      expect_kw("LOCATION");
      st.kind = StmtKind::SetLocation;
      st.key = string_literal(*this);
      return st;
    }
    if (is_kw("ADD") && (is_kw("COLUMNS", 1) || is_kw("COLUMN", 1))) {
      next();
      next();
      st.kind = StmtKind::AddColumns;
      if (is_op("(")) st.schema = column_list_text(*this);
      else st.schema = type_text_until_close();
      return st;
    }
    if (accept_kw("RECOVER")) {
      expect_kw("PARTITIONS");
      st.kind = StmtKind::RepairTable;
      return st;
    }
    if (accept_kw("RENAME")) {
      expect_kw("TO");
      st.kind = StmtKind::RenameTable;
      st.key = join_name(qualified_name());
      return st;
    }
    if (accept_kw("DROP")) {
      st.kind = StmtKind::DropPartitions;
      if (accept_kw("IF")) { expect_kw("EXISTS"); st.if_exists = true; }
      if (!is_kw("PARTITION")) unsupported(peek(), "ALTER TABLE … DROP " + peek().text);
      do {
        expect_kw("PARTITION");
        st.partitions.push_back(partition_spec(*this));
      } while (accept_op(","));
      accept_kw("PURGE");
      return st;
    }
    if (!is_kw("ADD")) unsupported(peek(), "ALTER TABLE " + peek().text);
    next();
    st.kind = StmtKind::AddPartitions;
    if (accept_kw("IF")) { expect_kw("NOT"); expect_kw("EXISTS"); st.if_not_exists = true; }
    if (!is_kw("PARTITION")) unsupported(peek(), "ALTER TABLE … ADD " + peek().text);
    while (accept_kw("PARTITION")) {
      st.partitions.push_back(partition_spec(*this));
      if (accept_kw("LOCATION")) st.partitions.back().location = string_literal(*this);
    }
    return st;
  }
  if (accept_kw("SHOW")) {
    if (accept_kw("DATABASES") || accept_kw("SCHEMAS") || accept_kw("NAMESPACES")) {
      st.kind = StmtKind::ShowDatabases;
      if (accept_kw("LIKE") || peek().kind == Tok::String) {
        st.value = string_literal(*this);
        st.has_value = true;
      }
      return st;
    }
    if (accept_kw("TBLPROPERTIES")) {
      st.kind = StmtKind::ShowProperties;
      st.name = join_name(qualified_name());
      if (accept_op("(")) {
        if (peek().kind == Tok::String) st.key = string_literal(*this);
        else st.key = join_name(qualified_name());
        st.has_value = true;
        expect_op(")");
      }
      return st;
    }
    if (is_kw("CREATE") && is_kw("TABLE", 1)) {
      next();
      next();
      st.kind = StmtKind::ShowCreateTable;
      st.name = join_name(qualified_name());
      if (accept_kw("AS")) {
        expect_kw("SERDE");
        unsupported(peek(), "SHOW CREATE TABLE … AS SERDE");
      }
      return st;
    }
    if (accept_kw("PARTITIONS")) {
      st.kind = StmtKind::ShowPartitions;
      st.name = join_name(qualified_name());
      return st;
    }
    if (accept_kw("TABLES")) {
      st.kind = StmtKind::ShowTables;
      if (accept_kw("FROM") || accept_kw("IN")) st.key = join_name(qualified_name());
      if (accept_kw("LIKE") || peek().kind == Tok::String) {
        if (peek().kind != Tok::String) fail();
        st.value = unescape_sql_string(next().text);
        st.has_value = true;
      }
      return st;
    }
    if (accept_kw("COLUMNS")) {
      st.kind = StmtKind::ShowColumns;
      if (!accept_kw("FROM") && !accept_kw("IN")) fail();
      auto name = qualified_name();
      if (accept_kw("FROM") || accept_kw("IN")) name.insert(name.begin(), identifier());
      st.name = join_name(name);
      return st;
    }
    unsupported(peek(), "SHOW " + peek().text);
  }
  if (accept_kw("DESCRIBE") || accept_kw("DESC")) {
    st.kind = StmtKind::Describe;
    if (accept_kw("QUERY")) { st.plan = query(); return st; }
    accept_kw("TABLE");
    if (is_kw("EXTENDED") || is_kw("FORMATTED")) { st.mode = "extended"; next(); }
    if (is_kw("SELECT") || is_kw("WITH") || is_kw("VALUES")) { st.plan = query(); return st; }
    st.name = join_name(qualified_name());
    return st;
  }
  if (is_kw("SET") && !is_kw("TIME", 1)) {
    next();
    st.kind = StmtKind::Set;
    // SET key=value: the key and the value are raw text (keys hold dots and dashes).
    size_t begin = peek().offset;
    size_t eq = std::string::npos;
    for (size_t k = 0; peek(k).kind != Tok::End; ++k)
      if (peek(k).kind == Tok::Op && peek(k).text == "=") { eq = peek(k).offset; break; }
    std::string rest = text_.substr(begin);
    while (!at_end()) next();
    if (eq == std::string::npos) {
      st.key = ascii_trim(rest);
      if (!st.key.empty() && st.key.back() == ';') st.key = ascii_trim(st.key.substr(0, st.key.size() - 1));
      return st;
    }
    st.key = ascii_trim(text_.substr(begin, eq - begin));
    st.value = ascii_trim(text_.substr(eq + 1));
    if (!st.value.empty() && st.value.back() == ';') st.value = ascii_trim(st.value.substr(0, st.value.size() - 1));
    if (st.value.size() >= 2 && (st.value[0] == '\'' || st.value[0] == '"') && st.value.back() == st.value[0])
      st.value = st.value.substr(1, st.value.size() - 2);
    if (st.key.size() >= 2 && st.key[0] == '`' && st.key.back() == '`') st.key = st.key.substr(1, st.key.size() - 2);
    st.has_value = true;
    if (st.key.empty()) fail_at(first);
    return st;
  }
  if (is_kw("SELECT") || is_kw("WITH") || is_kw("VALUES") || is_kw("TABLE") || is_op("(") || is_kw("FROM")) {
    st.kind = StmtKind::Query;
    st.plan = query();
    return st;
  }
  if (is_kw("TRUNCATE") && is_kw("TABLE", 1)) {
    next();
    next();
    st.kind = StmtKind::TruncateTable;
    st.name = join_name(qualified_name());
    if (accept_kw("PARTITION")) st.partitions.push_back(partition_spec(*this));
    return st;
  }
  if (is_kw("ALTER") ||
      is_kw("ANALYZE") || is_kw("REFRESH") || is_kw("MERGE") || is_kw("UPDATE") || is_kw("DELETE") || is_kw("TRUNCATE"))
    unsupported(first, "the " + first.text + " statement");
  fail();
}

std::variant<ExprPtr, ParseError> parse_expression(const std::string& text, IdGen& ids) {
  auto toks = tokenize(text);
  if (auto* e = std::get_if<ParseError>(&toks)) return *e;
  ParseArgs none;
  Parser p(text, std::move(std::get<std::vector<Token>>(toks)), ids, none);
  try {
    ExprPtr e = p.named_expression();
    if (!p.at_end()) p.fail();
    if (auto err = check_tree(nullptr, e)) {
      release_tree(nullptr, std::move(e));
      return *err;
    }
    return e;
  } catch (const Fail& f) {
    return f.error;
  }
}

std::variant<Statement, ParseError> parse_statement(const std::string& text, IdGen& ids, const ParseArgs& args) {
  auto toks = tokenize(text);
  if (auto* e = std::get_if<ParseError>(&toks)) return *e;
  auto& tv = std::get<std::vector<Token>>(toks);
  if (tv.size() == 1 || (tv.size() == 2 && tv[0].kind == Tok::Op && tv[0].text == ";")) {
    ParseError e;
    e.error_class = "PARSE_EMPTY_STATEMENT";
    e.message = "[PARSE_EMPTY_STATEMENT] Syntax error, unexpected empty statement.";
    return e;
  }
  Parser p(text, std::move(tv), ids, args);
  try {
    Statement st = p.statement();
    p.accept_op(";");
    if (!p.at_end()) p.fail();
    if (auto err = check_tree(st.plan, nullptr)) {
      release_tree(std::move(st.plan), nullptr);
      return *err;
    }
    return st;
  } catch (const Fail& f) {
    return f.error;
  }
}

std::string parse_error_text(const ParseError& e, const std::string& text) {
  std::string out = "\n" + e.message + "(line " + std::to_string(e.line) + ", pos " + std::to_string(e.pos) + ")\n\n== SQL ==\n";
  auto lines = split_lines(text);
  size_t l = static_cast<size_t>(e.line);
  for (size_t k = 0; k < lines.size() && k < l; ++k) out += lines[k] + "\n";
  out += std::string(static_cast<size_t>(e.pos), '-') + "^^^\n";
  for (size_t k = l; k < lines.size(); ++k) out += lines[k] + "\n";
  return out;
}

}  // namespace spp::sql::parser
