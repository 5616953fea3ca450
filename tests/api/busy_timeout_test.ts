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
