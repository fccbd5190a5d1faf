// node tests/integration/duckdb_query.mjs SQL -> one JSON line: the query's rows as DuckDB
// (npm @duckdb/node-api, installed under bench/ by `npm ci`) answers them. The independent
// reader of the Parquet tests: BIGINTs become numbers (strings past 2^53), other non-JSON values
// their text.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'bench', 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await db.connect();
const plain = v => typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString())
  : (v && typeof v === 'object' ? v.toString() : v);
const rows = (await (await con.run(process.argv[2])).getRows()).map(r => r.map(plain));
console.log(JSON.stringify(rows));
