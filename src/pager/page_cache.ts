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

/** A clean page, its CLOCK reference bit and its place on the clock. */
interface CleanEntry {
  pgno: number;
  buf: Uint8Array;
  /** Hit since the eviction hand last passed it (it then gets a second chance). */
  ref: boolean;
  /** Index in PageCache's ring. */
  slot: number;
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
 * frequent pager operation, several per statement. The clock is an array of slots with a
 * hand, not the Map's order: moving a spared page to the Map's end and deleting the victim
 * from its front left deleted entries that every later eviction's iterator skipped again
 * (~0.2 us a miss at 500 pages). A new page takes the victim's slot, just behind the hand.
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
  /** Clean pages by page number. */
  readonly #clean = new Map<number, CleanEntry>();
  /** The clock: each clean page sits in one slot; null = a hole. */
  #ring: (CleanEntry | null)[] = [];
  /** Indexes of the holes in #ring, refilled before the ring grows. */
  #holes: number[] = [];
  /** The slot the eviction hand looks at next. */
  #hand = 0;
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
    // A shrunk cache must not leave the hand sweeping a ring of holes.
    if (this.#ring.length > 2 * this.#clean.size + 64) this.#compact();
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
    const clean = this.#clean;
    const old = clean.get(pgno);
    if (old !== undefined) {
      this.#unlink(old);
      if (old.buf !== buf) this.#retire(old.buf);
    }
    if (clean.size >= this.#room()) {
      // The usual miss of a full cache: the new page replaces the victim in its slot (and
      // its entry object), so the page just loaded is the last one the hand comes back to.
      const e = this.#evictOne();
      e.pgno = pgno;
      e.buf = buf;
      this.#ring[e.slot] = e;
      clean.set(pgno, e);
      this.#hand = e.slot + 1;
      this.#evict();
      return;
    }
    this.#link(pgno, buf);
  }

  /** Makes `buf` the dirty buffer of `pgno` (moving it out of the clean set). */
  putDirty(pgno: number, buf: Uint8Array): void {
    const old = this.#clean.get(pgno);
    if (old !== undefined) {
      this.#unlink(old);
      if (old.buf !== buf) this.#retire(old.buf);
    }
    const d = this.#dirty.get(pgno);
    if (d !== undefined && d !== buf) this.#retire(d);
    if (old === undefined && d === undefined) {
      // The page is not cached, yet the caller has its buffer from getPage: a putClean since
      // evicted it, so its buffer is retired. Cached again, it must not be recycled into
      // another page. (putClean no longer evicts the page it adds, so this is rare.)
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
    this.#link(pgno, buf);
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

  /** The dirty pages and their buffers, the first made dirty first. */
  dirtyEntries(): MapIterator<[number, Uint8Array]> {
    return this.#dirty.entries();
  }

  /** Turns every dirty page clean (after a commit). */
  cleanAll(): void {
    for (const [pgno, buf] of this.#dirty) this.#link(pgno, buf);
    this.#dirty.clear();
    this.#evict();
  }

  /** Forgets `pgno`. */
  drop(pgno: number): void {
    const c = this.#clean.get(pgno);
    if (c !== undefined) {
      this.#unlink(c);
      this.#retire(c.buf);
    }
    const d = this.#dirty.get(pgno);
    if (d !== undefined) {
      this.#dirty.delete(pgno);
      this.#retire(d);
    }
  }

  /**
   * Forgets dirty page `pgno` whose buffer nobody holds (the caller checked), keeping the
   * buffer for the next misses: a spill frees half the cache at once, and retiring those
   * buffers would leave most of them to the GC and every later miss a new one.
   */
  release(pgno: number): void {
    const d = this.#dirty.get(pgno);
    if (d === undefined) return;
    this.#dirty.delete(pgno);
    if (this.#free.length < Math.max(MAX_RETIRED, this.#capacity >> 1)) this.#free.push(d);
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
    this.#ring = [];
    this.#holes = [];
    this.#hand = 0;
  }

  /** Clean pages the bound leaves room for beside the dirty ones. */
  #room(): number {
    return Math.max(this.#capacity - this.#dirty.size, MIN_PAGES);
  }

  /** Adds a clean page that is not cached, in a hole of the ring or at its end. */
  #link(pgno: number, buf: Uint8Array): void {
    const slot = this.#holes.length > 0 ? this.#holes.pop()! : this.#ring.length;
    const e: CleanEntry = { pgno, buf, ref: false, slot };
    this.#ring[slot] = e;
    this.#clean.set(pgno, e);
  }

  /** Removes a clean page from the map and the ring (its buffer is the caller's). */
  #unlink(e: CleanEntry): void {
    this.#clean.delete(e.pgno);
    this.#ring[e.slot] = null;
    this.#holes.push(e.slot);
  }

  /**
   * Moves the hand to the first clean page not hit since it last passed (clearing the bits
   * of those it spares), and removes that page: its buffer is retired and its slot is left
   * null for the caller. There must be a clean page; each pass clears the bits of the pages
   * it spares, so this ends within two rounds, paid for by the hits that set the bits.
   */
  #evictOne(): CleanEntry {
    const ring = this.#ring;
    const len = ring.length;
    let h = this.#hand;
    for (;;) {
      if (h >= len) h = 0;
      const e = ring[h];
      if (e !== null) {
        if (!e.ref) {
          ring[h] = null;
          this.#clean.delete(e.pgno);
          this.#retire(e.buf);
          this.#hand = h;
          return e;
        }
        e.ref = false;
      }
      h++;
    }
  }

  /** Evicts clean pages over the bound. */
  #evict(): void {
    const room = this.#room();
    while (this.#clean.size > room) this.#holes.push(this.#evictOne().slot);
  }

  /** Rebuilds the ring without holes, in clock order from the hand. */
  #compact(): void {
    const old = this.#ring;
    const ring: CleanEntry[] = [];
    for (let i = 0; i < old.length; i++) {
      const e = old[(this.#hand + i) % old.length];
      if (e === null) continue;
      e.slot = ring.length;
      ring.push(e);
    }
    this.#ring = ring;
    this.#holes = [];
    this.#hand = 0;
  }
}
