/**
 * Our rollback journal and SQLite's are the same format: SQLite rolls back a hot journal
 * we left, and we roll back hot journals SQLite left.
 */
import { assert, assertEquals, assertFalse, assertNotEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { PagerImpl } from "../../src/pager/pager.ts";
import { JOURNAL_MAGIC } from "../../src/pager/rollback_journal.ts";
import { CrashSignal, MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import { RealVfs } from "../../src/vfs/real_vfs.ts";

/** A SQLite database of `rows` rows "row-<i>-xxx...". */
function makeSqliteDb(path: string, rows: number, pageSize = 1024): void {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA page_size=${pageSize}; CREATE TABLE t(v TEXT)`);
  db.exec("BEGIN");
  const ins = db.prepare("INSERT INTO t VALUES (?)");
  for (let i = 0; i < rows; i++) ins.run(`row-${i}-` + "x".repeat(150));
  db.exec("COMMIT");
  db.close();
}

function integrityOk(path: string): void {
  const db = new DatabaseSync(path);
  try {
    assertEquals({ ...db.prepare("PRAGMA integrity_check").get() }, { integrity_check: "ok" });
  } finally {
    db.close();
  }
}

function hasMagic(b: Uint8Array): boolean {
  return JOURNAL_MAGIC.every((m, i) => b[i] === m);
}

Deno.test("interop: we roll back a hot journal SQLite left (cache spill, several segments)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/a.db`;
    makeSqliteDb(path, 300);
    const pre = Deno.readFileSync(path);
    const db = new DatabaseSync(path);
    // A tiny cache forces SQLite to spill dirty pages into the database mid-transaction,
    // after syncing the journal: exactly the on-disk state of a crash at that moment.
    db.exec(
      "PRAGMA cache_size=2; BEGIN; UPDATE t SET v = upper(v); DELETE FROM t WHERE rowid > 250",
    );
    Deno.mkdirSync(`${dir}/crash`);
    Deno.copyFileSync(path, `${dir}/crash/a.db`);
    Deno.copyFileSync(`${path}-journal`, `${dir}/crash/a.db-journal`);
    db.exec("ROLLBACK");
    db.close();
    const journal = Deno.readFileSync(`${dir}/crash/a.db-journal`);
    assert(hasMagic(journal), "SQLite's journal header is final after a spill");
    let segments = 0;
    for (let o = 0; o < journal.length; o += 512) {
      if (hasMagic(journal.subarray(o))) segments++;
    }
    assert(segments > 1, "each spill starts a new journal segment");
    assertNotEquals(Deno.readFileSync(`${dir}/crash/a.db`), pre, "the spill changed the db");

    const p = PagerImpl.open(new RealVfs(), `${dir}/crash/a.db`);
    assertFalse(
      new RealVfs().exists(`${dir}/crash/a.db-journal`),
      "the hot journal was rolled back and deleted on open",
    );
    p.close();
    assertEquals(Deno.readFileSync(`${dir}/crash/a.db`), pre);
    integrityOk(`${dir}/crash/a.db`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("interop: we roll back a synchronous=off journal (record count -1)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/b.db`;
    makeSqliteDb(path, 120);
    const pre = Deno.readFileSync(path);
    const db = new DatabaseSync(path);
    // SQLite journals page 1 only at commit (for the change counter) unless the
    // transaction writes it earlier; user_version makes it do so before we copy.
    db.exec(
      "PRAGMA synchronous=off; BEGIN; PRAGMA user_version=9; UPDATE t SET v = 'short' WHERE rowid % 3 = 0",
    );
    const journal = Deno.readFileSync(`${path}-journal`);
    db.exec("COMMIT");
    db.close();
    assert(hasMagic(journal));
    assertEquals([...journal.subarray(8, 12)], [0xff, 0xff, 0xff, 0xff]);
    // The committed database with the transaction's journal beside it = a crash just
    // before the journal was deleted.
    Deno.writeFileSync(`${path}-journal`, journal);
    assertNotEquals(Deno.readFileSync(path), pre);
    const p = PagerImpl.open(new RealVfs(), path);
    p.close();
    assertEquals(Deno.readFileSync(path), pre);
    integrityOk(path);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("interop: SQLite rolls back a hot journal our crashed commit left", () => {
  const dir = Deno.makeTempDirSync();
  try {
    makeSqliteDb(`${dir}/src.db`, 200);
    const pre = Deno.readFileSync(`${dir}/src.db`);
    const needle = new TextEncoder().encode("row-1");

    /** Changes every "row-1..." to "row-Z..." in place (valid b-tree), then commits. */
    const transaction = (vfs: MemoryVfs) => {
      const p = PagerImpl.open(vfs, "/db", { synchronous: "full" });
      try {
        p.beginWrite();
        for (let i = 2; i <= p.pageCount(); i++) {
          const page = p.getPage(i);
          for (let k = 0; k + needle.length <= page.length; k++) {
            if (needle.every((b, j) => page[k + j] === b)) p.getPageForWrite(i)[k + 4] = 90;
          }
        }
        p.commit();
      } finally {
        p.close();
      }
    };
    const fresh = () => {
      const v = new MemoryVfs();
      v.writeFile("/db", pre);
      return v;
    };
    const dry = fresh();
    transaction(dry);
    const firstDbWrite = dry.log.find((o) => o.kind === "write" && o.path === "/db")!.seq;
    const dbWrites = dry.log.filter((o) => o.kind === "write" && o.path === "/db").length;
    assert(dbWrites >= 4);

    let rolledBack = 0;
    for (const extra of [1, 2, dbWrites]) {
      const vfs = fresh();
      vfs.failAfter(firstDbWrite - 1 + extra);
      try {
        transaction(vfs);
      } catch (e) {
        if (!(e instanceof CrashSignal)) throw e;
      }
      for (const opts of [{ mode: "all" as const }, { seed: 1 }, { seed: 2 }]) {
        const img = vfs.crashImage(opts);
        const d = `${dir}/c${rolledBack++}`;
        Deno.mkdirSync(d);
        Deno.writeFileSync(`${d}/t.db`, img.readFile("/db")!);
        const j = img.readFile("/db-journal");
        assert(j !== null && hasMagic(j), "the journal was durable before the db was touched");
        Deno.writeFileSync(`${d}/t.db-journal`, j!);
        if (opts.mode === "all") assertNotEquals(Deno.readFileSync(`${d}/t.db`), pre);
        const db = new DatabaseSync(`${d}/t.db`);
        assertEquals(
          { ...db.prepare("SELECT count(*) AS n FROM t WHERE v LIKE 'row-Z%'").get() },
          { n: 0 },
        );
        assertEquals({ ...db.prepare("SELECT count(*) AS n FROM t").get() }, { n: 200 });
        assertEquals({ ...db.prepare("PRAGMA integrity_check").get() }, { integrity_check: "ok" });
        db.close();
        assertFalse(new RealVfs().exists(`${d}/t.db-journal`), "SQLite deleted the hot journal");
        assertEquals(Deno.readFileSync(`${d}/t.db`), pre, "SQLite restored every byte");
      }
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
