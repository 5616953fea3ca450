/**
 * Bulk insert in one transaction through a prepared INSERT: 30,000 rows (and 1,000,000
 * with TSQLITE_BENCH_LARGE=1) into the fixture schema (a rowid table with a secondary
 * index), each iteration into a fresh file. node:sqlite is the baseline.
 *
 * @module
 */
import {
  BENCH_DIR,
  type BenchDb,
  grpOf,
  human,
  JOURNAL_MODE,
  LARGE,
  openNode,
  openOurs,
  payloadOf,
  SCHEMA,
  SYNCHRONOUS,
} from "./fixtures.ts";

const sizes = LARGE ? [30_000, 1_000_000] : [30_000];
let files = 0;

function removeDb(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    try {
      Deno.removeSync(path + suffix);
    } catch {
      // absent
    }
  }
}

/** Inserts rows 1..n in one transaction into a new database; returns the row count read back. */
function bulkInsert(open: (path: string) => BenchDb, n: number): number {
  const path = `${BENCH_DIR}/insert_${files++}.db`;
  const db = open(path);
  try {
    db.exec(SCHEMA);
    const ins = db.prepare("INSERT INTO t(id, grp, payload) VALUES (?, ?, ?)");
    db.exec("BEGIN");
    for (let i = 1; i <= n; i++) ins.run(i, grpOf(i, n), payloadOf(i));
    db.exec("COMMIT");
    return db.prepare("SELECT count(*) AS c FROM t").get()!.c as number;
  } finally {
    db.close();
    removeDb(path);
  }
}

// Rows are built inside the loop on both sides, so the difference is the engines'.
for (const n of sizes) {
  const group = `bulk insert ${human(n)} rows, one transaction (${JOURNAL_MODE}, ` +
    `synchronous=${SYNCHRONOUS})`;
  const iterations = n >= 1_000_000 ? 1 : 5;
  const engines: [string, (path: string) => BenchDb][] = [
    ["node:sqlite", (p) => openNode(p)],
    ["tsqlite", (p) => openOurs(p)],
  ];
  engines.forEach(([name, open], e) => {
    Deno.bench({
      name: `${name}: ${group}`,
      group,
      baseline: e === 0,
      n: iterations,
      warmup: 1,
      fn: () => {
        if (bulkInsert(open, n) !== n) throw new Error("row count mismatch");
      },
    });
  });
}
