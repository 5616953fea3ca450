/**
 * The B-tree layer over a {@link Pager}: SQLite's file format for table and index trees,
 * page 1's database header, the freelist, and cursors.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Pager } from "../pager/types.ts";
import { Geometry, get4, INDEX_LEAF, isLeafType, put2, put4, TABLE_LEAF } from "./cell.ts";
import {
  type ComparatorFactory,
  type CursorBase,
  type CursorHost,
  IndexCursorImpl,
  MAX_DEPTH,
  TableCursorImpl,
} from "./cursor.ts";
import { allocatePage, DB_SIZE, FREELIST_COUNT, freePage } from "./freelist.ts";
import { checkIntegrity } from "./integrity.ts";
import { freeOverflow } from "./overflow.ts";
import {
  buildPage,
  cellCount,
  checkedCellOffset,
  checkPage,
  headerOffset,
  rightChild,
} from "./page.ts";
import { cell, parseCell } from "./cell.ts";
import type { BTreeApi, IndexCursor, TableCursor } from "./types.ts";
import { corrupt } from "../errors.ts";

/** SQLITE_VERSION_NUMBER written at header offset 96. */
export const SQLITE_VERSION_NUMBER = 3053000;

/** A tree to check with {@link BTree.integrityCheck}; index trees may bring a comparator. */
export interface IntegrityTree {
  /** Root page. */
  root: number;
  /** Table (rowid) or index tree. */
  kind: "table" | "index";
  /** For index trees: checks that keys are in strictly increasing order. */
  comparatorFor?: ComparatorFactory;
}

/**
 * SQLite-format b-trees over a pager.
 *
 * @example
 * ```ts
 * const bt = new BTree(pager);
 * pager.beginRead(); pager.beginWrite();
 * bt.initialize();
 * const root = bt.createTree("table");
 * const c = bt.tableCursor(root);
 * c.insert(1, record);
 * pager.commit(); pager.endRead();
 * ```
 */
export class BTree implements BTreeApi, CursorHost {
  /** The pager the trees live in. */
  readonly pager: Pager;
  /** Payload thresholds for the pager's usable size. */
  #geo: Geometry;

  /**
   * Payload thresholds for the pager's usable size. Rebuilt when that changes: PRAGMA
   * page_size on a new database changes the size after this layer was built.
   */
  get geo(): Geometry {
    if (this.#geo.usable !== this.pager.usableSize) this.#geo = new Geometry(this.pager.usableSize);
    return this.#geo;
  }
  // An array with each cursor's slot, not a Set: the SQL layer opens and closes cursors per
  // statement execution, and hashing each new cursor into a Set cost more than the rest of
  // opening it.
  private readonly cursors: CursorBase[] = [];

  /** Wraps `pager`; its usable size fixes the payload thresholds. */
  constructor(pager: Pager) {
    this.pager = pager;
    this.#geo = new Geometry(pager.usableSize);
  }

  /** Creates page 1 (database header + empty sqlite_schema) in an empty database. */
  initialize(): void {
    if (this.pager.pageCount() > 0) return;
    const pgno = this.pager.appendPage();
    if (pgno !== 1) throw new SqliteError("SQLITE_INTERNAL", "first page is not page 1");
    const p = this.pager.getPageForWrite(1);
    const magic = "SQLite format 3\0";
    for (let i = 0; i < 16; i++) p[i] = magic.charCodeAt(i);
    const ps = this.pager.pageSize;
    put2(p, 16, ps === 65536 ? 1 : ps);
    p[18] = 1;
    p[19] = 1;
    p[20] = ps - this.pager.usableSize;
    p[21] = 64;
    p[22] = 32;
    p[23] = 32;
    put4(p, 24, 1); // file change counter
    put4(p, DB_SIZE, 1);
    put4(p, 44, 4); // schema format
    put4(p, 56, 1); // UTF-8
    put4(p, 92, 1); // version-valid-for = change counter
    put4(p, 96, SQLITE_VERSION_NUMBER);
    buildPage(p, 100, TABLE_LEAF, [], 0, this.geo.usable);
  }

  /** Allocates an empty root page (from the freelist first) and returns its number. */
  createTree(kind: "table" | "index"): number {
    this.prepareWrite(0, null);
    const pgno = allocatePage(this.pager);
    buildPage(
      this.pager.getPageForWrite(pgno),
      0,
      kind === "table" ? TABLE_LEAF : INDEX_LEAF,
      [],
      0,
      this.geo.usable,
    );
    return pgno;
  }

  /** Frees every page of the tree, root included, to the freelist. */
  dropTree(root: number): void {
    if (root === 1) throw new SqliteError("SQLITE_MISUSE", "cannot drop the schema table");
    this.prepareWrite(root, null);
    this.freeSubtree(root, 0, null, true);
  }

  /** Frees every page of the tree but the root, which is left an empty leaf. */
  clearTree(root: number): void {
    this.prepareWrite(root, null);
    const buf = this.pager.getPage(root);
    const hdr = headerOffset(root);
    const table = (buf[hdr] & 1) !== 0;
    checkPage(buf, hdr, root, table, this.geo.usable);
    this.freeSubtree(root, 0, table, false);
    buildPage(
      this.pager.getPageForWrite(root),
      hdr,
      table ? TABLE_LEAF : INDEX_LEAF,
      [],
      0,
      this.geo.usable,
    );
  }

  private freeSubtree(pgno: number, depth: number, table: boolean | null, freeSelf: boolean): void {
    if (depth >= MAX_DEPTH) throw corrupt(`b-tree containing page ${pgno} too deep`);
    if (pgno < 1 || pgno > this.pager.pageCount()) throw corrupt(`page ${pgno} out of range`);
    const buf = this.pager.getPage(pgno);
    const hdr = headerOffset(pgno);
    const type = buf[hdr];
    const isTable = table ?? (type & 1) !== 0;
    checkPage(buf, hdr, pgno, isTable, this.geo.usable);
    const n = cellCount(buf, hdr);
    const leaf = isLeafType(type);
    // Collect first: freeing may reuse this page as a freelist trunk.
    const children: number[] = [];
    const chains: number[] = [];
    for (let i = 0; i < n; i++) {
      const off = checkedCellOffset(buf, hdr, i, pgno, this.geo.usable);
      parseCell(buf, off, type, this.geo, pgno);
      if (!leaf) children.push(cell.child);
      if (cell.overflow !== 0) chains.push(cell.overflow, cell.payloadSize - cell.local);
    }
    if (!leaf) children.push(rightChild(buf, hdr));
    for (let i = 0; i < chains.length; i += 2) freeOverflow(this.pager, chains[i], chains[i + 1]);
    for (const c of children) this.freeSubtree(c, depth + 1, isTable, true);
    if (freeSelf) freePage(this.pager, pgno);
  }

  /** Reads a 4-byte big-endian header field, unsigned; 0 for an empty database. */
  getMeta(offset: number): number {
    if (this.pager.pageCount() === 0) return 0;
    return get4(this.pager.getPage(1), offset);
  }

  /** Writes a 4-byte header field (write transaction). */
  setMeta(offset: number, value: number): void {
    if (offset < 24 || offset > 96 || offset % 4 !== 0) {
      throw new SqliteError("SQLITE_MISUSE", `bad header offset ${offset}`);
    }
    put4(this.pager.getPageForWrite(1), offset, value);
  }

  /** A cursor over the table b-tree rooted at `root`. */
  tableCursor(root: number): TableCursor & TableCursorImpl {
    const c = new TableCursorImpl(this, root);
    this.register(c);
    return c;
  }

  /**
   * A cursor over the index b-tree rooted at `root`. `comparatorFor(key)` should build a
   * comparator for a stored key; the cursor uses it to find its entry again after the tree
   * changed under it. Without it that takes a scan of the index.
   */
  indexCursor(root: number, comparatorFor?: ComparatorFactory): IndexCursor & IndexCursorImpl {
    const c = new IndexCursorImpl(this, root, comparatorFor);
    this.register(c);
    return c;
  }

  /** Pages on the freelist (header offset 36). */
  freelistCount(): number {
    return this.getMeta(FREELIST_COUNT);
  }

  /** Checks the given trees and the freelist (see {@link BTreeApi.integrityCheck}). */
  integrityCheck(trees: IntegrityTree[], maxErrors: number): string[] {
    const byRoot = new Map<number, ComparatorFactory>();
    for (const t of trees) if (t.comparatorFor) byRoot.set(t.root, t.comparatorFor);
    const keyOrder = byRoot.size === 0 ? undefined : (root: number, keys: Uint8Array[]) => {
      const f = byRoot.get(root);
      if (!f) return null;
      for (let i = 1; i < keys.length; i++) {
        if (f(keys[i - 1])(keys[i]) <= 0) return `Tree ${root}: index entry ${i} out of order`;
      }
      return null;
    };
    return checkIntegrity(this.pager, this.geo, trees, maxErrors, keyOrder);
  }

  /**
   * Checks the database can be written, then saves the position of every cursor on `root`
   * except `except` (the tree is about to change).
   */
  prepareWrite(root: number, except: CursorBase | null): void {
    // Auto-vacuum files need pointer-map pages kept up to date, which this layer does not do.
    if (this.pager.pageCount() > 0 && get4(this.pager.getPage(1), 52) !== 0) {
      throw new SqliteError(
        "SQLITE_READONLY",
        "attempt to write an auto-vacuum database (not supported)",
      );
    }
    for (const c of this.cursors) if (c !== except && c.root === root) c.savePosition();
    // Between operations only cursor stacks hold pages (see recyclePages), so this is where
    // a large transaction's changed pages can leave the cache.
    if (this.pager.wantsSpill) this.pager.spill!(this.#inUse);
  }

  /** Forgets every cursor position, e.g. after a rollback changed the pages under them. */
  resetCursors(): void {
    for (const c of this.cursors) c.reset();
  }

  /** Adds `c` to the open cursors (new ones, and closed ones reopened). */
  register(c: CursorBase): void {
    c.slot = this.cursors.length;
    this.cursors.push(c);
  }

  /** Called by a cursor's close(). */
  unregister(c: CursorBase): void {
    const all = this.cursors;
    let i = c.slot;
    if (all[i] !== c) i = all.indexOf(c);
    if (i < 0) return;
    const last = all.pop()!;
    if (last !== c) {
      all[i] = last;
      last.slot = i;
    }
    c.slot = -1;
  }

  /**
   * Lets the pager reuse buffers that left its cache, except pages on an open cursor's stack.
   * Called only at the start of a cursor movement (see CursorBase.next): between B-tree
   * operations the only holders of page buffers are cursor stacks - every other use inside
   * this layer ends with its operation, and the layers above copy what they keep (blobs,
   * saved keys) or read a row only while its cursor stands on it.
   */
  recyclePages(): void {
    this.pager.recycle?.(this.#inUse);
  }

  readonly #inUse = (buf: Uint8Array): boolean => {
    for (const c of this.cursors) if (c.holds(buf)) return true;
    return false;
  };
}
