/**
 * A writing statement from no transaction takes the writer lock before its snapshot when the
 * lock is free (Pager.tryBeginWriteFirst). Whatever becomes of the statement, the lock goes
 * with it as in SQLite: another connection can write right after a statement that failed to
 * compile, hit a constraint, or wrote nothing - and in BEGIN ... a failed first statement
 * holds no lock and no snapshot (SQLite compiles outside transactions: the next statement
 * reads the latest commit). Compared with node:sqlite.
 */
import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import { type ScriptDb as Db, twoConnectionScript } from "../script_steps.ts";

function script(open: (path: string) => Db): string[] {
  return twoConnectionScript(
    open,
    "PRAGMA journal_mode=WAL; CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)",
    (a, b, step) => {
      step(a, "a insert into a missing table", "INSERT INTO nosuch VALUES (1)");
      step(b, "b writes", "INSERT INTO t VALUES (2)");
      step(a, "a breaks a constraint", "INSERT INTO t VALUES (1)");
      step(b, "b writes", "INSERT INTO t VALUES (3)");
      step(a, "a deletes nothing", "DELETE FROM t WHERE x = 99");
      step(b, "b writes", "INSERT INTO t VALUES (4)");
      step(a, "a begins", "BEGIN");
      step(a, "a inserts into a missing table in it", "INSERT INTO nosuch VALUES (1)");
      step(b, "b writes", "INSERT INTO t VALUES (5)");
      step(a, "a inserts in its transaction", "INSERT INTO t VALUES (6)");
      step(b, "b writes", "INSERT INTO t VALUES (7)");
      step(a, "a commits", "COMMIT");
      step(b, "b writes", "INSERT INTO t VALUES (8)");
    },
  );
}

Deno.test("the writer lock taken before the snapshot goes with its statement, as in SQLite", () => {
  const theirs = script((p) => new DatabaseSync(p));
  assertEquals(theirs, [
    "a insert into a missing table: no such table: nosuch",
    "b writes: ok",
    "a breaks a constraint: UNIQUE constraint failed: t.x",
    "b writes: ok",
    "a deletes nothing: ok",
    "b writes: ok",
    "a begins: ok",
    "a inserts into a missing table in it: no such table: nosuch",
    "b writes: ok",
    // The failed statement opened no transaction: this one starts on the latest commit.
    "a inserts in its transaction: ok",
    "b writes: database is locked",
    "a commits: ok",
    "b writes: ok",
    "[1,2,3,4,5,6,8]",
  ]);
  assertEquals(script((p) => new Database(p)), theirs);
});

/** In BEGIN ... a prepare takes no snapshot: the first statement that runs does. */
function prepareInTransaction(
  open: (path: string) => Db & { prepare(sql: string): { get(): unknown } },
): unknown[] {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/p.db`;
    const a = open(path);
    a.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    const b = open(path);
    a.exec("BEGIN");
    const count = a.prepare("SELECT count(*) AS n FROM t");
    b.exec("INSERT INTO t VALUES (2)");
    const out: unknown[] = [{ ...count.get() as object }];
    b.exec("INSERT INTO t VALUES (3)");
    out.push({ ...count.get() as object }); // the snapshot of the first run holds
    a.exec("COMMIT");
    out.push({ ...count.get() as object });
    a.close();
    b.close();
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("a statement prepared in BEGIN ... reads from its first run, as in SQLite", () => {
  const theirs = prepareInTransaction((p) => new DatabaseSync(p));
  assertEquals(theirs, [{ n: 2 }, { n: 2 }, { n: 3 }]);
  assertEquals(prepareInTransaction((p) => new Database(p)), theirs);
});

/** Write transactions that changed nothing, committed while another connection reads. */
function emptyCommits(open: (path: string) => Db & { prepare(sql: string): { all(): unknown } }) {
  const scripts = [
    ["BEGIN IMMEDIATE", "COMMIT"],
    ["DELETE FROM t WHERE 0"],
    ["BEGIN", "DELETE FROM t WHERE 0", "COMMIT"],
    ["UPDATE t SET x = x WHERE 0"],
    ["BEGIN IMMEDIATE", "SELECT 1", "ROLLBACK"],
  ];
  const out: string[] = [];
  for (const mode of ["DELETE", "WAL"]) {
    for (const script of scripts) {
      const dir = Deno.makeTempDirSync();
      try {
        const a = open(`${dir}/e.db`);
        a.exec(`PRAGMA journal_mode=${mode}; CREATE TABLE t(x); INSERT INTO t VALUES (1)`);
        const b = open(`${dir}/e.db`);
        b.exec("BEGIN");
        b.prepare("SELECT * FROM t").all();
        const got: string[] = [];
        for (const sql of script) {
          try {
            a.exec(sql);
            got.push("ok");
          } catch (e) {
            got.push((e as Error).message);
          }
        }
        // Once the reader is gone, a refused COMMIT goes through when tried again.
        b.exec("COMMIT");
        if (got.at(-1) !== "ok" && script.at(-1) === "COMMIT") {
          a.exec("COMMIT");
          got.push("retried: ok");
        }
        out.push(`${mode} ${script.join("; ")}: ${got.join(" | ")}`);
        a.close();
        b.close();
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    }
  }
  return out;
}

Deno.test("an empty write commit waits for readers in rollback-journal mode, as in SQLite", () => {
  const theirs = emptyCommits((p) => new DatabaseSync(p));
  assertEquals(theirs.slice(0, 2), [
    "DELETE BEGIN IMMEDIATE; COMMIT: ok | database is locked | retried: ok",
    "DELETE DELETE FROM t WHERE 0: database is locked",
  ]);
  assertEquals(emptyCommits((p) => new Database(p)), theirs);
});
