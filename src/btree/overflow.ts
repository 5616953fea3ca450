/**
 * Overflow chains: each page holds a 4-byte next-page number and usable-4 payload bytes.
 * @module
 */

import { corrupt } from "../errors.ts";
import type { Pager } from "../pager/types.ts";
import { get4, put4 } from "./cell.ts";
import { allocatePage, freePage } from "./freelist.ts";

/** Number of overflow pages a payload with `rest` bytes past the local part needs. */
export function overflowPageCount(rest: number, usable: number): number {
  return Math.ceil(rest / (usable - 4));
}

/**
 * Copies the overflow part of a payload into `out` starting at `outOff` (`rest` bytes),
 * following the chain from `first`. The chain length is bounded by the payload size.
 */
export function readOverflow(
  pager: Pager,
  first: number,
  out: Uint8Array,
  outOff: number,
  rest: number,
): void {
  const per = pager.usableSize - 4;
  const pageCount = pager.pageCount();
  let pgno = first;
  let off = outOff;
  let left = rest;
  while (left > 0) {
    if (pgno < 2 || pgno > pageCount) throw corrupt(`overflow page ${pgno} out of range`);
    const p = pager.getPage(pgno);
    const n = left < per ? left : per;
    out.set(p.subarray(4, 4 + n), off);
    off += n;
    left -= n;
    pgno = get4(p, 0);
  }
}

/** Writes `data` into a new overflow chain; returns its first page. */
export function writeOverflow(pager: Pager, data: Uint8Array): number {
  const per = pager.usableSize - 4;
  const n = overflowPageCount(data.length, pager.usableSize);
  const pages: number[] = [];
  for (let i = 0; i < n; i++) pages.push(allocatePage(pager));
  for (let i = 0; i < n; i++) {
    const w = pager.getPageForWrite(pages[i]);
    put4(w, 0, i + 1 < n ? pages[i + 1] : 0);
    const start = i * per;
    const end = Math.min(data.length, start + per);
    w.set(data.subarray(start, end), 4);
  }
  return n > 0 ? pages[0] : 0;
}

/** Frees the overflow chain of a payload with `rest` bytes past its local part. */
export function freeOverflow(pager: Pager, first: number, rest: number): void {
  let count = overflowPageCount(rest, pager.usableSize);
  let pgno = first;
  const pageCount = pager.pageCount();
  while (count-- > 0) {
    if (pgno < 2 || pgno > pageCount) throw corrupt(`overflow page ${pgno} out of range`);
    const next = count > 0 ? get4(pager.getPage(pgno), 0) : 0;
    freePage(pager, pgno);
    pgno = next;
  }
}
