/**
 * The statement journal (src/pager/statement_journal.ts): savepoint page images in memory
 * up to a limit, then in an unlinked temporary file; and a statement of an explicit
 * transaction that changes far more pages than the cache, undone alone when it fails,
 * against node:sqlite.
 * @module
 */

import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs } from "../../mod.ts";
import type { OpenFlags, Vfs, VfsFile } from "../../src/vfs/vfs.ts";
import { StatementJournal } from "../../src/pager/statement_journal.ts";

/** A VFS that records the paths opened. */
function spying(inner: Vfs): { vfs: Vfs; opened: string[] } {
  const opened: string[] = [];
  const vfs: Vfs = {
    open(path: string, flags: OpenFlags): VfsFile {
      opened.push(path);
      return inner.open(path, flags);
    },
    delete: (path, syncDir) => inner.delete(path, syncDir),
    exists: (path) => inner.exists(path),
  };
  return { vfs, opened };
}

const page = (fill: number, size = 512) => new Uint8Array(size).fill(fill);

Deno.test("statement journal: images past the memory limit go to an unlinked file and come back", () => {
  const mem = new MemoryVfs({ track: false });
  const { vfs, opened } = spying(mem);
  const j = new StatementJournal(vfs, "/s.db", () => 3 * 512);
  const refs = [1, 2, 3, 4, 5, 6].map((i) => j.put(page(i)));
  assertEquals(refs.filter((r) => r < 0).length, 3, "three fit in memory");
  assertEquals(opened.length, 1);
  assert(!mem.exists(opened[0]), "the file is unlinked once open");
  const out = new Uint8Array(512);
  for (let i = 0; i < refs.length; i++) {
    j.read(refs[i], out);
    assertEquals(out, page(i + 1));
  }
  // Released places are reused, in memory and in the file.
  j.release(refs[1]);
  j.release(refs[4]);
  const again = [j.put(page(20)), j.put(page(21))];
  assertEquals(new Set(again), new Set([refs[1], refs[4]]));
  j.read(refs[5], out);
  assertEquals(out, page(6));
  j.reset();
  const r = j.put(page(9));
  assert(r < 0, "memory again after reset");
  j.close();
  assertEquals(opened.length, 1);
});

Deno.test("statement journal: without a file (read-only directory) everything stays in memory", () => {
  const failing: Vfs = {
    open(): VfsFile {
      throw new Error("read-only");
    },
    delete() {},
    exists: () => false,
  };
  const j = new StatementJournal(failing, "/s.db", () => 512);
  const refs = [1, 2, 3].map((i) => j.put(page(i)));
  const out = new Uint8Array(512);
  for (let i = 0; i < 3; i++) {
    j.read(refs[i], out);
    assertEquals(out, page(i + 1));
  }
  j.close();
});

for (const mode of ["WAL", "DELETE"]) {
  Deno.test(`${mode}: a large statement in a transaction fails and is undone alone (statement journal in a file)`, () => {
    const dir = Deno.makeTempDirSync();
    try {
      const path = `${dir}/j.db`;
      const ours = new Database(path, { pageSize: 1024 });
      ours.exec(`PRAGMA journal_mode=${mode}; PRAGMA cache_size=10`);
      const model = new DatabaseSync(":memory:");
      const both = (sql: string) => {
        ours.exec(sql);
        model.exec(sql);
      };
      both("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER UNIQUE, v TEXT)");
      const a = ours.prepare("INSERT INTO t VALUES (?, ?, ?)");
      const b = model.prepare("INSERT INTO t VALUES (?, ?, ?)");
      both("BEGIN");
      for (let i = 1; i <= 3000; i++) {
        a.run(i, i, `value ${i} `.repeat(4));
        b.run(BigInt(i), BigInt(i), `value ${i} `.repeat(4));
      }
      both("COMMIT");
      both("BEGIN");
      both("UPDATE t SET v = 'first ' || v WHERE id % 2 = 0");
      // Changes every page, then fails on the last row: k = 3000 + 1 collides with nothing
      // until k = 3000 is taken by row 2999's new value.
      const bad = "UPDATE t SET v = upper(v), k = CASE WHEN id = 2999 THEN 3000 ELSE k END";
      let ourError = "";
      let theirError = "";
      try {
        ours.exec(bad);
      } catch (e) {
        ourError = (e as Error).message;
      }
      try {
        model.exec(bad);
      } catch (e) {
        theirError = (e as Error).message;
      }
      assertEquals(ourError, theirError);
      assert(ourError.includes("UNIQUE"), ourError);
      both("SAVEPOINT s");
      both("UPDATE t SET v = v || ' again' WHERE id % 3 = 0");
      both("ROLLBACK TO s");
      both("RELEASE s");
      both("COMMIT");
      const q = "SELECT id, k, v FROM t ORDER BY id";
      assertEquals(ours.prepare(q).values(), model.prepare(q).all().map(Object.values));
      assertEquals(ours.prepare("PRAGMA integrity_check").values(), [["ok"]]);
      ours.close();
      model.close();
      // Nothing of the statement journal is left beside the database.
      assertEquals(
        [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes("stmt")),
        [],
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
