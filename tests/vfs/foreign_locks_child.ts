/**
 * Child for foreign_locks_test.ts: run with --allow-all, because Deno lets only such a
 * process read /proc/locks. Prints one JSON line per step.
 */
import { DatabaseSync } from "node:sqlite";
import { Database, SqliteError } from "../../mod.ts";

function attempt(path: string): { code: string; message: string } | { rows: unknown } {
  const db = new Database(path);
  try {
    return { rows: db.prepare("SELECT x FROM t").all() };
  } catch (e) {
    if (!(e instanceof SqliteError)) throw e;
    return { code: e.code, message: e.message };
  } finally {
    db.close();
  }
}

const [scenario, path] = Deno.args;
if (scenario === "node-sqlite-wal") {
  const theirs = new DatabaseSync(path);
  theirs.exec("PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  console.log(JSON.stringify(attempt(path)));
  theirs.close();
  console.log(JSON.stringify(attempt(path)));
} else if (scenario === "attempt") {
  console.log(JSON.stringify(attempt(path)));
}
