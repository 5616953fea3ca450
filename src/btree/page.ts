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
  const at = reserveCell(buf, hdr, i, c.length, pgno, geo);
  if (at === 0) return false;
  buf.set(c, at);
  return true;
}

/**
 * Makes room for a `size`-byte cell as cell `i` when it fits and returns its offset, for the
 * caller to write the cell's bytes there (so a cell can be built in place); returns 0 (page
 * untouched) when it does not fit.
 */
export function reserveCell(
  buf: Uint8Array,
  hdr: number,
  i: number,
  size: number,
  pgno: number,
  geo: Geometry,
): number {
  if (size + 2 > freeBytes(buf, hdr, pgno, geo.usable)) return 0;
  const at = allocateSpace(buf, hdr, size, pgno, geo);
  const n = cellCount(buf, hdr);
  const ptr = hdr + headerSize(buf[hdr]);
  buf.copyWithin(ptr + 2 * i + 2, ptr + 2 * i, ptr + 2 * n);
  put2(buf, ptr + 2 * i, at);
  put2(buf, hdr + 3, n + 1);
  return at;
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
 * Clears the page from `hdr` and writes a header for `n` cells taking `total` bytes with their
 * pointers (SQLITE_CORRUPT when they do not fit); returns where the cell pointers go. The
 * caller fills cells from the end of the usable area and sets the content start.
 */
function startPage(
  buf: Uint8Array,
  hdr: number,
  type: number,
  n: number,
  total: number,
  right: number,
  usable: number,
): number {
  const hs = headerSize(type);
  if (hdr + hs + total > usable) throw corrupt("cells do not fit the page");
  buf.fill(0, hdr, usable);
  buf[hdr] = type;
  put2(buf, hdr + 3, n);
  if (hs === 12) put4(buf, hdr + 8, right);
  return hdr + hs;
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
  const n = cells.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += cells[i].length + 2;
  const ptr = startPage(buf, hdr, type, n, total, right, usable);
  let top = usable;
  for (let i = 0; i < n; i++) {
    const c = cells[i];
    const len = c.length;
    top -= len;
    // Small cells (index entries) are copied by hand: TypedArray.set costs more per call.
    if (len <= 32) { for (let k = 0; k < len; k++) buf[top + k] = c[k]; }
    else buf.set(c, top);
    put2(buf, ptr + 2 * i, top);
  }
  put2(buf, hdr + 5, top === 65536 ? 0 : top);
}

/** Page copies free for {@link readCells} to reuse, and those handed out in open scopes. */
const copyPool: Uint8Array[] = [];
const copiesInUse: Uint8Array[] = [];
const COPY_POOL_MAX = 16;
let cellScopes = 0;

/**
 * Opens a scope in which {@link readCells} takes its page copies from a pool: the caller
 * promises that no cell it reads escapes the scope (balancing copies cells into pages or new
 * arrays before it returns). Returns the mark to pass to {@link endCellScope}. Allocating a
 * fresh page-sized buffer per page read was a large part of the cost of a split.
 */
export function beginCellScope(): number {
  cellScopes++;
  return copiesInUse.length;
}

/** Closes the scope opened by {@link beginCellScope}: its page copies return to the pool. */
export function endCellScope(mark: number): void {
  cellScopes--;
  while (copiesInUse.length > mark) {
    const c = copiesInUse.pop()!;
    if (copyPool.length < COPY_POOL_MAX) copyPool.push(c);
  }
}

function pageCopy(usable: number): Uint8Array {
  if (cellScopes === 0) return new Uint8Array(usable);
  let c = copyPool.pop();
  if (c === undefined || c.length < usable) c = new Uint8Array(usable);
  copiesInUse.push(c);
  return c;
}

/**
 * Every cell of the page (exact bytes, including padding to 4), as views into one private copy
 * of the page: a single copy instead of one per cell, and the views stay valid when the page
 * itself is rewritten (balancing rebuilds the pages it read cells from). Inside a cell scope
 * (see {@link beginCellScope}) the copy is reused after the scope ends.
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
  const copy = pageCopy(usable);
  copy.set(buf.subarray(ptrEnd, usable), ptrEnd);
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const p = ptr + 2 * i;
    const off = (buf[p] << 8) | buf[p + 1];
    if (off < ptrEnd || off > usable - 4) {
      throw corrupt(`page ${pgno}: cell ${i} offset ${off} out of range`);
    }
    out[i] = copy.subarray(off, off + leafCellSize(buf, off, type, geo, pgno));
  }
  return out;
}

/**
 * {@link readCells} without a view per cell: appends each cell of the page to `bufs`, `offs`
 * and `lens` as (private copy of the page, offset, size), with `extra` (whole) inserted as
 * cell `insertAt` when given. Balancing moves hundreds of cells per split, and making a view
 * of each was most of its cost.
 */
export function readCellRefs(
  buf: Uint8Array,
  hdr: number,
  pgno: number,
  geo: Geometry,
  bufs: Uint8Array[],
  offs: number[],
  lens: number[],
  insertAt = -1,
  extra?: Uint8Array,
): void {
  const type = buf[hdr];
  const n = cellCount(buf, hdr);
  const usable = geo.usable;
  const ptr = hdr + headerSize(type);
  const ptrEnd = ptr + 2 * n;
  if (ptrEnd > usable) throw corrupt(`page ${pgno}: too many cells`);
  const copy = pageCopy(usable);
  copy.set(buf.subarray(ptrEnd, usable), ptrEnd);
  for (let i = 0; i < n; i++) {
    const p = ptr + 2 * i;
    const off = (buf[p] << 8) | buf[p + 1];
    if (off < ptrEnd || off > usable - 4) {
      throw corrupt(`page ${pgno}: cell ${i} offset ${off} out of range`);
    }
    if (i === insertAt) {
      bufs.push(extra!);
      offs.push(0);
      lens.push(extra!.length);
    }
    bufs.push(copy);
    offs.push(off);
    lens.push(leafCellSize(buf, off, type, geo, pgno));
  }
  if (insertAt === n) {
    bufs.push(extra!);
    offs.push(0);
    lens.push(extra!.length);
  }
}

/**
 * {@link buildPage} from cells [start, end) of (`bufs`, `offs`, `lens`) (see
 * {@link readCellRefs}); the sources must not be this page.
 */
export function buildPageRefs(
  buf: Uint8Array,
  hdr: number,
  type: number,
  bufs: Uint8Array[],
  offs: number[],
  lens: number[],
  start: number,
  end: number,
  right: number,
  usable: number,
): void {
  const n = end - start;
  let total = 0;
  for (let i = start; i < end; i++) total += lens[i] + 2;
  const ptr = startPage(buf, hdr, type, n, total, right, usable);
  let top = usable;
  for (let i = 0; i < n; i++) {
    const src = bufs[start + i];
    const o = offs[start + i];
    const len = lens[start + i];
    top -= len;
    if (len <= 32) { for (let k = 0; k < len; k++) buf[top + k] = src[o + k]; }
    else buf.set(src.subarray(o, o + len), top);
    put2(buf, ptr + 2 * i, top);
  }
  put2(buf, hdr + 5, top === 65536 ? 0 : top);
}

/**
 * Size of the cell at `off` (as {@link parseCell}'s `cell.size`), without filling the shared
 * cell record for the common case of a leaf cell whose payload is all on the page.
 */
function leafCellSize(
  buf: Uint8Array,
  off: number,
  type: number,
  geo: Geometry,
  pgno: number,
): number {
  if (type === INDEX_LEAF || type === TABLE_LEAF) {
    let p = off;
    let n = 0;
    // Payload size: at most 4 varint bytes (28 bits) here, else the general parser.
    for (let k = 0; k < 4; k++) {
      const b = buf[p++];
      n = n * 128 + (b & 0x7f);
      if (b < 0x80) {
        if (type === TABLE_LEAF) {
          // Skip the rowid varint (at most 9 bytes).
          let q = 0;
          while (q < 8 && buf[p] >= 0x80) {
            p++;
            q++;
          }
          p++;
          if (n > geo.maxLocalTable) break;
        } else if (n > geo.maxLocalIndex) {
          break;
        }
        let size = p - off + n;
        if (size < 4) size = 4;
        if (off + size > geo.usable) throw corrupt(`page ${pgno}: cell extends past page end`);
        return size;
      }
    }
  }
  parseCell(buf, off, type, geo, pgno);
  return cell.size;
}
