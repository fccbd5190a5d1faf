// The master's page (8080), drawn from its /json (Spark's MasterStateResponse shape), refreshed
// every 2 s. Kill buttons POST to /app/kill/ after a confirmation.
'use strict';

const mb = (m) => fmtBytes(m * 1024 * 1024);

function appTable(apps, id, active, killable) {
  return table([
    { title: 'Application ID', sort: (a) => a.id, value: (a) => (active && killable
      ? h('span', {}, a.id, ' ', h('button', { class: 'kill-app', type: 'button', title: 'Kill this application', onclick: () => kill(a) }, '(kill)'))
      : a.id) },
    { title: 'Name', value: (a) => (a.appuiurl && active ? h('a', { href: a.appuiurl }, a.name) : a.name) },
    { title: 'Cores', value: (a) => a.cores, sort: (a) => a.cores },
    { title: 'Memory per Executor', value: (a) => mb(a.memoryperexecutor), sort: (a) => a.memoryperexecutor },
    { title: 'Submitted Time', value: (a) => fmtTime(a.starttime), sort: (a) => a.starttime },
    { title: 'User', value: (a) => a.user },
    { title: 'State', value: (a) => h('span', { class: `status-${a.state}` }, a.state), sort: (a) => a.state },
    { title: 'Duration', value: (a) => fmtDuration(a.duration), sort: (a) => a.duration },
  ], apps, { id, empty: 'No applications' });
}

// Spark's driver table (cluster deploy mode), shown when there are drivers.
function driverTable(drivers, id) {
  return table([
    { title: 'Submission ID', value: (d) => d.id, sort: (d) => d.id },
    { title: 'Submitted Time', value: (d) => fmtTime(Number(d.starttime)), sort: (d) => Number(d.starttime) },
    { title: 'Worker', value: (d) => d.worker },
    { title: 'State', value: (d) => h('span', { class: `status-${d.state}` }, d.state), sort: (d) => d.state },
    { title: 'Cores', value: (d) => d.cores, sort: (d) => d.cores },
    { title: 'Memory', value: (d) => mb(d.memory), sort: (d) => d.memory },
    { title: 'Main Class', value: (d) => d.mainclass },
  ], drivers, { id, empty: 'No drivers' });
}

async function kill(a) {
  if (!window.confirm(`Kill application ${a.id} (${a.name})?`)) return;
  const r = await fetch('/app/kill/', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `id=${encodeURIComponent(a.id)}&terminate=true` });
  if (!r.ok) showError(`kill ${a.id}: ${await r.text()}`);
  refresh();
}

async function refresh() {
  const m = await getJSON('/json');
  showInsecure(m);
  document.getElementById('url').textContent = m.url;
  document.title = `sparkpp master at ${m.url}`;
  document.getElementById('content').replaceChildren(
    kv([['URL', m.url], ['Alive Workers', m.aliveworkers], ['Cores in use', `${m.cores} Total, ${m.coresused} Used`],
      ['Memory in use', `${mb(m.memory)} Total, ${mb(m.memoryused)} Used`],
      ['Applications', `${m.activeapps.length} Running, ${m.completedapps.length} Completed`],
      ['Drivers', `${m.activedrivers.length} Running, ${m.completeddrivers.length} Completed`], ['Status', m.status]]),
    h('h3', {}, `Workers (${m.workers.length})`),
    table([
      { title: 'Worker Id', value: (w) => (w.webuiaddress ? h('a', { href: w.webuiaddress }, w.id) : w.id), sort: (w) => w.id },
      { title: 'Address', value: (w) => `${w.host}:${w.port}` },
      { title: 'State', value: (w) => h('span', { class: `status-${w.state}` }, w.state), sort: (w) => w.state },
      { title: 'Cores', value: (w) => `${w.cores} (${w.coresused} Used)`, sort: (w) => w.cores },
      { title: 'Memory', value: (w) => `${mb(w.memory)} (${mb(w.memoryused)} Used)`, sort: (w) => w.memory },
    ], m.workers, { id: 'workers', empty: 'No workers' }),
    h('h3', {}, `Running Applications (${m.activeapps.length})`), appTable(m.activeapps, 'active-apps', true, m.killenabled !== false),
    h('h3', {}, `Completed Applications (${m.completedapps.length})`), appTable(m.completedapps, 'completed-apps', false),
    ...(m.activedrivers.length || m.completeddrivers.length ? [
      h('h3', {}, `Running Drivers (${m.activedrivers.length})`), driverTable(m.activedrivers, 'active-drivers'),
      h('h3', {}, `Completed Drivers (${m.completeddrivers.length})`), driverTable(m.completeddrivers, 'completed-drivers')] : []));
}

poll(refresh, 2000, () => true);
