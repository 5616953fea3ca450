/**
 * Multi-row reads through prepared statements on a 100k-row fixture: a range of 100 rows
 * by rowid, a full scan returning every row as an object, and a full scan folded by an
 * aggregate (engine cost without per-row JavaScript objects). node:sqlite is the baseline;
 * sql.js is the pure-JavaScript (WASM) peer.
 *
 * @module
 */
import {
  assertSameRows,
  type BenchStatement,
  fixture,
  human,
  JOURNAL_MODE,
  loadSqlJs,
  openAll,
  randomIds,
} from "./fixtures.ts";

const SQL = await loadSqlJs();
const N = 100_000;
const RANGE = 100;
const dbs = openAll(fixture(N), SQL);
const engines = dbs.map((d) => d.engine);

interface Scan {
  group: string;
  sql: string;
  params: () => (number | string)[];
  /** Rows each call must return. */
  rows: number;
}

const starts = randomIds(N - RANGE);
let next = 0;
const scans: Scan[] = [
  {
    group: `range of ${RANGE} rows by rowid, ${human(N)} rows (${JOURNAL_MODE})`,
    sql: "SELECT * FROM t WHERE id >= ? AND id < ?",
    params: () => {
      const a = starts[next++ & 4095];
      return [a, a + RANGE];
    },
    rows: RANGE,
  },
  {
    group: `full scan to objects, ${human(N)} rows (${JOURNAL_MODE})`,
    sql: "SELECT * FROM t",
    params: () => [],
    rows: N,
  },
  {
    group: `full scan aggregate, ${human(N)} rows (${JOURNAL_MODE})`,
    sql: "SELECT count(*) AS c, sum(grp) AS s, max(length(payload)) AS m FROM t",
    params: () => [],
    rows: 1,
  },
];

for (const scan of scans) {
  const stmts: BenchStatement[] = dbs.map((db) => db.prepare(scan.sql));
  assertSameRows(stmts, engines, scan.params(), "all");
  dbs.forEach((db, e) => {
    const stmt = stmts[e];
    Deno.bench({
      name: `${db.engine}: ${scan.group}`,
      group: scan.group,
      baseline: e === 0,
      fn: () => {
        if (stmt.all(...scan.params()).length !== scan.rows) throw new Error("wrong row count");
      },
    });
  });
}
