/**
 * Page-buffer reuse seen from SQL: on 512-byte pages with a 10-page cache every statement
 * evicts pages, and the page cache hands the buffers it let go to later cache misses
 * (PageCache.recycle at each cursor movement and at the end of each read transaction). A
 * page buffer still read by someone after it was recycled - a lazily decoded row, a key
 * view, a page made dirty after it left the cache - shows up here as a wrong row, a wrong
 * result of a write, or a failed integrity_check. Every result is compared with node:sqlite.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import { PagerImpl } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";

const SMALL = { pageSize: 512, cacheSize: 10 };

type Param = number | string | Uint8Array | null;

/** Values made comparable across the two engines (blobs as hex, big integers as numbers). */
function canon(rows: unknown[]): string[] {
  return rows.map((r) =>
    JSON.stringify(
      Object.values(r as Record<string, unknown>).map((v) =>
        v instanceof Uint8Array
          ? "x" + [...v].map((b) => b.toString(16).padStart(2, "0")).join("")
          : typeof v === "bigint"
          ? Number(v)
          : v
      ),
    )
  );
}

/** Both engines side by side; `q` compares a query's rows (sorted unless `ordered`). */
class Pair {
  readonly ours = new Database(":memory:", SMALL);
  readonly theirs = new DatabaseSync(":memory:");

  run(sql: string, ...p: Param[]): void {
    let a: string | undefined;
    let b: string | undefined;
    try {
      this.ours.prepare(sql).run(...p);
    } catch (e) {
      a = (e as { code?: string }).code ?? String(e);
    }
    try {
      this.theirs.prepare(sql).run(...p);
    } catch (e) {
      b = String((e as Error).message);
    }
    assertEquals(a === undefined, b === undefined, `${sql}: ours ${a}, node:sqlite ${b}`);
  }

  q(sql: string, ordered: boolean, ...p: Param[]): void {
    const a = canon(this.ours.prepare(sql).all(...p));
    const b = canon(this.theirs.prepare(sql).all(...p));
    if (!ordered) {
      a.sort();
      b.sort();
    }
    assertEquals(a, b, sql);
  }

  checkIntegrity(): void {
    assertEquals(this.ours.prepare("PRAGMA integrity_check").all(), [{ integrity_check: "ok" }]);
  }

  close(): void {
    this.ours.close();
    this.theirs.close();
  }
}

Deno.test("a page written right after the cache evicted it keeps its buffer to itself", () => {
  // CLOCK evicts the page it has just loaded when every other clean page was hit since the
  // hand last passed; getPageForWrite then made that (already retired) buffer the dirty
  // page, and the next recycle handed it to another page's cache miss: the write was lost.
  const vfs = new MemoryVfs({ track: false });
  const pager = PagerImpl.open(vfs, "/db", SMALL);
  pager.beginRead();
  pager.beginWrite();
  for (let i = 0; i < 40; i++) {
    const n = pager.appendPage();
    if (n > 1) pager.getPageForWrite(n).fill(n);
  }
  pager.commit();
  pager.endRead();

  pager.beginRead();
  // Ten cached pages, each hit again: every reference bit is set.
  for (let p = 1; p <= 10; p++) pager.getPage(p);
  for (let p = 1; p <= 10; p++) pager.getPage(p);
  pager.beginWrite();
  const w = pager.getPageForWrite(20);
  w.fill(99);
  // What a cursor movement does when no cursor stands on page 20.
  pager.recycle(() => false);
  const other = pager.getPage(30);
  assert(other !== w, "a dirty page's buffer was handed to another page");
  assertEquals(other[0], 30);
  assertEquals(pager.getPage(20)[0], 99);
  pager.commit();
  pager.endRead();
  pager.beginRead();
  assertEquals(pager.getPage(20)[0], 99);
  assertEquals(pager.getPage(30)[0], 30);
  pager.endRead();
  pager.close();
});

type ChurnOp =
  | { k: "junk"; n: number; len: number }
  | { k: "drop" }
  | { k: "hot" }
  | { k: "put"; id: number; alen: number; blen: number }
  | { k: "del"; id: number }
  | { k: "delmod"; m: number }
  | { k: "begin" }
  | { k: "commit" }
  | { k: "touch"; id: number };

const churnOp: fc.Arbitrary<ChurnOp> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("junk" as const),
      n: fc.integer({ min: 1, max: 20 }),
      len: fc.integer({ min: 0, max: 1500 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("drop" as const) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("hot" as const) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("put" as const),
      id: fc.integer({ min: 0, max: 299 }),
      alen: fc.integer({ min: 0, max: 130 }),
      blen: fc.integer({ min: 0, max: 1200 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("del" as const), id: fc.integer({ min: 0, max: 299 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("delmod" as const), m: fc.integer({ min: 0, max: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("begin" as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("commit" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("touch" as const), id: fc.integer({ min: 0, max: 39 }) }),
  },
);

Deno.test("freelist churn under a 10-page cache: rows and integrity as node:sqlite", () => {
  // Pages taken from the freelist are written without being read first, the pattern that
  // lost writes when the cache evicted the page it had just loaded (see the test above).
  fc.assert(
    fc.property(fc.array(churnOp, { minLength: 300, maxLength: 900 }), (ops) => {
      const db = new Pair();
      try {
        db.run("CREATE TABLE hot(id INTEGER PRIMARY KEY, v TEXT)");
        for (let i = 0; i < 40; i++) db.run("INSERT INTO hot VALUES(?, ?)", i, "h".repeat(60) + i);
        db.run("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b BLOB)");
        db.run("CREATE INDEX ta ON t(a)");
        let inTx = false;
        for (const op of ops) {
          switch (op.k) {
            case "junk":
              db.run("CREATE TABLE IF NOT EXISTS junk(x BLOB)");
              for (let i = 0; i < op.n; i++) {
                db.run("INSERT INTO junk VALUES(?)", new Uint8Array(op.len).fill(i));
              }
              break;
            case "drop":
              db.run("DROP TABLE IF EXISTS junk");
              break;
            case "hot":
              // Hits every page of `hot` twice: the cache's reference bits all end up set.
              db.q("SELECT count(*), max(v) FROM hot", true);
              db.q("SELECT count(*), max(v) FROM hot", true);
              break;
            case "put":
              db.run(
                "INSERT OR REPLACE INTO t VALUES(?, ?, ?)",
                op.id,
                "a".repeat(op.alen) + op.id,
                new Uint8Array(op.blen).fill(op.id & 255),
              );
              break;
            case "del":
              db.run("DELETE FROM t WHERE id = ?", op.id);
              break;
            case "delmod":
              db.run("DELETE FROM t WHERE id % 7 = ?", op.m);
              break;
            case "begin":
              if (!inTx) db.run("BEGIN");
              inTx = true;
              break;
            case "commit":
              if (inTx) db.run("COMMIT");
              inTx = false;
              break;
            case "touch":
              db.run("UPDATE hot SET v = v WHERE id = ?", op.id);
              break;
          }
        }
        if (inTx) db.run("COMMIT");
        db.q("SELECT id, a, hex(b) FROM t ORDER BY id", true);
        db.q("SELECT a, id FROM t INDEXED BY ta ORDER BY a, id", true);
        db.checkIntegrity();
      } finally {
        db.close();
      }
    }),
    { seed: 20261126, numRuns: 6, endOnFailure: true },
  );
});

interface Row {
  id: number;
  /** Lengths around the index payload threshold (102 bytes on 512-byte pages). */
  a: string;
  /** Lengths around the table payload threshold (477 bytes). */
  b: Uint8Array;
  c: number;
}

const rowArb: fc.Arbitrary<Row> = fc.record({
  id: fc.integer({ min: 1, max: 5000 }),
  a: fc.tuple(fc.integer({ min: 0, max: 140 }), fc.integer({ min: 0, max: 25 })).map(([n, k]) =>
    String.fromCharCode(97 + k).repeat(n) + "é".repeat(n % 3)
  ),
  b: fc.tuple(fc.integer({ min: 380, max: 620 }), fc.integer({ min: 0, max: 255 })).map((
    [n, k],
  ) => new Uint8Array(n).fill(k)),
  c: fc.integer({ min: 0, max: 30 }),
});

/** Tables t (rows), u (joined on c) and an index on each join and filter column. */
function load(db: Pair, rows: Row[]): void {
  db.run("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b BLOB, c INTEGER)");
  db.run("CREATE INDEX t_c ON t(c)");
  db.run("CREATE INDEX t_a ON t(a, c)");
  db.run("CREATE TABLE u(k INTEGER PRIMARY KEY, c INTEGER, v TEXT)");
  db.run("CREATE INDEX u_c ON u(c)");
  db.run("CREATE TABLE log(n INTEGER, s TEXT)");
  db.run("BEGIN");
  for (const r of rows) db.run("INSERT OR REPLACE INTO t VALUES(?, ?, ?, ?)", r.id, r.a, r.b, r.c);
  for (let k = 1; k <= 60; k++) {
    db.run("INSERT INTO u VALUES(?, ?, ?)", k, k % 31, "v".repeat(k * 3));
  }
  db.run("COMMIT");
}

/** Reads whose rows are assembled while other cursors move (ordered: ORDER BY is total). */
const READS: [string, boolean][] = [
  // Correlated subqueries on the same table: the outer row is read after they ran.
  [
    "SELECT id, (SELECT count(*) FROM t t2 WHERE t2.c = t.c AND t2.id < t.id), a, " +
    "(SELECT max(a) FROM t t3 WHERE t3.c = t.c), length(b) FROM t ORDER BY id",
    true,
  ],
  [
    "SELECT id, a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.c = t.c AND u.k > t.id % 50) " +
    "ORDER BY id",
    true,
  ],
  ["SELECT id, hex(b) FROM t WHERE c IN (SELECT c FROM u WHERE k % 3 = 0) ORDER BY id", true],
  // Joins with index lookups on the inner side.
  ["SELECT t.id, u.k, u.v, t.a FROM t JOIN u ON u.c = t.c ORDER BY t.id, u.k", true],
  [
    "SELECT u.k, t.id, hex(t.b) FROM u LEFT JOIN t ON t.c = u.c AND t.id % 4 = 0 " +
    "ORDER BY u.k, t.id",
    true,
  ],
  [
    "SELECT x.id, y.id FROM t x JOIN t y ON y.a = x.a AND y.c = x.c WHERE x.id < y.id " +
    "ORDER BY x.id, y.id",
    true,
  ],
  // GROUP BY / DISTINCT / ORDER BY over many pages.
  [
    "SELECT c, count(*), sum(length(b)), max(a), min(a), group_concat(id) FROM t GROUP BY c " +
    "ORDER BY c",
    false,
  ],
  ["SELECT c, max(length(b)), a FROM t GROUP BY c ORDER BY c", true],
  ["SELECT DISTINCT substr(a, 1, 5), c % 4 FROM t ORDER BY 1, 2", true],
  ["SELECT id, a, hex(b) FROM t ORDER BY a DESC, id LIMIT 40 OFFSET 5", true],
  ["SELECT a, c, id FROM t WHERE a > 'f' ORDER BY a, c, id", true],
  ["SELECT c, id FROM t WHERE c BETWEEN 5 AND 20 ORDER BY c DESC, id DESC", true],
  ["SELECT count(*), sum(length(a)), sum(length(b)), total(c) FROM t", true],
  ["SELECT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY a", true],
];

Deno.test("reads under a 10-page cache agree with node:sqlite", () => {
  fc.assert(
    fc.property(fc.array(rowArb, { minLength: 50, maxLength: 400 }), (rows) => {
      const db = new Pair();
      try {
        load(db, rows);
        for (const [sql, ordered] of READS) db.q(sql, ordered);
      } finally {
        db.close();
      }
    }),
    { seed: 20261127, numRuns: 8, endOnFailure: true },
  );
});

type WriteOp =
  | { k: "updSub"; m: number }
  | { k: "updIdx"; c: number; n: number }
  | { k: "delSub"; m: number }
  | { k: "upsert"; m: number }
  | { k: "upsertOne"; row: Row }
  | { k: "retDel"; c: number }
  | { k: "retUpd"; c: number };

const writeOp: fc.Arbitrary<WriteOp> = fc.oneof(
  fc.record({ k: fc.constant("updSub" as const), m: fc.integer({ min: 2, max: 7 }) }),
  fc.record({
    k: fc.constant("updIdx" as const),
    c: fc.integer({ min: 0, max: 30 }),
    n: fc.integer({ min: 0, max: 200 }),
  }),
  fc.record({ k: fc.constant("delSub" as const), m: fc.integer({ min: 3, max: 9 }) }),
  fc.record({ k: fc.constant("upsert" as const), m: fc.integer({ min: 2, max: 6 }) }),
  fc.record({ k: fc.constant("upsertOne" as const), row: rowArb }),
  fc.record({ k: fc.constant("retDel" as const), c: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ k: fc.constant("retUpd" as const), c: fc.integer({ min: 0, max: 30 }) }),
);

Deno.test("UPDATE/DELETE/UPSERT/RETURNING under a 10-page cache agree with node:sqlite", () => {
  fc.assert(
    fc.property(
      fc.array(rowArb, { minLength: 50, maxLength: 300 }),
      fc.array(writeOp, { minLength: 5, maxLength: 25 }),
      (rows, ops) => {
        const db = new Pair();
        try {
          load(db, rows);
          for (const op of ops) {
            switch (op.k) {
              case "updSub":
                // The new value reads the table being updated through another cursor.
                db.run(
                  "UPDATE t SET a = substr(a || (SELECT count(*) FROM t t2 WHERE t2.c = t.c), " +
                    "1, 150), c = (c + 1) % 31 WHERE id % ? = 0",
                  op.m,
                );
                break;
              case "updIdx":
                // The indexed column changes while the scan runs on that index.
                db.run("UPDATE t SET c = c + 1, b = zeroblob(?) WHERE c = ?", op.n * 3, op.c);
                break;
              case "delSub":
                db.run(
                  "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE c % ? = 1) " +
                    "OR a = (SELECT max(a) FROM t)",
                  op.m,
                );
                break;
              case "upsert":
                db.run(
                  "INSERT INTO t(id, a, b, c) SELECT id + 1, a, b, c FROM t WHERE id % ? = 0 " +
                    "AND true ON CONFLICT(id) DO UPDATE SET a = substr(excluded.a || t.a, 1, 150), " +
                    "c = t.c + excluded.c",
                  op.m,
                );
                break;
              case "upsertOne":
                db.run(
                  "INSERT INTO t VALUES(?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET " +
                    "b = excluded.b, a = t.a || 'x'",
                  op.row.id,
                  op.row.a,
                  op.row.b,
                  op.row.c,
                );
                break;
              case "retDel":
                db.q("DELETE FROM t WHERE c = ? RETURNING id, a, hex(b), c", false, op.c);
                break;
              case "retUpd":
                db.q(
                  "UPDATE t SET b = substr(b, 2), a = upper(a) WHERE c = ? RETURNING id, a, length(b)",
                  false,
                  op.c,
                );
                break;
            }
          }
          db.q("SELECT id, a, hex(b), c FROM t ORDER BY id", true);
          db.q("SELECT c, id FROM t INDEXED BY t_c ORDER BY c, id", true);
          db.q("SELECT a, c, id FROM t INDEXED BY t_a ORDER BY a, c, id", true);
          db.checkIntegrity();
        } finally {
          db.close();
        }
      },
    ),
    { seed: 20261128, numRuns: 8, endOnFailure: true },
  );
});

Deno.test("two statements iterated in turns on one connection, with writes between", () => {
  fc.assert(
    fc.property(
      fc.array(rowArb, { minLength: 50, maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 50, maxLength: 400 }),
      (rows, turns) => {
        const db = new Pair();
        try {
          load(db, rows);
          const scanSql = "SELECT id, a, hex(b) AS b FROM t ORDER BY id";
          const idxSql = "SELECT t.id, t.a, length(t.b) AS n FROM t INDEXED BY t_c WHERE c >= ?";
          const want1 = canon(db.theirs.prepare(scanSql).all());
          const want2 = canon(db.theirs.prepare(idxSql).all(3));
          const it1 = db.ours.prepare(scanSql).iterate();
          const it2 = db.ours.prepare(idxSql).iterate(3);
          const ins = db.ours.prepare("INSERT INTO log VALUES(?, ?)");
          const got1: unknown[] = [];
          const got2: unknown[] = [];
          let done1 = false;
          let done2 = false;
          let n = 0;
          // Turns pick the next step; then both run to the end.
          const step = (t: number) => {
            if (t === 0 && !done1) {
              const r = it1.next();
              if (r.done) done1 = true;
              else got1.push(r.value);
            } else if (t === 1 && !done2) {
              const r = it2.next();
              if (r.done) done2 = true;
              else got2.push(r.value);
            } else if (t === 2) {
              // A write to another table while both readers stand on their rows.
              ins.run(n++, "w".repeat(300));
            } else {
              db.ours.prepare("SELECT count(*), max(s) FROM log").all();
            }
          };
          for (const t of turns) step(t);
          while (!done1 || !done2) step(done1 ? 1 : 0);
          assertEquals(canon(got1), want1);
          assertEquals(canon(got2), want2);
          db.ours.exec("DELETE FROM log");
          db.checkIntegrity();
        } finally {
          db.close();
        }
      },
    ),
    { seed: 20261129, numRuns: 8, endOnFailure: true },
  );
});
