/**
 * The automatic checkpoint keeps a WAL bounded under many small commits: it runs once the
 * committing connection's read transaction has ended, so its own read mark does not stop the
 * checkpoint short of the frames it just wrote, and the log restarts from the beginning.
 * (When it ran inside the transaction, the log was never fully backfilled, never restarted,
 * and every commit past the threshold checkpointed again: 3000 one-row commits grew a 12 MB
 * WAL and took 2.4x node:sqlite's time.)
 */
import { assert, assertEquals } from "@std/assert";
import { Database } from "../../mod.ts";

const FRAME = 24 + 4096;

Deno.test("autocheckpoint restarts the WAL under back-to-back autocommit inserts", () => {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_autockpt_" });
  try {
    const path = `${dir}/a.db`;
    const db = new Database(path);
    db.exec("PRAGMA journal_mode=wal; PRAGMA wal_autocheckpoint=100");
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
    for (let i = 0; i < 1000; i++) ins.run(`row ${i}`);
    // At most a threshold's worth of frames (plus the commit that crossed it) ever written.
    const size = Deno.statSync(`${path}-wal`).size;
    assert(size <= 32 + 102 * FRAME, `WAL grew to ${size} bytes`);
    // And explicit transactions: the checkpoint follows COMMIT.
    db.exec("BEGIN");
    for (let i = 0; i < 300; i++) ins.run(`big ${i} ${"x".repeat(2000)}`);
    db.exec("COMMIT");
    const log = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as { log: number };
    const after = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    assertEquals(after, { busy: 0, log: log.log, checkpointed: log.log });
    for (let i = 0; i < 200; i++) ins.run(`row ${i}`);
    assert(Deno.statSync(`${path}-wal`).size <= Math.max(size, 32 + 400 * FRAME));
    assertEquals(db.prepare("SELECT count(*) AS n FROM t").get(), { n: 1500 });
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
