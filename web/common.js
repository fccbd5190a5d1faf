// Helpers shared by the sparkpp web UIs (application, history, master, worker). No dependencies.
'use strict';

const h = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'html') e.innerHTML = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
};

async function getJSON(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

function fmtBytes(b) {
  if (b === null || b === undefined) return '';
  if (b === 0) return '0.0 B';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${u[i]}`;
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = s / 60;
  if (m < 60) return `${m.toFixed(1)} min`;
  return `${(m / 60).toFixed(1)} h`;
}

// Spark's REST dates: "2026-11-22T12:00:00.000GMT".
function parseTime(s) {
  if (!s) return null;
  const t = Date.parse(s.replace('GMT', 'Z'));
  return Number.isNaN(t) ? null : t;
}
function fmtTime(s) {
  const t = typeof s === 'number' ? s : parseTime(s);
  if (!t) return '';
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// A Succeeded/Total progress bar (with running and failed counts), Spark's look.
function progressBar(done, running, total, failed, killed) {
  const pct = (n) => (total > 0 ? Math.min(100, (100 * n) / total) : 0);
  let label = `${done}/${total}`;
  if (running) label += ` (${running} running)`;
  if (failed) label += ` (${failed} failed)`;
  if (killed) label += ` (${killed} killed)`;
  return h('div', { class: 'progress', title: label },
    h('div', { class: 'bar done', style: `width:${pct(done)}%` }),
    h('div', { class: 'bar running', style: `width:${pct(running)}%` }),
    h('span', { class: 'label' }, label));
}

// table(columns, rows): columns = [{title, value(row) -> Node|text, sort(row) -> key}]; sorts
// in the browser by clicking a header (server-paged tables pass onSort instead).
function table(columns, rows, opts = {}) {
  const state = opts.state || { col: null, desc: false };
  const body = h('tbody');
  const render = () => {
    let rs = rows.slice();
    if (!opts.onSort && state.col !== null) {
      const c = columns[state.col];
      const key = c.sort || c.value;
      rs.sort((a, b) => {
        const x = key(a); const y = key(b);
        const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return state.desc ? -r : r;
      });
    }
    body.replaceChildren(...rs.map((r) => h('tr', opts.rowAttrs ? opts.rowAttrs(r) : {}, columns.map((c) => h('td', {}, c.value(r))))));
    if (!rs.length) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, opts.empty || 'No data')));
  };
  const head = h('tr', {}, columns.map((c, i) => h('th', {
    class: (c.sortKey || !opts.onSort) ? 'sortable' : '',
    onclick: () => {
      if (opts.onSort) { if (c.sortKey) opts.onSort(c.sortKey); return; }
      state.desc = state.col === i ? !state.desc : false;
      state.col = i;
      render();
    },
  }, c.title, state.col === i || (opts.sortedBy && opts.sortedBy === c.sortKey) ? (state.desc || opts.sortedDesc ? ' ▾' : ' ▴') : '')));
  render();
  return h('table', { class: 'table', id: opts.id }, h('thead', {}, head), body);
}

function kv(pairs) {
  return h('ul', { class: 'kv' }, pairs.filter((p) => p).map(([k, v]) => h('li', {}, h('strong', {}, `${k}: `), v)));
}

// Re-runs `fn` every `ms` while `keep()` is true; errors are shown, not thrown.
function poll(fn, ms, keep) {
  let timer = null;
  const tick = async () => {
    try { await fn(); } catch (e) { showError(e); }
    if (keep()) timer = setTimeout(tick, ms);
  };
  tick();
  return () => clearTimeout(timer);
}

// A daemon exposed without authentication says so on every refresh (its /json "insecure").
function showInsecure(doc) {
  let el = document.getElementById('insecure');
  if (!doc || !doc.insecure) { if (el) el.remove(); return; }
  if (!el) { el = h('div', { id: 'insecure', class: 'error' }); document.body.prepend(el); }
  el.textContent = doc.insecure;
}

function showError(e) {
  let el = document.getElementById('error');
  if (!el) { el = h('div', { id: 'error', class: 'error' }); document.body.prepend(el); }
  el.textContent = String(e && e.message ? e.message : e);
}

const SVGNS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
