// The application UI (live driver on spark.ui.port, or one finished app under the history
// server's /history/<appId>/): a single page routed on location.pathname, drawn from /api/v1.
// Live pages poll the REST API every second while the application runs.
'use strict';

const HIST = location.pathname.match(/^\/history\/([^/]+)/);
const PREFIX = HIST ? `/history/${HIST[1]}` : '';
const PATH = location.pathname.slice(PREFIX.length) || '/';
const Q = new URLSearchParams(location.search);
let API = null;       // /api/v1/applications/<id>
let APP = null;       // ApplicationInfo
let stopPolling = null;

const TABS = [['jobs', 'Jobs'], ['stages', 'Stages'], ['storage', 'Storage'], ['environment', 'Environment'], ['executors', 'Executors'], ['SQL', 'SQL / DataFrame']];

function link(path, text) { return h('a', { href: PREFIX + path }, text); }
function statusTag(st) { return h('span', { class: `status-${st}` }, st); }
function duration(start, end) {
  const s = parseTime(start);
  if (!s) return '';
  const e = end ? parseTime(end) : Date.now();
  return fmtDuration(e - s);
}
const running = () => APP && !APP.attempts[0].completed;

function setContent(...kids) { document.getElementById('content').replaceChildren(...kids); }

async function main() {
  // '/' is the history server's application list (a live driver redirects '/' to /jobs/).
  if (!HIST && PATH === '/') return historyList(await getJSON('/api/v1/applications'));
  if (HIST) {
    API = `/api/v1/applications/${encodeURIComponent(HIST[1])}`;
    APP = await getJSON(API);
  } else {
    const apps = await getJSON('/api/v1/applications');
    APP = apps[0];
    API = `/api/v1/applications/${encodeURIComponent(APP.id)}`;
  }
  document.getElementById('app-name').textContent = `${APP.name} (${APP.id})${running() ? '' : ' — finished'}`;
  if (HIST) document.getElementById('brand').textContent = 'sparkpp history';
  const section = PATH.split('/')[1] || 'jobs';
  document.getElementById('tabs').replaceChildren(...TABS.map(([p, t]) =>
    h('a', { href: `${PREFIX}/${p}/`, class: p === section ? 'active' : '' }, t)));
  document.title = `${APP.name} - ${section[0].toUpperCase()}${section.slice(1)}`;
  const pages = {
    '/jobs/': jobsPage, '/jobs/job/': jobPage, '/stages/': stagesPage, '/stages/stage/': stagePage,
    '/executors/': executorsPage, '/storage/': storagePage, '/storage/rdd/': storageRddPage, '/environment/': environmentPage,
    '/SQL/': sqlListPage, '/SQL/execution/': sqlExecutionPage,  // sql.js
  };
  const norm = PATH.endsWith('/') ? PATH : `${PATH}/`;
  const page = pages[norm] || jobsPage;
  stopPolling = poll(async () => {
    if (!HIST) {
      APP = (await getJSON('/api/v1/applications'))[0];
      showInsecure(await getJSON('/json'));  // exposed without authentication: say so on every page
    }
    await page();
  }, 1000, () => running());
}

function historyList(apps) {
  document.getElementById('brand').textContent = 'sparkpp history';
  document.title = 'sparkpp history server';
  setContent(h('h2', {}, 'History Server'),
    table([
      { title: 'App ID', value: (a) => h('a', { href: `/history/${a.id}/jobs/` }, a.id), sort: (a) => a.id },
      { title: 'App Name', value: (a) => a.name },
      { title: 'Started', value: (a) => fmtTime(a.attempts[0].startTime), sort: (a) => a.attempts[0].startTimeEpoch },
      { title: 'Completed', value: (a) => (a.attempts[0].completed ? fmtTime(a.attempts[0].endTime) : 'in progress') },
      { title: 'Duration', value: (a) => fmtDuration(a.attempts[0].duration), sort: (a) => a.attempts[0].duration },
      { title: 'Spark User', value: (a) => a.attempts[0].sparkUser },
    ], apps, { empty: 'No event logs found', id: 'apps' }));
}

// ------------------------------------------------------------------ jobs

function jobTable(jobs, id) {
  return table([
    { title: 'Job Id', value: (j) => link(`/jobs/job/?id=${j.jobId}`, String(j.jobId)), sort: (j) => j.jobId },
    { title: 'Description', value: (j) => link(`/jobs/job/?id=${j.jobId}`, j.description || j.name) },
    { title: 'Submitted', value: (j) => fmtTime(j.submissionTime), sort: (j) => parseTime(j.submissionTime) },
    { title: 'Duration', value: (j) => duration(j.submissionTime, j.completionTime) },
    { title: 'Stages: Succeeded/Total', value: (j) => `${j.numCompletedStages}/${j.stageIds.length}${j.numFailedStages ? ` (${j.numFailedStages} failed)` : ''}` },
    { title: 'Tasks (for all stages): Succeeded/Total', value: (j) => progressBar(j.numCompletedTasks, j.numActiveTasks, j.numTasks, j.numFailedTasks, j.numKilledTasks) },
    { title: 'Status', value: (j) => statusTag(j.status), sort: (j) => j.status },
    { title: 'Failure Reason', value: (j) => (j.failureReason ? errorCell(j.failureReason) : '') },
  ], jobs, { id, empty: 'No jobs' });
}

// Spark's jobs-page Event Timeline: executors added/removed, then each job as a bar from its
// submission to its end (stacked so overlapping jobs do not hide each other).
function jobsTimelineSvg(jobs, execs) {
  const now = Date.now();
  const a = APP.attempts[0];
  const end = a.completed ? parseTime(a.endTime) : now;
  const spans = jobs.filter((j) => j.submissionTime).map((j) => ({
    j, a: parseTime(j.submissionTime), b: j.completionTime ? parseTime(j.completionTime) : end,
  }));
  const marks = [];
  execs.filter((e) => e.id !== 'driver').forEach((e) => {
    if (e.addTime) marks.push({ t: parseTime(e.addTime), added: true, e });
    if (e.removeTime) marks.push({ t: parseTime(e.removeTime), added: false, e });
  });
  const t0 = Math.min(parseTime(a.startTime), ...spans.map((x) => x.a), ...marks.map((m) => m.t));
  const t1 = Math.max(t0 + 1, end, ...spans.map((x) => x.b));
  const rows = [];  // end time of the last bar in each row
  const placed = spans.sort((x, y) => x.a - y.a || x.j.jobId - y.j.jobId).map((x) => {
    let i = rows.findIndex((b) => b <= x.a);
    if (i < 0) { i = rows.length; rows.push(0); }
    rows[i] = x.b;
    return { ...x, row: i };
  });
  const LABEL = 90; const W = 900; const ROW = 14; const width = LABEL + W + 20;
  const execY = 28; const jobY = execY + 30;
  const height = jobY + Math.max(1, rows.length) * ROW + 16;
  const x = (t) => LABEL + ((t - t0) / (t1 - t0)) * W;
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'timeline', id: 'jobs-timeline' });
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.append(s('line', { x1: x(t), y1: 16, x2: x(t), y2: height - 6, stroke: '#eee' }),
      s('text', { x: x(t) - 10, y: 12, fill: '#777' }, `+${fmtDuration(t - t0)}`));
  }
  svg.append(s('text', { x: 4, y: execY + 10 }, 'Executors'), s('text', { x: 4, y: jobY + 10 }, 'Jobs'));
  marks.forEach((m) => svg.append(s('g', { class: m.added ? 'executor-added' : 'executor-removed' },
    s('circle', { cx: x(m.t), cy: execY + 6, r: 5, fill: m.added ? '#5cb85c' : '#d9534f' }),
    s('title', {}, `Executor ${m.e.id} ${m.added ? 'added' : `removed${m.e.removeReason ? `: ${m.e.removeReason}` : ''}`} at ${fmtTime(m.t)}`))));
  const color = { SUCCEEDED: '#5cb85c', RUNNING: '#5bc0de', FAILED: '#d9534f', UNKNOWN: '#999' };
  placed.forEach((p) => svg.append(s('a', { href: `${PREFIX}/jobs/job/?id=${p.j.jobId}`, class: 'job-bar' },
    s('rect', { x: x(p.a), y: jobY + p.row * ROW, width: Math.max(2, x(p.b) - x(p.a)), height: ROW - 3, fill: color[p.j.status] || '#999' }),
    s('title', {}, `Job ${p.j.jobId}: ${p.j.description || p.j.name} (${p.j.status}) ${fmtDuration(p.b - p.a)}`))));
  return h('div', { class: 'event-timeline' }, h('h3', {}, 'Event Timeline'), svg);
}

async function jobsPage() {
  const [jobs, execs] = await Promise.all([getJSON(`${API}/jobs`), getJSON(`${API}/allexecutors`)]);
  const by = (st) => jobs.filter((j) => j.status === st);
  const a = APP.attempts[0];
  setContent(
    h('h2', {}, 'Spark Jobs'),
    kv([['User', a.sparkUser], ['Started', fmtTime(a.startTime)], ['Total Uptime', a.completed ? fmtDuration(a.duration) : duration(a.startTime)],
      ['Scheduling Mode', 'FIFO'], ['Active Jobs', by('RUNNING').length], ['Completed Jobs', by('SUCCEEDED').length], ['Failed Jobs', by('FAILED').length]]),
    jobsTimelineSvg(jobs, execs),
    h('h3', {}, `Active Jobs (${by('RUNNING').length})`), jobTable(by('RUNNING'), 'active-jobs'),
    h('h3', {}, `Completed Jobs (${by('SUCCEEDED').length})`), jobTable(by('SUCCEEDED'), 'completed-jobs'),
    h('h3', {}, `Failed Jobs (${by('FAILED').length})`), jobTable(by('FAILED'), 'failed-jobs'));
}

async function jobPage() {
  const id = Q.get('id');
  const job = await getJSON(`${API}/jobs/${id}`);
  const stages = (await getJSON(`${API}/stages`)).filter((s) => (s.jobIds || []).includes(job.jobId));
  setContent(
    h('h2', {}, `Details for Job ${job.jobId}`),
    kv([['Status', statusTag(job.status)], ['Submitted', fmtTime(job.submissionTime)], ['Duration', duration(job.submissionTime, job.completionTime)],
      ['Description', job.description || job.name],
      job.sqlExecutionId !== undefined ? ['Associated SQL Query', link(`/SQL/execution/?id=${job.sqlExecutionId}`, String(job.sqlExecutionId))] : null,
      ['Completed Stages', job.numCompletedStages], ['Failed Stages', job.numFailedStages],
      job.failureReason ? ['Failure Reason', errorCell(job.failureReason)] : null]),
    h('h3', {}, 'DAG Visualization'), dagSvg(job),
    h('h3', {}, `Stages (${stages.length})`), stageTable(stages, 'job-stages'));
}

// The RDD lineage with stage boundaries: a box per RDD, a dashed frame per stage. A `shuffled`
// RDD starts its stage; the RDDs feeding it belong to the map stage before.
function dagSvg(job) {
  const nodes = (job.lineage && job.lineage.nodes) || [];
  if (!nodes.length) return h('p', { class: 'muted' }, 'No lineage recorded.');
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const rddStage = new Map(Object.entries(job.stageRdds || {}).map(([sid, rdd]) => [rdd, Number(sid)]));
  // Cluster = the stage computing a node: walk down from the job's RDD.
  const cluster = new Map();
  const clusters = [];
  const visit = (id, c) => {
    if (cluster.has(id) || !byId.has(id)) return;
    cluster.set(id, c);
    clusters[c].members.push(id);
    const n = byId.get(id);
    for (const p of n.parents) {
      if (n.kind === 'shuffled') {
        if (cluster.has(p)) continue;
        clusters.push({ root: p, members: [] });
        visit(p, clusters.length - 1);
      } else visit(p, c);
    }
  };
  clusters.push({ root: job.lineage.rdd, members: [] });
  visit(job.lineage.rdd, 0);
  // Layers: a node sits right of all its parents.
  const level = new Map();
  const lvl = (id) => {
    if (level.has(id)) return level.get(id);
    level.set(id, 0);
    const n = byId.get(id);
    const v = n ? Math.max(0, ...n.parents.filter((p) => byId.has(p)).map((p) => lvl(p) + 1)) : 0;
    level.set(id, v);
    return v;
  };
  nodes.forEach((n) => lvl(n.id));
  const rows = new Map();
  const pos = new Map();
  // A box per RDD as Spark's: "PythonRDD [3]" over its call site ("reduceByKey at job.py:12").
  const title = (n) => `${n.name || n.kind} [${n.id}]`;
  const site = (n) => { const c = n.callsite || ''; return c.length > 48 ? `…${c.slice(-47)}` : c; };
  const W = Math.max(130, ...nodes.map((n) => 7 * Math.max(title(n).length, site(n).length) + 16));
  const H = 34; const GX = 60; const GY = 26; const PAD = 30;
  [...nodes].sort((a, b) => cluster.get(a.id) - cluster.get(b.id) || a.id - b.id).forEach((n) => {
    const l = level.get(n.id);
    const r = rows.get(l) || 0;
    rows.set(l, r + 1);
    pos.set(n.id, { x: PAD + l * (W + GX), y: PAD + 18 + r * (H + GY) });
  });
  const maxL = Math.max(...level.values());
  const maxR = Math.max(...rows.values());
  const width = PAD * 2 + (maxL + 1) * (W + GX);
  const height = PAD * 2 + 18 + maxR * (H + GY);
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'dag', id: 'dag' },
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#555' }))));
  clusters.forEach((c) => {
    const ps = c.members.map((m) => pos.get(m)).filter(Boolean);
    if (!ps.length) return;
    const x0 = Math.min(...ps.map((p) => p.x)) - 10; const y0 = Math.min(...ps.map((p) => p.y)) - 22;
    const x1 = Math.max(...ps.map((p) => p.x)) + W + 10; const y1 = Math.max(...ps.map((p) => p.y)) + H + 10;
    const sid = rddStage.get(c.root);
    const label = sid !== undefined ? `Stage ${sid}` : 'Stage (skipped: output exists)';
    svg.append(s('g', { class: 'stage-cluster' },
      s('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 6, fill: sid !== undefined ? '#f3f8fd' : '#f7f7f7', stroke: '#8aaccf', 'stroke-dasharray': '5,3' }),
      s('text', { x: x0 + 6, y: y0 + 14, fill: '#2c3e50', 'font-weight': 'bold' }, label)));
  });
  nodes.forEach((n) => n.parents.forEach((p) => {
    const a = pos.get(p); const b = pos.get(n.id);
    if (!a || !b) return;
    svg.append(s('line', { x1: a.x + W, y1: a.y + H / 2, x2: b.x, y2: b.y + H / 2, stroke: '#555', 'marker-end': 'url(#arrow)' }));
  }));
  nodes.forEach((n) => {
    const p = pos.get(n.id);
    svg.append(s('g', { class: 'rdd' },
      s('rect', { x: p.x, y: p.y, width: W, height: H, rx: 4, fill: n.kind === 'shuffled' ? '#fde9c9' : '#cfe3f5', stroke: '#4a7fb0' }),
      s('title', {}, `${title(n)}\n${n.callsite || ''}\n${n.partitions} partitions`),
      s('text', { x: p.x + W / 2, y: p.y + 14, 'text-anchor': 'middle' }, title(n)),
      s('text', { x: p.x + W / 2, y: p.y + 27, 'text-anchor': 'middle', fill: '#555', class: 'callsite' },
        site(n) || `${n.partitions} partitions`)));
  });
  return svg;
}

// ------------------------------------------------------------------ stages

function stageTable(stages, id) {
  return table([
    { title: 'Stage Id', value: (st) => link(`/stages/stage/?id=${st.stageId}&attempt=${st.attemptId}`, `${st.stageId}${st.attemptId ? ` (retry ${st.attemptId})` : ''}`), sort: (st) => st.stageId },
    { title: 'Description', value: (st) => link(`/stages/stage/?id=${st.stageId}&attempt=${st.attemptId}`, st.name) },
    { title: 'Submitted', value: (st) => fmtTime(st.submissionTime), sort: (st) => parseTime(st.submissionTime) },
    { title: 'Duration', value: (st) => duration(st.firstTaskLaunchedTime || st.submissionTime, st.completionTime) },
    { title: 'Tasks: Succeeded/Total', value: (st) => progressBar(st.numCompleteTasks, st.numActiveTasks, st.numTasks, st.numFailedTasks, st.numKilledTasks) },
    { title: 'Input', value: (st) => fmtBytes(st.inputBytes), sort: (st) => st.inputBytes },
    { title: 'Output', value: (st) => fmtBytes(st.outputBytes), sort: (st) => st.outputBytes },
    { title: 'Shuffle Read', value: (st) => fmtBytes(st.shuffleReadBytes), sort: (st) => st.shuffleReadBytes },
    { title: 'Shuffle Write', value: (st) => fmtBytes(st.shuffleWriteBytes), sort: (st) => st.shuffleWriteBytes },
    { title: 'Status', value: (st) => statusTag(st.status), sort: (st) => st.status },
    { title: 'Failure Reason', value: (st) => (st.failureReason ? errorCell(st.failureReason) : '') },
  ], stages, { id, empty: 'No stages' });
}

async function stagesPage() {
  const stages = await getJSON(`${API}/stages`);
  const by = (st) => stages.filter((x) => x.status === st);
  setContent(h('h2', {}, 'Stages for All Jobs'),
    kv([['Active Stages', by('ACTIVE').length], ['Completed Stages', by('COMPLETE').length], ['Failed Stages', by('FAILED').length]]),
    h('h3', {}, `Active Stages (${by('ACTIVE').length})`), stageTable(by('ACTIVE'), 'active-stages'),
    h('h3', {}, `Completed Stages (${by('COMPLETE').length})`), stageTable(by('COMPLETE'), 'completed-stages'),
    h('h3', {}, `Failed Stages (${by('FAILED').length})`), stageTable(by('FAILED'), 'failed-stages'));
}

const openErrors = new Set();  // task ids whose traceback is expanded (kept across refreshes)
function errorCell(msg, key) {
  const first = msg.split('\n').find((l) => l.trim()) || msg;
  const lines = msg.trim().split('\n');
  const last = lines[lines.length - 1];
  const d = h('details', { open: key !== undefined && openErrors.has(key) },
    h('summary', {}, last && last !== first ? `${last.slice(0, 160)}` : first.slice(0, 160)),
    h('pre', { class: 'trace' }, msg));
  if (key !== undefined) d.addEventListener('toggle', () => (d.open ? openErrors.add(key) : openErrors.delete(key)));
  return d;
}

const taskState = { offset: 0, length: 100, sortBy: '', desc: false };
let stageSeq = 0;  // the latest stagePage() call; older ones (a refresh in flight) are dropped

async function stagePage() {
  const seq = ++stageSeq;
  const ts = { ...taskState };  // this render's paging and order, whatever happens meanwhile
  const id = Q.get('id');
  const attempt = Q.get('attempt') || '0';
  const base = `${API}/stages/${id}/${attempt}`;
  const sortBy = ts.sortBy ? (ts.desc ? '-' : '') + ts.sortBy : '';
  const [st, sum, tasks, all] = await Promise.all([
    getJSON(`${base}?details=false`),
    getJSON(`${base}/taskSummary?quantiles=0,0.25,0.5,0.75,1.0`),
    getJSON(`${base}/taskList?offset=${ts.offset}&length=${ts.length}&sortBy=${encodeURIComponent(sortBy)}`),
    getJSON(`${base}/taskList?offset=0&length=1000&sortBy=launchTime`),
  ]);
  if (seq !== stageSeq) return;  // a newer render (page, order, refresh) owns the page now
  const q = (arr, f) => arr.map(f);
  const sizeRecs = (b, r) => b.map((x, i) => `${fmtBytes(x)} / ${Math.round(r[i])}`);
  const rows = [
    ['Duration', q(sum.duration, fmtDuration)],
    ['Scheduler Delay', q(sum.schedulerDelay, fmtDuration)],
    ['Task Deserialization Time', q(sum.executorDeserializeTime, fmtDuration)],
    ['Input Size / Records', sizeRecs(sum.inputMetrics.bytesRead, sum.inputMetrics.recordsRead)],
    ['Output Size / Records', sizeRecs(sum.outputMetrics.bytesWritten, sum.outputMetrics.recordsWritten)],
    ['Shuffle Read Size / Records', sizeRecs(sum.shuffleReadMetrics.readBytes, sum.shuffleReadMetrics.readRecords)],
    ['Shuffle Write Size / Records', sizeRecs(sum.shuffleWriteMetrics.writeBytes, sum.shuffleWriteMetrics.writeRecords)],
    ['Shuffle spill (memory)', q(sum.memoryBytesSpilled, fmtBytes)],
    ['Shuffle spill (disk)', q(sum.diskBytesSpilled, fmtBytes)],
  ];
  const summary = table([{ title: 'Metric', value: (r) => r[0] },
    ...['Min', '25th percentile', 'Median', '75th percentile', 'Max'].map((t, i) => ({ title: t, value: (r) => r[1][i] }))],
  rows, { id: 'summary' });
  const sortCol = (key) => {
    if (taskState.sortBy === key) taskState.desc = !taskState.desc; else { taskState.sortBy = key; taskState.desc = false; }
    stagePage();
  };
  const m = (t, f) => (t.taskMetrics ? f(t.taskMetrics) : '');
  const taskTable = table([
    { title: 'Index', value: (t) => t.index, sortKey: 'index' },
    { title: 'Task ID', value: (t) => t.taskId, sortKey: 'ID' },
    { title: 'Attempt', value: (t) => t.attempt, sortKey: 'attempt' },
    { title: 'Status', value: (t) => statusTag(t.status), sortKey: 'status' },
    { title: 'Locality Level', value: (t) => t.taskLocality },
    { title: 'Executor ID', value: (t) => t.executorId, sortKey: 'executor' },
    { title: 'Host', value: (t) => t.host, sortKey: 'host' },
    { title: 'Launch Time', value: (t) => fmtTime(t.launchTime), sortKey: 'launchTime' },
    { title: 'Duration', value: (t) => (t.status === 'RUNNING' ? duration(t.launchTime) : fmtDuration(t.duration)), sortKey: 'runtime' },
    { title: 'Input Size / Records', value: (t) => m(t, (x) => `${fmtBytes(x.inputMetrics.bytesRead)} / ${x.inputMetrics.recordsRead}`), sortKey: 'input' },
    { title: 'Shuffle Read Size / Records', value: (t) => m(t, (x) => `${fmtBytes(x.shuffleReadMetrics.localBytesRead + x.shuffleReadMetrics.remoteBytesRead)} / ${x.shuffleReadMetrics.recordsRead}`), sortKey: 'shuffleRead' },
    { title: 'Shuffle Write Size / Records', value: (t) => m(t, (x) => `${fmtBytes(x.shuffleWriteMetrics.bytesWritten)} / ${x.shuffleWriteMetrics.recordsWritten}`), sortKey: 'shuffleWrite' },
    { title: 'Spill (Memory / Disk)', value: (t) => m(t, (x) => `${fmtBytes(x.memoryBytesSpilled)} / ${fmtBytes(x.diskBytesSpilled)}`), sortKey: 'spill' },
    { title: 'Errors', value: (t) => (t.errorMessage ? errorCell(t.errorMessage, t.taskId) : ''), sortKey: 'error' },
  ], tasks, { id: 'tasks', onSort: sortCol, sortedBy: ts.sortBy, sortedDesc: ts.desc, empty: 'No tasks' });
  const total = st.numCompleteTasks + st.numFailedTasks + st.numKilledTasks + st.numActiveTasks;
  const pages = Math.max(1, Math.ceil(total / ts.length));
  const page = Math.floor(ts.offset / ts.length) + 1;
  const go = (off) => { taskState.offset = Math.max(0, off); stagePage(); };
  const pager = h('div', { class: 'pager' },
    h('button', { onclick: () => go(ts.offset - ts.length), disabled: page <= 1 }, '‹ Prev'),
    h('span', { id: 'page-info' }, `Page ${page} of ${pages} (${total} tasks)`),
    h('button', { onclick: () => go(ts.offset + ts.length), disabled: page >= pages }, 'Next ›'),
    h('label', {}, ' Show ', h('select', { onchange: (e) => { taskState.length = Number(e.target.value); go(0); } },
      [20, 100, 500, 1000].map((n) => h('option', { value: n, selected: n === ts.length }, n))), ' tasks per page'));
  setContent(
    h('h2', {}, `Details for Stage ${st.stageId} (Attempt ${st.attemptId})`),
    kv([['Status', statusTag(st.status)], ['Description', st.name], ['Associated Job Ids', (st.jobIds || []).map((j) => link(`/jobs/job/?id=${j}`, String(j)))],
      ['Total Time Across All Tasks', fmtDuration(st.executorRunTime)], ['Tasks', `${st.numCompleteTasks} succeeded, ${st.numFailedTasks} failed, ${st.numActiveTasks} running of ${st.numTasks}`],
      ['Input Size / Records', `${fmtBytes(st.inputBytes)} / ${st.inputRecords}`], ['Output', `${fmtBytes(st.outputBytes)} / ${st.outputRecords}`],
      ['Shuffle Read', `${fmtBytes(st.shuffleReadBytes)} / ${st.shuffleReadRecords}`], ['Shuffle Write', `${fmtBytes(st.shuffleWriteBytes)} / ${st.shuffleWriteRecords}`],
      st.failureReason ? ['Failure Reason', errorCell(st.failureReason)] : null]),
    h('h3', {}, 'Event Timeline'), timelineSvg(all, st),
    h('h3', {}, `Summary Metrics for ${st.numCompleteTasks} Completed Tasks`), summary,
    h('h3', {}, `Tasks (${total})`), pager, taskTable);
}

// Tasks as bars on a time axis, one lane per executor (stacked by concurrent slot).
function timelineSvg(tasks, st) {
  if (!tasks.length) return h('p', { class: 'muted' }, 'No tasks launched yet.');
  const now = Date.now();
  const span = tasks.map((t) => { const a = parseTime(t.launchTime); return { t, a, b: t.status === 'RUNNING' ? now : a + t.duration }; });
  const t0 = Math.min(...span.map((x) => x.a));
  const t1 = Math.max(t0 + 1, ...span.map((x) => x.b));
  const lanes = new Map();  // executor -> [slot end times]
  const placed = span.sort((x, y) => x.a - y.a).map((x) => {
    const slots = lanes.get(x.t.executorId) || [];
    let i = slots.findIndex((end) => end <= x.a);
    if (i < 0) { i = slots.length; slots.push(0); }
    slots[i] = x.b;
    lanes.set(x.t.executorId, slots);
    return { ...x, slot: i };
  });
  const LABEL = 110; const W = 900; const ROW = 12; const width = LABEL + W + 20;
  const execs = [...lanes.keys()].sort();
  let y = 24;
  const laneY = new Map();
  execs.forEach((e) => { laneY.set(e, y); y += lanes.get(e).length * ROW + 14; });
  const svg = s('svg', { width, height: y + 10, class: 'timeline', id: 'timeline' });
  const x = (t) => LABEL + ((t - t0) / (t1 - t0)) * W;
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    svg.append(s('line', { x1: x(t), y1: 16, x2: x(t), y2: y, stroke: '#eee' }), s('text', { x: x(t) - 10, y: 12, fill: '#777' }, `+${fmtDuration(t - t0)}`));
  }
  execs.forEach((e) => svg.append(s('text', { x: 4, y: laneY.get(e) + 10 }, `executor ${e}`)));
  const color = { SUCCESS: '#5cb85c', RUNNING: '#5bc0de', FAILED: '#d9534f', KILLED: '#f0ad4e' };
  placed.forEach((p) => svg.append(s('rect', {
    x: x(p.a), y: laneY.get(p.t.executorId) + p.slot * ROW, width: Math.max(1.5, x(p.b) - x(p.a)), height: ROW - 2, fill: color[p.t.status] || '#999',
  }, s('title', {}, `task ${p.t.index}.${p.t.attempt} (TID ${p.t.taskId}) ${p.t.status} ${fmtDuration(p.b - p.a)} on ${p.t.host}`))));
  const legend = h('div', { class: 'legend' }, Object.entries(color).map(([k, c]) => h('span', {}, h('i', { style: `background:${c}` }), k)),
    tasks.length >= 1000 ? h('span', { class: 'muted' }, `(first 1000 of ${st.numTasks} tasks)`) : '');
  return h('div', {}, legend, svg);
}

// ------------------------------------------------------------------ executors, storage, environment

async function executorsPage() {
  const ex = await getJSON(`${API}/allexecutors`);
  const local = APP.id.startsWith('local-');
  const logs = (e) => {
    const l = e.executorLogs || {};
    if (l.stdout || l.stderr) return [l.stdout ? h('a', { href: l.stdout }, 'stdout') : '', ' ', l.stderr ? h('a', { href: l.stderr }, 'stderr') : ''];
    if (e.id === 'driver') return h('span', { class: 'muted' }, 'driver: the terminal of sparkpp submit');
    return h('span', { class: 'muted' }, local ? 'local mode: executor output goes to the terminal of sparkpp submit' : 'see the worker UI (Logs column of its executors)');
  };
  setContent(h('h2', {}, 'Executors'),
    kv([['Active', ex.filter((e) => e.isActive && e.id !== 'driver').length], ['Dead', ex.filter((e) => !e.isActive).length]]),
    table([
      { title: 'Executor ID', value: (e) => e.id },
      { title: 'Address', value: (e) => e.hostPort },
      { title: 'Status', value: (e) => statusTag(e.isActive ? 'Active' : 'Dead') },
      { title: 'RDD Blocks', value: (e) => e.rddBlocks },
      { title: 'Storage Memory', value: (e) => `${fmtBytes(e.memoryUsed)} / ${fmtBytes(e.maxMemory)}` },
      { title: 'Cores', value: (e) => e.totalCores, sort: (e) => e.totalCores },
      { title: 'Active Tasks', value: (e) => e.activeTasks, sort: (e) => e.activeTasks },
      { title: 'Failed Tasks', value: (e) => e.failedTasks, sort: (e) => e.failedTasks },
      { title: 'Complete Tasks', value: (e) => e.completedTasks, sort: (e) => e.completedTasks },
      { title: 'Total Tasks', value: (e) => e.totalTasks, sort: (e) => e.totalTasks },
      { title: 'Task Time', value: (e) => fmtDuration(e.totalDuration), sort: (e) => e.totalDuration },
      { title: 'Input', value: (e) => fmtBytes(e.totalInputBytes), sort: (e) => e.totalInputBytes },
      { title: 'Shuffle Read', value: (e) => fmtBytes(e.totalShuffleRead), sort: (e) => e.totalShuffleRead },
      { title: 'Shuffle Write', value: (e) => fmtBytes(e.totalShuffleWrite), sort: (e) => e.totalShuffleWrite },
      { title: 'Logs', value: logs },
    ], ex, { id: 'executors' }));
}

async function storagePage() {
  const rdds = await getJSON(`${API}/storage/rdd`);
  setContent(h('h2', {}, 'Storage'), h('h3', {}, `RDDs (${rdds.length})`),
    table([
      { title: 'ID', value: (r) => link(`/storage/rdd/?id=${r.id}`, String(r.id)), sort: (r) => r.id },
      { title: 'RDD Name', value: (r) => link(`/storage/rdd/?id=${r.id}`, r.name) },
      { title: 'Storage Level', value: (r) => r.storageLevel },
      { title: 'Cached Partitions', value: (r) => r.numCachedPartitions },
      { title: 'Fraction Cached', value: (r) => `${Math.round((100 * r.numCachedPartitions) / Math.max(1, r.numPartitions))}%` },
      { title: 'Size in Memory', value: (r) => fmtBytes(r.memoryUsed) },
      { title: 'Size on Disk', value: (r) => fmtBytes(r.diskUsed) },
    ], rdds, { id: 'rdds', empty: 'No cached RDDs' }));
}

// Spark's RDD storage page: where the cached partitions of one RDD are.
async function storageRddPage() {
  const r = await getJSON(`${API}/storage/rdd/${encodeURIComponent(Q.get('id'))}`);
  setContent(h('h2', {}, `RDD Storage Info for ${r.name}`),
    kv([['Storage Level', r.storageLevel], ['Cached Partitions', r.numCachedPartitions], ['Total Partitions', r.numPartitions],
      ['Memory Size', fmtBytes(r.memoryUsed)], ['Disk Size', fmtBytes(r.diskUsed)]]),
    h('h3', {}, `Data Distribution on ${(r.dataDistribution || []).length} Executors`),
    table([
      { title: 'Host', value: (d) => d.address },
      { title: 'On Heap Memory Usage', value: (d) => fmtBytes(d.memoryUsed), sort: (d) => d.memoryUsed },
      { title: 'Disk Usage', value: (d) => fmtBytes(d.diskUsed), sort: (d) => d.diskUsed },
    ], r.dataDistribution || [], { id: 'rdd-distribution', empty: 'No cached data' }),
    h('h3', {}, `${(r.partitions || []).length} Partitions`),
    table([
      { title: 'Block Name', value: (p) => p.blockName },
      { title: 'Storage Level', value: (p) => p.storageLevel },
      { title: 'Size in Memory', value: (p) => fmtBytes(p.memoryUsed), sort: (p) => p.memoryUsed },
      { title: 'Size on Disk', value: (p) => fmtBytes(p.diskUsed), sort: (p) => p.diskUsed },
      { title: 'Executors', value: (p) => (p.executors || []).join(', ') },
    ], r.partitions || [], { id: 'rdd-partitions', empty: 'No cached partitions' }));
}

// Spark's Runtime Information shows the JVM; a sparkpp application runs Python on a C++ runtime.
const RUNTIME_LABELS = [
  ['pythonVersion', 'Python Version'], ['pythonExecutable', 'Python Executable'], ['sparkppVersion', 'sparkpp Version'],
  ['sparkppBuild', 'sparkpp Build'], ['sparkppExecutable', 'sparkpp Executable'], ['sparkppPackage', 'sparkpp Python Package'],
  ['workingDirectory', 'Working Directory'], ['pythonPath', 'Python Path'], ['platform', 'Platform'],
  ['javaVersion', 'Java Version'], ['javaHome', 'Java Home'], ['scalaVersion', 'Scala Version'],
];
function runtimeRows(rt) {
  const known = new Set(RUNTIME_LABELS.map(([k]) => k));
  return [...RUNTIME_LABELS.filter(([k]) => rt[k]).map(([k, label]) => [label, rt[k]]),
    ...Object.entries(rt).filter(([k, v]) => v && !known.has(k))];
}

async function environmentPage() {
  const env = await getJSON(`${API}/environment`);
  setContent(h('h2', {}, 'Environment'),
    h('h3', {}, 'Runtime Information'),
    table([{ title: 'Name', value: (p) => p[0] }, { title: 'Value', value: (p) => p[1] }], runtimeRows(env.runtime || {}), { id: 'runtime' }),
    h('h3', {}, 'Spark Properties'),
    table([{ title: 'Name', value: (p) => p[0] }, { title: 'Value', value: (p) => p[1] }], env.sparkProperties, { id: 'properties' }));
}

main().catch(showError);
