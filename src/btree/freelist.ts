/**
 * The freelist (fileformat2.html 1.5): trunk pages chained from header offset 32, each
 * listing leaf pages; header offset 36 counts all of them. Allocation reuses freelist pages
 * before growing the file.
 * @module
 */

import { corrupt } from "../errors.ts";
import type { Pager } from "../pager/types.ts";
import { get4, put4 } from "./cell.ts";

/** Header offset of the first freelist trunk page. */
export const FREELIST_TRUNK = 32;
/** Header offset of the freelist page count. */
export const FREELIST_COUNT = 36;
/** Header offset of the database size in pages. */
export const DB_SIZE = 28;

/** The page that contains byte offset 2^30 (SQLite's PENDING_BYTE page). */
export function lockBytePage(pageSize: number): number {
  return Math.floor(0x40000000 / pageSize) + 1;
}

/**
 * Takes a page for reuse: a leaf of the first trunk, or the trunk itself when it lists no
 * leaves; otherwise appends a page. The page comes back zero-filled, ready to write.
 */
export function allocatePage(pager: Pager): number {
  const p1 = pager.getPage(1);
  const count = get4(p1, FREELIST_COUNT);
  const pageCount = pager.pageCount();
  if (count > 0) {
    const trunk = get4(p1, FREELIST_TRUNK);
    if (trunk < 2 || trunk > pageCount) throw corrupt(`freelist trunk page ${trunk} out of range`);
    const t = pager.getPage(trunk);
    const leaves = get4(t, 4);
    if (leaves > pager.usableSize / 4 - 2) {
      throw corrupt(`freelist leaf count too big on page ${trunk}`);
    }
    let pgno: number;
    if (leaves > 0) {
      pgno = get4(t, 4 + 4 * leaves);
      if (pgno < 2 || pgno > pageCount) throw corrupt(`freelist leaf page ${pgno} out of range`);
      const tw = pager.getPageForWrite(trunk);
      put4(tw, 4, leaves - 1);
    } else {
      pgno = trunk;
      const next = get4(t, 0);
      if (next > pageCount) throw corrupt(`freelist trunk page ${next} out of range`);
      put4(pager.getPageForWrite(1), FREELIST_TRUNK, next);
    }
    put4(pager.getPageForWrite(1), FREELIST_COUNT, count - 1);
    pager.getPageForWrite(pgno).fill(0);
    return pgno;
  }
  let pgno = pager.appendPage();
  // The page holding the lock bytes at 1 GiB is never used (fileformat2.html 1.3).
  if (pgno === lockBytePage(pager.pageSize)) pgno = pager.appendPage();
  put4(pager.getPageForWrite(1), DB_SIZE, pager.pageCount());
  return pgno;
}

/**
 * Puts `pgno` on the freelist: as a leaf of the first trunk while it has room (SQLite keeps
 * trunks to usable/4 - 8 leaves for compatibility with old readers), else as a new trunk.
 */
export function freePage(pager: Pager, pgno: number): void {
  if (pgno < 2 || pgno > pager.pageCount()) throw corrupt(`freeing page ${pgno} out of range`);
  const p1 = pager.getPageForWrite(1);
  const count = get4(p1, FREELIST_COUNT);
  const trunk = get4(p1, FREELIST_TRUNK);
  put4(p1, FREELIST_COUNT, count + 1);
  if (trunk !== 0) {
    if (trunk > pager.pageCount()) throw corrupt(`freelist trunk page ${trunk} out of range`);
    const t = pager.getPage(trunk);
    const leaves = get4(t, 4);
    if (leaves < pager.usableSize / 4 - 8) {
      const tw = pager.getPageForWrite(trunk);
      put4(tw, 4, leaves + 1);
      put4(tw, 8 + 4 * leaves, pgno);
      return;
    }
  }
  const w = pager.getPageForWrite(pgno);
  w.fill(0, 0, 8);
  put4(w, 0, trunk);
  put4(w, 4, 0);
  put4(p1, FREELIST_TRUNK, pgno);
}
