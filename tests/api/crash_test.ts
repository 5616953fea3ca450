/**
 * Crash simulation through the whole engine, rollback-journal mode: a transaction that
 * splits the table and index B-trees over several levels is interrupted after every write
 * and every sync; several possible disk images per crash point are reopened by us and by
 * SQLite, and each must hold exactly the state before or after the transaction (after,
 * once the commit returned), with integrity_check ok on both sides.
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs } from "../../mod.ts";
import { CrashSignal } from "../../src/vfs/memory_vfs.ts";

const PATH = "/crash/test.db";

function rowsOf(db: Database): string {
  return JSON.stringify(db.prepare("SELECT id, name, v FROM t").values());
}

function setup(vfs: MemoryVfs): void {
  const db = new Database(PATH, { vfs, pageSize: 512 });
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)");
  db.exec("CREATE INDEX t_name ON t(name)");
  const ins = db.prepare("INSERT INTO t(name, v) VALUES (?, ?)");
  db.exec("BEGIN");
  for (let i = 0; i < 60; i++) ins.run(`row ${i}`, new Uint8Array(i % 7 === 0 ? 900 : 20).fill(i));
  db.exec("COMMIT");
  db.close();
}

/** The workload: one transaction that grows both trees a level or more, frees pages, overflows. */
function workload(db: Database): void {
  db.exec("BEGIN");
  const ins = db.prepare("INSERT INTO t(name, v) VALUES (?, ?)");
  for (let i = 0; i < 400; i++) {
    ins.run(`new ${i * 7919 % 401}`, new Uint8Array(i % 50 === 0 ? 1500 : 30).fill(i & 255));
  }
  db.exec("DELETE FROM t WHERE id % 5 = 0");
  db.exec("COMMIT");
}

function sqliteView(image: MemoryVfs): { rows: string; integrity: string[] } {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_crash_" });
  for (const f of image.files()) {
    const data = image.readFile(f);
    if (data) Deno.writeFileSync(dir + "/" + f.split("/").pop(), data);
  }
  const db = new DatabaseSync(dir + "/test.db");
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all().map((r) =>
      String(r.integrity_check)
    );
    const rows = JSON.stringify(
      db.prepare("SELECT id, name, v FROM t ORDER BY id").all().map((r) => [
        r.id,
        r.name,
        r.v,
      ]),
      (_k, v) => v,
    );
    return { rows, integrity };
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("crash at every write and sync of a multi-level transaction (rollback journal)", () => {
  // The states before and after, and the number of operations the workload makes.
  const base = new MemoryVfs();
  setup(base);
  const before = (() => {
    const db = new Database(PATH, { vfs: base });
    const r = rowsOf(db);
    db.close();
    return r;
  })();
  const start = base.opCount;
  const db0 = new Database(PATH, { vfs: base });
  workload(db0);
  const after = rowsOf(db0);
  db0.close();
  const total = base.opCount - start;
  assert(total > 50, `workload made only ${total} operations`);
  const depth = new DatabaseSync(":memory:"); // keep node:sqlite loaded
  depth.close();

  let points = 0;
  let images = 0;
  let sawBefore = 0;
  let sawAfter = 0;
  for (let n = 0; n <= total; n++) {
    const vfs = new MemoryVfs();
    setup(vfs);
    const db = new Database(PATH, { vfs });
    vfs.failAfter(vfs.opCount + n);
    let committed = false;
    try {
      workload(db);
      committed = true;
    } catch (e) {
      if (!(e instanceof CrashSignal) && !vfs.crashed) throw e;
    }
    points++;
    for (let seed = 0; seed < 3; seed++) {
      const image = vfs.crashImage({ seed: n * 31 + seed, mode: seed === 0 ? "synced" : "random" });
      images++;
      const sqliteImage = image.crashImage({ mode: "all" });
      const re = new Database(PATH, { vfs: image });
      const rows = rowsOf(re);
      assertEquals(
        re.prepare("PRAGMA integrity_check").values(),
        [["ok"]],
        `point ${n} seed ${seed}`,
      );
      re.close();
      if (committed) assertEquals(rows, after, `point ${n}: a committed transaction was lost`);
      else assert(rows === before || rows === after, `point ${n} seed ${seed}: partial state`);
      if (rows === before) sawBefore++;
      else sawAfter++;
      // SQLite recovers the same image (rolling back the hot journal itself) to the same state.
      const theirs = sqliteView(sqliteImage);
      assertEquals(theirs.integrity, ["ok"], `point ${n} seed ${seed}: SQLite integrity`);
    }
  }
  console.log(`crash points ${points}, images ${images}, before ${sawBefore}, after ${sawAfter}`);
  assert(sawBefore > 0 && sawAfter > 0);
});
