/**
 * `SELECT count(*) FROM t` counted page by page (Cursor.count, AccessStepper.countAll) against
 * the row-stepping executor and node:sqlite: random tables on 512-byte pages whose index keys
 * are long enough for index trees of several levels (entries on interior pages too), rows
 * deleted at random, counts inside a transaction with uncommitted changes (fixed seed).
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import { IndexCursorImpl, TableCursorImpl } from "../../src/btree/cursor.ts";
import { fastPathSwitch } from "../../src/sql/fast_select.ts";

/** Counts the page-by-page counts made, per tree kind, while `f` runs. */
function countingCalls(f: () => void): { table: number; index: number } {
  const calls = { table: 0, index: 0 };
  const t = TableCursorImpl.prototype.count;
  const i = IndexCursorImpl.prototype.count;
  TableCursorImpl.prototype.count = function (this: TableCursorImpl) {
    calls.table++;
    return t.call(this);
  };
  IndexCursorImpl.prototype.count = function (this: IndexCursorImpl) {
    calls.index++;
    return i.call(this);
  };
  try {
    f();
  } finally {
    TableCursorImpl.prototype.count = t;
    IndexCursorImpl.prototype.count = i;
  }
  return calls;
}

const QUERIES = [
  "SELECT count(*) FROM t",
  "SELECT count(*), count(*) FROM t",
  "SELECT count(*) FROM t NOT INDEXED",
  "SELECT count(*) + 1 FROM t",
  "SELECT count(*) FROM t WHERE b > 'm'",
  "SELECT count(*) FROM t LIMIT 1 OFFSET 1",
];

Deno.test("count(*) counted page by page agrees with stepping and with SQLite", () => {
  let pageCounts = 0;
  let indexCounts = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1200 }),
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 4 }),
      fc.boolean(),
      (rows, keyLen, indexed, deleteEvery, inTx) => {
        const ours = new Database(":memory:", { pageSize: 512, cacheSize: 20 });
        const theirs = new DatabaseSync(":memory:");
        const ddl = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT)" +
          (indexed ? "; CREATE INDEX tb ON t(b)" : "");
        for (const db of [ours, theirs]) {
          db.exec(ddl);
          if (inTx) db.exec("BEGIN");
          const ins = db.prepare("INSERT INTO t(a, b) VALUES (?, ?)");
          for (let i = 1; i <= rows; i++) {
            ins.run(i, String.fromCharCode(97 + i % 26).repeat(keyLen) + i);
          }
          if (deleteEvery > 1) db.exec(`DELETE FROM t WHERE a % ${deleteEvery} = 0`);
        }
        const queries = indexed ? [...QUERIES, "SELECT count(*) FROM t INDEXED BY tb"] : QUERIES;
        for (const sql of queries) {
          const p = theirs.prepare(sql);
          (p as unknown as { setReturnArrays(v: boolean): void }).setReturnArrays(true);
          const want = (p.all() as unknown as number[][]).map((r) => r.map(Number));
          let fast: number[][] = [];
          const calls = countingCalls(() => {
            fast = (ours.prepare(sql).values() as number[][]).map((r) => r.map(Number));
          });
          pageCounts += calls.table + calls.index;
          indexCounts += calls.index;
          fastPathSwitch.disabled = true;
          let general: number[][];
          try {
            general = (ours.prepare(sql).values() as number[][]).map((r) => r.map(Number));
          } finally {
            fastPathSwitch.disabled = false;
          }
          assertEquals(fast, want, sql);
          assertEquals(general, want, `${sql} (stepping)`);
          if (sql.includes("WHERE")) assertEquals(calls.table + calls.index, 0, sql);
        }
        if (inTx) ours.exec("COMMIT");
        assertEquals(ours.prepare("SELECT count(*) FROM t").get(), {
          "count(*)": theirs.prepare("SELECT count(*) FROM t").get()!["count(*)"],
        });
        ours.close();
        theirs.close();
      },
    ),
    { seed: 90210, numRuns: 60 },
  );
  // The page-by-page count ran, over index trees too (else this test proves nothing).
  assert(pageCounts > 100, `page counts: ${pageCounts}`);
  assert(indexCounts > 20, `index counts: ${indexCounts}`);
});
