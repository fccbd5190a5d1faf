// W1 on DuckDB (2 threads): node bench/wordcount_duckdb.mjs TEXTFILE [RUNS]
// -> one JSON line {times:[s...], distinct, total}, as wordcount_df.py. The file is read as
// one VARCHAR column per line (no quoting, a delimiter absent from the data), words by
// string_split on ' ', unnested and counted; every run re-reads the file and fetches all groups.
import { DuckDBInstance } from '@duckdb/node-api';
const [file, runs] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
const sql = `SELECT word, count(*) AS n FROM (
  SELECT unnest(string_split(line, ' ')) AS word
  FROM read_csv('${file}', columns = {'line': 'VARCHAR'}, header = false, delim = '\\t', quote = '',
                escape = '', auto_detect = false)) GROUP BY word`;
const times = []; let rows = [];
for (let i = 0; i < Number(runs || 1); i++) {
  const t0 = performance.now();
  rows = await (await con.run(sql)).getRows();
  times.push((performance.now() - t0) / 1000);
}
console.log(JSON.stringify({ times, distinct: rows.length, total: rows.reduce((s, r) => s + Number(r[1]), 0) }));
