import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { SqliteError } from "../../src/errors.ts";
import { parseHeader, SQLITE_VERSION_NUMBER } from "../../src/pager/header.ts";
import { lockBytePage, PagerImpl, type PagerOptions } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import { RealVfs } from "../../src/vfs/real_vfs.ts";

function fill(p: PagerImpl, pgno: number, v: number): void {
  p.getPageForWrite(pgno).fill(v, pgno === 1 ? 100 : 0);
}

/** A database of `n` pages, page k filled with byte k (page 1 after its header). */
function makeDb(vfs: MemoryVfs, n: number, options: PagerOptions = {}): PagerImpl {
  const p = PagerImpl.open(vfs, "/db", { pageSize: 512, ...options });
  p.beginWrite();
  for (let i = 1; i <= n; i++) {
    assertEquals(p.appendPage(), i);
    fill(p, i, i);
  }
  p.commit();
  p.endRead();
  return p;
}

function code(f: () => unknown): string {
  return assertThrows(f, SqliteError).code;
}

Deno.test("pager: new database, first commit, header fields, reopen", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db", { pageSize: 1024 });
  p.beginRead();
  assertEquals(p.pageCount(), 0);
  p.beginWrite();
  assertEquals(p.appendPage(), 1);
  const h0 = parseHeader(p.getPage(1));
  assertEquals(h0.pageSize, 1024);
  assertEquals(p.appendPage(), 2);
  fill(p, 2, 9);
  p.commit();
  assertFalse(p.inWriteTransaction());
  assertEquals(p.pageCount(), 2);
  p.endRead();
  p.close();
  assertFalse(vfs.exists("/db-journal"));
  const file = vfs.readFile("/db")!;
  assertEquals(file.length, 2048);
  const h = parseHeader(file);
  assertEquals([h.changeCounter, h.databaseSize, h.versionValidFor], [1, 2, 1]);
  assertEquals(h.sqliteVersion, SQLITE_VERSION_NUMBER);
  const q = PagerImpl.open(vfs, "/db", { pageSize: 4096 });
  assertEquals(q.pageSize, 1024, "the file's page size wins");
  q.beginRead();
  assertEquals(q.pageCount(), 2);
  assertEquals(q.getPage(2)[1023], 9);
  q.endRead();
  q.close();
});

Deno.test("pager: misuse and range errors", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 3);
  assertEquals(code(() => p.getPage(1)), "SQLITE_MISUSE");
  p.beginRead();
  assertEquals(code(() => p.getPage(0)), "SQLITE_CORRUPT");
  assertEquals(code(() => p.getPage(4)), "SQLITE_CORRUPT");
  assertEquals(code(() => p.getPageForWrite(1)), "SQLITE_MISUSE");
  assertEquals(code(() => p.appendPage()), "SQLITE_MISUSE");
  assertEquals(code(() => p.savepoint()), "SQLITE_MISUSE");
  p.beginWrite();
  assertEquals(code(() => p.getPageForWrite(4)), "SQLITE_CORRUPT");
  assertEquals(code(() => p.rollbackToSavepoint(1)), "SQLITE_MISUSE");
  p.rollback();
  p.close();
  assertEquals(code(() => p.beginRead()), "SQLITE_MISUSE");
});

Deno.test("pager: rollback restores pages and size, in place", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 3);
  p.beginRead();
  const held = p.getPage(2);
  p.beginWrite();
  fill(p, 2, 77);
  assertEquals(held[0], 77, "getPageForWrite returns the cached buffer");
  p.appendPage();
  fill(p, 3, 88);
  p.truncate(2);
  assertEquals(p.pageCount(), 2);
  p.rollback();
  assertEquals(p.pageCount(), 3);
  assertEquals(held[0], 2);
  assertEquals(p.getPage(2)[5], 2);
  assertEquals(p.getPage(3)[5], 3);
  p.endRead();
  p.close();
});

Deno.test("pager: nested savepoints", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 2);
  p.beginWrite();
  fill(p, 2, 10);
  assertEquals(p.savepoint(), 1);
  fill(p, 2, 11);
  p.appendPage();
  fill(p, 3, 30);
  assertEquals(p.savepoint(), 2);
  fill(p, 3, 31);
  fill(p, 1, 41);
  p.truncate(2);
  p.rollbackToSavepoint(2);
  assertEquals(p.pageCount(), 3);
  assertEquals([p.getPage(1)[200], p.getPage(2)[0], p.getPage(3)[0]], [1, 11, 30]);
  fill(p, 3, 32);
  p.releaseSavepoint(2);
  p.rollbackToSavepoint(1);
  assertEquals(p.pageCount(), 2);
  assertEquals([p.getPage(1)[200], p.getPage(2)[0]], [1, 10]);
  assertEquals(p.savepoint(), 2, "savepoint 1 stays open after rollback to it");
  fill(p, 2, 12);
  p.releaseSavepoint(1);
  p.commit();
  assertEquals(p.getPage(2)[0], 12);
  p.endRead();
  p.close();
});

Deno.test("pager: journal modes finalize the journal their way", () => {
  const cases: [PagerOptions["journalMode"], (v: MemoryVfs) => void][] = [
    ["delete", (v) => assertFalse(v.exists("/db-journal"))],
    ["truncate", (v) => assertEquals(v.readFile("/db-journal")!.length, 0)],
    ["persist", (v) => {
      const j = v.readFile("/db-journal")!;
      assert(j.length > 512);
      assert(j.subarray(0, 28).every((b) => b === 0));
    }],
    ["memory", (v) => assertFalse(v.exists("/db-journal"))],
    ["off", (v) => assertFalse(v.exists("/db-journal"))],
  ];
  for (const [mode, check] of cases) {
    const vfs = new MemoryVfs();
    const p = makeDb(vfs, 3, { journalMode: mode });
    p.beginWrite();
    fill(p, 2, 50);
    p.commit();
    p.endRead();
    check(vfs);
    p.close();
    const q = PagerImpl.open(vfs, "/db", { journalMode: mode });
    q.beginRead();
    assertEquals(q.getPage(2)[3], 50, `mode ${mode}`);
    q.close();
  }
});

Deno.test("pager: fsync order per synchronous level", () => {
  const trace = (sync: PagerOptions["synchronous"]) => {
    const vfs = new MemoryVfs();
    const p = makeDb(vfs, 2, { synchronous: sync });
    const start = vfs.opCount;
    p.beginWrite();
    fill(p, 2, 5);
    p.commit();
    p.close();
    return vfs.log.filter((o) => o.seq > start).map((o) =>
      `${o.kind}:${o.path.slice(1)}${o.kind === "write" ? `@${o.offset}+${o.data!.length}` : ""}${
        o.syncDir ? ":dir" : ""
      }`
    );
  };
  const journal = ["create:db-journal", "write:db-journal@0+512"];
  const records = ["write:db-journal@512+520", "write:db-journal@1032+520"];
  const db = ["write:db@0+512", "write:db@512+512"];
  assertEquals(trace("full"), [
    ...journal,
    ...records,
    "sync:db-journal",
    "write:db-journal@0+12",
    "sync:db-journal",
    ...db,
    "sync:db",
    // Under FULL the directory is synced too, so a committed journal cannot reappear.
    "delete:db-journal:dir",
  ]);
  assertEquals(trace("extra").at(-1), "delete:db-journal:dir");
  assertEquals(trace("normal"), [
    ...journal,
    ...records,
    "write:db-journal@0+12",
    "sync:db-journal",
    ...db,
    "sync:db",
    "delete:db-journal",
  ]);
  assertEquals(trace("off"), [...journal, ...records, ...db, "delete:db-journal"]);
});

Deno.test("pager: two connections - locking, BUSY, cache invalidation", () => {
  const vfs = new MemoryVfs();
  makeDb(vfs, 3).close();
  const a = PagerImpl.open(vfs, "/db");
  const b = PagerImpl.open(vfs, "/db");
  b.beginRead();
  assertEquals(b.getPage(2)[0], 2); // cached in b
  a.beginWrite();
  assertEquals(code(() => b.beginWrite()), "SQLITE_BUSY");
  fill(a, 2, 99);
  assertEquals(code(() => a.commit()), "SQLITE_BUSY", "b still reads");
  assert(a.inWriteTransaction(), "a BUSY commit leaves the transaction open");
  b.endRead();
  assertEquals(code(() => b.beginRead()), "SQLITE_BUSY", "a holds PENDING");
  a.commit();
  a.endRead();
  b.beginRead();
  assertEquals(b.getPage(2)[0], 99, "b dropped its stale cache");
  b.endRead();
  a.close();
  b.close();
});

Deno.test("pager: read-only connection", () => {
  const vfs = new MemoryVfs();
  makeDb(vfs, 2).close();
  const r = PagerImpl.open(vfs, "/db", { readOnly: true });
  r.beginRead();
  assertEquals(r.getPage(2)[0], 2);
  assertEquals(code(() => r.beginWrite()), "SQLITE_READONLY");
  r.close();
  assertEquals(
    code(() => PagerImpl.open(vfs, "/nope", { readOnly: true })),
    "SQLITE_CANTOPEN",
  );
  assertEquals(code(() => PagerImpl.open(vfs, "/nope", { create: false })), "SQLITE_CANTOPEN");
});

Deno.test("pager: not a database", () => {
  const vfs = new MemoryVfs();
  vfs.writeFile("/junk", new TextEncoder().encode("hello, this is not a database".repeat(40)));
  const e = assertThrows(() => PagerImpl.open(vfs, "/junk"), SqliteError);
  assertEquals([e.code, e.message], ["SQLITE_NOTADB", "file is not a database"]);
});

Deno.test("pager: page size of an empty database can change", () => {
  const vfs = new MemoryVfs();
  const p = PagerImpl.open(vfs, "/db");
  assertEquals(p.pageSize, 4096);
  assertFalse(p.setPageSize(1000));
  assert(p.setPageSize(8192));
  p.beginWrite();
  p.appendPage();
  assertFalse(p.setPageSize(1024), "not once the database has pages");
  p.commit();
  p.close();
  assertEquals(vfs.readFile("/db")!.length, 8192);
});

Deno.test("pager: truncate shrinks the file on commit", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 6);
  p.beginWrite();
  p.truncate(4);
  p.commit();
  p.endRead();
  assertEquals(vfs.readFile("/db")!.length, 4 * 512);
  assertEquals(parseHeader(vfs.readFile("/db")!).databaseSize, 4);
  p.beginWrite();
  assertEquals(p.appendPage(), 5);
  assertEquals(p.getPage(5)[0], 0, "a re-appended page is zeroed");
  p.rollback();
  p.close();
});

Deno.test("pager: small cache evicts clean pages and still reads right", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 60, { cacheSize: 10 });
  p.beginRead();
  for (let round = 0; round < 3; round++) {
    for (let i = 2; i <= 60; i++) assertEquals(p.getPage(i)[7], i);
  }
  p.beginWrite();
  for (let i = 2; i <= 60; i++) fill(p, i, 200 - i); // dirty pages outlive the bound
  for (let i = 2; i <= 60; i++) assertEquals(p.getPage(i)[7], 200 - i);
  p.commit();
  p.setCacheSize(-1);
  for (let i = 2; i <= 60; i++) assertEquals(p.getPage(i)[7], 200 - i);
  p.close();
});

Deno.test("pager: lock-byte page", () => {
  assertEquals(lockBytePage(4096), 262145);
  assertEquals(lockBytePage(65536), 16385);
  assertEquals(lockBytePage(512), 2097153);
});

Deno.test("pager: I/O error during commit rolls the transaction back", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 4);
  p.beginWrite();
  fill(p, 3, 33);
  p.appendPage();
  vfs.injectFault({ op: "write", nth: 2, pathSuffix: "/db" });
  assertEquals(code(() => p.commit()), "SQLITE_IOERR_WRITE");
  assertFalse(p.inWriteTransaction());
  assertEquals(p.pageCount(), 4);
  assertEquals(p.getPage(3)[0], 3);
  assertFalse(vfs.exists("/db-journal"));
  p.endRead();
  assertEquals(vfs.readFile("/db")!.length, 4 * 512);
  p.beginWrite();
  fill(p, 3, 34);
  p.commit();
  p.close();
  const q = PagerImpl.open(vfs, "/db");
  q.beginRead();
  assertEquals(q.getPage(3)[0], 34);
  q.close();
});

Deno.test("pager: when even the undo fails, the hot journal is recovered later", () => {
  const vfs = new MemoryVfs();
  const p = makeDb(vfs, 4);
  p.beginWrite();
  fill(p, 2, 22);
  fill(p, 4, 44);
  vfs.injectFault({
    op: "write",
    nth: 2,
    pathSuffix: "/db",
    code: "SQLITE_FULL",
    persistent: true,
  });
  assertEquals(code(() => p.commit()), "SQLITE_FULL");
  assertFalse(p.inReadTransaction());
  assert(vfs.exists("/db-journal"), "the journal stays for recovery");
  assertEquals(parseHeader(vfs.readFile("/db")!).changeCounter, 2, "page 1 was written");
  vfs.clearFaults();
  p.beginRead();
  assertFalse(vfs.exists("/db-journal"));
  assertEquals([p.getPage(2)[0], p.getPage(4)[0]], [2, 4]);
  assertEquals(parseHeader(p.getPage(1)).changeCounter, 1);
  p.close();
});

Deno.test("pager: reads a database written by SQLite, SQLite reads our change", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/s.db`;
    const db = new DatabaseSync(path);
    db.exec("PRAGMA page_size=1024; CREATE TABLE t(v TEXT)");
    const ins = db.prepare("INSERT INTO t VALUES (?)");
    for (let i = 0; i < 50; i++) ins.run(`row-${i}-` + "x".repeat(60));
    db.close();
    const original = Deno.readFileSync(path);
    const p = PagerImpl.open(new RealVfs(), path);
    p.beginRead();
    assertEquals(p.pageSize, 1024);
    assertEquals(p.pageCount(), original.length / 1024);
    for (let i = 1; i <= p.pageCount(); i++) {
      assertEquals(p.getPage(i), original.subarray((i - 1) * 1024, i * 1024));
    }
    // Change "row-7-" to "row-Z-" in place: same length, the b-tree stays valid. (Free
    // space may hold stale copies after a split, so change every occurrence.)
    const needle = new TextEncoder().encode("row-7-");
    let done = 0;
    p.beginWrite();
    for (let i = 2; i <= p.pageCount(); i++) {
      const page = p.getPage(i);
      for (let k = 0; k + needle.length <= page.length; k++) {
        if (needle.every((b, j) => page[k + j] === b)) {
          p.getPageForWrite(i)[k + 4] = "Z".charCodeAt(0);
          done++;
        }
      }
    }
    assert(done > 0);
    p.commit();
    p.close();
    const check = new DatabaseSync(path);
    assertEquals({ ...check.prepare("PRAGMA integrity_check").get() }, { integrity_check: "ok" });
    assertEquals(
      { ...check.prepare("SELECT count(*) AS n FROM t WHERE v LIKE 'row-Z-%'").get() },
      { n: 1 },
    );
    assertEquals({ ...check.prepare("SELECT count(*) AS n FROM t").get() }, { n: 50 });
    check.close();
    assertEquals(
      parseHeader(Deno.readFileSync(path)).changeCounter,
      parseHeader(original).changeCounter + 1,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
