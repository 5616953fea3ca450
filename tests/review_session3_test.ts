/**
 * Review of session 3's commits (write-first autocommit writes, compile outside BEGIN's
 * snapshot, busy waiting as SQLite decides it). Each test runs the same script on
 * node:sqlite and on tsqlite and compares.
 */
import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../mod.ts";
import { type ScriptDb as Db, twoConnectionScript } from "./script_steps.ts";

/**
 * BEGIN; a first writing statement that gets SQLITE_BUSY (no busy timeout). SQLite's
 * sqlite3BtreeBeginTrans drops the read transaction it opened when the write lock is
 * refused (unlockBtreeIfUnused): the transaction holds no snapshot and no SHARED lock, so
 * the other writer can commit and a retry of the statement succeeds.
 */
function busyFirstWriteInBegin(open: (path: string) => Db, mode: string): string[] {
  return twoConnectionScript(
    open,
    `PRAGMA journal_mode=${mode}; CREATE TABLE t(x); INSERT INTO t VALUES (1)`,
    (a, b, step) => {
      step(a, "a begin immediate", "BEGIN IMMEDIATE");
      step(a, "a insert", "INSERT INTO t VALUES (2)");
      step(b, "b begin", "BEGIN");
      step(b, "b insert", "INSERT INTO t VALUES (3)");
      step(a, "a commit", "COMMIT");
      step(b, "b insert again", "INSERT INTO t VALUES (4)");
      step(b, "b commit", "COMMIT");
      step(a, "a rollback (if its commit failed)", "ROLLBACK");
    },
  );
}

for (const mode of ["DELETE", "WAL"]) {
  Deno.test(`review 3: BEGIN; a first write refused with SQLITE_BUSY keeps no snapshot (${mode})`, () => {
    const theirs = busyFirstWriteInBegin((p) => new DatabaseSync(p), mode);
    assertEquals(theirs, [
      "a begin immediate: ok",
      "a insert: ok",
      "b begin: ok",
      "b insert: database is locked",
      "a commit: ok",
      "b insert again: ok",
      "b commit: ok",
      "a rollback (if its commit failed): cannot rollback - no transaction is active",
      "[1,2,4]",
    ]);
    assertEquals(busyFirstWriteInBegin((p) => new Database(p), mode), theirs);
  });
}

/**
 * A child process holds the writer lock, runs `childSql` and commits 300 ms later, while this
 * process runs `parentSql` with a 5 s busy timeout. SQLite waits and then succeeds whatever
 * the other writer changed (a schema change only makes it re-prepare the statement).
 */
const CHILD = `
const [impl, path, mod, sql] = Deno.args;
let db;
if (impl === "node") {
  const { DatabaseSync } = await import("node:sqlite");
  db = new DatabaseSync(path);
} else {
  const { Database } = await import(mod);
  db = new Database(path);
}
db.exec("BEGIN IMMEDIATE; " + sql);
console.log("locked");
setTimeout(() => {
  db.exec("COMMIT");
  db.close();
  console.log("committed");
}, 300);
`;

async function waitThrough(
  impl: "node" | "ours",
  mode: string,
  childSql: string,
  parentSql: string,
): Promise<string> {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.db`;
    let a: Db;
    if (impl === "node") {
      const d = new DatabaseSync(path);
      d.exec("PRAGMA busy_timeout=5000");
      a = d;
    } else {
      a = new Database(path, { timeout: 5000 });
    }
    a.exec(`PRAGMA journal_mode=${mode}; CREATE TABLE t(x); CREATE TABLE big(b)`);
    a.exec("BEGIN");
    for (let i = 0; i < 100; i++) a.exec("INSERT INTO big VALUES (randomblob(1000))");
    a.exec("COMMIT");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `data:application/typescript;base64,${btoa(CHILD)}`,
        impl,
        path,
        new URL("../mod.ts", import.meta.url).href,
        childSql,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("locked")) {
      const r = await out.read();
      if (r.done) break;
      text += r.value;
    }
    let res: string;
    try {
      a.exec(parentSql);
      res = "ok";
    } catch (e) {
      res = (e as Error).message;
    }
    for (;;) {
      const r = await out.read();
      if (r.done) break;
    }
    await child.status;
    try {
      a.exec("ROLLBACK");
    } catch {
      // no transaction
    }
    a.close();
    return res;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

for (const mode of ["DELETE", "WAL"]) {
  Deno.test({
    name:
      `review 3: a write that waited for the writer lock goes on after the other commit changed page 1 (${mode})`,
    async fn() {
      const cases: [string, string][] = [
        // Frees 100 pages: page 1's freelist fields change, nothing else of the schema.
        ["DELETE FROM big", "INSERT INTO t VALUES (1)"],
        ["DELETE FROM big", "BEGIN IMMEDIATE"],
        ["DELETE FROM big", "BEGIN; INSERT INTO t VALUES (1)"],
        // A schema change: SQLite re-prepares the waiting statement and runs it.
        ["CREATE TABLE u(y)", "INSERT INTO t VALUES (1)"],
      ];
      const theirs: string[] = [];
      const ours: string[] = [];
      for (const [childSql, parentSql] of cases) {
        theirs.push(
          `${childSql} | ${parentSql}: ${await waitThrough("node", mode, childSql, parentSql)}`,
        );
        ours.push(
          `${childSql} | ${parentSql}: ${await waitThrough("ours", mode, childSql, parentSql)}`,
        );
      }
      assertEquals(theirs, cases.map(([c, p]) => `${c} | ${p}: ok`));
      assertEquals(ours, theirs);
    },
  });
}

/**
 * SAVEPOINT takes no lock in SQLite (outside BEGIN it is a BEGIN DEFERRED; inside, a mark):
 * another connection may write meanwhile. (Older than the reviewed commits.)
 */
function savepointLocks(open: (path: string) => Db, mode: string): string[] {
  return twoConnectionScript(
    open,
    `PRAGMA journal_mode=${mode}; CREATE TABLE t(x); INSERT INTO t VALUES (1)`,
    (a, b, step) => {
      step(b, "b savepoint", "SAVEPOINT s");
      step(a, "a insert", "INSERT INTO t VALUES (2)");
      step(b, "b release", "RELEASE s");
      step(a, "a begin immediate", "BEGIN IMMEDIATE");
      step(b, "b begin", "BEGIN");
      step(b, "b savepoint in BEGIN", "SAVEPOINT s");
      step(b, "b rollback", "ROLLBACK");
      step(a, "a rollback", "ROLLBACK");
    },
    false,
  );
}

for (const mode of ["DELETE", "WAL"]) {
  Deno.test(`review 3: SAVEPOINT takes no writer lock, as in SQLite (${mode})`, () => {
    const theirs = savepointLocks((p) => new DatabaseSync(p), mode);
    assertEquals(theirs, [
      "b savepoint: ok",
      "a insert: ok",
      "b release: ok",
      "a begin immediate: ok",
      "b begin: ok",
      "b savepoint in BEGIN: ok",
      "b rollback: ok",
      "a rollback: ok",
    ]);
    assertEquals(savepointLocks((p) => new Database(p), mode), theirs);
  });
}
