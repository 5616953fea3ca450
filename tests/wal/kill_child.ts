/**
 * Child process for kill_test.ts: commits batches in a loop and prints "ack <n>" after
 * each commit returns, until it is killed. Args: <db path> <wal|delete> <ours|sqlite>.
 */
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";

const [path, mode, engine] = Deno.args;
const out = new TextEncoder();
const db = engine === "sqlite" ? new DatabaseSync(path) : new Database(path);
db.exec(`PRAGMA journal_mode=${mode}; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=50`);
db.exec("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, batch INTEGER, v BLOB)");
const ins = db.prepare("INSERT INTO t(id, batch, v) VALUES (?, ?, ?)");
for (let n = 1;; n++) {
  db.exec("BEGIN");
  for (let k = 0; k < 5; k++) ins.run(n * 10 + k, n, new Uint8Array(k === 0 ? 3000 : 100).fill(n));
  if (n % 7 === 0) db.exec(`DELETE FROM t WHERE batch = ${n - 5} AND id % 10 = 4`);
  db.exec("COMMIT");
  Deno.stdout.writeSync(out.encode(`ack ${n}\n`));
}
