/**
 * UPDATE and DELETE visit their targets in SQLite's order (rowid order unless a one-pass
 * update applies), against node:sqlite; and a statement journal read that fails while a
 * statement or ROLLBACK TO is undone rolls the whole transaction back, as SQLite's
 * vdbeHalt does. Found in review; each test failed before its fix.
 * @module
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs, SqliteError } from "../../mod.ts";
import type { OpenFlags, Vfs, VfsFile } from "../../src/vfs/vfs.ts";

const norm = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);

/** Runs `setup` on both engines, then `sql`; returns [ours, node] as {rows|error, table}. */
function both(setup: string, sql: string) {
  const ours = new Database(":memory:");
  const model = new DatabaseSync(":memory:");
  ours.exec(setup);
  model.exec(setup);
  const q = "SELECT * FROM t ORDER BY id";
  let a: unknown, b: unknown;
  try {
    a = ours.prepare(sql).values().map((r) => r.map(norm));
  } catch (e) {
    a = (e as Error).message;
  }
  try {
    b = model.prepare(sql).all().map((r) => Object.values(r).map(norm));
  } catch (e) {
    b = (e as Error).message;
  }
  const out = [
    { result: a, table: ours.prepare(q).values().map((r) => r.map(norm)) },
    { result: b, table: model.prepare(q).all().map((r) => Object.values(r).map(norm)) },
  ];
  ours.close();
  model.close();
  return out;
}

const SETUP = "CREATE TABLE t(id INTEGER PRIMARY KEY, u UNIQUE, w); CREATE INDEX tw ON t(w);" +
  "INSERT INTO t VALUES (1, 30, 3), (2, 20, 2), (3, 10, 1)";

// Regression of c05cbdf: before it, the stale write-back happened to give SQLite's result.
Deno.test("UPDATE OR REPLACE visits its targets in rowid order, as SQLite", () => {
  const [ours, node] = both(SETUP, "UPDATE OR REPLACE t SET u = u + 10 WHERE w > 0");
  assertEquals(ours, node); // node keeps all three rows: (1,40) (2,30) (3,20)
  const [ours2, node2] = both(SETUP, "UPDATE OR REPLACE t SET u = u + 10 WHERE u > 0");
  assertEquals(ours2, node2);
});

// Same cause, older than both commits.
Deno.test("UPDATE OR IGNORE/FAIL over the index it changes visits rowid order", () => {
  for (
    const sql of [
      "UPDATE OR IGNORE t SET u = u + 10 WHERE u > 0",
      "UPDATE OR FAIL t SET u = u + 10 WHERE u > 0",
      "UPDATE OR IGNORE t SET u = u + 10 WHERE w > 0 AND w < (SELECT 100)",
      "UPDATE OR REPLACE t SET id = id + 1 WHERE u > 0",
    ]
  ) {
    const [ours, node] = both(SETUP, sql);
    assertEquals(ours, node, sql);
  }
});

Deno.test("UPDATE/DELETE ... RETURNING over an index scan return rowid order", () => {
  for (
    const sql of [
      "UPDATE t SET w = w + 1 WHERE w > 0 RETURNING id",
      "DELETE FROM t WHERE w > 0 RETURNING id",
    ]
  ) {
    const [ours, node] = both(SETUP, sql);
    assertEquals(ours, node, sql);
  }
});

/** A MemoryVfs whose statement journal files fail reads while `fail.read` is set. */
function failingStmtVfs() {
  const mem = new MemoryVfs({ track: false });
  const fail = { read: false };
  const vfs: Vfs = {
    open(path: string, flags: OpenFlags): VfsFile {
      const f = mem.open(path, flags);
      if (!path.includes("-tsqlite-stmt-")) return f;
      return {
        read: (buf, off) => {
          if (fail.read) throw new SqliteError("SQLITE_IOERR_READ", "disk I/O error");
          return f.read(buf, off);
        },
        write: (d, off) => f.write(d, off),
        truncate: (n) => f.truncate(n),
        sync: () => f.sync(),
        size: () => f.size(),
        lock: (l) => f.lock(l),
        unlock: (l) => f.unlock(l),
        close: () => f.close(),
      };
    },
    delete: (p, s) => mem.delete(p, s),
    exists: (p) => mem.exists(p),
  };
  const db = new Database("/x.db", { vfs, pageSize: 512 });
  db.exec("PRAGMA cache_size=10; CREATE TABLE t(id INTEGER PRIMARY KEY, k UNIQUE, v)");
  db.exec("BEGIN");
  const ins = db.prepare("INSERT INTO t VALUES (?, ?, ?)");
  for (let i = 1; i <= 1000; i++) ins.run(i, i, "x".repeat(50));
  db.exec("COMMIT");
  return { db, fail };
}

/**
 * Runs `undo` (something that makes the engine undo part of a transaction) while reads of
 * the statement journal fail; the whole transaction must then be gone, as in SQLite: no
 * transaction open, the committed rows intact, and a COMMIT that finds nothing to commit.
 */
function failWhileUndoing(begin: string, undo: string): void {
  const { db, fail } = failingStmtVfs();
  db.exec(begin);
  fail.read = true;
  const e = assertThrows(() => db.exec(undo));
  fail.read = false;
  assert(e instanceof SqliteError, String(e));
  assertEquals(db.inTransaction, false, `${undo}: the transaction is still open`);
  assertThrows(() => db.exec("COMMIT"), SqliteError);
  assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
  assertEquals(db.prepare("SELECT sum(length(v)), sum(v = 'x' || substr(v, 2)) FROM t").values(), [[
    50000,
    1000,
  ]]);
  db.close();
}

// Undoing a statement can fail half-way (its journal is a file); the transaction went on
// and COMMIT wrote the half-undone pages.
Deno.test("a statement journal read failure while undoing a statement rolls back the transaction", () => {
  // The UPDATE changes every page, then fails on the UNIQUE constraint at row 999.
  failWhileUndoing(
    "BEGIN; UPDATE t SET v = 'y' || v WHERE id <= 10",
    "UPDATE t SET v = upper(v), k = CASE WHEN id = 999 THEN 1000 ELSE k END",
  );
});

Deno.test("a statement journal read failure in ROLLBACK TO rolls back the transaction", () => {
  failWhileUndoing("BEGIN; SAVEPOINT a; UPDATE t SET v = 'z' || v", "ROLLBACK TO a");
});
