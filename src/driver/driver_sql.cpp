// Driver: the DataFrame engine's requests. A plan from the Python program is analysed,
// optimised and planned by the SqlSession (src/sql/, pure), cut into stages that the DAG
// scheduler runs like any job (SqlStageSource), on executors' native operators; the rows come
// back as serialized batches.
#include "common/log.h"
#include "driver/driver.h"

namespace spp::driver {
namespace sc = scheduler;

void Driver::sql_error(Connection& c, int64_t req, const json& error) {
  msg::PyError e;
  e.req = req;
  e.kind = error.value("kind", "AnalysisException");
  e.message = error.value("message", "");
  e.details = {{"errorClass", error.value("errorClass", "")},
               {"messageParameters", error.value("messageParameters", json::object())},
               {"sqlState", error.value("sqlState", "")}};
  c.send(e);
}

// The spark.sql.* settings planning reads: the application's conf, then the session's own
// (spark.conf.set), sent with every request.
void Driver::sql_conf(const std::map<std::string, std::string>& session) {
  sql::SqlConf c;
  for (const auto& [k, v] : conf_.values())
    if (k.rfind("spark.sql.", 0) == 0) c.set(k, v);
  for (const auto& [k, v] : session) c.set(k, v);
  sql_.conf() = c;
}

void Driver::sql_analyze(Connection& c, const msg::PySqlAnalyze& m) {
  sql_conf(m.conf);
  json r = sql_.analyze(m.plan);
  if (r.contains("error")) return sql_error(c, m.req, r["error"]);
  msg::PyReply rep;
  rep.req = m.req;
  rep.value = std::move(r);
  c.send(rep);
}

void Driver::sql_explain(Connection& c, const msg::PySqlExplain& m) {
  sql_conf(m.conf);
  json r = sql_.explain(m.plan, m.mode);
  if (r.contains("error")) return sql_error(c, m.req, r["error"]);
  msg::PyReply rep;
  rep.req = m.req;
  rep.value = std::move(r);
  c.send(rep);
}

void Driver::sql_command(Connection& c, const msg::PySqlCommand& m) {
  json r = sql_.command(m.command);
  if (r.contains("error")) return sql_error(c, m.req, r["error"]);
  py_reply(c, m.req, Status::ok());
}

void Driver::sql_execute(Connection& c, const msg::PySqlExecute& m) {
  if (phase_ != AppPhase::kRunning || !dag_)
    return py_error(c, m.req, "context_stopped", "Cannot call methods on a stopped SparkContext");
  sql_conf(m.conf);
  auto prepared = sql_.prepare(m.plan);
  if (auto* err = std::get_if<json>(&prepared)) return sql_error(c, m.req, (*err)["error"]);
  const auto& q = std::get<sql::PreparedQuery>(prepared);
  auto node = sql_source_.add(q, default_parallelism());
  if (!node) return py_error(c, m.req, "bad_request", node.error_message());
  Job job;
  job.id = next_job_++;
  job.rdd = node.value();
  job.sql = true;
  job.schema = sql::type_to_json(sql::plan_schema(q.analyzed));
  job.req = m.req;
  job.py_conn = c.id();
  job.sink = json{{"kind", "result"}};
  job.sink_kind = "result";
  job.description = m.description.empty() ? "collect" : m.description;
  job.start_ms = clock_.now_ms();
  for (int p = 0; p < sql_source_.num_partitions(job.rdd); ++p) job.partitions.push_back(p);
  job.results.resize(job.partitions.size());
  int jid = job.id;
  auto& stored = jobs_.emplace(jid, std::move(job)).first->second;
  LOG_DEBUG("driver", "SQL job " << jid << ": " << q.stages.size() << " stage(s), " << stored.partitions.size()
                                 << " result partition(s)");
  ui_->store().on_job_start(jid, stored.description, clock_.wall_ms(), json{{"nodes", json::array()}});
  sc::JobSubmitted ev;
  ev.job_id = jid;
  ev.node = stored.rdd;
  ev.partitions = stored.partitions;
  ev.description = stored.description;
  post(std::move(ev));
  if (progress_.enabled() && jobs_.count(jid)) progress_timer_->start(200, 200, [this] { update_progress(); });
}

}  // namespace spp::driver
