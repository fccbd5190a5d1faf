// Browser test of the application UI's SQL / DataFrame tab: a local[2] application runs a
// groupBy and a join, then chromium (playwright-core) opens /SQL/ and a query's page. Every
// process started here is killed by PID. Screenshots in <build dir>/web-screenshots/.
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
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparkpp-web-sql-'));
let browser; let page; let job; let ui;

async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    try { const v = await fn(); if (v) return v; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const JOB = `
import os, sys, time
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("web-sql-test").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
df = spark.createDataFrame([(i, "k%d" % (i % 4)) for i in range(40)], ["id", "k"])
df.groupBy("k").count().collect()
df.join(df.select("k").distinct(), "k").count()
open(sys.argv[1] + ".tmp", "w").write(spark.sparkContext.uiWebUrl)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
spark.stop()
`;

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'job.py'), JOB);
  job = spawn(BIN, ['submit', '--master', 'local[2]', '--conf', 'spark.ui.port=0', path.join(tmp, 'job.py'),
    path.join(tmp, 'ui_url'), path.join(tmp, 'go')], { env: { ...process.env, SPARKPP_PYTHON: PY }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  job.err = '';
  job.stderr.on('data', (d) => { job.err += d; });
  await until(() => fs.existsSync(path.join(tmp, 'ui_url')) || job.exitCode !== null, 90000, 'the job');
  assert.equal(job.exitCode, null, job.err);
  ui = fs.readFileSync(path.join(tmp, 'ui_url'), 'utf8');
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
  if (job) {
    await until(() => job.exitCode !== null, 30000, 'job exit').catch(() => {});
    try { process.kill(-job.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('SQL tab lists the queries with their jobs', async () => {
  await page.goto(`${ui}/SQL/`);
  await page.waitForSelector('#completed-queries tbody tr td a');
  assert.equal(await page.locator('#completed-queries tbody tr').count(), 2);
  const text = await page.locator('#completed-queries').innerText();
  assert.match(text, /collect at .*job\.py:\d+/);
  assert.match(text, /count at .*job\.py:\d+/);
  assert.match(await page.locator('nav a.active').innerText(), /SQL/);
  await page.screenshot({ path: path.join(SHOTS, 'sql.png'), fullPage: true });
});

test('a query page draws the plan graph with metrics and the plan text', async () => {
  await page.goto(`${ui}/SQL/execution/?id=1`);
  await page.waitForSelector('#plan-graph .plan-node');
  const names = await page.locator('#plan-graph .plan-node text[font-weight="bold"]').allTextContents();
  assert.ok(names.includes('SortMergeJoin'), names.join(','));
  assert.ok(names.includes('Exchange'), names.join(','));
  assert.ok(await page.locator('#plan-graph .stage-cluster').count() >= 2);
  assert.match(await page.locator('#plan-graph').innerHTML(), /number of output rows: \d+/);
  assert.match(await page.locator('#sql-metrics').innerText(), /peak memory/);
  assert.match(await page.locator('#plan-text').innerText(), /== Physical Plan ==/);
  await page.screenshot({ path: path.join(SHOTS, 'sql-query.png'), fullPage: true });
  // Its jobs link back: the job page names the query.
  const jobHref = await page.locator('a[href*="/jobs/job/?id="]').first().getAttribute('href');
  await page.goto(`${ui}${jobHref}`);
  await page.waitForSelector('text=Associated SQL Query');
});
