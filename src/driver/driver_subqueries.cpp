// Driver: uncorrelated scalar subqueries as Spark runs them (SubqueryExec.executeCollect before
// the hosting plan executes): each one a SQL job of its own whose rows come back here, its one
// value then a literal in the query it serves (sql::with_subquery_values).
#include "common/log.h"
#include "driver/driver.h"
#include "sql/columnar/serde.h"

#include <algorithm>
#include <cstdlib>

namespace spp::driver {

namespace {

// Row `i` of a result column as a literal's value (the types kept_scalar_subquery allows).
sql::Value cell_value(const sql::col::Column& c, int64_t i) {
  using sql::col::TypeId;
  if (c.is_null(i)) return sql::Value::null();
  switch (c.id()) {
    case TypeId::Boolean: return sql::Value::of(c.bool_at(i));
    case TypeId::Byte: return sql::Value::of(int64_t{c.vals<int8_t>()[i]});
    case TypeId::Short: return sql::Value::of(int64_t{c.vals<int16_t>()[i]});
    case TypeId::Int: case TypeId::Date: return sql::Value::of(int64_t{c.vals<int32_t>()[i]});
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: return sql::Value::of(c.vals<int64_t>()[i]);
    case TypeId::Float: return sql::Value::of(double{c.vals<float>()[i]});
    case TypeId::Double: return sql::Value::of(c.vals<double>()[i]);
    case TypeId::Decimal: {
      sql::Value v;
      v.v = sql::Value::Decimal{c.dec_at(i)};
      return v;
    }
    case TypeId::String: case TypeId::Binary: return sql::Value::of(std::string(c.str(i)));
    default: return sql::Value::null();
  }
}

}  // namespace

void Driver::run_subqueries(SubqueryList subs, size_t next, std::map<int64_t, sql::Value> values,
                            std::shared_ptr<const SubqueryRun> run, std::function<void(std::map<int64_t, sql::Value>)> then) {
  if (next >= subs.size()) return then(std::move(values));
  auto sub = subs[next].second;
  const int64_t expr_id = subs[next].first;
  // Its own subqueries first (a subquery in a subquery), then its job.
  SubqueryList inner = sub->subqueries;
  run_subqueries(std::move(inner), 0, {}, run,
                 [this, subs = std::move(subs), next, values = std::move(values), run, then = std::move(then), sub,
                  expr_id](std::map<int64_t, sql::Value> inner_values) mutable {
                   sql::PreparedQuery q = sql::with_subquery_values(*sub, inner_values);
                   collect_subquery(q, run,
                                    [this, subs = std::move(subs), next, values = std::move(values), run,
                                     then = std::move(then), expr_id](sql::Value v) mutable {
                                      values[expr_id] = std::move(v);
                                      run_subqueries(std::move(subs), next + 1, std::move(values), run, std::move(then));
                                    });
                 });
}

void Driver::collect_subquery(const sql::PreparedQuery& q, const std::shared_ptr<const SubqueryRun>& run,
                              std::function<void(sql::Value)> done) {
  auto conn = py_conns_.find(run->py_conn);
  if (conn == py_conns_.end()) return;  // the program went away
  Connection& c = *conn->second;
  auto value = [&](const char* key) {
    auto it = run->conf.find(key);
    return it != run->conf.end() ? it->second : conf_.get(key, "");
  };
  const int parallelism = default_parallelism();
  FileSplitter splitter = file_splitter(run->conf);
  if (Status st = register_sql_caches(q.executed, splitter, parallelism); !st)
    return py_error(c, run->req, "bad_request", st.message());
  auto node = sql_source_.add(q, parallelism, splitter, aqe_settings(value, parallelism));
  if (!node) return py_error(c, run->req, "bad_request", node.error_message());
  Job job;
  job.id = next_job_++;
  job.rdd = node.value();
  job.sql = true;
  job.req = run->req;
  job.py_conn = run->py_conn;
  job.sink = json{{"kind", "result"}};
  job.sink_kind = "result";
  job.description = run->description.empty() ? "collect" : run->description;
  apply_properties(job, run->properties);
  job.start_ms = clock_.now_ms();
  const std::string points = value("spark.sql.execution.rangeExchange.sampleSizePerPartition");
  job.range_points = std::clamp(std::atoi(points.empty() ? "100" : points.c_str()), 1, 1000000);
  job.all_partitions = true;
  // ScalarSubquery.updateResult: no row is NULL, one row its value, more an error.
  job.on_collected = [this, run, done = std::move(done)](std::vector<std::vector<std::string>>&& results) {
    auto fail = [&](const std::string& why) {
      if (auto it = py_conns_.find(run->py_conn); it != py_conns_.end()) py_error(*it->second, run->req, "job_failed", why);
    };
    int64_t rows = 0;
    sql::Value v;
    for (const auto& part : results)
      for (const auto& blob : part)
        for (size_t at = 0; at < blob.size();) {
          size_t used = 0;
          auto b = sql::col::deserialize(std::string_view(blob).substr(at), &used);
          if (!b) return fail("a scalar subquery's result: " + b.error_message());
          if (used == 0) break;
          at += used;
          if (b.value().num_rows > 0 && rows == 0 && b.value().num_columns() > 0) v = cell_value(b.value().column(0), 0);
          rows += b.value().num_rows;
        }
    if (rows > 1) return fail(sql::kScalarSubqueryTooManyRows);
    done(std::move(v));
  };
  LOG_DEBUG("driver", "SQL job " << job.id << ": a scalar subquery, " << q.stages.size() << " stage(s)");
  submit_job(std::move(job), json{{"nodes", json::array()}});
}

}  // namespace spp::driver
