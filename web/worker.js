// The worker's page (8081), drawn from its /json (Spark's WorkerStateResponse), refreshed every 2 s.
'use strict';

const mb = (m) => fmtBytes(m * 1024 * 1024);
const logLink = (e, type) => h('a', { href: `/logPage/?appId=${encodeURIComponent(e.appid)}&executorId=${encodeURIComponent(e.id)}&logType=${type}` }, type);

function execTable(execs, id) {
  return table([
    { title: 'ExecutorID', value: (e) => e.id, sort: (e) => Number(e.id) },
    { title: 'State', value: (e) => h('span', { class: `status-${e.state}` }, e.state || 'RUNNING') },
    { title: 'Cores', value: (e) => e.cores },
    { title: 'Memory', value: (e) => mb(e.memory) },
    { title: 'Job Details', value: (e) => [h('div', {}, `ID: ${e.appid}`), h('div', {}, `Name: ${(e.appdesc && e.appdesc.name) || ''}`), h('div', {}, `User: ${(e.appdesc && e.appdesc.user) || ''}`)] },
    { title: 'Logs', value: (e) => [logLink(e, 'stdout'), ' ', logLink(e, 'stderr')] },
  ], execs, { id, empty: 'No executors' });
}

const driverLogLink = (d, type) => h('a', { href: `/logPage/?driverId=${encodeURIComponent(d.id)}&logType=${type}` }, type);

function driverTable(drivers, id) {
  return table([
    { title: 'DriverID', value: (d) => d.id, sort: (d) => d.id },
    { title: 'Main Class', value: (d) => (d.driverdesc && d.driverdesc.program) || '' },
    { title: 'State', value: (d) => h('span', { class: `status-${d.state}` }, d.state), sort: (d) => d.state },
    { title: 'Cores', value: (d) => d.cores },
    { title: 'Memory', value: (d) => mb(d.memory) },
    { title: 'Logs', value: (d) => [driverLogLink(d, 'stdout'), ' ', driverLogLink(d, 'stderr')] },
    { title: 'Notes', value: (d) => d.message || '' },
  ], drivers, { id, empty: 'No drivers' });
}

async function refresh() {
  const w = await getJSON('/json');
  showInsecure(w);
  document.getElementById('wid').textContent = w.id;
  document.title = `sparkpp worker ${w.id}`;
  document.getElementById('content').replaceChildren(
    kv([['ID', w.id], ['Master URL', w.masterurl], ['Cores', `${w.cores} (${w.coresused} Used)`], ['Memory', `${mb(w.memory)} (${mb(w.memoryused)} Used)`],
      w.masterwebuiurl ? ['Master', h('a', { href: w.masterwebuiurl }, 'Back to Master')] : null]),
    h('h3', {}, `Running Executors (${w.executors.length})`), execTable(w.executors, 'running-executors'),
    h('h3', {}, `Finished Executors (${w.finishedexecutors.length})`), execTable(w.finishedexecutors, 'finished-executors'),
    ...(w.drivers.length || w.finisheddrivers.length ? [
      h('h3', {}, `Running Drivers (${w.drivers.length})`), driverTable(w.drivers, 'running-drivers'),
      h('h3', {}, `Finished Drivers (${w.finisheddrivers.length})`), driverTable(w.finisheddrivers, 'finished-drivers')] : []));
}

poll(refresh, 2000, () => true);
