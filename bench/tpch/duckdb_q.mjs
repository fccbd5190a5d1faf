// node bench/tpch/duckdb_q.mjs DATADIR QUERY.sql[,QUERY2.sql...] RUNS -> one JSON line per query:
// {query, times:[s...], rows:[[...]...]}
// DuckDB on 2 threads over the generated CSVs (views, so every run reads the files as the others do),
// or with TPCH_FORMAT=parquet over DATADIR/parquet/<table>/*.parquet (bench/tpch/to_parquet.py).
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
const [dir, qfiles, runs] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
for (const t of ['region', 'nation', 'supplier', 'part', 'partsupp', 'customer', 'orders', 'lineitem'])
  await con.run(process.env.TPCH_FORMAT === 'parquet'
    ? `CREATE VIEW ${t} AS SELECT * FROM read_parquet('${dir}/parquet/${t}/*.parquet')`
    : `CREATE VIEW ${t} AS SELECT * FROM read_csv('${dir}/${t}.csv', header=true)`);
// Decimals become numbers; dates and the like stay their text (`1994-10-03`).
const num_or_text = s => (isNaN(Number(s)) ? s : Number(s));
for (const qfile of qfiles.split(',')) {
  const sql = readFileSync(qfile, 'utf8');
  const times = []; let rows;
  for (let i = 0; i < Number(runs || 1); i++) {
    const t0 = performance.now();
    rows = (await (await con.run(sql)).getRows()).map(r => r.map(v => typeof v === 'bigint' ? Number(v) : (v && typeof v === 'object' ? num_or_text(v.toString()) : v)));
    times.push((performance.now() - t0) / 1000);
  }
  console.log(JSON.stringify({ query: basename(qfile, '.sql'), times, rows }));
}
