/**
 * Child process for multiprocess_test.ts. Args: <db path> <wal|delete> <role> <id> <count>.
 * - role "append": inserts `count` rows (one transaction each, waiting up to 10 s for the
 *   lock) and prints "ack <id> <n>" after each commit returns.
 * - role "read": `count` times reads every batch and checks that each batch is complete
 *   (a partial commit would show as a batch with fewer than 3 rows); prints "ok <reads>".
 * - role "hold": BEGIN IMMEDIATE, one insert, prints "locked", then sleeps `count` ms
 *   (forever when negative, to be killed) and commits.
 * - role "walopen": opens in WAL mode, prints "open", then sleeps `count` ms (or forever).
 * With a sixth argument "barrier", "append" and "read" print "ready" once the database is
 * open and wait for a line on stdin before starting, so that all children run at once.
 */
import { Database } from "../../mod.ts";

const [path, mode, role, id, countArg, barrier] = Deno.args;
const count = Number(countArg);
const out = new TextEncoder();
const db = new Database(path, { timeout: 10000 });
db.exec(`PRAGMA journal_mode=${mode}; PRAGMA wal_autocheckpoint=20`);
if (role === "hold" || role === "walopen") {
  if (role === "hold") {
    db.exec("BEGIN IMMEDIATE");
    db.exec(`INSERT INTO t(writer, n, part) VALUES (${Number(id)}, 0, 0)`);
  }
  Deno.stdout.writeSync(out.encode(role === "hold" ? "locked\n" : "open\n"));
  await new Promise((r) => setTimeout(r, count < 0 ? 1e9 : count));
  if (role === "hold") db.exec("COMMIT");
} else if (barrier === "barrier") {
  Deno.stdout.writeSync(out.encode("ready\n"));
  const reader = Deno.stdin.readable.getReader();
  await reader.read();
  reader.releaseLock();
}
if (role === "append") {
  const ins = db.prepare("INSERT INTO t(writer, n, part) VALUES (?, ?, ?)");
  for (let n = 1; n <= count; n++) {
    db.exec("BEGIN IMMEDIATE");
    for (let part = 0; part < 3; part++) ins.run(Number(id), n, part);
    db.exec("COMMIT");
    Deno.stdout.writeSync(out.encode(`ack ${id} ${n}\n`));
    // Give the other writers (sleeping in their busy handlers) a chance to get in between.
    if (barrier === "barrier") await new Promise((r) => setTimeout(r, n % 3));
  }
} else if (role === "read") {
  const q = db.prepare("SELECT writer, n, count(*) AS c FROM t GROUP BY writer, n");
  let reads = 0;
  for (let i = 0; i < count; i++) {
    for (const row of q.all() as { writer: number; n: number; c: number }[]) {
      if (row.c !== 3) throw new Error(`partial commit seen: ${JSON.stringify(row)}`);
    }
    reads++;
  }
  Deno.stdout.writeSync(out.encode(`ok ${reads}\n`));
}
db.close();
