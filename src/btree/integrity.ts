/**
 * The b-tree half of PRAGMA integrity_check: page structure, key order, overflow chains,
 * the freelist, and that every page is used exactly once. Messages follow SQLite's wording.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Pager } from "../pager/types.ts";
import {
  cell,
  type Geometry,
  get2,
  get4,
  INDEX_INTERIOR,
  INDEX_LEAF,
  isLeafType,
  parseCell,
  TABLE_INTERIOR,
  TABLE_LEAF,
} from "./cell.ts";
import { FREELIST_COUNT, FREELIST_TRUNK, lockBytePage } from "./freelist.ts";
import { headerOffset, headerSize } from "./page.ts";
import type { Rowid } from "./types.ts";

/** A tree to check. */
export interface TreeToCheck {
  /** Root page. */
  root: number;
  /** Table (rowid) or index tree. */
  kind: "table" | "index";
}

class Enough extends Error {}

/** The largest rowid: the bound a table tree's keys are checked against at its root. */
const LARGEST_ROWID: Rowid = 2n ** 63n - 1n;

/** Runs the checks; returns at most `maxErrors` messages, empty when all is well. */
export function checkIntegrity(
  pager: Pager,
  geo: Geometry,
  trees: TreeToCheck[],
  maxErrors: number,
  keyOrder?: (root: number, keys: Uint8Array[]) => string | null,
): string[] {
  const errors: string[] = [];
  const nPage = pager.pageCount();
  if (nPage === 0) return errors;
  const used = new Uint8Array(nPage + 1);
  const usable = geo.usable;
  const err = (msg: string) => {
    errors.push(msg);
    if (errors.length >= maxErrors) throw new Enough();
  };
  const mark = (pgno: number, pfx: string): boolean => {
    if (pgno < 1 || pgno > nPage) {
      err(`${pfx}invalid page number ${pgno}`);
      return false;
    }
    if (used[pgno]) {
      err(`${pfx}2nd reference to page ${pgno}`);
      return false;
    }
    used[pgno] = 1;
    return true;
  };

  // SQLite's checkList: follow the chain to its end (a page seen twice ends it), then
  // complain about its length only when nothing else was wrong with it.
  const checkOverflow = (first: number, rest: number, pfx: string) => {
    const expected = Math.ceil(rest / (usable - 4));
    const before = errors.length;
    let pgno = first;
    let n = 0;
    while (pgno !== 0) {
      if (!mark(pgno, pfx)) break;
      n++;
      pgno = get4(pager.getPage(pgno), 0);
    }
    if (n !== expected && errors.length === before) {
      err(`${pfx}overflow list length is ${n} but should be ${expected}`);
    }
  };

  /** The smallest rowid the last checkPage saw in its subtree (SQLite's *piMinKey). */
  let minKey: Rowid = 0;
  /**
   * One page and its subtree, in SQLite's order (checkTreePage): the right child first, then
   * the cells from last to first, each cell's overflow chain before its left child. Table
   * trees carry `maxKey` downwards, so the key blamed for being out of order is the one
   * SQLite blames. `refPfx` is the prefix of the reference to this page (the parent's cell),
   * which is where SQLite reports a second reference. Returns the subtree's depth: 0 for a
   * leaf, or for a page that could not be checked.
   */
  const checkPage = (
    root: number,
    pgno: number,
    table: boolean,
    depth: number,
    maxKeyIn: Rowid,
    keys: Uint8Array[] | null,
    refPfx: string,
  ): number => {
    const pfx = `Tree ${root} page ${pgno}: `;
    if (depth > 20) {
      err(`${pfx}b-tree too deep`);
      return 0;
    }
    if (!mark(pgno, refPfx)) return 0;
    const buf = pager.getPage(pgno);
    const hdr = headerOffset(pgno);
    const type = buf[hdr];
    if (
      table
        ? type !== TABLE_LEAF && type !== TABLE_INTERIOR
        : type !== INDEX_LEAF && type !== INDEX_INTERIOR
    ) {
      err(`${pfx}invalid page type ${type}`);
      return 0;
    }
    const leaf = isLeafType(type);
    const n = get2(buf, hdr + 3);
    const ptrEnd = hdr + headerSize(type) + 2 * n;
    const top = get2(buf, hdr + 5) || 65536;
    if (ptrEnd > top || top > usable) {
      err(`${pfx}cell content area ${top} out of range ${ptrEnd}..${usable}`);
      return 0;
    }
    if (!leaf && n === 0 && pgno !== 1) err(`${pfx}interior page has no cells`);
    const spans: number[] = [];
    let maxKey: Rowid = maxKeyIn;
    let keyCanBeEqual = true;
    let childDepth = -1;
    if (!leaf) {
      minKey = maxKey;
      childDepth = checkPage(
        root,
        get4(buf, hdr + 8),
        table,
        depth + 1,
        maxKey,
        keys,
        `Tree ${root} page ${pgno} right child: `,
      );
      maxKey = minKey;
      keyCanBeEqual = false;
    }
    for (let i = n - 1; i >= 0; i--) {
      const cpfx = `Tree ${root} page ${pgno} cell ${i}: `;
      const off = get2(buf, hdr + headerSize(type) + 2 * i);
      if (off < top || off > usable - 4) {
        err(`${cpfx}Offset ${off} out of range ${top}..${usable - 4}`);
        continue;
      }
      try {
        parseCell(buf, off, type, geo, pgno);
      } catch (e) {
        if (e instanceof SqliteError) {
          err(`${cpfx}Extends off end of page`);
          continue;
        }
        throw e;
      }
      const size = cell.size;
      spans.push(off, off + size);
      const c = cell.child;
      const rowid = cell.rowid;
      const overflow = cell.overflow;
      const rest = cell.payloadSize - cell.local;
      const key = keys && !table ? cellKey(pager, buf, off, type, geo) : null;
      if (table) {
        if (keyCanBeEqual ? rowid > maxKey : rowid >= maxKey) {
          err(`${cpfx}Rowid ${rowid} out of order`);
        }
        maxKey = rowid;
        keyCanBeEqual = false;
      }
      if (overflow !== 0) checkOverflow(overflow, rest, cpfx);
      // Visited largest first (a cell before its left subtree): the whole tree's keys arrive
      // in descending order.
      if (key && keys) keys.push(key);
      if (!leaf) {
        minKey = maxKey;
        const d2 = checkPage(root, c, table, depth + 1, maxKey, keys, cpfx);
        maxKey = minKey;
        keyCanBeEqual = false;
        if (d2 !== childDepth) {
          err(`${cpfx}Child page depth differs`);
          childDepth = d2;
        }
      }
    }
    minKey = maxKey;
    // Freeblocks, then the accounting of every byte of the content area.
    let fb = get2(buf, hdr + 1);
    let last = 0;
    while (fb !== 0) {
      if (fb < top || fb > usable - 4 || fb <= last) {
        err(`${pfx}Freeblock offset ${fb} out of range`);
        break;
      }
      const size = get2(buf, fb + 2);
      if (fb + size > usable) {
        err(`${pfx}Extends off end of page`);
        break;
      }
      spans.push(fb, fb + size);
      last = fb;
      fb = get2(buf, fb);
    }
    const order = [];
    for (let i = 0; i < spans.length; i += 2) order.push(i);
    order.sort((a, b) => spans[a] - spans[b]);
    let covered = 0;
    let end = top;
    for (const i of order) {
      if (spans[i] < end) {
        err(`${pfx}Multiple uses for byte ${spans[i]} of page ${pgno}`);
        return leaf ? 0 : childDepth + 1;
      }
      covered += spans[i + 1] - spans[i];
      end = spans[i + 1];
    }
    const frag = usable - top - covered;
    if (frag !== buf[hdr + 7]) {
      err(`${pfx}Fragmentation of ${frag} bytes reported as ${buf[hdr + 7]} on page ${pgno}`);
    }
    return leaf ? 0 : childDepth + 1;
  };

  try {
    // page 1 holds the header; it is used by the schema tree (root 1), checked below.
    let trunk = get4(pager.getPage(1), FREELIST_TRUNK);
    const expected = get4(pager.getPage(1), FREELIST_COUNT);
    let count = 0;
    while (trunk !== 0 && count <= nPage) {
      if (!mark(trunk, "Freelist: ")) break;
      count++;
      const t = pager.getPage(trunk);
      const k = get4(t, 4);
      if (k > usable / 4 - 2) {
        err(`freelist leaf count too big on page ${trunk}`);
        break;
      }
      for (let j = 0; j < k; j++) {
        mark(get4(t, 8 + 4 * j), "Freelist: ");
        count++;
      }
      trunk = get4(t, 0);
    }
    if (count !== expected) err(`Freelist: size is ${count} but should be ${expected}`);
    for (const t of trees) {
      const keys = keyOrder && t.kind === "index" ? [] as Uint8Array[] : null;
      const before = errors.length;
      minKey = LARGEST_ROWID;
      checkPage(
        t.root,
        t.root,
        t.kind === "table",
        0,
        LARGEST_ROWID,
        keys,
        `Tree ${t.root} page ${t.root}: `,
      );
      keys?.reverse();
      if (keys && keyOrder && errors.length === before) {
        const msg = keyOrder(t.root, keys);
        if (msg) err(msg);
      }
    }
    const lockPage = lockBytePage(pager.pageSize);
    for (let i = 1; i <= nPage; i++) {
      if (!used[i] && i !== lockPage) err(`Page ${i}: never used`);
    }
  } catch (e) {
    if (!(e instanceof Enough)) throw e;
  }
  return errors;
}

/** The whole payload of the index cell at `off` (assembling overflow). */
function cellKey(
  pager: Pager,
  buf: Uint8Array,
  off: number,
  type: number,
  geo: Geometry,
): Uint8Array | null {
  parseCell(buf, off, type, geo, 0);
  const per = geo.usable - 4;
  const nPage = pager.pageCount();
  if (Math.ceil((cell.payloadSize - cell.local) / per) > nPage) return null;
  const out = new Uint8Array(cell.payloadSize);
  out.set(buf.subarray(cell.payloadOff, cell.payloadOff + cell.local));
  let pgno = cell.overflow;
  let at = cell.local;
  let guard = 0;
  while (at < out.length) {
    if (pgno < 2 || pgno > nPage || guard++ > nPage) return null;
    const p = pager.getPage(pgno);
    const m = Math.min(per, out.length - at);
    out.set(p.subarray(4, 4 + m), at);
    at += m;
    pgno = get4(p, 0);
  }
  // Re-parse so the caller's view of `cell` is this cell again.
  parseCell(buf, off, type, geo, 0);
  return out;
}
