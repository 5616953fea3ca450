/**
 * I/O faults: a workload (inserts with an index and overflow pages, updates, deletes, DDL,
 * a checkpoint) runs on a MemoryVfs whose Nth read/write/sync/truncate/delete fails, for
 * N = 1, 2, 3, ... until the workload completes; once with a single failure, once failing
 * every matching call from N on; in rollback-journal and WAL mode. Each time the failing
 * statement must throw SQLITE_IOERR_* or SQLITE_FULL, and once the faults stop the
 * connection must be usable and the database intact (our integrity_check ok, contents
 * equal to the last committed state), before and after reopening. A short write (part of
 * the bytes written, then SQLITE_FULL) is simulated by a test-only VFS wrapper.
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { Database, MemoryVfs, type ResultCodeName, SqliteError } from "../../mod.ts";
import type { FaultOp } from "../../src/vfs/memory_vfs.ts";
import type { OpenFlags, VfsFile } from "../../src/vfs/vfs.ts";

type Mode = "delete" | "wal";
const PATH = "/io.db";

/** Statements of the workload; each is one transaction (a string array: BEGIN..COMMIT). */
function steps(mode: Mode): string[][] {
  const many: string[] = ["BEGIN"];
  for (let i = 21; i <= 45; i++) {
    many.push(
      `INSERT INTO t VALUES (${i}, 'k${(i * 7) % 30}', zeroblob(${i % 5 === 0 ? 1500 : 20}))`,
    );
  }
  many.push("COMMIT");
  const out = [
    many,
    ["UPDATE t SET b = b || 'u', c = zeroblob(1200 + a) WHERE a % 3 = 0"],
    ["DELETE FROM t WHERE a % 4 = 0"],
    ["INSERT INTO t(b, c) VALUES ('solo', zeroblob(2500))"],
    ["CREATE INDEX tb2 ON t(b, a)"],
    ["BEGIN", "DELETE FROM t WHERE a > 40", "UPDATE t SET b = 'z' WHERE a = 7", "COMMIT"],
    ["DROP INDEX tb"],
  ];
  if (mode === "wal") out.push(["PRAGMA wal_checkpoint(TRUNCATE)"]);
  out.push(["INSERT INTO t(b, c) VALUES ('last', zeroblob(700))"]);
  return out;
}

function open(vfs: MemoryVfs, mode: Mode): Database {
  // A small cache so pages are re-read and spilled, not only written at commit.
  return new Database(PATH, { vfs, journalMode: mode, pageSize: 1024, cacheSize: 8 });
}

function setup(vfs: MemoryVfs, mode: Mode): void {
  const db = open(vfs, mode);
  db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB); CREATE INDEX tb ON t(b)");
  db.exec("BEGIN");
  for (let i = 1; i <= 20; i++) {
    db.exec(`INSERT INTO t VALUES (${i}, 'k${i % 9}', zeroblob(${i % 4 === 0 ? 2000 : 10}))`);
  }
  db.exec("COMMIT");
  if (mode === "wal") db.exec("PRAGMA wal_autocheckpoint = 20");
  db.close();
}

function contents(db: Database): string {
  const rows = db.prepare("SELECT a, b, length(c) AS n FROM t ORDER BY a").values();
  const idx = db.prepare("SELECT name FROM sqlite_schema ORDER BY name").values();
  return JSON.stringify([rows, idx]);
}

function integrity(db: Database): string[] {
  return db.prepare("PRAGMA integrity_check").values().map((r) => String(r[0]));
}

/** The state after each number of completed steps, from a run without faults. */
function expectedStates(mode: Mode): string[] {
  const vfs = new MemoryVfs({ track: false });
  setup(vfs, mode);
  const db = open(vfs, mode);
  const states = [contents(db)];
  for (const step of steps(mode)) {
    for (const sql of step) db.exec(sql);
    states.push(contents(db));
  }
  db.close();
  return states;
}

/** Outcome counts for the report. */
const counts = new Map<string, number>();
function count(k: string): void {
  counts.set(k, (counts.get(k) ?? 0) + 1);
}

const IO_CODES = /^SQLITE_(IOERR|FULL)/;

/**
 * Runs the workload with faults armed by `arm`; returns false when it completed (the
 * fault never fired). Checks everything the module documentation promises.
 */
function runOnce(
  mode: Mode,
  states: string[],
  arm: (vfs: MemoryVfs) => void,
  disarm: (vfs: MemoryVfs) => void,
  label: string,
  makeVfs: () => MemoryVfs = () => new MemoryVfs({ track: false }),
): boolean {
  const vfs = makeVfs();
  setup(vfs, mode);
  let db = open(vfs, mode);
  arm(vfs);
  let done = 0;
  let failed: unknown;
  let preparing = false;
  const all = steps(mode);
  try {
    for (const step of all) {
      for (const sql of step) {
        preparing = true;
        const st = db.prepare(sql);
        preparing = false;
        st.run();
      }
      done++;
    }
  } catch (e) {
    failed = e;
  }
  disarm(vfs);
  if (failed === undefined) {
    assertEquals(contents(db), states[all.length], label);
    db.close();
    return false;
  }
  if (!(failed instanceof SqliteError) || !IO_CODES.test(failed.code)) {
    throw new Error(`${label}: step ${done} threw ${failed}`, { cause: failed });
  }
  count(failed.code);
  // As in SQLite, an I/O error rolls the transaction back; SQLITE_FULL may undo only the
  // statement, and the application then rolls back (or could go on).
  // A failed prepare (reading the schema) leaves it open, as in SQLite.
  if (db.inTransaction) {
    assert(
      preparing || failed.code === "SQLITE_FULL",
      `${label}: ${failed.code} left the transaction open`,
    );
    count(`${preparing ? "prepare" : "SQLITE_FULL"} left the transaction open`);
    db.exec("ROLLBACK");
  }
  assertEquals(contents(db), states[done], `${label}: contents after step ${done} failed`);
  assertEquals(integrity(db), ["ok"], label);
  // Usable: a write commits and is seen.
  db.exec("INSERT INTO t(b, c) VALUES ('after', zeroblob(3))");
  assertEquals(db.prepare("SELECT count(*) AS n FROM t WHERE b = 'after'").get(), { n: 1 }, label);
  db.exec("DELETE FROM t WHERE b = 'after'");
  db.close();
  db = open(vfs, mode);
  assertEquals(contents(db), states[done], `${label}: contents after reopening`);
  assertEquals(integrity(db), ["ok"], label);
  db.close();
  return true;
}

const OPS: { op: FaultOp; code?: ResultCodeName }[] = [
  { op: "read" },
  { op: "write" },
  { op: "write", code: "SQLITE_FULL" },
  { op: "sync" },
  { op: "truncate" },
  { op: "delete" },
];

for (const mode of ["delete", "wal"] as const) {
  for (const persistent of [false, true]) {
    Deno.test(`I/O faults, ${mode} mode, ${persistent ? "every call from N on" : "one call"}`, () => {
      const states = expectedStates(mode);
      for (const { op, code } of OPS) {
        let n = 1;
        for (; n < 5000; n++) {
          const label = `${mode} ${op} ${code ?? ""} n=${n} persistent=${persistent}`;
          const fired = runOnce(
            mode,
            states,
            (vfs) => vfs.injectFault({ op, nth: n, code, persistent }),
            (vfs) => vfs.clearFaults(),
            label,
          );
          count("runs");
          if (!fired) break;
        }
        count(`${mode}/${op}${code ? "/FULL" : ""}: N max ${n}`);
      }
    });
  }
}

/** A MemoryVfs whose files write only part of the bytes of the Nth write, then fail. */
class ShortWriteVfs extends MemoryVfs {
  /** Writes left before the short one; negative: disarmed. */
  left = -1;

  override open(path: string, flags: OpenFlags): VfsFile {
    const file = super.open(path, flags);
    const write = file.write.bind(file);
    file.write = (data: Uint8Array, offset: number): void => {
      if (this.left >= 0 && this.left-- === 0) {
        // Half the bytes reach the file; unix's VFS reports a short write as SQLITE_FULL.
        write(data.subarray(0, data.length >> 1), offset);
        throw new SqliteError("SQLITE_FULL", "database or disk is full");
      }
      write(data, offset);
    };
    return file;
  }
}

for (const mode of ["delete", "wal"] as const) {
  Deno.test(`short writes, ${mode} mode`, () => {
    const states = expectedStates(mode);
    let n = 0;
    for (; n < 5000; n++) {
      const fired = runOnce(
        mode,
        states,
        (vfs) => ((vfs as ShortWriteVfs).left = n),
        (vfs) => ((vfs as ShortWriteVfs).left = -1),
        `${mode} short write n=${n}`,
        () => new ShortWriteVfs({ track: false }),
      );
      count("runs");
      if (!fired) break;
    }
    assert(n > 10, "the short write never fired");
    count(`${mode}/short write: N max ${n}`);
  });
}

Deno.test("I/O fault outcome counts", () => {
  console.log([...counts].map(([k, v]) => `${k}: ${v}`).join("\n"));
  assert((counts.get("runs") ?? 0) > 0);
});
