/**
 * Child process for the WAL stress test in wal_multiprocess_test.ts. Args: <db path>
 * <xfer|read> <seed> <iterations>. Every choice comes from the seed; only the interleaving
 * with the other processes varies from run to run.
 * - "xfer": transfers between accounts (the total never changes), sometimes with a blob
 *   row besides, sometimes with 45 KB of rows that a 10-page cache spills before COMMIT
 *   (or ROLLBACK), one transaction each; prints "ack <n>" after each commit.
 * - "read": in one read transaction sums the balances twice and once through an iterator
 *   left half-way for a moment; any total but the fixed one is a torn snapshot.
 * Both also run random PRAGMA wal_checkpoint modes and close and reopen the database now
 * and then (so WAL files are deleted by whoever closes last, and rebuilt), and print "ok".
 */
import { Database } from "../../mod.ts";

const [path, role, seedArg, countArg] = Deno.args;
let seed = Number(seedArg);
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const TOTAL = 100 * 1000;
const MODES = ["PASSIVE", "FULL", "RESTART", "TRUNCATE"];
const out = new TextEncoder();
const open = () => {
  const d = new Database(path, { timeout: 8000 });
  d.exec(`PRAGMA wal_autocheckpoint=${1 + Math.floor(rnd() * 50)}`);
  // A 10-page cache: the larger transactions below spill pages to the WAL before COMMIT.
  if (rnd() < 0.5) d.exec("PRAGMA cache_size=10");
  return d;
};
let db = open();
for (let n = 1; n <= Number(countArg); n++) {
  if (role === "xfer") {
    const a = 1 + Math.floor(rnd() * 100);
    const b = 1 + Math.floor(rnd() * 100);
    const amount = Math.floor(rnd() * 50);
    db.exec("BEGIN IMMEDIATE");
    db.exec(`UPDATE acct SET bal = bal - ${amount} WHERE id = ${a}`);
    if (rnd() < 0.3) {
      db.exec(`INSERT INTO log VALUES (${n}, randomblob(${Math.floor(rnd() * 3000)}))`);
    }
    db.exec(`UPDATE acct SET bal = bal + ${amount} WHERE id = ${b}`);
    if (rnd() < 0.1) {
      // A transaction larger than a small cache, sometimes rolled back after spilling.
      for (let k = 0; k < 15; k++) db.exec(`INSERT INTO log VALUES (-${n}, randomblob(3000))`);
      db.exec(`UPDATE acct SET bal = bal - 1 WHERE id = ${a}`);
      db.exec(`UPDATE acct SET bal = bal + 1 WHERE id = ${b}`);
      if (rnd() < 0.4) {
        db.exec("ROLLBACK");
        continue;
      }
    }
    db.exec("COMMIT");
    Deno.stdout.writeSync(out.encode(`ack ${n}\n`));
  } else {
    db.exec("BEGIN");
    const sum = () => (db.prepare("SELECT sum(bal) AS s FROM acct").get() as { s: number }).s;
    const s1 = sum();
    const it = db.prepare("SELECT bal FROM acct").iterate();
    let viaIterator = 0;
    for (let k = 0; k < 50; k++) viaIterator += (it.next().value as { bal: number }).bal;
    // Let the other processes commit and checkpoint while the iterator is half-way.
    if (rnd() < 0.5) await new Promise((r) => setTimeout(r, 1));
    for (const r of it) viaIterator += (r as { bal: number }).bal;
    const s2 = sum();
    db.exec("COMMIT");
    if (s1 !== TOTAL || s2 !== TOTAL || viaIterator !== TOTAL) {
      throw new Error(`torn snapshot: ${s1} ${s2} ${viaIterator}`);
    }
  }
  if (rnd() < 0.08) db.prepare(`PRAGMA wal_checkpoint(${MODES[Math.floor(rnd() * 4)]})`).get();
  if (rnd() < 0.04) {
    db.close();
    db = open();
  }
  if (rnd() < 0.5) await new Promise((r) => setTimeout(r, Math.floor(rnd() * 3)));
}
db.close();
Deno.stdout.writeSync(out.encode("ok\n"));
