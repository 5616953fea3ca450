/** WAL mode through the public API, checked against SQLite (node:sqlite). */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs, SqliteError } from "../../mod.ts";

function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "tsqlite_wal_api_" });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("wal api: PRAGMA journal_mode switches, is recorded in the header, and reopens as WAL", () => {
  const dir = tempDir();
  const path = dir + "/a.db";
  const db = new Database(path);
  assertEquals(db.prepare("PRAGMA journal_mode").get(), { journal_mode: "delete" });
  assertEquals(db.prepare("PRAGMA journal_mode=WAL").get(), { journal_mode: "wal" });
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  db.prepare("INSERT INTO t(v) VALUES (?)").run("one");
  assert(exists(path + "-wal"));
  const bytes = Deno.readFileSync(path);
  assertEquals([bytes[18], bytes[19]], [2, 2]);
  const other = new Database(path);
  assertEquals(other.prepare("PRAGMA journal_mode").get(), { journal_mode: "wal" });
  assertEquals(other.prepare("SELECT v FROM t").all(), [{ v: "one" }]);
  // Leaving WAL mode needs the other connection gone.
  assertEquals(
    assertThrows(() => db.exec("PRAGMA journal_mode=DELETE"), SqliteError).code,
    "SQLITE_BUSY",
  );
  other.close();
  db.exec("BEGIN");
  assertThrows(() => db.exec("PRAGMA journal_mode=DELETE"), SqliteError, "within a transaction");
  assertEquals(
    assertThrows(() => db.exec("PRAGMA wal_checkpoint"), SqliteError).code,
    "SQLITE_LOCKED",
  );
  db.exec("COMMIT");
  assertEquals(db.prepare("PRAGMA journal_mode=DELETE").get(), { journal_mode: "delete" });
  assert(!exists(path + "-wal"));
  assertEquals(Deno.readFileSync(path)[18], 1);
  assertEquals(db.prepare("PRAGMA wal_checkpoint").get(), { busy: 0, log: -1, checkpointed: -1 });
  db.close();
  const s = new DatabaseSync(path);
  assertEquals(s.prepare("PRAGMA journal_mode").get()?.journal_mode, "delete");
  assertEquals(s.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
  s.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("wal api: snapshots for iterators, other connections see each new read", () => {
  const vfs = new MemoryVfs();
  const a = new Database("/x.db", { vfs, journalMode: "wal" });
  a.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v)");
  const ins = a.prepare("INSERT INTO t(v) VALUES (?)");
  for (let i = 0; i < 50; i++) ins.run(i);
  const b = new Database("/x.db", { vfs });
  const it = b.prepare("SELECT id FROM t").iterate();
  it.next();
  a.exec("DELETE FROM t WHERE id > 10");
  for (let i = 0; i < 20; i++) ins.run(i);
  let n = 1;
  for (const _ of it) n++;
  assertEquals(n, 50, "the iterator keeps its snapshot");
  assertEquals(b.prepare("SELECT count(*) AS n FROM t").get(), { n: 30 });
  assertEquals(b.prepare("PRAGMA integrity_check").get(), { integrity_check: "ok" });
  a.close();
  b.close();
  assertEquals(vfs.files(), ["/x.db"]);
});

Deno.test("wal api: wal_checkpoint modes and wal_autocheckpoint like SQLite", () => {
  const dir = tempDir();
  const run = (
    open: (p: string) => { exec(sql: string): void; rows(sql: string): unknown[] },
    path: string,
  ) => {
    const db = open(path);
    const out: unknown[] = [];
    db.exec("PRAGMA journal_mode=WAL");
    out.push(db.rows("PRAGMA wal_autocheckpoint"));
    out.push(db.rows("PRAGMA wal_autocheckpoint=7"));
    db.exec("CREATE TABLE t(a)");
    for (let i = 0; i < 5; i++) db.exec("INSERT INTO t VALUES (1)");
    out.push(db.rows("PRAGMA wal_checkpoint"));
    for (let i = 0; i < 3; i++) db.exec("INSERT INTO t VALUES (2)");
    out.push(db.rows("PRAGMA wal_checkpoint(RESTART)"));
    db.exec("INSERT INTO t VALUES (3)");
    out.push(db.rows("PRAGMA wal_checkpoint(FULL)"));
    out.push(db.rows("PRAGMA wal_checkpoint(TRUNCATE)"));
    out.push(db.rows("PRAGMA wal_checkpoint(TRUNCATE)"));
    out.push(Deno.statSync(path + "-wal").size);
    return out;
  };
  const ours = run((p) => {
    const db = new Database(p, { pageSize: 4096 });
    return {
      exec: (sql) => db.exec(sql),
      rows: (sql) => db.prepare(sql).values(),
    };
  }, dir + "/ours.db");
  const theirs = run((p) => {
    const db = new DatabaseSync(p);
    return {
      exec: (sql) => db.exec(sql),
      rows: (sql) => db.prepare(sql).all().map((r) => Object.values(r)),
    };
  }, dir + "/theirs.db");
  assertEquals(ours, theirs);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("wal api: SQLite reads our open WAL database; we read SQLite's", () => {
  const dir = tempDir();
  const db = new Database(dir + "/ours.db", { journalMode: "wal" });
  db.exec("PRAGMA wal_autocheckpoint=300"); // automatic checkpoints and restarts on the way
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v BLOB); CREATE INDEX tk ON t(k)");
  const ins = db.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
  for (let i = 0; i < 1500; i++) {
    ins.run(`key ${(i * 7919) % 1500}`, new Uint8Array(i % 13 === 0 ? 5000 : 40).fill(i));
  }
  db.exec("DELETE FROM t WHERE id % 3 = 0"); // frees pages, rebalances both trees
  Deno.mkdirSync(dir + "/copy");
  Deno.copyFileSync(dir + "/ours.db", dir + "/copy/ours.db");
  Deno.copyFileSync(dir + "/ours.db-wal", dir + "/copy/ours.db-wal");
  const s = new DatabaseSync(dir + "/copy/ours.db");
  assertEquals(s.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
  assertEquals(s.prepare("SELECT count(*) AS n FROM t").get()?.n, 1000);
  s.exec("INSERT INTO t(v) VALUES (x'01')");
  Deno.mkdirSync(dir + "/back");
  Deno.copyFileSync(dir + "/copy/ours.db", dir + "/back/ours.db");
  Deno.copyFileSync(dir + "/copy/ours.db-wal", dir + "/back/ours.db-wal");
  s.close();
  db.close();
  const again = new Database(dir + "/back/ours.db");
  assertEquals(again.prepare("SELECT count(*) AS n FROM t").get(), { n: 1001 });
  assertEquals(again.prepare("PRAGMA integrity_check").get(), { integrity_check: "ok" });
  again.close();
  Deno.removeSync(dir, { recursive: true });
});
