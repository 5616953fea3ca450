/**
 * The page cache: a bounded LRU of clean pages plus every dirty page of the open write
 * transaction (dirty pages are never evicted; they leave only by commit or rollback).
 * @module
 */

/** SQLite's default cache_size: -2000, i.e. 2000 KiB. */
export const DEFAULT_CACHE_SIZE = -2000;

/** Fewest pages the cache keeps, whatever cache_size says (pcache1 keeps at least 10). */
const MIN_PAGES = 10;

/**
 * Pages a cache_size setting allows: positive = pages, negative = KiB of page data
 * (SQLite's rule: -1024 * n / page size).
 */
export function cachePagesFor(cacheSize: number, pageSize: number): number {
  const pages = cacheSize >= 0 ? cacheSize : Math.floor((-1024 * cacheSize) / pageSize);
  return Math.max(MIN_PAGES, pages);
}

/** A clean page and its CLOCK reference bit. */
interface CleanEntry {
  buf: Uint8Array;
  /** Hit since the eviction hand last passed it (it then gets a second chance). */
  ref: boolean;
}

/**
 * Most buffers kept for reuse between two {@link PageCache.recycle} calls. A transaction that
 * evicts more (a long scan) lets the rest go to the GC, so the kept ones stay a small,
 * bounded amount of memory.
 */
const MAX_RETIRED = 64;

/**
 * Cached page buffers by page number.
 *
 * Clean pages are replaced by CLOCK (second chance), an approximation of LRU: a hit only
 * sets a flag, where exact LRU re-inserted the page into the Map on every hit - the most
 * frequent pager operation, several per statement.
 *
 * Buffers that leave the cache are reused, but not at once: B-tree cursors and callers of
 * getPage hold page buffers without telling the pager when they let go, so a buffer that
 * leaves is only *retired*. The pager calls {@link recycle} when its read transaction ends -
 * then no cursor is open and nothing holds a page - and retired buffers become free ones
 * that {@link take} hands out for the next cache misses. Why: a fresh buffer per miss made
 * point lookups allocate a page each, which both cost time and let V8's heap and external
 * memory grow far past the cache size (issue 6's memory bound).
 */
export class PageCache {
  /** Clean pages; Map order is the clock (the hand is at the first entry). */
  readonly #clean = new Map<number, CleanEntry>();
  readonly #dirty = new Map<number, Uint8Array>();
  #capacity: number;
  /** Buffers that left the cache in this transaction; someone may still read them. */
  #retired: Uint8Array[] = [];
  /** Buffers nobody holds, ready for reuse. */
  #free: Uint8Array[] = [];
  /**
   * Buffers retired since the last {@link recycle}. Those a recycle kept (still on a cursor
   * stack) are not counted again: a scan's cursor can hold an evicted interior page for
   * thousands of rows, and re-checking it at every step cost ~30 ns a row.
   */
  #pending = 0;

  /** Creates a cache holding up to `capacity` pages (dirty ones may exceed it). */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Changes the bound; evicts clean pages over it. */
  setCapacity(capacity: number): void {
    this.#capacity = capacity;
    this.#evict();
  }

  /** The bound, in pages. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Number of cached pages (clean and dirty). */
  get size(): number {
    return this.#clean.size + this.#dirty.size;
  }

  /** Number of dirty pages. */
  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /** The cached buffer for `pgno`, marking it recently used; undefined on a miss. */
  get(pgno: number): Uint8Array | undefined {
    const d = this.#dirty.get(pgno);
    if (d !== undefined) return d;
    const c = this.#clean.get(pgno);
    if (c === undefined) return undefined;
    c.ref = true;
    return c.buf;
  }

  /** True when `pgno` is cached (clean or dirty); unlike {@link get}, not a use. */
  has(pgno: number): boolean {
    return this.#clean.has(pgno) || this.#dirty.has(pgno);
  }

  /** True when `pgno` is dirty. */
  isDirty(pgno: number): boolean {
    return this.#dirty.has(pgno);
  }

  /** Adds a clean page (evicting the least recently used clean pages over the bound). */
  putClean(pgno: number, buf: Uint8Array): void {
    const old = this.#clean.get(pgno);
    if (old !== undefined) {
      this.#clean.delete(pgno);
      if (old.buf !== buf) this.#retire(old.buf);
    }
    this.#clean.set(pgno, { buf, ref: false });
    this.#evict();
  }

  /** Makes `buf` the dirty buffer of `pgno` (moving it out of the clean set). */
  putDirty(pgno: number, buf: Uint8Array): void {
    const old = this.#clean.get(pgno);
    if (old !== undefined) {
      this.#clean.delete(pgno);
      if (old.buf !== buf) this.#retire(old.buf);
    }
    const d = this.#dirty.get(pgno);
    if (d !== undefined && d !== buf) this.#retire(d);
    if (old === undefined && d === undefined) {
      // The page is not cached, yet getPage just returned it: putClean evicted the page it
      // had loaded (every other clean page was hit since the CLOCK hand passed), so its
      // buffer is retired. Cached again, it must not be recycled into another page.
      const r = this.#retired.lastIndexOf(buf);
      if (r >= 0) this.#retired.splice(r, 1);
    }
    this.#dirty.set(pgno, buf);
  }

  /** Turns dirty page `pgno` clean again, keeping its buffer (a rollback restored it). */
  undirty(pgno: number): void {
    const buf = this.#dirty.get(pgno);
    if (buf === undefined) return;
    this.#dirty.delete(pgno);
    this.#clean.set(pgno, { buf, ref: false });
    this.#evict();
  }

  /**
   * A free buffer of `size` bytes with stale contents, or undefined. Only buffers retired
   * before the last {@link recycle} are handed out.
   */
  take(size: number): Uint8Array | undefined {
    const free = this.#free;
    while (free.length > 0) {
      const b = free.pop()!;
      if (b.byteLength === size) return b;
    }
    return undefined;
  }

  /**
   * Declares that nothing outside the cache holds a page buffer any more (the pager's read
   * transaction ended), or nothing but the buffers `inUse` names (cursor stacks, between
   * cursor steps): the other retired buffers become free.
   */
  recycle(inUse?: (buf: Uint8Array) => boolean): void {
    this.#pending = 0;
    const r = this.#retired;
    if (r.length === 0) return;
    const free = this.#free;
    let kept = 0;
    for (let i = 0; i < r.length; i++) {
      const b = r[i];
      if (inUse !== undefined && inUse(b)) r[kept++] = b;
      else if (free.length < MAX_RETIRED) free.push(b);
    }
    r.length = kept;
  }

  /**
   * Buffers retired since the last {@link recycle}: zero means a recycle would free nothing
   * new (buffers it kept as in use are looked at again with the next retired ones, and all
   * of them at the end of the transaction).
   */
  get retiredCount(): number {
    return this.#pending;
  }

  #retire(buf: Uint8Array): void {
    if (this.#retired.length < MAX_RETIRED) {
      this.#retired.push(buf);
      this.#pending++;
    }
  }

  /** Page numbers of the dirty pages, ascending. */
  dirtyPages(): number[] {
    return [...this.#dirty.keys()].sort((a, b) => a - b);
  }

  /** Turns every dirty page clean (after a commit). */
  cleanAll(): void {
    for (const [pgno, buf] of this.#dirty) this.#clean.set(pgno, { buf, ref: false });
    this.#dirty.clear();
    this.#evict();
  }

  /** Forgets `pgno`. */
  drop(pgno: number): void {
    const c = this.#clean.get(pgno);
    if (c !== undefined) {
      this.#clean.delete(pgno);
      this.#retire(c.buf);
    }
    const d = this.#dirty.get(pgno);
    if (d !== undefined) {
      this.#dirty.delete(pgno);
      this.#retire(d);
    }
  }

  /** Forgets every page above `pgno`. */
  dropAbove(pgno: number): void {
    for (const k of [...this.#clean.keys()]) if (k > pgno) this.drop(k);
    for (const k of [...this.#dirty.keys()]) if (k > pgno) this.drop(k);
  }

  /** Forgets every page. */
  clear(): void {
    for (const e of this.#clean.values()) this.#retire(e.buf);
    for (const b of this.#dirty.values()) this.#retire(b);
    this.#clean.clear();
    this.#dirty.clear();
  }

  #evict(): void {
    const room = Math.max(this.#capacity - this.#dirty.size, MIN_PAGES);
    if (this.#clean.size <= room) return;
    // Each pass clears the bit of a page it spares, so this ends within two rounds; the
    // moves are paid for by the hits that set the bits.
    const clean = this.#clean;
    while (clean.size > room) {
      for (const [k, e] of clean) {
        clean.delete(k);
        if (e.ref) {
          e.ref = false;
          clean.set(k, e);
        } else {
          this.#retire(e.buf);
          if (clean.size <= room) break;
        }
      }
    }
  }
}
