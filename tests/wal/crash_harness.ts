/**
 * Exhaustive power-loss enumeration through the whole engine on a MemoryVfs.
 *
 * A workload is a list of steps run on one connection; some change the data (and count as
 * commits), others do not (checkpoints, rollbacks, journal-mode switches, close). The run
 * is crashed before every mutating operation (each write and each sync), several possible
 * disk images are taken at each point, and each image must hold exactly the state after
 * some prefix of the commits that includes every acknowledged one; integrity_check must
 * be ok for us and for SQLite (node:sqlite on the image's files), which must also see the
 * same rows. Some images are then recovered again with a crash in the middle of the
 * recovery (the checkpoint on close), and must recover to the same state.
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, type JournalMode } from "../../mod.ts";
import { CrashSignal, MemoryVfs } from "../../src/vfs/memory_vfs.ts";

/** Where the database lives in the MemoryVfs. */
export const PATH = "/crash/test.db";

/** One step of a workload; `commit` steps change the data. */
export interface Step {
  /** Runs the step. */
  run: (db: Database) => void;
  /** True when the step commits a change to the rows. */
  commit: boolean;
}

/** A named workload. */
export interface Workload {
  /** Name for messages. */
  name: string;
  /** Journal mode the database starts in. */
  mode: JournalMode;
  /** Extra setup SQL run after the table exists (committed and durable before the crash run). */
  setupSql?: string;
  /** The steps. */
  steps: Step[];
}

/** Counts of what an enumeration did. */
export interface CrashStats {
  /** Crash points. */
  points: number;
  /** Images checked. */
  images: number;
  /** Images recovered again after a crash during recovery. */
  recoveries: number;
  /** Distinct prefixes seen. */
  outcomes: number;
}

function rowsOf(db: Database): string {
  return JSON.stringify(
    db.prepare("SELECT id, name, length(v), hex(substr(v, 1, 4)) FROM t ORDER BY id").values(),
  );
}

function setup(w: Workload, sync: string): MemoryVfs {
  const vfs = new MemoryVfs();
  const db = new Database(PATH, { vfs, pageSize: 512 });
  if (w.mode === "wal") db.exec("PRAGMA journal_mode=WAL");
  db.exec(`PRAGMA synchronous=${sync}`);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)");
  db.exec("CREATE INDEX t_name ON t(name)");
  if (w.setupSql) db.exec(w.setupSql);
  db.close();
  // Make the setup itself durable (directory entries included).
  vfs.delete("/crash/unrelated", true);
  return vfs;
}

function open(vfs: MemoryVfs, sync: string): Database {
  const db = new Database(PATH, { vfs });
  db.exec(`PRAGMA synchronous=${sync}`);
  return db;
}

/** Runs the workload; returns how many commits were acknowledged and whether a step threw. */
function runSteps(vfs: MemoryVfs, w: Workload, sync: string): { acked: number; crashed: boolean } {
  let acked = 0;
  let db: Database | undefined;
  try {
    db = open(vfs, sync);
    for (const s of w.steps) {
      s.run(db);
      if (s.commit) acked++;
    }
    db.close();
    // close() swallows a failed checkpoint, as SQLite does.
    return { acked, crashed: vfs.crashed };
  } catch (e) {
    if (!(e instanceof CrashSignal) && !vfs.crashed) throw e;
    return { acked, crashed: true };
  }
}

function ourView(image: MemoryVfs, where = ""): string {
  const db = new Database(PATH, { vfs: image });
  try {
    assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]], where);
    return rowsOf(db);
  } finally {
    db.close();
  }
}

function sqliteView(image: MemoryVfs): string {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_walcrash_" });
  try {
    for (const f of image.files()) {
      const data = image.readFile(f);
      if (data && f.startsWith(PATH)) Deno.writeFileSync(dir + "/" + f.split("/").pop(), data);
    }
    const db = new DatabaseSync(dir + "/test.db");
    try {
      const integrity = db.prepare("PRAGMA integrity_check").all().map((r) =>
        String(r.integrity_check)
      );
      assertEquals(integrity, ["ok"], "SQLite integrity_check");
      const rows = db.prepare(
        "SELECT id, name, length(v) AS l, hex(substr(v, 1, 4)) AS h FROM t ORDER BY id",
      ).all();
      return JSON.stringify(rows.map((r) => [r.id, r.name, r.l, r.h]));
    } finally {
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/**
 * Enumerates every crash point of the workload with `seeds` images each (the first image
 * keeps only synced data). Every `recoverEvery`-th point also crashes the recovery of its
 * first random image at every operation.
 */
export function crashEnumerate(
  w: Workload,
  opts: { sync?: string; seeds?: number; recoverEvery?: number; durable?: boolean } = {},
): CrashStats {
  const sync = opts.sync ?? "full";
  const seeds = opts.seeds ?? 3;
  const recoverEvery = opts.recoverEvery ?? 7;
  const durable = opts.durable ?? true;
  // The model: the state after each prefix of commits.
  const dry = setup(w, sync);
  const states = [ourView(dry.crashImage({ mode: "all" }))];
  {
    const db = open(dry, sync);
    for (const s of w.steps) {
      s.run(db);
      if (s.commit) states.push(rowsOf(db));
    }
    db.close();
  }
  const start = setup(w, sync).opCount;
  const total = dry.opCount - start;
  assert(total > 5, `${w.name}: only ${total} operations`);
  assertEquals(
    ourView(dry.crashImage({ mode: "synced" })),
    states.at(-1),
    `${w.name}: final state`,
  );

  const stats: CrashStats = { points: 0, images: 0, recoveries: 0, outcomes: 0 };
  const seen = new Set<number>();
  for (let n = 0; n < total; n++) {
    const vfs = setup(w, sync);
    vfs.failAfter(vfs.opCount + n);
    const { acked, crashed } = runSteps(vfs, w, sync);
    assert(crashed, `${w.name}: no crash at op ${n + 1} of ${total}`);
    stats.points++;
    for (let seed = 0; seed < seeds; seed++) {
      const image = vfs.crashImage({
        seed: n * 101 + seed,
        mode: seed === 0 ? "synced" : "random",
      });
      const pristine = image.crashImage({ mode: "all" });
      const where = `${w.name}: crash at op ${n + 1}/${total}, seed ${seed}`;
      const got = ourView(image, where);
      const k = states.indexOf(got);
      assert(k >= 0, `${where}: not the state after any prefix of the commits`);
      if (durable) assert(k >= acked, `${where}: acknowledged commit ${acked} lost (got ${k})`);
      assert(k <= acked + 1, `${where}: a commit that never started is present`);
      seen.add(k);
      stats.images++;
      assertEquals(sqliteView(pristine), got, `${where}: SQLite recovers differently`);
      if (seed === 1 && n % recoverEvery === 0) {
        stats.recoveries += crashRecovery(pristine, got, where);
      }
    }
  }
  stats.outcomes = seen.size;
  assert(seen.size >= 2, `${w.name}: only one outcome`);
  return stats;
}

/** Crashes the recovery (open, read, checkpoint-on-close) of `image` at every operation. */
function crashRecovery(image: MemoryVfs, expected: string, where: string): number {
  const dry = image.crashImage({ mode: "all" });
  const base = dry.opCount;
  ourView(dry);
  const ops = dry.opCount - base;
  let count = 0;
  for (let m = 0; m < ops; m++) {
    const again = image.crashImage({ mode: "all" });
    again.failAfter(again.opCount + m);
    try {
      ourView(again);
    } catch (e) {
      if (!(e instanceof CrashSignal) && !again.crashed) throw e;
    }
    for (let seed = 0; seed < 2; seed++) {
      const img = again.crashImage({ seed: m * 13 + seed });
      assertEquals(
        ourView(img),
        expected,
        `${where}: recovery crashed at op ${m + 1}, seed ${seed}`,
      );
      count++;
    }
  }
  return count;
}

/** A blob of `n` bytes filled with `fill`. */
export function blob(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill & 255);
}

/** The workloads, for a journal mode. `scale` multiplies row counts (CI 1, larger runs more). */
export function workloads(mode: JournalMode, scale = 1): Workload[] {
  const ins = (db: Database, name: string, v: Uint8Array) =>
    db.prepare("INSERT INTO t(name, v) VALUES (?, ?)").run(name, v);
  const single: Step[] = [];
  for (let i = 0; i < 6 * scale; i++) {
    single.push({ commit: true, run: (db) => ins(db, `single ${i}`, blob(20, i)) });
  }
  const bulk = (tag: string, rows: number): Step => ({
    commit: true,
    run: (db) => {
      db.exec("BEGIN");
      for (let i = 0; i < rows; i++) {
        ins(db, `${tag} ${(i * 7919) % rows}`, blob(i % 40 === 0 ? 1400 : 24, i));
      }
      db.exec("COMMIT");
    },
  });
  const sql = (text: string, commit: boolean): Step => ({ commit, run: (db) => db.exec(text) });
  const other = mode === "wal" ? "DELETE" : "WAL";
  // Transactions larger than a 10-page cache. In WAL mode their pages spill to the log as
  // uncommitted frames, rewritten in place when spilled again; a rolled-back one leaves
  // frames that the next, smaller commit only partly overwrites. In rollback mode they
  // spill into the database file after their originals are journaled, the journal
  // growing with each spill; a rollback writes the originals back.
  const spill: Workload[] = [{
    name: `${mode}: transactions larger than the cache (spilled pages)`,
    mode,
    steps: [
      sql("PRAGMA cache_size=10", false),
      bulk("s", 120 * scale),
      sql("UPDATE t SET name = 'one' WHERE id = 5", true),
      sql("UPDATE t SET name = 'two' WHERE id = 5", true),
      sql("UPDATE t SET name = 'three' WHERE id = 5", true),
      // After a full checkpoint the next spill starts the log over. Its header is synced
      // before any frame follows it: else, after a crash, the old header and a prefix of
      // the old frames (the commits just above) could come back over the newer database.
      sql("PRAGMA wal_checkpoint(PASSIVE)", false),
      sql("BEGIN; UPDATE t SET v = zeroblob(300) WHERE id % 2 = 0; ROLLBACK", false),
      { commit: true, run: (db) => ins(db, "after rollback", blob(30, 5)) },
      sql("PRAGMA wal_checkpoint(PASSIVE)", false),
      sql("UPDATE t SET v = zeroblob(200) || v WHERE id % 3 = 0", true),
      sql("BEGIN; UPDATE t SET name = name || 'y'; UPDATE t SET name = name || 'z'; COMMIT", true),
    ],
  }];
  return [
    ...spill,
    { name: `${mode}: single-row commits`, mode, steps: single },
    {
      name: `${mode}: multi-level split, overflow, deletes`,
      mode,
      steps: [
        bulk("a", 160 * scale),
        sql("DELETE FROM t WHERE id % 3 = 0", true),
        sql("UPDATE t SET v = zeroblob(900) WHERE id % 10 = 1", true),
      ],
    },
    {
      name: `${mode}: checkpoint in the middle, rollback`,
      mode,
      steps: [
        // The setting is per connection: automatic checkpoints happen inside this run.
        sql("PRAGMA wal_autocheckpoint=25", false),
        bulk("b", 40 * scale),
        { commit: true, run: (db) => ins(db, "auto", blob(2000, 6)) },
        sql("PRAGMA wal_checkpoint(PASSIVE)", false),
        { commit: true, run: (db) => ins(db, "after passive", blob(3000, 7)) },
        sql("BEGIN; DELETE FROM t; ROLLBACK", false),
        sql("PRAGMA wal_checkpoint(RESTART)", false),
        { commit: true, run: (db) => ins(db, "after restart", blob(30, 8)) },
        sql("DELETE FROM t WHERE id < 20", true),
        sql("PRAGMA wal_checkpoint(TRUNCATE)", false),
        { commit: true, run: (db) => ins(db, "after truncate", blob(30, 9)) },
      ],
    },
    {
      name: `${mode}: journal-mode switches`,
      mode,
      steps: [
        bulk("c", 30 * scale),
        sql(`PRAGMA journal_mode=${other}`, false),
        { commit: true, run: (db) => ins(db, "switched", blob(600, 3)) },
        sql(`PRAGMA journal_mode=${mode}`, false),
        { commit: true, run: (db) => ins(db, "back", blob(20, 4)) },
      ],
    },
  ];
}
