/**
 * Point selects through prepared statements: by rowid, by TEXT primary key and by a
 * secondary index, at 10k and 100k rows (and 1M with TSQLITE_BENCH_LARGE=1), so the time
 * per lookup can be compared across sizes. node:sqlite is the baseline; sql.js is the
 * pure-JavaScript (WASM) peer.
 *
 * @module
 */
import {
  assertSameRows,
  type BenchStatement,
  fixture,
  grpOf,
  human,
  JOURNAL_MODE,
  keyOf,
  LARGE,
  loadSqlJs,
  openAll,
  randomIds,
} from "./fixtures.ts";

const SQL = await loadSqlJs();
const sizes = LARGE ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];

interface Lookup {
  label: string;
  sql: string;
  /** The parameter for the i-th random row id. */
  param: (id: number, n: number) => number | string;
}

const lookups: Lookup[] = [
  { label: "rowid", sql: "SELECT * FROM t WHERE id = ?", param: (id) => id },
  { label: "TEXT primary key", sql: "SELECT * FROM kv WHERE key = ?", param: (id) => keyOf(id) },
  {
    label: "secondary index",
    sql: "SELECT * FROM t WHERE grp = ?",
    param: (id, n) => grpOf(id, n),
  },
];

for (const n of sizes) {
  const path = fixture(n);
  const dbs = openAll(path, SQL);
  const ids = randomIds(n);
  for (const lookup of lookups) {
    const params = Array.from(ids, (id) => lookup.param(id, n));
    const stmts: BenchStatement[] = dbs.map((db) => db.prepare(lookup.sql));
    for (const p of params.slice(0, 16)) {
      assertSameRows(stmts, dbs.map((d) => d.engine), [p], "get");
    }
    const group = `point select by ${lookup.label}, ${human(n)} rows (${JOURNAL_MODE})`;
    dbs.forEach((db, e) => {
      const stmt = stmts[e];
      let i = 0;
      Deno.bench({
        name: `${db.engine}: ${group}`,
        group,
        baseline: e === 0,
        fn: () => {
          if (stmt.get(params[i++ & 4095]) === undefined) throw new Error("row not found");
        },
      });
    });
  }
}
