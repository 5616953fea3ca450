/**
 * WAL mode at the pager level (raw pages): the file format against SQLite's, snapshots,
 * checkpoints and their rows, fsync counts, and the known traps.
 */
import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { SqliteError } from "../../src/errors.ts";
import { PagerImpl, type PagerOptions } from "../../src/pager/pager.ts";
import { scanWal } from "../../src/pager/wal.ts";
import {
  FRAME_HEADER_SIZE,
  frameOffset,
  parseWalHeader,
  WAL_HEADER_SIZE,
  writeFrame,
} from "../../src/pager/wal_format.ts";
import { CrashSignal, MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import { RealVfs } from "../../src/vfs/real_vfs.ts";

const PS = 512;
const WAL: PagerOptions = { pageSize: PS, journalMode: "wal" };

/** Writes `fills` (page -> byte) in one transaction; page 1 keeps its header. */
function commit(p: PagerImpl, fills: Record<number, number>, grow = 0): void {
  p.beginWrite();
  for (let i = 0; i < grow; i++) p.appendPage();
  for (const [k, v] of Object.entries(fills)) {
    const pgno = Number(k);
    p.getPageForWrite(pgno).fill(v, pgno === 1 ? 108 : 0);
  }
  p.commit();
  p.endRead();
}

/** Byte `at` of every page (page 1: byte 200), as the pager sees it now. */
function view(p: PagerImpl): number[] {
  const wasReading = p.inReadTransaction();
  p.beginRead();
  const out: number[] = [];
  for (let i = 1; i <= p.pageCount(); i++) out.push(p.getPage(i)[i === 1 ? 200 : 300]);
  if (!wasReading) p.endRead();
  return out;
}

function syncsOf(vfs: MemoryVfs, from: number, suffix: string): string[] {
  return vfs.log.filter((o) => o.seq > from && o.path.endsWith(suffix)).map((o) => o.kind);
}

Deno.test("wal: journalMode option writes header bytes 18/19 = 2 durably before any frame", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db", WAL);
  assertEquals(p.journalMode, "wal");
  const db = vfs.crashImage({ mode: "synced" }).readFile("/db")!;
  assertEquals([db.length, db[18], db[19], db[100]], [PS, 2, 2, 0x0d]);
  commit(p, { 2: 7 }, 1);
  assertEquals(vfs.readFile("/db")!.length, PS, "the database file is not written by commits");
  const wal = vfs.readFile("/db-wal")!;
  assertEquals(wal.length, WAL_HEADER_SIZE + (FRAME_HEADER_SIZE + PS) * 2);
  assertEquals(view(p), [0, 7]);
  p.close();
  assert(!vfs.exists("/db-wal"), "the last connection deletes the WAL");
  assertEquals(vfs.readFile("/db")!.length, 2 * PS);
});

Deno.test("wal: commit = one write (+ one fsync under FULL); NORMAL and OFF do not sync", () => {
  for (const [sync, syncs] of [["full", 1], ["extra", 1], ["normal", 0], ["off", 0]] as const) {
    const vfs = new MemoryVfs();
    const p = PagerImpl.open(vfs, "/db", { ...WAL, synchronous: sync });
    commit(p, { 1: 1 });
    const start = vfs.opCount;
    commit(p, { 1: 2, 2: 3 }, 1);
    const ops = syncsOf(vfs, start, "-wal");
    assertEquals(ops, ["write", ...Array(syncs).fill("sync")], sync);
    assertEquals(syncsOf(vfs, start, "/db"), [], "database file untouched");
    p.close();
  }
});

Deno.test("wal: a checkpoint syncs the WAL before copying and the database before recording", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db", { ...WAL, synchronous: "normal" });
  commit(p, { 2: 5 }, 1);
  commit(p, { 2: 6, 3: 7 }, 1);
  const start = vfs.opCount;
  // Growing commits carry page 1 (its size field): 2 + 3 frames.
  assertEquals(p.checkpoint("passive"), { busy: 0, log: 5, checkpointed: 5 });
  const ops = vfs.log.filter((o) => o.seq > start).map((o) => `${o.kind}:${o.path}`);
  assertEquals(ops[0], "sync:/db-wal", "never copy frames that are not durable");
  assertEquals(ops.at(-1), "sync:/db");
  assert(ops.slice(1, -1).every((o) => o.startsWith("write:/db") || o.startsWith("truncate:/db")));
  // Checkpointed frames are not copied twice.
  const again = vfs.opCount;
  assertEquals(p.checkpoint("passive"), { busy: 0, log: 5, checkpointed: 5 });
  assertEquals(vfs.opCount, again);
  p.close();
});

Deno.test("wal: snapshots, BUSY_SNAPSHOT, read marks pin checkpoints, restart with new salts", () => {
  const vfs = new MemoryVfs();
  const a = PagerImpl.open(vfs, "/db", WAL);
  commit(a, { 2: 1 }, 1);
  const b = PagerImpl.open(vfs, "/db", WAL);
  assertEquals(view(b), [0, 1]);
  b.beginRead(); // b's snapshot: page 2 = 1
  commit(a, { 2: 2 });
  commit(a, { 2: 3 });
  assertEquals(view(b), [0, 1], "b keeps its snapshot");
  assertEquals(assertThrows(() => b.beginWrite(), SqliteError).code, "SQLITE_BUSY_SNAPSHOT");
  // A checkpoint may not copy frames newer than b's mark: b reads page 2 from the db file.
  // Frames: [1, 2] (b's mark), [2], [2].
  assertEquals(a.checkpoint("full"), { busy: 1, log: 4, checkpointed: 2 });
  assertEquals(a.checkpoint("passive"), { busy: 0, log: 4, checkpointed: 2 });
  b.endRead();
  assertEquals(view(b), [0, 3], "a new read sees every commit");
  const salt = parseWalHeader(vfs.readFile("/db-wal")!)!.salt1;
  b.beginRead(); // b now reads frames of this generation: RESTART must wait for it
  assertEquals(a.checkpoint("restart"), { busy: 1, log: 4, checkpointed: 4 });
  b.endRead();
  assertEquals(a.checkpoint("restart"), { busy: 0, log: 4, checkpointed: 4 });
  commit(a, { 2: 4 });
  const hdr = parseWalHeader(vfs.readFile("/db-wal")!)!;
  assertEquals(hdr.salt1, (salt + 1) >>> 0, "the next writer restarts the log");
  assertEquals(a.checkpoint("passive"), { busy: 0, log: 1, checkpointed: 1 });
  commit(a, { 2: 5 });
  assertEquals(a.checkpoint("truncate"), { busy: 0, log: 0, checkpointed: 0 });
  assertEquals(vfs.readFile("/db-wal")!.length, 0);
  assertEquals(view(b), [0, 5]);
  // Leaving WAL mode needs every other connection closed.
  assertEquals(assertThrows(() => a.setJournalMode("delete"), SqliteError).code, "SQLITE_BUSY");
  b.close();
  assert(vfs.exists("/db-wal"), "not the last connection: the WAL stays");
  assertEquals(a.setJournalMode("delete"), "delete");
  assert(!vfs.exists("/db-wal"));
  assertEquals(vfs.readFile("/db")![18], 1);
  assertEquals(view(a), [0, 5]);
  a.close();
});

Deno.test("wal: reopening continues the checksum chain from the last commit frame", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db", WAL);
  commit(p, { 2: 1 }, 1);
  commit(p, { 2: 2 });
  const img = vfs.crashImage({ mode: "all" });
  // Append two valid frames with no commit frame: a commit that never finished.
  const wal = img.readFile("/db-wal")!;
  const hdr = parseWalHeader(wal)!;
  const r = scanWal(img.open("/db-wal", { create: false, readOnly: true }), PS)!;
  assertEquals(r.frames.length, 3);
  const extra = new Uint8Array(2 * (FRAME_HEADER_SIZE + PS));
  const ck = r.ck.slice();
  writeFrame(extra, 0, hdr, 2, 0, new Uint8Array(PS).fill(66), ck);
  writeFrame(extra, FRAME_HEADER_SIZE + PS, hdr, 3, 0, new Uint8Array(PS).fill(67), ck);
  img.open("/db-wal", { create: false, readOnly: false }).write(extra, frameOffset(4, PS));
  assertEquals(
    scanWal(img.open("/db-wal", { create: false, readOnly: true }), PS)!.frames.length,
    3,
  );
  const q = PagerImpl.open(img, "/db", WAL);
  assertEquals(view(q), [0, 2], "uncommitted frames do not exist");
  commit(q, { 2: 9 });
  const again = img.crashImage({ mode: "all" });
  const s = scanWal(again.open("/db-wal", { create: false, readOnly: true }), PS)!;
  assertEquals(s.frames, [1, 2, 2, 2], "the new commit replaced the unfinished frames");
  const q2 = PagerImpl.open(again, "/db", WAL);
  assertEquals(view(q2), [0, 9]);
  q2.close();
  q.close();
  p.close();
});

Deno.test("wal: a garbage WAL header is ignored; the next commit starts a new log", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db", WAL);
  commit(p, { 2: 4 }, 1);
  p.close();
  const junk = new Uint8Array(WAL_HEADER_SIZE + 3 * (FRAME_HEADER_SIZE + PS));
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 255;
  vfs.writeFile("/db-wal", junk);
  const q = PagerImpl.open(vfs, "/db", WAL);
  assertEquals(view(q), [0, 4]);
  commit(q, { 2: 5 });
  const copy = vfs.crashImage({ mode: "all" });
  const r = PagerImpl.open(copy, "/db", WAL);
  assertEquals(view(r), [0, 5]);
  r.close();
  q.close();
});

Deno.test("wal: a WAL beside a zero-length or absent database keeps its commits", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db", WAL);
  commit(p, { 2: 8 }, 1);
  commit(p, { 3: 9 }, 1);
  for (const db of ["empty", "absent"]) {
    const img = vfs.crashImage({ mode: "all" });
    if (db === "empty") img.writeFile("/db", new Uint8Array(0));
    else img.delete("/db", true);
    const q = PagerImpl.open(img, "/db", { pageSize: PS });
    assertEquals(q.journalMode, "wal");
    assertEquals(view(q), [0, 8, 9], db);
    commit(q, { 2: 10 });
    q.close();
    const r = PagerImpl.open(img, "/db", {});
    assertEquals(view(r), [0, 10, 9], db);
    r.close();
    assertEquals(img.readFile("/db")!.length, 3 * PS);
  }
  p.close();
});

Deno.test("wal: the first transactions of a new WAL database survive any crash", () => {
  const tx = (vfs: MemoryVfs): number => {
    let acked = 0;
    try {
      const p = PagerImpl.open(vfs, "/db", WAL);
      for (let i = 1; i <= 3; i++) {
        commit(p, { 2: i, [1 + i]: i }, 1);
        acked++;
      }
      p.close();
    } catch (e) {
      if (!(e instanceof CrashSignal)) throw e;
    }
    return acked;
  };
  const dry = new MemoryVfs();
  tx(dry);
  const states = [[], [0], [0, 1], [0, 2, 2], [0, 3, 2, 3]].map(String);
  let images = 0;
  for (let n = 0; n < dry.opCount; n++) {
    const vfs = new MemoryVfs();
    vfs.failAfter(n);
    const acked = tx(vfs);
    for (let seed = 0; seed < 6; seed++) {
      const img = vfs.crashImage({ seed: n * 17 + seed });
      const q = PagerImpl.open(img, "/db", {});
      const got = String(view(q));
      q.close();
      const k = states.indexOf(got);
      assert(k >= 0, `crash at op ${n + 1}, seed ${seed}: ${got}`);
      // states[1] is the empty database page 1 alone (the WAL switch).
      assert(k === 0 || k === 1 || k - 1 >= acked, `op ${n + 1}: commit ${acked} lost`);
      images++;
    }
  }
  assert(images > 50);
});

function sqliteWalCopy(
  autocheckpoint: number,
  commits: number,
): { dir: string; pages: Uint8Array } {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_wal_" });
  const db = new DatabaseSync(dir + "/s.db");
  db.exec(
    `PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=${autocheckpoint}`,
  );
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); CREATE INDEX tv ON t(v)");
  const ins = db.prepare("INSERT INTO t(v) VALUES (randomblob(300))");
  for (let i = 0; i < commits; i++) ins.run();
  db.exec("DELETE FROM t WHERE id % 4 = 0");
  // Copy the files while SQLite still has them open (WAL not yet checkpointed away).
  Deno.mkdirSync(dir + "/copy");
  Deno.mkdirSync(dir + "/ref");
  for (const sub of ["copy", "ref"]) {
    Deno.copyFileSync(dir + "/s.db", `${dir}/${sub}/s.db`);
    Deno.copyFileSync(dir + "/s.db-wal", `${dir}/${sub}/s.db-wal`);
  }
  db.close();
  const ref = new DatabaseSync(dir + "/ref/s.db");
  ref.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  ref.close();
  return { dir, pages: Deno.readFileSync(dir + "/ref/s.db") };
}

Deno.test("wal: reads SQLite's WAL, including after its automatic checkpoints and restarts", () => {
  for (const [auto, commits] of [[1000, 40], [10, 137]]) {
    const { dir, pages } = sqliteWalCopy(auto, commits);
    const walBytes = Deno.readFileSync(dir + "/copy/s.db-wal");
    const hdr = parseWalHeader(walBytes)!;
    assertNotEquals(hdr, null);
    if (auto === 10) assert(hdr.checkpointSeq > 0, "SQLite restarted its log");
    const p = PagerImpl.open(new RealVfs(), dir + "/copy/s.db", {});
    assertEquals(p.journalMode, "wal");
    p.beginRead();
    assertEquals(p.pageCount() * 1024, pages.length);
    for (let i = 1; i <= p.pageCount(); i++) {
      const mine = p.getPage(i);
      const theirs = pages.subarray((i - 1) * 1024, i * 1024);
      if (i === 1) {
        assertEquals(mine.subarray(100), theirs.subarray(100), `page 1 (auto ${auto})`);
      } else {
        assertEquals(mine, theirs, `page ${i} (auto ${auto})`);
      }
    }
    p.endRead();
    p.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
