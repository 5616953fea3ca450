/**
 * One b-tree page in place: header fields, the cell pointer array, free space (freeblocks,
 * fragmented bytes, the gap), defragmentation, and inserting/removing cells the way SQLite's
 * btree.c does, so the pages stay byte-compatible and pass sqlite's integrity_check.
 * @module
 */

import { corrupt } from "../errors.ts";
import {
  cell,
  type Geometry,
  get2,
  get4,
  INDEX_INTERIOR,
  INDEX_LEAF,
  parseCell,
  put2,
  put4,
  TABLE_INTERIOR,
  TABLE_LEAF,
} from "./cell.ts";

/** Where the b-tree header starts: page 1 carries the 100-byte database header first. */
export function headerOffset(pgno: number): number {
  return pgno === 1 ? 100 : 0;
}

/** B-tree page header size: 12 bytes for interior pages, 8 for leaves. */
export function headerSize(type: number): number {
  return (type & 8) !== 0 ? 8 : 12;
}

/** Number of cells on the page. */
export function cellCount(buf: Uint8Array, hdr: number): number {
  return (buf[hdr + 3] << 8) | buf[hdr + 4];
}

/** Offset of cell `i` (from the cell pointer array). */
export function cellOffset(buf: Uint8Array, hdr: number, i: number): number {
  const p = hdr + ((buf[hdr] & 8) !== 0 ? 8 : 12) + 2 * i;
  return (buf[p] << 8) | buf[p + 1];
}

/** Start of the cell content area (0 in the header means 65536). */
export function contentStart(buf: Uint8Array, hdr: number): number {
  const v = get2(buf, hdr + 5);
  return v === 0 ? 65536 : v;
}

/** The right-most child pointer of an interior page. */
export function rightChild(buf: Uint8Array, hdr: number): number {
  return get4(buf, hdr + 8);
}

/**
 * Checks the page header of `pgno` (type, cell count, content start) against the page size.
 * `table` says which kind of tree the page must belong to.
 */
export function checkPage(
  buf: Uint8Array,
  hdr: number,
  pgno: number,
  table: boolean,
  usable: number,
): void {
  const type = buf[hdr];
  if (
    table
      ? type !== TABLE_LEAF && type !== TABLE_INTERIOR
      : type !== INDEX_LEAF && type !== INDEX_INTERIOR
  ) {
    throw corrupt(`page ${pgno}: invalid page type ${type}`);
  }
  const ptrEnd = hdr + headerSize(type) + 2 * cellCount(buf, hdr);
  if (ptrEnd > usable) throw corrupt(`page ${pgno}: too many cells`);
  const top = contentStart(buf, hdr);
  if (top < ptrEnd || top > usable) throw corrupt(`page ${pgno}: bad cell content offset`);
}

/** Validated offset of cell `i`: inside the content area, leaving room for a 4-byte cell. */
export function checkedCellOffset(
  buf: Uint8Array,
  hdr: number,
  i: number,
  pgno: number,
  usable: number,
): number {
  const off = cellOffset(buf, hdr, i);
  const ptrEnd = hdr + headerSize(buf[hdr]) + 2 * cellCount(buf, hdr);
  if (off < ptrEnd || off > usable - 4) {
    throw corrupt(`page ${pgno}: cell ${i} offset ${off} out of range`);
  }
  return off;
}

/**
 * Free bytes on the page: the gap between the pointer array and the content area, plus the
 * freeblocks, plus fragmented bytes. Walks (and validates) the freeblock list.
 */
export function freeBytes(buf: Uint8Array, hdr: number, pgno: number, usable: number): number {
  const ptrEnd = hdr + headerSize(buf[hdr]) + 2 * cellCount(buf, hdr);
  const top = contentStart(buf, hdr);
  if (top < ptrEnd || top > usable) throw corrupt(`page ${pgno}: bad cell content offset`);
  let n = top - ptrEnd + buf[hdr + 7];
  let pc = get2(buf, hdr + 1);
  let prevEnd = 0;
  while (pc !== 0) {
    if (pc < top || pc > usable - 4 || pc < prevEnd) {
      throw corrupt(`page ${pgno}: bad freeblock list`);
    }
    const size = get2(buf, pc + 2);
    if (size < 4 || pc + size > usable) throw corrupt(`page ${pgno}: bad freeblock size`);
    n += size;
    prevEnd = pc + size;
    pc = get2(buf, pc);
  }
  return n;
}

const scratch = new Uint8Array(65536);

/** Moves every cell to the end of the page so all free space is one gap (btree.c defragmentPage). */
export function defragment(
  buf: Uint8Array,
  hdr: number,
  pgno: number,
  geo: Geometry,
): void {
  const usable = geo.usable;
  const type = buf[hdr];
  const n = cellCount(buf, hdr);
  const ptr = hdr + headerSize(type);
  const top = contentStart(buf, hdr);
  scratch.set(buf.subarray(top, usable), top);
  let dst = usable;
  for (let i = 0; i < n; i++) {
    const p = ptr + 2 * i;
    const off = get2(buf, p);
    if (off < top || off > usable - 4) throw corrupt(`page ${pgno}: cell ${i} offset out of range`);
    parseCell(scratch, off, type, geo, pgno);
    const size = cell.size;
    dst -= size;
    if (dst < ptr + 2 * n) throw corrupt(`page ${pgno}: cells overlap`);
    buf.set(scratch.subarray(off, off + size), dst);
    put2(buf, p, dst);
  }
  put2(buf, hdr + 1, 0);
  put2(buf, hdr + 5, dst === 65536 ? 0 : dst);
  buf[hdr + 7] = 0;
  buf.fill(0, ptr + 2 * n, dst);
}

/** Finds a freeblock of at least `size` bytes and takes `size` from it (btree.c pageFindSlot). */
function findSlot(
  buf: Uint8Array,
  hdr: number,
  size: number,
  pgno: number,
  usable: number,
): number {
  let prev = hdr + 1;
  let pc = get2(buf, prev);
  const maxPc = usable - size;
  while (pc !== 0 && pc <= maxPc) {
    const blk = get2(buf, pc + 2);
    const x = blk - size;
    if (x >= 0) {
      if (x < 4) {
        if (buf[hdr + 7] > 57) return 0;
        put2(buf, prev, get2(buf, pc));
        buf[hdr + 7] += x;
        return pc;
      }
      if (pc + x > maxPc) throw corrupt(`page ${pgno}: freeblock past page end`);
      put2(buf, pc + 2, x);
      return pc + x;
    }
    prev = pc;
    pc = get2(buf, pc);
    if (pc !== 0 && pc <= prev) throw corrupt(`page ${pgno}: bad freeblock list`);
  }
  return 0;
}

/**
 * Reserves `size` content bytes (btree.c allocateSpace). The caller has checked that
 * `size + 2` bytes are free, counting the new cell pointer.
 */
function allocateSpace(
  buf: Uint8Array,
  hdr: number,
  size: number,
  pgno: number,
  geo: Geometry,
): number {
  const gap = hdr + headerSize(buf[hdr]) + 2 * cellCount(buf, hdr);
  let top = contentStart(buf, hdr);
  if (gap > top) throw corrupt(`page ${pgno}: cell pointers overlap content`);
  if ((buf[hdr + 1] !== 0 || buf[hdr + 2] !== 0) && gap + 2 <= top) {
    const at = findSlot(buf, hdr, size, pgno, geo.usable);
    if (at !== 0) return at;
  }
  if (gap + 2 + size > top) {
    defragment(buf, hdr, pgno, geo);
    top = contentStart(buf, hdr);
    // A damaged fragment count overstates the free space (btree.c allocateSpace does the same).
    if (gap + 2 + size > top) throw corrupt(`page ${pgno}: free space miscounted`);
  }
  top -= size;
  put2(buf, hdr + 5, top);
  return top;
}

/**
 * Returns `size` bytes at `start` to the page: a freeblock kept in address order, merged
 * with neighbours (absorbing fragments between them), or folded into the gap (btree.c freeSpace).
 */
function freeSpace(
  buf: Uint8Array,
  hdr: number,
  start: number,
  size: number,
  pgno: number,
  usable: number,
): void {
  let iStart = start;
  let iEnd = start + size;
  let iSize = size;
  let iPtr = hdr + 1;
  let iFree = get2(buf, iPtr);
  let nFrag = 0;
  if (iFree !== 0) {
    while (iFree < iStart) {
      if (iFree <= iPtr) {
        throw corrupt(`page ${pgno}: bad freeblock list`);
      }
      iPtr = iFree;
      iFree = get2(buf, iPtr);
      if (iFree === 0) break;
    }
    if (iFree > usable - 4) throw corrupt(`page ${pgno}: freeblock past page end`);
    if (iFree !== 0 && iEnd + 3 >= iFree) {
      nFrag = iFree - iEnd;
      if (iEnd > iFree) throw corrupt(`page ${pgno}: freeblock overlaps cell`);
      iEnd = iFree + get2(buf, iFree + 2);
      if (iEnd > usable) throw corrupt(`page ${pgno}: freeblock past page end`);
      iSize = iEnd - iStart;
      iFree = get2(buf, iFree);
    }
    if (iPtr > hdr + 1) {
      const iPtrEnd = iPtr + get2(buf, iPtr + 2);
      if (iPtrEnd + 3 >= iStart) {
        if (iPtrEnd > iStart) throw corrupt(`page ${pgno}: freeblock overlaps cell`);
        nFrag += iStart - iPtrEnd;
        iSize = iEnd - iPtr;
        iStart = iPtr;
      }
    }
    if (nFrag > buf[hdr + 7]) throw corrupt(`page ${pgno}: fragment count wrong`);
    buf[hdr + 7] -= nFrag;
  }
  const top = contentStart(buf, hdr);
  if (iStart <= top) {
    if (iStart < top) throw corrupt(`page ${pgno}: cell before content area`);
    if (iPtr !== hdr + 1) throw corrupt(`page ${pgno}: bad freeblock list`);
    put2(buf, hdr + 1, iFree);
    put2(buf, hdr + 5, iEnd === 65536 ? 0 : iEnd);
  } else {
    put2(buf, iPtr, iStart);
    put2(buf, iStart, iFree);
    put2(buf, iStart + 2, iSize);
  }
}

/**
 * Inserts `c` as cell `i` when it fits; returns false (page untouched) when it does not.
 */
export function insertCell(
  buf: Uint8Array,
  hdr: number,
  i: number,
  c: Uint8Array,
  pgno: number,
  geo: Geometry,
): boolean {
  const size = c.length;
  if (size + 2 > freeBytes(buf, hdr, pgno, geo.usable)) return false;
  const at = allocateSpace(buf, hdr, size, pgno, geo);
  buf.set(c, at);
  const n = cellCount(buf, hdr);
  const ptr = hdr + headerSize(buf[hdr]);
  buf.copyWithin(ptr + 2 * i + 2, ptr + 2 * i, ptr + 2 * n);
  put2(buf, ptr + 2 * i, at);
  put2(buf, hdr + 3, n + 1);
  return true;
}

/** Removes cell `i`, whose size is `size` (btree.c dropCell). */
export function dropCell(
  buf: Uint8Array,
  hdr: number,
  i: number,
  size: number,
  pgno: number,
  usable: number,
): void {
  const n = cellCount(buf, hdr);
  const ptr = hdr + headerSize(buf[hdr]);
  const off = get2(buf, ptr + 2 * i);
  if (n === 1) {
    // The last cell: reset the page to empty rather than leave one big freeblock.
    put2(buf, hdr + 1, 0);
    put2(buf, hdr + 3, 0);
    put2(buf, hdr + 5, usable === 65536 ? 0 : usable);
    buf[hdr + 7] = 0;
    return;
  }
  freeSpace(buf, hdr, off, size, pgno, usable);
  buf.copyWithin(ptr + 2 * i, ptr + 2 * i + 2, ptr + 2 * n);
  put2(buf, hdr + 3, n - 1);
}

/**
 * Rewrites the page from scratch with `cells` (exact cell bytes, copies not views into this
 * page) and, for interior pages, `right`. Bytes before `hdr` (page 1's database header) are kept.
 */
export function buildPage(
  buf: Uint8Array,
  hdr: number,
  type: number,
  cells: Uint8Array[],
  right: number,
  usable: number,
): void {
  const hs = headerSize(type);
  const n = cells.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += cells[i].length + 2;
  if (hdr + hs + total > usable) throw corrupt("cells do not fit the page");
  buf.fill(0, hdr, usable);
  buf[hdr] = type;
  put2(buf, hdr + 3, n);
  if (hs === 12) put4(buf, hdr + 8, right);
  let top = usable;
  const ptr = hdr + hs;
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    top -= c.length;
    buf.set(c, top);
    put2(buf, ptr + 2 * i, top);
  }
  put2(buf, hdr + 5, top === 65536 ? 0 : top);
}

/**
 * Every cell of the page (exact bytes, including padding to 4), as views into one private copy
 * of the page: a single copy instead of one per cell, and the views stay valid when the page
 * itself is rewritten (balancing rebuilds the pages it read cells from).
 */
export function readCells(
  buf: Uint8Array,
  hdr: number,
  pgno: number,
  geo: Geometry,
): Uint8Array[] {
  const type = buf[hdr];
  const n = cellCount(buf, hdr);
  const usable = geo.usable;
  const ptr = hdr + headerSize(type);
  const ptrEnd = ptr + 2 * n;
  if (ptrEnd > usable) throw corrupt(`page ${pgno}: too many cells`);
  // Everything a cell may occupy (past the pointer array) is copied; offsets stay page offsets.
  const copy = new Uint8Array(usable);
  copy.set(buf.subarray(ptrEnd, usable), ptrEnd);
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const p = ptr + 2 * i;
    const off = (buf[p] << 8) | buf[p + 1];
    if (off < ptrEnd || off > usable - 4) {
      throw corrupt(`page ${pgno}: cell ${i} offset ${off} out of range`);
    }
    parseCell(buf, off, type, geo, pgno);
    out[i] = copy.subarray(off, off + cell.size);
  }
  return out;
}
