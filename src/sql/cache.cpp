// CacheManager and sameResult (see cache.h).
#include "sql/cache.h"

#include <map>

#include "sql/optimizer/optimizer.h"

namespace spp::sql {

namespace {

// Ids renumbered in order of first appearance; qualifiers dropped (expr_equal ignores them).
PlanPtr normalized(const PlanPtr& p) {
  std::map<int64_t, int64_t> ids;
  const ExprRule renumber = [&](const ExprPtr& e) -> ExprPtr {
    if (e->id < 0) return nullptr;
    auto [it, fresh] = ids.try_emplace(e->id, static_cast<int64_t>(ids.size()));
    auto c = std::make_shared<Expr>(*e);
    c->id = it->second;
    c->qualifier.clear();
    return c;
  };
  // Every expression list a node holds, leaves' output attributes included.
  return plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    auto c = std::make_shared<LogicalPlan>(*n);
    for (ExprList* list : {&c->output_attrs, &c->data_attrs, &c->exprs, &c->groups})
      for (auto& e : *list) e = transform_up(e, renumber);
    return c;
  });
}

bool list_equal(const ExprList& a, const ExprList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!expr_equal(*a[i], *b[i])) return false;
  return true;
}

// What plan_equal (fixed-point detection) leaves out: where leaves read and node parameters.
bool details_equal(const LogicalPlan& a, const LogicalPlan& b, bool attrs) {
  if (a.data_ref != b.data_ref || a.paths != b.paths || a.options != b.options || a.start != b.start || a.end != b.end ||
      a.step != b.step || a.seed != b.seed || a.num_partitions != b.num_partitions || a.lower != b.lower ||
      a.upper != b.upper || a.partition_cols != b.partition_cols || a.renames != b.renames ||
      (attrs && !list_equal(a.data_attrs, b.data_attrs)) || a.children.size() != b.children.size())
    return false;
  if (a.inline_data != b.inline_data &&
      (!a.inline_data || !b.inline_data || *a.inline_data != *b.inline_data))
    return false;
  for (size_t i = 0; i < a.children.size(); ++i)
    if (!details_equal(*a.children[i], *b.children[i], attrs)) return false;
  return true;
}

// Aliases only qualify names (a view read as `t` is the DataFrame it was made from). A SQL
// view's Project that only casts each column to the type it has under its own name goes too
// (View.doCanonicalize's canRemoveProject), its attributes read as the ones it passes on.
PlanPtr without_aliases(const PlanPtr& p) {
  std::map<int64_t, int64_t> renamed;
  PlanPtr out = plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    if (n->kind == PlanKind::SubqueryAlias && !n->children.empty()) return n->children[0];
    if (n->kind != PlanKind::View || n->children.empty()) return nullptr;
    const PlanPtr& c = n->children[0];
    if (c->kind != PlanKind::Project) return c;
    const ExprList in = c->children[0]->output();
    bool noop = c->exprs.size() == in.size();
    for (size_t i = 0; noop && i < in.size(); ++i) {
      const Expr& a = *c->exprs[i];
      noop = a.kind == ExprKind::Alias && a.children[0]->kind == ExprKind::Cast && a.name == in[i]->name;
      if (!noop) break;
      const Expr& x = *a.children[0]->children[0];
      noop = x.kind == ExprKind::Attribute && x.id == in[i]->id && x.type == a.children[0]->type;
    }
    if (!noop) return c;
    for (size_t i = 0; i < in.size(); ++i) renamed[c->exprs[i]->id] = in[i]->id;
    return c->children[0];
  });
  if (renamed.empty()) return out;
  return opt::rename_attribute_ids(out, renamed);
}

}  // namespace

bool same_result(const PlanPtr& x, const PlanPtr& y) {
  if (x == y) return true;
  PlanPtr a = without_aliases(x), b = without_aliases(y);
  if (a->kind != b->kind || !details_equal(*a, *b, false)) return false;
  PlanPtr na = normalized(a), nb = normalized(b);
  return plan_equal(*na, *nb) && details_equal(*na, *nb, true);
}

std::string storage_level_string(const nlohmann::json& l) {
  auto flag = [&](const char* k) { return l.is_object() && l.contains(k) && l[k].is_boolean() && l[k].get<bool>(); };
  std::string s = "StorageLevel(";
  for (auto [key, word] : {std::pair{"use_disk", "disk"}, {"use_memory", "memory"}, {"use_off_heap", "offheap"},
                           {"deserialized", "deserialized"}})
    if (flag(key)) s += std::string(word) + ", ";
  const int rep = l.is_object() && l.contains("replication") && l["replication"].is_number_integer() ? l["replication"].get<int>() : 1;
  return s + std::to_string(rep) + " replicas)";
}

const CachedData* CacheManager::lookup(const PlanPtr& plan, int below) const {
  for (const auto& e : entries_)
    if (e.id < below && same_result(e.plan, plan)) return &e;
  return nullptr;
}

const CachedData* CacheManager::find(int id) const {
  for (const auto& e : entries_)
    if (e.id == id) return &e;
  return nullptr;
}

const CachedData& CacheManager::add(PlanPtr plan, nlohmann::json level, std::string table) {
  for (auto& e : entries_)
    if (same_result(e.plan, plan)) {
      if (!table.empty() && e.table.empty()) e.table = std::move(table);
      return e;
    }
  CachedData d;
  d.id = next_id_++;
  d.plan = std::move(plan);
  d.level = std::move(level);
  d.table = std::move(table);
  entries_.push_back(std::move(d));
  return entries_.back();
}

std::vector<int> CacheManager::remove(const PlanPtr& plan) {
  std::vector<int> gone;
  for (auto it = entries_.begin(); it != entries_.end();)
    if (same_result(it->plan, plan)) {
      gone.push_back(it->id);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  return gone;
}

std::vector<const CachedData*> CacheManager::reading_path(const std::string& dir) const {
  auto bare = [](const std::string& p) { return p.rfind("file:", 0) == 0 ? p.substr(5) : p; };
  const std::string d = bare(dir);
  auto under = [&](const std::string& p) {
    const std::string b = bare(p);
    return b.rfind(d, 0) == 0 && (b.size() == d.size() || b[d.size()] == '/' || d == "/");
  };
  std::vector<const CachedData*> out;
  for (const auto& e : entries_) {
    bool hit = false;
    plan_foreach(e.plan, [&](const LogicalPlan& n) {
      if (n.kind == PlanKind::DataSource)
        for (const auto& p : n.paths) hit = hit || under(p);
    });
    if (hit) out.push_back(&e);
  }
  return out;
}

std::vector<int> CacheManager::remove_table(const std::string& table) {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::vector<int> gone;
  for (auto it = entries_.begin(); it != entries_.end();)
    if (!it->table.empty() && lower(it->table) == lower(table)) {
      gone.push_back(it->id);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  return gone;
}

std::vector<int> CacheManager::clear() {
  std::vector<int> gone;
  for (const auto& e : entries_) gone.push_back(e.id);
  entries_.clear();
  return gone;
}

void CacheManager::set_plan_facts(int id, std::shared_ptr<const std::string> tree, int64_t size) {
  for (auto& e : entries_)
    if (e.id == id) {
      e.tree = std::move(tree);
      e.size = size;
    }
}

PlanPtr CacheManager::use_cached_data(const PlanPtr& plan, int below) const {
  if (entries_.empty()) return plan;
  return plan_transform_down(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (n->kind == PlanKind::InMemoryRelation) return nullptr;
    const CachedData* e = lookup(n, below);
    if (!e) return nullptr;
    LogicalPlan r;
    r.kind = PlanKind::InMemoryRelation;
    r.n = e->id;
    r.output_attrs = n->output();
    r.data_attrs = r.output_attrs;  // the cached columns, in order (the scan reads by position)
    r.name = storage_level_string(e->level);
    r.cached_tree = e->tree;
    r.size_hint = e->size;
    return make_plan(std::move(r));
  });
}

}  // namespace spp::sql
