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
 * Cached page buffers by page number.
 *
 * Clean pages are replaced by CLOCK (second chance), an approximation of LRU: a hit only
 * sets a flag, where exact LRU re-inserted the page into the Map on every hit - the most
 * frequent pager operation, several per statement.
 */
export class PageCache {
  /** Clean pages; Map order is the clock (the hand is at the first entry). */
  readonly #clean = new Map<number, CleanEntry>();
  readonly #dirty = new Map<number, Uint8Array>();
  #capacity: number;

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

  /** True when `pgno` is dirty. */
  isDirty(pgno: number): boolean {
    return this.#dirty.has(pgno);
  }

  /** Adds a clean page (evicting the least recently used clean pages over the bound). */
  putClean(pgno: number, buf: Uint8Array): void {
    this.#clean.delete(pgno);
    this.#clean.set(pgno, { buf, ref: false });
    this.#evict();
  }

  /** Makes `buf` the dirty buffer of `pgno` (moving it out of the clean set). */
  putDirty(pgno: number, buf: Uint8Array): void {
    this.#clean.delete(pgno);
    this.#dirty.set(pgno, buf);
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
    this.#clean.delete(pgno);
    this.#dirty.delete(pgno);
  }

  /** Forgets every page above `pgno`. */
  dropAbove(pgno: number): void {
    for (const k of [...this.#clean.keys()]) if (k > pgno) this.#clean.delete(k);
    for (const k of [...this.#dirty.keys()]) if (k > pgno) this.#dirty.delete(k);
  }

  /** Forgets every page. */
  clear(): void {
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
        } else if (clean.size <= room) {
          break;
        }
      }
    }
  }
}
