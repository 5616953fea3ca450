/**
 * Read-ahead of physically adjacent pages (PagerImpl.getPageAhead, used by B-tree cursors
 * moving forward): a scan of a table whose leaves were appended in page order reads runs of
 * pages with one read (more as the scan goes on), returns exactly the rows written, keeps
 * the cache within its bound, and never takes a page from the database file when the WAL
 * snapshot has a newer frame.
 */
import { assert, assertEquals } from "@std/assert";
import { BTree } from "../../src/btree/mod.ts";
import { PagerImpl } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";
import type { OpenFlags, Vfs, VfsFile } from "../../src/vfs/vfs.ts";

/** Forwards to a MemoryVfs and records the size of every read of `/db`. */
class ReadLog implements Vfs {
  readonly inner = new MemoryVfs({ track: false });
  readonly dbReads: number[] = [];
  open(path: string, flags: OpenFlags): VfsFile {
    const f = this.inner.open(path, flags);
    if (path !== "/db") return f;
    const log = this.dbReads;
    return new Proxy(f, {
      get(target, prop) {
        if (prop === "read") {
          return (buf: Uint8Array, offset: number) => {
            log.push(buf.length);
            return target.read(buf, offset);
          };
        }
        const v = Reflect.get(target, prop);
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

function payloadFor(rowid: number, version: number): Uint8Array {
  const b = new Uint8Array(40 + (rowid % 7));
  for (let i = 0; i < b.length; i++) b[i] = (rowid * 31 + version * 17 + i) & 0xff;
  return b;
}

const PS = 512;
const N = 3000;

/** Writes rows 1..N in rowid order (so leaves are appended page after page); returns the root. */
function build(pager: PagerImpl, bt: BTree): number {
  pager.beginRead();
  pager.beginWrite();
  bt.initialize();
  const root = bt.createTree("table");
  const w = bt.tableCursor(root);
  for (let r = 1; r <= N; r++) w.insert(r, payloadFor(r, 0));
  w.close();
  pager.commit();
  pager.endRead();
  return root;
}

/** Scans the table in one read transaction, comparing each row with `expected`. */
function scan(pager: PagerImpl, bt: BTree, root: number, expected: (r: number) => Uint8Array) {
  pager.beginRead();
  const c = bt.tableCursor(root);
  let n = 0;
  for (let ok = c.first(); ok; ok = c.next()) {
    n++;
    assertEquals(c.rowid(), n);
    assertEquals(c.payload(), expected(n));
  }
  c.close();
  pager.endRead();
  assertEquals(n, N);
}

Deno.test("a forward scan reads runs of adjacent leaves at once, within the cache bound", () => {
  const vfs = new ReadLog();
  const pager = PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 10 });
  const bt = new BTree(pager);
  const root = build(pager, bt);
  const pages = pager.pageCount();
  vfs.dbReads.length = 0;
  scan(pager, bt, root, (r) => payloadFor(r, 0));
  // Nearly every leaf follows the previous one; a 10-page cache reads at most 1 + 10/4.
  assertEquals(Math.max(...vfs.dbReads), 3 * PS);
  assert(vfs.dbReads.length < pages / 2.5, `${vfs.dbReads.length} reads for ${pages} pages`);
  // The bound: a second scan in a 10-page cache must read (almost) everything again.
  vfs.dbReads.length = 0;
  scan(pager, bt, root, (r) => payloadFor(r, 0));
  const pagesRead = vfs.dbReads.reduce((a, n) => a + n / PS, 0);
  assert(pagesRead > pages - 20, `only ${pagesRead} of ${pages} pages read again`);
  pager.close();
});

Deno.test("the read-ahead window grows with the scan: a long one reads 16 pages at once, a short one little", () => {
  const vfs = new ReadLog();
  const pager = PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 400 });
  const bt = new BTree(pager);
  const root = build(pager, bt);
  const pages = pager.pageCount();
  pager.close();
  const reopen = () => PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 400 });
  let p = reopen();
  vfs.dbReads.length = 0;
  scan(p, new BTree(p), root, (r) => payloadFor(r, 0));
  assertEquals(Math.max(...vfs.dbReads), 16 * PS);
  assert(vfs.dbReads.length < pages / 8, `${vfs.dbReads.length} reads for ${pages} pages`);
  p.close();
  // A seek and a few rows read the leaves they need and a few more, not 16 at a time.
  p = reopen();
  p.beginRead();
  const c = new BTree(p).tableCursor(root);
  vfs.dbReads.length = 0;
  assert(c.seek(N / 2));
  let rows = 0;
  while (rows < 30 && c.next()) rows++;
  const pagesRead = vfs.dbReads.reduce((a, n) => a + n / PS, 0);
  assert(pagesRead <= 8, `${pagesRead} pages read for 30 rows`);
  c.close();
  p.endRead();
  p.close();
});

Deno.test("read-ahead never takes a page from the file when the WAL has a newer one", () => {
  const vfs = new ReadLog();
  const pager = PagerImpl.open(vfs, "/db", {
    pageSize: PS,
    cacheSize: 10,
    journalMode: "wal",
    walAutocheckpoint: 0,
  });
  const bt = new BTree(pager);
  const root = build(pager, bt);
  pager.checkpoint("full");
  // Rewrite every 60th row in place (same size, so no page moves): the leaves holding them
  // (one in about six) now have newer images in the WAL, their neighbours do not.
  const changed = (r: number) => r % 60 === 0;
  pager.beginRead();
  pager.beginWrite();
  const w = bt.tableCursor(root);
  for (let r = 1; r <= N; r++) if (changed(r)) w.insert(r, payloadFor(r, 1));
  w.close();
  pager.commit();
  pager.endRead();
  vfs.dbReads.length = 0;
  scan(pager, bt, root, (r) => payloadFor(r, changed(r) ? 1 : 0));
  assert(vfs.dbReads.some((n) => n > PS), "no read of several pages happened");
  pager.close();
});

Deno.test("leaves interleaved with another tree's pages are read many at a time, gaps and all", () => {
  const vfs = new ReadLog();
  const pager = PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 400 });
  const bt = new BTree(pager);
  pager.beginRead();
  pager.beginWrite();
  bt.initialize();
  const root = bt.createTree("table");
  const other = bt.createTree("table");
  const w = bt.tableCursor(root);
  const o = bt.tableCursor(other);
  // Rows go to both trees in turn (as in a fixture filling two tables row by row): their
  // leaves alternate in the file, one or two pages apart.
  for (let r = 1; r <= N; r++) {
    w.insert(r, payloadFor(r, 0));
    o.insert(r, payloadFor(r, 5));
  }
  w.close();
  o.close();
  pager.commit();
  pager.endRead();
  pager.close();
  const p = PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 400 });
  vfs.dbReads.length = 0;
  scan(p, new BTree(p), root, (r) => payloadFor(r, 0));
  const pages = vfs.dbReads.reduce((a, n) => a + n / PS, 0);
  const leaves = Math.ceil(N / 9);
  // One read per leaf would be ~330 reads; spans of up to 16 pages take ~8 leaves each.
  assert(vfs.dbReads.length < leaves / 4, `${vfs.dbReads.length} reads for ~${leaves} leaves`);
  assert(pages < 2.5 * leaves, `${pages} pages read for ~${leaves} leaves`);
  p.close();
  // A short range reads its own leaves only: the other tree's pages between them would be
  // wasted copies and push useful pages out of the cache.
  const q = PagerImpl.open(vfs, "/db", { pageSize: PS, cacheSize: 400 });
  q.beginRead();
  const c = new BTree(q).tableCursor(root);
  vfs.dbReads.length = 0;
  assert(c.seek(N / 2));
  for (let rows = 0; rows < 30 && c.next(); rows++);
  const read = vfs.dbReads.reduce((a, n) => a + n / PS, 0);
  assert(read <= 8, `${read} pages read for 30 rows`);
  c.close();
  q.endRead();
  q.close();
});
