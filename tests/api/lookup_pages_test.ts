/**
 * A key lookup reads O(log n) pages: with the page cache kept tiny, the pages read per
 * lookup stay near the tree's depth as the table grows 100-fold.
 */
import { assert } from "@std/assert";
import { Database } from "../../mod.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import type { OpenFlags, Vfs, VfsFile } from "../../src/vfs/vfs.ts";

/** Counts reads of the database file. */
class CountingVfs implements Vfs {
  reads = 0;
  constructor(private readonly inner: Vfs) {}
  open(path: string, flags: OpenFlags): VfsFile {
    const f = this.inner.open(path, flags);
    const count = path.endsWith(".db") ? () => this.reads++ : () => {};
    return new Proxy(f, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === "read") {
          return (buf: Uint8Array, offset: number) => {
            count();
            return target.read(buf, offset);
          };
        }
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  }
  delete(path: string, syncDir: boolean): void {
    this.inner.delete(path, syncDir);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
}

function readsPerLookup(rows: number): number {
  const vfs = new CountingVfs(new MemoryVfs({ track: false }));
  const db = new Database("/t.db", { vfs, pageSize: 1024 });
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v TEXT)");
  db.exec("CREATE INDEX t_k ON t(k)");
  const ins = db.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < rows; i++) ins.run(`key-${(i * 7919) % rows}`, "x".repeat(40));
  })();
  db.exec("PRAGMA cache_size=2"); // nearly no cache: every lookup goes to the file
  const byId = db.prepare("SELECT v FROM t WHERE id = ?");
  const byKey = db.prepare("SELECT id FROM t WHERE k = ?");
  const lookups = 200;
  vfs.reads = 0;
  for (let i = 0; i < lookups; i++) {
    const id = 1 + ((i * 104729) % rows);
    byId.get(id);
    byKey.get(`key-${id - 1}`);
  }
  db.close();
  return vfs.reads / (2 * lookups);
}

Deno.test("a key lookup reads O(log n) pages", () => {
  const small = readsPerLookup(1_000);
  const large = readsPerLookup(100_000);
  console.log(`pages read per lookup: ${small} at 1k rows, ${large} at 100k rows`);
  // 100x the rows adds about two levels to each tree (1 KiB pages), not 100x the reads.
  assert(large <= small + 4, `reads per lookup: ${small} at 1k rows, ${large} at 100k rows`);
  assert(large <= 12, `reads per lookup at 100k rows: ${large}`);
});
