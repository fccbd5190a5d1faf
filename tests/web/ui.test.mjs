// Browser tests of the web UIs: Debian's chromium driven by playwright-core against a real
// cluster (master + 2 workers) running a real job. Every process started here is killed by PID.
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
  for (const i of [1, 2]) {
    const w = start([BIN, 'worker', '--host', '127.0.0.1', '--port', '0', '--webui-port', '0', '--cores', '1', '--memory', '1g',
      '--work-dir', path.join(tmp, `w${i}`), field(master, 'url')]);
    await until(() => field(w, 'webui_port'), 20000, 'worker start');
  }
  const mjson = async () => (await fetch(`http://127.0.0.1:${field(master, 'webui_port')}/json`)).json();
  await until(async () => (await mjson()).aliveworkers === 2, 30000, 'two workers');
  fs.writeFileSync(path.join(tmp, 'job.py'), JOB);
  job = start([BIN, 'submit', '--master', field(master, 'url'), '--conf', 'spark.ui.port=0', path.join(tmp, 'job.py'),
    path.join(tmp, 'ui_url'), path.join(tmp, 'go')], { SPARKPP_PYTHON: PY });
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

test('job page shows the DAG with stage boundaries', async () => {
  await page.goto(`${ui}/jobs/job/?id=0`);
  await page.waitForSelector('#dag .stage-cluster');
  assert.equal(await page.locator('#dag .stage-cluster').count(), 2);
  assert.ok(await page.locator('#dag .rdd').count() >= 3);
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

test('executors, environment and storage pages render', async () => {
  await page.goto(`${ui}/executors/`);
  await page.waitForSelector('#executors tbody tr');
  assert.equal(await page.locator('#executors tbody tr').count(), 3);  // driver + 2
  await page.screenshot({ path: path.join(SHOTS, 'executors.png'), fullPage: true });
  await page.goto(`${ui}/environment/`);
  await page.waitForSelector('#properties tbody tr');
  assert.match(await page.locator('#properties').innerText(), /web-ui-test/);
  await page.goto(`${ui}/storage/`);
  await page.waitForSelector('#rdds');
  assert.match(await page.locator('#rdds').innerText(), /No cached RDDs/);
});

test('master page lists both workers and the running application', async () => {
  await page.goto(`http://127.0.0.1:${field(master, 'webui_port')}/`);
  await page.waitForSelector('#workers tbody tr td a');
  assert.equal(await page.locator('#workers tbody tr').count(), 2);
  assert.match(await page.locator('#active-apps').innerText(), /web-ui-test/);
  await page.screenshot({ path: path.join(SHOTS, 'master.png'), fullPage: true });
});

test('worker log page shows executor output', async () => {
  await page.goto(`http://127.0.0.1:${field(master, 'webui_port')}/`);
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
