// Browser tests of the web UIs: Debian's chromium driven by playwright-core against a real
// cluster (master + 2 workers; the kill test adds a third) running a real job. Every process
// started here is killed by PID.
// Screenshots go to <build dir of SPARKPP_BIN>/web-screenshots/.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(path.dirname(new URL(import.meta.url).pathname), '../../web/package.json'));
const { chromium } = require('playwright-core');

const BIN = process.env.SPARKPP_BIN || path.resolve('build/sparkpp');
const PY = process.env.SPARKPP_PYTHON || '/usr/bin/python3';
const SHOTS = path.join(path.dirname(BIN), 'web-screenshots');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkpp-web-'));
const procs = [];
let browser; let page; let master; let ui; let appId; let job;

function start(args, env = {}) {
  const p = spawn(args[0], args.slice(1), { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(p);
  p.out = ''; p.err = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.err += d; });
  return p;
}

async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const field = (p, k) => (p.out.match(new RegExp(`${k}=(\\S+)`)) || [])[1];
const masterUi = () => `http://127.0.0.1:${field(master, 'webui_port')}`;
const mjson = async () => (await fetch(`${masterUi()}/json`)).json();

// A one-core worker of the suite's master; resolves once its web UI is up.
async function startWorker(i) {
  const w = start([BIN, 'worker', '--host', '127.0.0.1', '--port', '0', '--webui-port', '0', '--cores', '1', '--memory', '1g',
    '--work-dir', path.join(tmp, `w${i}`), field(master, 'url')]);
  await until(() => field(w, 'webui_port'), 20000, 'worker start');
  return w;
}

// Exited and reaped, or a zombie nobody reaps (a container's pid 1 may not).
function gone(pid) {
  try { return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] === 'Z'; } catch { return true; }
}

const JOB = `
import os, sys, time
from pyspark import SparkContext
sc = SparkContext(appName="web-ui-test")
sc.parallelize(range(1000), 6).map(lambda x: (x % 5, x)).reduceByKey(lambda a, b: a + b).collect()
def boom(x):
    if x == 2:
        raise ValueError("boom from the browser test")
    return x
try:
    sc.parallelize(range(4), 2).map(boom).collect()
except Exception:
    pass
sc.parallelize(range(4), 4).foreach(lambda x: print("hello-from-executor-%d" % x))
sc.parallelize(range(10000), 10000).count()  # a stage the task table must page and sort
kept = sc.parallelize(range(1000), 2).map(lambda x: x * 2).setName("kept-rdd").cache()
kept.count()
open(sys.argv[1] + ".tmp", "w").write(sc.uiWebUrl)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
sc.stop()
`;

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  master = start([BIN, 'master', '--host', '127.0.0.1', '--port', '0', '--webui-port', '0']);
  await until(() => field(master, 'webui_port'), 20000, 'master start');
  for (const i of [1, 2]) await startWorker(i);
  await until(async () => (await mjson()).aliveworkers === 2, 30000, 'two workers');
  fs.writeFileSync(path.join(tmp, 'job.py'), JOB);
  // Capped at the two workers' cores, so the kill test's own worker goes to its own app.
  job = start([BIN, 'submit', '--master', field(master, 'url'), '--conf', 'spark.ui.port=0', '--conf', 'spark.cores.max=2',
    path.join(tmp, 'job.py'), path.join(tmp, 'ui_url'), path.join(tmp, 'go')], { SPARKPP_PYTHON: PY });
  await until(() => fs.existsSync(path.join(tmp, 'ui_url')) || job.exitCode !== null, 90000, 'the job');
  assert.equal(job.exitCode, null, job.err);
  ui = fs.readFileSync(path.join(tmp, 'ui_url'), 'utf8');
  appId = (await (await fetch(`${ui}/api/v1/applications`)).json())[0].id;
  // A fresh profile (the user data dir) per run.
  browser = await chromium.launchPersistentContext(path.join(tmp, 'chrome-profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] || await browser.newPage();
  page.on('pageerror', (e) => { throw e; });
});

after(async () => {
  if (browser) await browser.close();
  fs.writeFileSync(path.join(tmp, 'go'), 'go');
  if (job) await until(() => job.exitCode !== null, 30000, 'job exit').catch(() => {});
  for (const p of procs.reverse()) {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('jobs page lists the jobs with their status', async () => {
  await page.goto(`${ui}/jobs/`);
  await page.waitForSelector('#completed-jobs tbody tr td a');
  const done = await page.locator('#completed-jobs tbody tr').count();
  assert.ok(done >= 2, `completed jobs: ${done}`);
  assert.match(await page.locator('#failed-jobs').innerText(), /FAILED/);
  await page.screenshot({ path: path.join(SHOTS, 'jobs.png'), fullPage: true });
});

test('jobs page has an event timeline of executors and jobs', async () => {
  await page.goto(`${ui}/jobs/`);
  await page.waitForSelector('#jobs-timeline .job-bar');
  const jobs = await (await fetch(`${ui}/api/v1/applications/${appId}/jobs`)).json();
  assert.equal(await page.locator('#jobs-timeline .job-bar').count(), jobs.length);
  assert.equal(await page.locator('#jobs-timeline .executor-added').count(), 2);
  assert.match(await page.locator('#jobs-timeline .job-bar title').first().textContent(), /^Job \d+: \w+ at /);
});

test('job page shows the DAG with stage boundaries', async () => {
  await page.goto(`${ui}/jobs/job/?id=0`);
  await page.waitForSelector('#dag .stage-cluster');
  assert.equal(await page.locator('#dag .stage-cluster').count(), 2);
  assert.ok(await page.locator('#dag .rdd').count() >= 3);
  // Spark's node labels: the RDD's class and id over its call site in the program (line 5).
  const labels = (await page.locator('#dag .rdd').allTextContents()).join('\n');
  assert.match(labels, /ShuffledRDD \[\d+\]reduceByKey at \S*job\.py:5/);
  assert.match(labels, /ParallelCollectionRDD \[\d+\]parallelize at \S*job\.py:5/);
  assert.doesNotMatch(labels, /\] (python|shuffled)\b/);
  // Stages are named after their last RDD's call site (the map stage) or the action.
  const names = await page.locator('#job-stages tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual(names.map((n) => n.replace(/ at .*/, '')).sort(), ['collect', 'reduceByKey']);
  await page.screenshot({ path: path.join(SHOTS, 'job-dag.png'), fullPage: true });
});

test('stage page shows task count, summary, timeline and task rows', async () => {
  await page.goto(`${ui}/stages/stage/?id=0&attempt=0`);
  await page.waitForSelector('#tasks tbody tr td');
  assert.equal(await page.locator('#tasks tbody tr').count(), 6);
  assert.match(await page.locator('#page-info').innerText(), /6 tasks/);
  assert.equal(await page.locator('#timeline rect').count(), 6);
  assert.match(await page.locator('#summary').innerText(), /Median/);
  await page.screenshot({ path: path.join(SHOTS, 'stage.png'), fullPage: true });
});

test('a failed task shows its Python traceback', async () => {
  const stages = await (await fetch(`${ui}/api/v1/applications/${appId}/stages?status=failed`)).json();
  await page.goto(`${ui}/stages/stage/?id=${stages[0].stageId}&attempt=0`);
  await page.waitForSelector('#tasks details');
  // The failed attempt, not a sibling the aborted stage killed ("task killed before it started").
  const row = page.locator('#tasks tbody tr', { hasText: 'FAILED' }).filter({ has: page.locator('details') }).first();
  await row.locator('details summary').click();
  const trace = await row.locator('pre.trace').innerText();
  assert.match(trace, /Traceback/);
  assert.match(trace, /boom from the browser test/);
  await page.screenshot({ path: path.join(SHOTS, 'failed-task.png'), fullPage: true });
});

test('executors page fits the page: log links visible, storage memory figures', async () => {
  await page.setViewportSize({ width: 1100, height: 900 });
  try {
    await page.goto(`${ui}/executors/`);
    await page.waitForSelector('#executors tbody tr td a');
    assert.equal(await page.locator('#executors tbody tr').count(), 3);  // driver + 2
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'the executors table is wider than the page');
    for (const a of await page.locator('#executors a', { hasText: 'stderr' }).all()) {
      const box = await a.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 1100, `stderr link off the page: ${JSON.stringify(box)}`);
    }
    // Storage Memory: used / total (executor memory 1g x spark.memory.fraction 0.6).
    const mem = await page.locator('#executors tbody tr', { hasText: 'stderr' }).locator('td:nth-child(5)').allInnerTexts();
    assert.ok(mem.every((m) => / \/ 614\.4 MiB$/.test(m)), mem.join(', '));
    assert.ok(mem.some((m) => !m.startsWith('0.0 B')), `no cached bytes shown: ${mem.join(', ')}`);
    await page.screenshot({ path: path.join(SHOTS, 'executors.png'), fullPage: true });
  } finally {
    await page.setViewportSize({ width: 1400, height: 1000 });
  }
  const threads = await fetch(`${ui}/api/v1/applications/${appId}/executors/1/threads`);
  assert.equal(threads.status, 404);  // no thread dumps: a clear 404, never the executor list
});

test('environment page shows runtime information and properties', async () => {
  await page.goto(`${ui}/environment/`);
  await page.waitForSelector('#properties tbody tr');
  assert.match(await page.locator('#properties').innerText(), /web-ui-test/);
  const rt = await page.locator('#runtime').innerText();
  for (const label of ['Python Version', 'Python Executable', 'sparkpp Version', 'sparkpp Build', 'sparkpp Executable', 'Working Directory']) {
    assert.match(rt, new RegExp(label), rt);
  }
  assert.match(rt, /Python Version\s+3\.\d+/);
  assert.doesNotMatch(await page.locator('#properties').innerText(), /spark\.sparkpp\.runtime/);
  await page.screenshot({ path: path.join(SHOTS, 'environment.png'), fullPage: true });
});

test('storage tab and RDD page show the cached RDD', async () => {
  await page.goto(`${ui}/storage/`);
  await page.waitForSelector('#rdds tbody tr td a');
  const row = page.locator('#rdds tbody tr', { hasText: 'kept-rdd' });
  assert.match(await row.innerText(), /Memory Serialized 1x Replicated\s+2\s+100%/);
  await row.locator('a').first().click();
  await page.waitForSelector('#rdd-partitions tbody tr td');
  assert.match(await page.locator('h2').innerText(), /RDD Storage Info for kept-rdd/);
  assert.equal(await page.locator('#rdd-partitions tbody tr').count(), 2);
  assert.match(await page.locator('#rdd-partitions').innerText(), /rdd_\d+_0/);
  assert.ok(await page.locator('#rdd-distribution tbody tr').count() >= 1);
  await page.screenshot({ path: path.join(SHOTS, 'storage-rdd.png'), fullPage: true });
});

test('stage page pages and sorts a 10,000-task stage', async () => {
  const api = `${ui}/api/v1/applications/${appId}`;
  const big = (await (await fetch(`${api}/stages`)).json()).find((s) => s.numTasks === 10000);
  assert.ok(big, 'the 10,000-task stage');
  await page.goto(`${ui}/stages/stage/?id=${big.stageId}&attempt=0`);
  await page.waitForSelector('#tasks tbody tr td');
  assert.match(await page.locator('#page-info').innerText(), /Page 1 of 100 \(10000 tasks\)/);
  assert.equal(await page.locator('#tasks tbody tr').count(), 100);
  const firstIds = async () => page.locator('#tasks tbody tr td:nth-child(2)').allInnerTexts();
  const page1 = await firstIds();
  await page.getByRole('button', { name: 'Next ›' }).click();
  await page.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('Page 2 of 100'));
  const page2 = await firstIds();
  assert.equal(page2.length, 100);
  assert.ok(page2.every((id) => !page1.includes(id)), 'page 2 shows other tasks');
  // Sorting by Task ID (twice: descending) starts from the last task of the whole stage.
  const last = (await (await fetch(`${api}/stages/${big.stageId}/0/taskList?length=1&sortBy=-ID`)).json())[0].taskId;
  await page.locator('#tasks th', { hasText: 'Task ID' }).click();
  await page.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('Page 2'));
  await page.locator('#tasks th', { hasText: 'Task ID' }).click();
  await page.waitForFunction((want) => {
    const cell = document.querySelector('#tasks tbody tr td:nth-child(2)');
    return cell && cell.textContent.trim() === String(want - 100);
  }, last);  // still on page 2 of the descending order
  await page.getByRole('button', { name: '‹ Prev' }).click();
  await page.waitForFunction((want) => document.querySelector('#tasks tbody tr td:nth-child(2)').textContent.trim() === String(want), last);
  // A bigger page.
  await page.locator('.pager select').selectOption('1000');
  await page.waitForFunction(() => document.getElementById('page-info').textContent.startsWith('Page 1 of 10 '));
  assert.equal(await page.locator('#tasks tbody tr').count(), 1000);
  await page.screenshot({ path: path.join(SHOTS, 'stage-10000.png') });
});

test('master page lists both workers and the running application', async () => {
  await page.goto(`${masterUi()}/`);
  await page.waitForSelector('#workers tbody tr td a');
  assert.equal(await page.locator('#workers tbody tr').count(), 2);
  assert.match(await page.locator('#active-apps').innerText(), /web-ui-test/);
  await page.screenshot({ path: path.join(SHOTS, 'master.png'), fullPage: true });
  // The running application's name links to its own UI.
  await page.locator('#active-apps a', { hasText: 'web-ui-test' }).click();
  await page.waitForSelector('#completed-jobs tbody tr td a');
  assert.equal(new URL(page.url()).port, new URL(ui).port);
});

test('worker log page shows executor output', async () => {
  await page.goto(`${masterUi()}/`);
  await page.waitForSelector('#workers tbody tr td a');
  const found = [];
  for (const href of await page.locator('#workers tbody tr td a').evaluateAll((as) => as.map((a) => a.href))) {
    await page.goto(href);
    await page.waitForSelector('#running-executors tbody tr td a');
    // Executors log to stderr (Python workers' prints are not forwarded to stdout yet).
    await page.locator('#running-executors a', { hasText: 'stderr' }).first().click();
    await page.waitForFunction(() => document.getElementById('range').textContent.includes('Bytes'));
    found.push(await page.locator('#log').innerText());
    await page.screenshot({ path: path.join(SHOTS, `worker-log-${found.length}.png`), fullPage: true });
  }
  assert.equal(found.length, 2);
  for (const text of found) assert.match(text, /executor/i);
});

// A second application whose one task blocks until a file exists (never, here): it is killed from
// the master page. The suite's app must survive it, so this one gets a worker of its own.
const KILL_JOB = `
import os, sys, time
from pyspark import SparkContext
sc = SparkContext(appName="web-ui-kill-test")
started, release = sys.argv[1], sys.argv[2]  # read here: the task's sys.argv is the Python worker's
def block(x):
    open(started + ".tmp", "w").write(str(os.getpid()))
    os.rename(started + ".tmp", started)
    while not os.path.exists(release):
        time.sleep(0.05)
    return x
sc.parallelize([1], 1).map(block).collect()
`;

test('master page kill button: dismissing the dialog keeps the app, accepting kills it', async () => {
  const w3 = await startWorker(3);
  const w3json = async () => (await fetch(`http://127.0.0.1:${field(w3, 'webui_port')}/json`)).json();
  await until(async () => (await mjson()).aliveworkers === 3, 30000, 'the third worker');
  fs.writeFileSync(path.join(tmp, 'kill_job.py'), KILL_JOB);
  const started = path.join(tmp, 'kill_started');
  const victim = start([BIN, 'submit', '--master', field(master, 'url'), '--conf', 'spark.ui.port=0', path.join(tmp, 'kill_job.py'),
    started, path.join(tmp, 'never')], { SPARKPP_PYTHON: PY });
  await until(() => fs.existsSync(started) || victim.exitCode !== null, 90000, 'the blocking task');
  assert.equal(victim.exitCode, null, victim.err);
  const taskPid = Number(fs.readFileSync(started, 'utf8'));
  const app = (await mjson()).activeapps.find((a) => a.name === 'web-ui-kill-test');
  const execPids = (await w3json()).executors.filter((e) => e.appid === app.id).map((e) => e.pid);
  assert.equal(execPids.length, 1);

  const kills = [];
  const onRequest = (r) => { if (r.url().includes('/app/kill')) kills.push(r); };
  page.on('request', onRequest);
  await page.goto(`${masterUi()}/`);
  const button = page.locator('#active-apps tbody tr', { hasText: app.id }).locator('button.kill-app');
  await button.waitFor();
  const dialogs = [];

  // Cancel: nothing is posted, the app keeps running through the page's next refresh.
  page.once('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await button.click();
  // The page's next refresh is requested after the click handler has run, so a kill request,
  // had there been one, is already recorded.
  await page.waitForRequest((r) => new URL(r.url()).pathname === '/json');
  assert.equal(dialogs.length, 1);
  assert.match(dialogs[0], new RegExp(`Kill application ${app.id} \\(web-ui-kill-test\\)`));
  assert.equal(kills.length, 0);
  assert.ok((await mjson()).activeapps.some((a) => a.id === app.id && a.state === 'RUNNING'));
  assert.equal(victim.exitCode, null);
  assert.ok(!gone(taskPid));

  // OK: one POST, then the app is KILLED and everything it ran is gone.
  page.once('dialog', (d) => { dialogs.push(d.message()); d.accept(); });
  const answer = page.waitForResponse((r) => r.url().includes('/app/kill'));
  await button.click();
  const res = await answer;
  assert.equal(res.status(), 200, await res.text());
  assert.equal(res.request().method(), 'POST');
  assert.equal(dialogs.length, 2);
  assert.equal(kills.length, 1);
  page.off('request', onRequest);
  const done = page.locator('#completed-apps tbody tr', { hasText: app.id });
  await done.waitFor();
  assert.match(await done.innerText(), /KILLED/);
  assert.equal(await page.locator('#active-apps tbody tr', { hasText: app.id }).count(), 0);
  assert.match(await page.locator('#active-apps').innerText(), /web-ui-test/);  // the other app runs on
  assert.equal(await page.locator('#error').count(), 0);
  await page.screenshot({ path: path.join(SHOTS, 'master-killed.png'), fullPage: true });

  const m = await mjson();
  assert.equal(m.completedapps.find((a) => a.id === app.id)?.state, 'KILLED');
  assert.deepEqual(m.activeapps.map((a) => [a.name, a.state]), [['web-ui-test', 'RUNNING']]);
  await until(() => victim.exitCode !== null, 30000, 'the killed app\'s submit to exit');
  assert.notEqual(victim.exitCode, 0);
  assert.match(victim.err + victim.out, /Application has been killed/);
  await until(async () => (await w3json()).executors.length === 0, 20000, 'the worker to drop the executor');
  const w = await w3json();
  assert.equal(w.coresused, 0);
  assert.deepEqual(w.finishedexecutors.filter((e) => e.appid === app.id).map((e) => e.state), ['KILLED']);
  await until(() => [...execPids, taskPid].every(gone), 20000, 'the executor and its Python worker to exit');
});
