/**
 * PRAGMA busy_timeout: read and set like SQLite's (compared with node:sqlite), and it is the
 * same setting as the `timeout` option: a writer that meets another connection's lock waits
 * that long before SQLITE_BUSY.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, SqliteError } from "../../mod.ts";

Deno.test("PRAGMA busy_timeout reads and sets like SQLite", () => {
  const ours = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  for (const sql of ["=250", "", "=-5", "='abc'", "=3.7", "", "=0", "=100000"]) {
    const q = `PRAGMA busy_timeout${sql}`;
    assertEquals(ours.prepare(q).all(), theirs.prepare(q).all().map((r) => ({ ...r })), q);
  }
  ours.close();
  theirs.close();
});

Deno.test("PRAGMA busy_timeout is the timeout option", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/t.db`;
    const a = new Database(path, { timeout: 1234 });
    assertEquals(a.prepare("PRAGMA busy_timeout").get(), { timeout: 1234 });
    a.exec("CREATE TABLE t(x)");
    const b = new Database(path);
    a.exec("BEGIN IMMEDIATE");
    // Without a timeout the second writer fails at once...
    const e1 = assertThrows(() => b.exec("BEGIN IMMEDIATE"), SqliteError);
    assertEquals(e1.code, "SQLITE_BUSY");
    // ...and with one it retries for that long first (a lower bound: load only adds time).
    b.exec("PRAGMA busy_timeout = 150");
    const t0 = performance.now();
    const e2 = assertThrows(() => b.exec("BEGIN IMMEDIATE"), SqliteError);
    assertEquals(e2.code, "SQLITE_BUSY");
    assert(performance.now() - t0 >= 140, "waited for the busy timeout");
    a.exec("COMMIT");
    b.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT");
    assertEquals(a.prepare("SELECT count(*) AS n FROM t").get(), { n: 1 });
    a.close();
    b.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/**
 * Which writes wait for the busy timeout, as SQLite decides it (its busy handler runs only
 * from no transaction): a statement or BEGIN IMMEDIATE that opens its own transaction
 * waits; a write inside a transaction that has already read fails at once.
 */
function whoWaits(open: (path: string) => { exec(sql: string): void }): string[] {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.db`;
    const a = open(path);
    a.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    a.exec("PRAGMA busy_timeout=150");
    const b = open(path);
    b.exec("BEGIN IMMEDIATE");
    const out: string[] = [];
    const attempt = (label: string, sql: string) => {
      const t0 = performance.now();
      try {
        a.exec(sql);
        out.push(`${label}: ok`);
      } catch (e) {
        const waited = performance.now() - t0 >= 140 ? "waited" : "at once";
        out.push(`${label}: ${(e as Error).message} (${waited})`);
      }
    };
    attempt("autocommit insert", "INSERT INTO t VALUES (2)");
    attempt("begin immediate", "BEGIN IMMEDIATE");
    a.exec("BEGIN");
    attempt("first statement of a deferred transaction", "INSERT INTO t VALUES (3)");
    a.exec("SELECT count(*) FROM sqlite_schema");
    attempt("after a schema-only read", "INSERT INTO t VALUES (4)");
    a.exec("SELECT * FROM t");
    attempt("after a read", "INSERT INTO t VALUES (5)");
    a.exec("ROLLBACK");
    b.exec("ROLLBACK");
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("writes wait for the busy timeout only when they open the transaction, as in SQLite", () => {
  const theirs = whoWaits((p) => new DatabaseSync(p));
  assertEquals(theirs, [
    "autocommit insert: database is locked (waited)",
    "begin immediate: database is locked (waited)",
    "first statement of a deferred transaction: database is locked (waited)",
    "after a schema-only read: database is locked (at once)",
    "after a read: database is locked (at once)",
  ]);
  assertEquals(whoWaits((p) => new Database(p)), theirs);
});
