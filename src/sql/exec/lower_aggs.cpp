// Aggregate calls and window functions lowered from stage-fragment JSON (lower_internal.h).
#include <map>

#include "sql/exec/library.h"
#include "sql/exec/lower_internal.h"
#include "sql/exec/window.h"

namespace spp::sql::exec {
using nlohmann::json;

namespace {
// count(DISTINCT a, b, …): the distinct (a, b, …) structs, a row with any NULL field skipped (as
// Spark's count of several columns): the struct is NULL where a field is.
Result<AggSpec> count_distinct_of_several(AggSpec s, const json& args, const json& in, bool lower_input) {
  std::vector<std::string> names;
  std::vector<col::ColType> types;
  for (size_t i = 0; i < args.size(); ++i) {
    auto t = type_of_json(args[i]);
    if (!t) return err<AggSpec>(t.error_message());
    names.push_back("c" + std::to_string(i));
    types.push_back(*t.value());
  }
  s.in_type = col::make_type(col::ColType::strct(names, types));
  if (!lower_input) return s;
  std::vector<ExprPtr> xs;
  for (const auto& a : args) {
    auto x = lower_expr(a, in);
    if (!x) return err<AggSpec>(x.error_message());
    xs.push_back(x.value());
  }
  auto st = lower_library_call("struct", xs, s.in_type);
  if (!st || !*st) return err<AggSpec>("count(DISTINCT …): cannot pair its inputs");
  s.input = lib::bind_kernel({st->value()}, s.in_type, [](const std::vector<kern::Vec>& x, int64_t, const EvalContext&) {
    const col::Column& src = *x[0].col;
    auto c = std::make_shared<col::Column>(src);
    c->validity = nullptr;
    uint8_t* vb = nullptr;
    for (int64_t i = 0; i < src.length; ++i) {
      bool ok = src.is_valid(i);
      for (const auto& ch : src.children) ok = ok && ch->is_valid(i);
      if (ok) continue;
      if (!vb) vb = col::ensure_validity(*c);
      col::clear_bit(vb, c->offset + i);
    }
    col::finish_validity(*c);
    return kern::Vec{c, x[0].constant};
  });
  return s;
}
}  // namespace

Result<AggSpec> lower_agg_spec(const json& a, const json& in, bool lower_input) {
  const std::string n = a.value("name", "");
  const json args = a.value("args", json::array());
  AggSpec s;
  s.name = n;
  s.ignore_nulls = a.value("ignoreNulls", false);
  const bool distinct = a.value("distinct", false);
  if (n == "count") {
    bool star = args.size() == 1 && constant(args[0]) != nullptr;  // count(1), count(*)
    if (distinct) {
      s.fn = AggFn::CountDistinct;
      if (args.size() > 1) return count_distinct_of_several(s, args, in, lower_input);
    } else if (star) {
      s.fn = AggFn::CountStar;
    } else if (args.size() == 1) {
      s.fn = AggFn::Count;
    } else {
      return err<AggSpec>("count of several columns is not supported by the native engine yet");
    }
  } else if (distinct && (n == "sum" || n == "avg" || n == "mean")) {
    s.fn = n == "sum" ? AggFn::SumDistinct : AggFn::AvgDistinct;
  } else if (distinct && (n == "min" || n == "max" || n == "first" || n == "last" || n == "collect_set" ||
                          n == "bool_and" || n == "bool_or" || n == "every" || n == "some" || n == "any")) {
    // DISTINCT changes nothing for these (Spark's EliminateDistinct).
    return lower_agg_spec(json{{"name", n}, {"args", args}, {"ignoreNulls", s.ignore_nulls}}, in, lower_input);
  } else if (distinct) {
    return err<AggSpec>(n + "(DISTINCT …) is not supported by the native engine yet");
  } else if (n == "corr" || n == "covar_pop" || n == "covar_samp") {  // two columns as one struct input
    if (args.size() != 2) return err<AggSpec>(n + "() takes two arguments");
    s.fn = n == "corr" ? AggFn::Corr : n == "covar_pop" ? AggFn::CovarPop : AggFn::CovarSamp;
    const auto D = col::ColType::scalar(col::TypeId::Double);
    s.in_type = col::make_type(col::ColType::strct({"x", "y"}, {D, D}));
    if (lower_input) {
      std::vector<ExprPtr> xy;
      for (const auto& a : args) {
        auto x = lower_expr(a, in);
        if (!x) return err<AggSpec>(x.error_message());
        xy.push_back(x.value());
      }
      auto st = lower_library_call("struct", xy, s.in_type);
      if (!st || !*st) return err<AggSpec>(n + "(): cannot pair its inputs");
      s.input = st->value();
    }
    return s;
  } else if (n == "percentile_approx" || n == "approx_percentile") {
    if (args.size() != 3) return err<AggSpec>(n + "() takes three arguments here");
    auto number = [](const json& x) -> std::optional<double> {
      const json* v = &x;
      while (v->value("kind", "") == "cast" && v->contains("args")) v = &(*v)["args"][0];
      if (v->value("kind", "") != "lit" || !(*v)["value"].is_number()) return std::nullopt;
      return (*v)["value"].get<double>();
    };
    const json& p = args[1];
    const bool many = p.value("kind", "") == "call";
    for (const auto& x : many ? p.value("args", json::array()) : json::array({p})) {
      auto d = number(x);
      if (!d) return err<AggSpec>(n + "(): the percentages must be constants");
      if (*d < 0 || *d > 1) return err<AggSpec>(n + "(): percentages must be between 0.0 and 1.0");
      s.percentages.push_back(*d);
    }
    auto acc = number(args[2]);
    if (!acc || *acc <= 0) return err<AggSpec>(n + "(): the accuracy must be a positive constant");
    s.accuracy = static_cast<int64_t>(*acc);
    s.fn = many ? AggFn::PercentileArray : AggFn::Percentile;
  } else if (n == "hll_sketch_agg" || n == "hll_union_agg") {
    // (input, constant lgConfigK | allowDifferentLgConfigK); lgConfigK checked here, as Spark
    // checks it when the aggregation buffer is made (a task failure, not an analysis error).
    if (args.size() != 2) return err<AggSpec>(n + "() takes two arguments here");
    const json& c = args[1];
    if (c.value("kind", "") != "lit") return err<AggSpec>(n + "(): its second argument must be a constant");
    const json& v = c.contains("value") ? c["value"] : json();
    if (n == "hll_sketch_agg") {
      s.fn = AggFn::HllSketch;
      const int64_t k = v.is_number_integer() ? v.get<int64_t>() : 0;  // NULL reads as 0, as in Spark
      if (k < 4 || k > 21)
        return err<AggSpec>("[HLL_INVALID_LG_K] Invalid call to `hll_sketch_agg`; the `lgConfigK` value must be between 4 "
                            "and 21, inclusive: " + std::to_string(k) + ".");
      s.hll_lg_k = int(k);
    } else {
      s.fn = AggFn::HllUnion;
      s.hll_allow_different_k = v.is_boolean() && v.get<bool>();
    }
  } else {
    static const std::map<std::string, AggFn> fns = {
        {"sum", AggFn::Sum},   {"avg", AggFn::Avg},           {"min", AggFn::Min},
        {"max", AggFn::Max},   {"first", AggFn::First},       {"last", AggFn::Last},
        {"collect_list", AggFn::CollectList}, {"collect_set", AggFn::CollectSet},
        {"stddev", AggFn::StddevSamp}, {"std", AggFn::StddevSamp}, {"stddev_samp", AggFn::StddevSamp},
        {"stddev_pop", AggFn::StddevPop}, {"variance", AggFn::VarSamp}, {"var_samp", AggFn::VarSamp},
        {"var_pop", AggFn::VarPop}, {"skewness", AggFn::Skewness}, {"kurtosis", AggFn::Kurtosis},
        {"count_if", AggFn::CountIf}, {"bool_and", AggFn::Min}, {"every", AggFn::Min}, {"bool_or", AggFn::Max},
        {"some", AggFn::Max}, {"any", AggFn::Max}, {"any_value", AggFn::First}, {"first_value", AggFn::First},
        {"last_value", AggFn::Last}};
    auto it = fns.find(n);
    if (it == fns.end()) return err<AggSpec>("the native engine cannot aggregate with " + n + "() yet");
    s.fn = it->second;
  }
  if (s.fn == AggFn::CountStar) {
    s.in_type = col::make_type(col::ColType::scalar(col::TypeId::Long));
    return s;
  }
  // One input column; percentile_approx and the HLL sketches' further arguments are constants,
  // read above.
  const bool constant_args = s.fn == AggFn::Percentile || s.fn == AggFn::PercentileArray ||
                             s.fn == AggFn::HllSketch || s.fn == AggFn::HllUnion;
  if (args.size() != 1 && !constant_args) return err<AggSpec>(n + "() takes one argument here");
  auto t = type_of_json(args[0]);
  if (!t) return err<AggSpec>(t.error_message());
  s.in_type = t.value();
  if (lower_input) {
    auto x = lower_expr(args[0], in);
    if (!x) return err<AggSpec>(x.error_message());
    s.input = x.value();
  }
  return s;
}

// Window: one WindowFnSpec per window expression; partition and order from the first (the
// planner groups windows sharing them into one node).
Result<OpPtr> lower_window(const json& p, const std::function<Result<OpPtr>(const json&)>& lower_child,
                           const ExecContext& ctx) {
  const json kids = p.value("children", json::array());
  const json ws = p.value("exprs", json::array());
  if (kids.size() != 1 || ws.empty()) return err<OpPtr>("Window without its input or its functions");
  const json in = kids[0].value("output", json::array());
  auto window_of = [](const json& e) -> const json* {
    const json* x = &e;
    while (x->value("kind", "") == "alias" && x->contains("args") && !(*x)["args"].empty()) x = &(*x)["args"][0];
    return x->value("kind", "") == "window" ? x : nullptr;
  };
  const json* w0 = window_of(ws[0]);
  if (!w0) return err<OpPtr>("Window: not a window expression");
  const json wargs = w0->value("args", json::array());
  const size_t np = w0->value("partitionCount", size_t{0});
  if (wargs.size() < 1 + np) return err<OpPtr>("Window: malformed window expression");
  std::vector<ExprPtr> part;
  std::vector<SortKey> order;
  for (size_t i = 1; i < wargs.size(); ++i) {
    auto k = lower_expr(wargs[i], in);
    if (!k) return err<OpPtr>(k.error_message());
    if (i <= np) part.push_back(k.value());
    else order.push_back({k.value(), wargs[i].value("ascending", true), wargs[i].value("nullsFirst", true)});
  }
  auto bound = [](const json& b) {
    static const std::map<std::string, WinBound::Kind> kinds = {
        {"unboundedPreceding", WinBound::Kind::UnboundedPreceding}, {"offset", WinBound::Kind::Offset},
        {"currentRow", WinBound::Kind::CurrentRow}, {"unboundedFollowing", WinBound::Kind::UnboundedFollowing}};
    auto it = kinds.find(b.value("kind", ""));
    return WinBound{it == kinds.end() ? WinBound::Kind::CurrentRow : it->second, b.value("offset", int64_t{0})};
  };
  static const std::map<std::string, WinFn> ranks = {
      {"row_number", WinFn::RowNumber}, {"rank", WinFn::Rank}, {"dense_rank", WinFn::DenseRank},
      {"percent_rank", WinFn::PercentRank}, {"cume_dist", WinFn::CumeDist}, {"ntile", WinFn::Ntile},
      {"lag", WinFn::Lag}, {"lead", WinFn::Lead}, {"nth_value", WinFn::NthValue}};
  std::vector<WindowFnSpec> specs;
  std::vector<std::string> names;
  // A collect wrapper (median, percentile, mode, max_by, …: plan/fn_names.h) runs its aggregate
  // over the frame like any other; its kernel then finishes each row's value in a projection
  // above the window: (spec index, the wrapper with a placeholder for that aggregate).
  std::vector<std::pair<size_t, json>> finishers;
  json spec_types = json::array();
  for (const auto& a : ws) {
    const json* w = window_of(a);
    if (!w || !w->contains("args") || (*w)["args"].empty()) return err<OpPtr>("Window: not a window expression");
    const json& f = (*w)["args"][0];
    const json fargs = f.value("args", json::array());
    WindowFnSpec s;
    const json fr = w->value("frame", json::object());
    s.range = fr.value("type", "") == "range";
    s.lower = bound(fr.value("lower", json::object()));
    s.upper = bound(fr.value("upper", json::object()));
    auto t = type_of_json(a);
    if (!t) return err<OpPtr>(t.error_message());
    s.type = t.value();
    if (f.value("kind", "") == "pyudf") {  // a group aggregate pandas UDF over the frame
      if (!f.contains("funcId") || !f.contains("type")) return err<OpPtr>("Window: a Python UDF without its function");
      s.fn = WinFn::PythonAgg;
      s.py_func = f["funcId"].get<int64_t>();
      s.py_type = f["type"];
      for (const auto& x : fargs) {
        auto e = lower_expr(x, in);
        if (!e) return err<OpPtr>(e.error_message());
        s.py_args.push_back(e.value());
      }
    } else if (f.value("kind", "") == "agg") {
      auto as = lower_agg_spec(f, in, true);
      if (!as) return err<OpPtr>(as.error_message());
      s.fn = WinFn::Agg;
      s.agg = std::move(as.value());
      s.input = s.agg.input;
    } else if (f.value("kind", "") == "call" && !fargs.empty() && fargs[0].value("kind", "") == "agg") {
      auto as = lower_agg_spec(fargs[0], in, true);
      if (!as) return err<OpPtr>(as.error_message());
      auto inner = type_of_json(fargs[0]);
      if (!inner) return err<OpPtr>(inner.error_message());
      s.fn = WinFn::Agg;
      s.agg = std::move(as.value());
      s.input = s.agg.input;
      s.type = inner.value();
      json shell = f;
      shell["args"][0] = {{"kind", "attr"}, {"id", -1000 - static_cast<int64_t>(specs.size())}, {"name", "_"},
                          {"type", fargs[0].at("type")}};
      finishers.emplace_back(specs.size(), std::move(shell));
    } else {
      auto it = ranks.find(f.value("name", ""));
      if (f.value("kind", "") != "call" || it == ranks.end())
        return err<OpPtr>("the native engine cannot compute the window function " + f.value("name", std::string("?")) + "() yet");
      s.fn = it->second;
      if (s.fn == WinFn::NthValue) {
        if (fargs.size() != 2 || !fargs[1].contains("value") || !fargs[1]["value"].is_number_integer())
          return err<OpPtr>("Window: nth_value needs its input and a constant n");
        auto x = lower_expr(fargs[0], in);
        if (!x) return err<OpPtr>(x.error_message());
        s.input = x.value();
        s.n = fargs[1]["value"].get<int64_t>();
        s.ignore_nulls = f.value("ignoreNulls", false);
      }
      if (s.fn == WinFn::Ntile || s.fn == WinFn::Lag || s.fn == WinFn::Lead) {
        const size_t ni = s.fn == WinFn::Ntile ? 0 : 1;
        if (fargs.size() <= ni || !fargs[ni].contains("value") || !fargs[ni]["value"].is_number_integer())
          return err<OpPtr>("Window: " + it->first + " needs a constant integer argument");
        s.n = fargs[ni]["value"].get<int64_t>();
      }
      if (s.fn == WinFn::Lag || s.fn == WinFn::Lead) {
        if (fargs.size() != 3) return err<OpPtr>("Window: lag/lead need input, offset and default");
        auto x = lower_expr(fargs[0], in);
        if (!x) return err<OpPtr>(x.error_message());
        auto d = lower_expr(fargs[2], in);
        if (!d) return err<OpPtr>(d.error_message());
        s.input = x.value();
        s.default_value = d.value();
      }
    }
    names.push_back(a.value("name", std::string("_we")));
    spec_types.push_back(finishers.empty() || finishers.back().first != specs.size() ? a.at("type") : f["args"][0].at("type"));
    specs.push_back(std::move(s));
  }
  auto c = lower_child(kids[0]);
  if (!c) return c;
  std::vector<col::ColTypePtr> types;
  for (const auto& s : specs) types.push_back(s.type);
  std::vector<std::string> out_names;
  for (const auto& x : in) out_names.push_back(x.value("name", ""));
  out_names.insert(out_names.end(), names.begin(), names.end());
  OpPtr w = make_window(std::move(c.value()), std::move(part), std::move(order), std::move(specs), std::move(names), ctx);
  if (finishers.empty()) return w;
  json win_out = in;  // the window's columns: its input's, then one placeholder per function
  for (size_t k = 0; k < types.size(); ++k)
    win_out.push_back({{"kind", "attr"}, {"id", -1000 - static_cast<int64_t>(k)}, {"name", "_"}, {"type", spec_types[k]}});
  std::vector<ExprPtr> cols;
  for (size_t i = 0; i < win_out.size(); ++i) {
    auto t = type_of_json(win_out[i]);
    if (!t) return err<OpPtr>(t.error_message());
    cols.push_back(col_ref(static_cast<int>(i), t.value()));
  }
  for (const auto& [k, shell] : finishers) {
    auto e = lower_expr(shell, win_out);
    if (!e) return err<OpPtr>(e.error_message());
    cols[in.size() + k] = e.value();
  }
  return make_project(std::move(w), std::move(cols), std::move(out_names), ctx);
}

}  // namespace spp::sql::exec
