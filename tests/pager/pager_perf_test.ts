/**
 * Pager performance behaviour (issue 6) that is also correctness: no fstat per read
 * transaction while another connection's changes are still seen, independent slab page
 * buffers, batched checkpoint copies.
 */
import { assert, assertEquals } from "@std/assert";
import { PageCache } from "../../src/pager/page_cache.ts";
import { PagerImpl, type PagerOptions } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import type { LockLevel, OpenFlags, Vfs, VfsFile } from "../../src/vfs/vfs.ts";

/** A VFS over another that counts calls per "path:operation". */
class CountingVfs implements Vfs {
  readonly counts = new Map<string, number>();
  constructor(readonly inner: Vfs) {}

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  #bump(key: string): void {
    this.counts.set(key, this.count(key) + 1);
  }

  open(path: string, flags: OpenFlags): VfsFile {
    const f = this.inner.open(path, flags);
    const bump = (op: string) => this.#bump(`${path}:${op}`);
    return {
      read: (buf: Uint8Array, offset: number) => (bump("read"), f.read(buf, offset)),
      write: (data: Uint8Array, offset: number) => (bump("write"), f.write(data, offset)),
      truncate: (size: number) => f.truncate(size),
      sync: () => (bump("sync"), f.sync()),
      size: () => (bump("size"), f.size()),
      lock: (level: LockLevel) => f.lock(level),
      unlock: (level: LockLevel) => f.unlock(level),
      checkReservedLock: f.checkReservedLock?.bind(f),
      close: () => f.close(),
    };
  }

  delete(path: string, syncDir: boolean): void {
    this.inner.delete(path, syncDir);
  }

  exists(path: string): boolean {
    return this.inner.exists(path);
  }
}

const PS = 512;

function fill(p: PagerImpl, pgno: number, v: number): void {
  p.getPageForWrite(pgno).fill(v, pgno === 1 ? 100 : 0);
}

/** Opens `/db` with `n` pages, page k filled with byte k (page 1 after its header). */
function makeDb(vfs: Vfs, n: number, options: PagerOptions): PagerImpl {
  const p = PagerImpl.open(vfs, "/db", { pageSize: PS, ...options });
  p.beginWrite();
  // In WAL mode the open already made page 1.
  while (p.pageCount() < n) p.appendPage();
  for (let i = 1; i <= n; i++) fill(p, i, i);
  p.commit();
  p.endRead();
  return p;
}

for (const mode of ["delete", "wal"] as const) {
  Deno.test(`pager perf (${mode}): no fstat per read transaction, other connection's commits seen`, () => {
    const vfs = new CountingVfs(new MemoryVfs());
    const a = makeDb(vfs, 5, { journalMode: mode });
    const b = PagerImpl.open(vfs, "/db", { journalMode: mode });
    b.beginRead();
    assertEquals(b.getPage(3)[0], 3);
    b.endRead();

    const before = vfs.count("/db:size");
    for (let i = 0; i < 20; i++) {
      b.beginRead();
      assertEquals(b.pageCount(), 5);
      assertEquals(b.getPage(3)[0], 3);
      b.endRead();
    }
    assertEquals(vfs.count("/db:size"), before, "unchanged file: no fstat");

    // Same size, new content: b's cached page 3 must go.
    a.beginWrite();
    fill(a, 3, 77);
    a.commit();
    a.endRead();
    b.beginRead();
    assertEquals(b.pageCount(), 5);
    assertEquals(b.getPage(3)[0], 77);
    b.endRead();

    // Growth, then shrinking.
    a.beginWrite();
    for (let i = 6; i <= 9; i++) {
      a.appendPage();
      fill(a, i, i);
    }
    a.commit();
    a.endRead();
    b.beginRead();
    assertEquals(b.pageCount(), 9);
    assertEquals(b.getPage(9)[0], 9);
    b.endRead();
    a.beginWrite();
    a.truncate(4);
    a.commit();
    a.endRead();
    b.beginRead();
    assertEquals(b.pageCount(), 4);
    b.endRead();

    // b's own commits keep it up to date without a stat on the next read either.
    b.beginWrite();
    fill(b, 2, 55);
    b.commit();
    b.endRead();
    const mid = vfs.count("/db:size");
    b.beginRead();
    assertEquals(b.getPage(2)[0], 55);
    b.endRead();
    assertEquals(vfs.count("/db:size"), mid);
    a.beginRead();
    assertEquals(a.getPage(2)[0], 55);
    assertEquals(a.pageCount(), 4);
    a.endRead();
    a.close();
    b.close();
  });
}

Deno.test("pager perf: page buffers carved from slabs are independent and page-sized", () => {
  const vfs = new MemoryVfs();
  // 700 pages of 512 bytes span several slabs; a cache of 50 evicts most of them.
  const p = makeDb(vfs, 700, { cacheSize: 50 });
  p.close();
  const q = PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 50 });
  q.beginRead();
  const held: Uint8Array[] = [];
  for (let i = 2; i <= 700; i++) {
    const buf = q.getPage(i);
    assertEquals(buf.byteLength, PS);
    assertEquals(buf[0], i & 0xff);
    assertEquals(buf[PS - 1], i & 0xff);
    held.push(buf);
  }
  // Every buffer handed out still holds its own page after all the evictions.
  for (let i = 0; i < held.length; i++) {
    const pgno = i + 2;
    assert(held[i].every((b) => b === (pgno & 0xff)), `page ${pgno} buffer intact`);
  }
  q.endRead();
  q.beginWrite();
  const w = q.getPageForWrite(300);
  w.fill(1);
  assertEquals(q.getPage(299)[0], 299 & 0xff);
  assertEquals(q.getPage(301)[0], 301 & 0xff);
  q.commit();
  q.endRead();
  q.close();
});

Deno.test("pager perf: checkpoint copies scattered frames right, with batched writes", () => {
  const mem = new MemoryVfs();
  const vfs = new CountingVfs(mem);
  const p = makeDb(vfs, 120, { journalMode: "wal", walAutocheckpoint: 0 });
  const expect = new Map<number, number>();
  for (let i = 1; i <= 120; i++) expect.set(i, i);
  // Pages rewritten in several commits, out of order, so the newest frames of consecutive
  // pages are scattered over the log and some runs have consecutive frames.
  const commits: number[][] = [
    [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26],
    [9, 3, 40, 41],
    [60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79],
    [2, 8, 20, 21, 22, 100],
    [64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85],
    [26, 27, 28],
  ];
  let v = 130;
  for (const pages of commits) {
    p.beginWrite();
    for (const pgno of pages) {
      fill(p, pgno, v);
      expect.set(pgno, v);
    }
    v++;
    p.commit();
    p.endRead();
  }
  const writes = vfs.count("/db:write");
  const r = p.checkpoint("truncate");
  assertEquals(r.busy, 0);
  const copied = vfs.count("/db:write") - writes;
  // 1 + 2 + 1 + 1 + 1 + 1 runs of consecutive pages at most: far fewer than the pages.
  assert(copied <= 10, `${copied} writes for the checkpoint`);
  p.close();
  const file = mem.readFile("/db")!;
  assertEquals(file.length, 120 * PS);
  for (const [pgno, val] of expect) {
    const page = file.subarray((pgno - 1) * PS, pgno * PS);
    const from = pgno === 1 ? 100 : 0;
    assert(page.subarray(from).every((b) => b === val), `page ${pgno} = ${val}`);
  }
});

Deno.test("pager perf: page cache (CLOCK) keeps hit pages, bounds clean pages, never evicts dirty", () => {
  const c = new PageCache(10);
  const page = (n: number) => new Uint8Array(1).fill(n);
  for (let i = 1; i <= 10; i++) c.putClean(i, page(i));
  assertEquals(c.size, 10);
  assertEquals(c.get(3)?.[0], 3);
  assertEquals(c.get(7)?.[0], 7);
  for (let i = 11; i <= 18; i++) c.putClean(i, page(i));
  assertEquals(c.size, 10);
  assert(c.get(3) !== undefined && c.get(7) !== undefined, "hit pages got a second chance");
  assertEquals(c.get(1), undefined, "the oldest unreferenced page went first");
  c.putDirty(100, page(100));
  c.putDirty(101, page(101));
  for (let i = 200; i <= 230; i++) c.putClean(i, page(i));
  assertEquals(c.get(100)?.[0], 100);
  assertEquals(c.dirtyCount, 2);
  assertEquals(c.size, 12, "10 clean at most (the minimum), plus the dirty ones");
  c.cleanAll();
  assertEquals(c.dirtyCount, 0);
  assertEquals(c.size, 10);
  // Every page referenced: eviction still terminates and keeps the bound.
  for (let round = 0; round < 3; round++) {
    for (let i = 300; i < 340; i++) {
      c.putClean(i, page(i & 0xff));
      for (let j = 300; j <= i; j++) c.get(j);
    }
    assertEquals(c.size, 10);
  }
});
