// node bench/tpch/duckdb_q.mjs DATADIR QUERY.sql RUNS -> one JSON line: {times:[s...], rows:[[...]...]}
// DuckDB on 2 threads over the generated CSVs (views, so every run reads the files as the others do).
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const [dir, qfile, runs] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
for (const t of ['region', 'nation', 'supplier', 'part', 'partsupp', 'customer', 'orders', 'lineitem'])
  await con.run(`CREATE VIEW ${t} AS SELECT * FROM read_csv('${dir}/${t}.csv', header=true)`);
const sql = readFileSync(qfile, 'utf8');
// Decimals become numbers; dates and the like stay their text (`1994-10-03`).
const num_or_text = s => (isNaN(Number(s)) ? s : Number(s));
const times = []; let rows;
for (let i = 0; i < Number(runs || 1); i++) {
  const t0 = performance.now();
  rows = (await (await con.run(sql)).getRows()).map(r => r.map(v => typeof v === 'bigint' ? Number(v) : (v && typeof v === 'object' ? num_or_text(v.toString()) : v)));
  times.push((performance.now() - t0) / 1000);
}
console.log(JSON.stringify({ times, rows }));
