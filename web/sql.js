// The application UI's SQL / DataFrame tab (Spark's SQL tab): the list of queries (/SQL/) and
// one query (/SQL/execution/?id=N) with its plan graph, per-operator metrics and plan text.
// Drawn from /api/v1/applications/<id>/sql; uses app.js's helpers (loaded after this file).
'use strict';

function sqlStatus(e) { return statusTag(e.status === 'COMPLETED' ? 'SUCCEEDED' : e.status); }

function sqlJobLinks(ids) {
  const out = [];
  ids.forEach((id, i) => { if (i) out.push(', '); out.push(link(`/jobs/job/?id=${id}`, String(id))); });
  return h('span', {}, ...out);
}

function sqlTable(execs, id) {
  const jobs = (e) => [...e.runningJobIds, ...e.successJobIds, ...e.failedJobIds].sort((a, b) => a - b);
  return table([
    { title: 'ID', value: (e) => link(`/SQL/execution/?id=${e.id}`, String(e.id)), sort: (e) => e.id },
    { title: 'Description', value: (e) => link(`/SQL/execution/?id=${e.id}`, e.description) },
    { title: 'Submitted', value: (e) => fmtTime(e.submissionTime), sort: (e) => parseTime(e.submissionTime) },
    { title: 'Duration', value: (e) => (e.status === 'RUNNING' ? duration(e.submissionTime) : fmtDuration(e.duration)), sort: (e) => e.duration },
    { title: 'Job IDs', value: (e) => sqlJobLinks(jobs(e)) },
    { title: 'Status', value: sqlStatus, sort: (e) => e.status },
  ], execs, { id, empty: 'No queries' });
}

async function sqlListPage() {
  const execs = await getJSON(`${API}/sql?details=false&planDescription=false&length=100000`);
  const by = (st) => execs.filter((e) => e.status === st);
  setContent(h('h2', {}, 'SQL / DataFrame'),
    h('h3', {}, `Running Queries (${by('RUNNING').length})`), sqlTable(by('RUNNING'), 'running-queries'),
    h('h3', {}, `Completed Queries (${by('COMPLETED').length})`), sqlTable(by('COMPLETED'), 'completed-queries'),
    h('h3', {}, `Failed Queries (${by('FAILED').length})`), sqlTable(by('FAILED'), 'failed-queries'));
}

// The plan as Spark draws it: leaves on top, the root at the bottom, edges child -> parent, a
// dashed frame around the operators of each stage; each box lists its metrics.
function planSvg(e) {
  const nodes = e.nodes || [];
  if (!nodes.length) return h('p', { class: 'muted' }, 'No plan recorded.');
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const kids = new Map(nodes.map((n) => [n.nodeId, []]));
  const hasParent = new Set();
  for (const ed of e.edges) {
    if (kids.has(ed.toId)) kids.get(ed.toId).push(ed.fromId);
    hasParent.add(ed.fromId);
  }
  const root = nodes.find((n) => !hasParent.has(n.nodeId)).nodeId;
  const W = 230; const GX = 30; const GY = 46; const PAD = 24; const LINE = 14;
  // In the box, each metric's total; the spread (min, med, max) is in the table below.
  const lines = (n) => n.metrics.map((m) => `${m.name}: ${m.value.split('\n').pop().split(' (')[0]}`);
  const boxH = (n) => 24 + LINE * n.metrics.length;
  // x: leaves take consecutive slots, a parent sits over the middle of its children.
  const depth = new Map(); const slot = new Map(); let next = 0;
  const place = (id, d) => {
    depth.set(id, d);
    const ks = kids.get(id) || [];
    ks.forEach((k) => place(k, d + 1));
    slot.set(id, ks.length ? (slot.get(ks[0]) + slot.get(ks[ks.length - 1])) / 2 : next++);
  };
  place(root, 0);
  const maxD = Math.max(...depth.values());
  const rowH = new Map();  // depth -> tallest box
  nodes.forEach((n) => rowH.set(depth.get(n.nodeId), Math.max(rowH.get(depth.get(n.nodeId)) || 0, boxH(n))));
  const rowY = new Map(); let y = PAD + 20;
  for (let d = maxD; d >= 0; d--) { rowY.set(d, y); y += (rowH.get(d) || 0) + GY; }
  const pos = new Map(nodes.map((n) => [n.nodeId, { x: PAD + slot.get(n.nodeId) * (W + GX), y: rowY.get(depth.get(n.nodeId)) }]));
  const width = PAD * 2 + next * (W + GX); const height = y;
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'dag plan-graph', id: 'plan-graph' },
    s('defs', {}, s('marker', { id: 'parrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#555' }))));
  const stages = new Map();
  nodes.forEach((n) => { if (n.stage >= 0) { if (!stages.has(n.stage)) stages.set(n.stage, []); stages.get(n.stage).push(n); } });
  stages.forEach((members) => {
    const x0 = Math.min(...members.map((n) => pos.get(n.nodeId).x)) - 10;
    const y0 = Math.min(...members.map((n) => pos.get(n.nodeId).y)) - 20;
    const x1 = Math.max(...members.map((n) => pos.get(n.nodeId).x)) + W + 10;
    const y1 = Math.max(...members.map((n) => pos.get(n.nodeId).y + boxH(n))) + 8;
    const sid = members[0].stageId;
    svg.append(s('g', { class: 'stage-cluster' },
      s('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 6, fill: '#f3f8fd', stroke: '#8aaccf', 'stroke-dasharray': '5,3' }),
      s('text', { x: x0 + 6, y: y0 + 13, fill: '#2c3e50', 'font-weight': 'bold' }, sid >= 0 ? `Stage ${sid}` : 'Stage (not run)')));
  });
  for (const ed of e.edges) {
    const a = pos.get(ed.fromId); const b = pos.get(ed.toId);
    if (!a || !b) continue;
    svg.append(s('line', { x1: a.x + W / 2, y1: a.y + boxH(byId.get(ed.fromId)), x2: b.x + W / 2, y2: b.y, stroke: '#555', 'marker-end': 'url(#parrow)' }));
  }
  nodes.forEach((n) => {
    const p = pos.get(n.nodeId);
    const exch = n.nodeName === 'Exchange' || n.nodeName === 'BroadcastExchange';
    svg.append(s('g', { class: 'plan-node', 'data-node-id': n.nodeId },
      s('title', {}, n.desc || n.nodeName),
      s('rect', { x: p.x, y: p.y, width: W, height: boxH(n), rx: 4, fill: exch ? '#fde9c9' : '#cfe3f5', stroke: '#4a7fb0' }),
      s('text', { x: p.x + W / 2, y: p.y + 15, 'text-anchor': 'middle', 'font-weight': 'bold' }, n.nodeName),
      ...lines(n).map((t, i) => s('text', { x: p.x + 6, y: p.y + 30 + i * LINE, fill: '#333' }, t))));
  });
  return svg;
}

async function sqlExecutionPage() {
  const id = Q.get('id');
  const e = await getJSON(`${API}/sql/${id}`);
  const jobs = (ids) => (ids.length ? sqlJobLinks(ids) : '');
  const metricRows = [];
  e.nodes.forEach((n) => n.metrics.forEach((m) => metricRows.push({ node: n, m })));
  setContent(
    h('h2', {}, `Details for Query ${e.id}`),
    kv([['Description', e.description], ['Status', sqlStatus(e)], ['Submitted Time', fmtTime(e.submissionTime)],
      ['Duration', e.status === 'RUNNING' ? duration(e.submissionTime) : fmtDuration(e.duration)],
      e.runningJobIds.length ? ['Running Jobs', jobs(e.runningJobIds)] : null,
      e.successJobIds.length ? ['Succeeded Jobs', jobs(e.successJobIds)] : null,
      e.failedJobIds.length ? ['Failed Jobs', jobs(e.failedJobIds)] : null,
      e.errorMessage ? ['Error', errorCell(e.errorMessage)] : null]),
    h('h3', {}, 'Plan'), planSvg(e),
    h('h3', {}, 'Operator Metrics'),
    table([
      { title: 'Node Id', value: (r) => String(r.node.nodeId), sort: (r) => r.node.nodeId },
      { title: 'Operator', value: (r) => r.node.nodeName },
      { title: 'Metric', value: (r) => r.m.name },
      { title: 'Value', value: (r) => h('span', { class: 'metric-value' }, r.m.value) },
    ], metricRows, { id: 'sql-metrics', empty: 'No metrics' }),
    h('details', { open: '' }, h('summary', {}, 'Details'), h('pre', { class: 'plan-text', id: 'plan-text' }, e.planDescription)));
}
