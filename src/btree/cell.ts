/**
 * B-tree cell formats (fileformat2.html 1.6): page types, the local/overflow payload split
 * and a parser that fills one shared {@link cell} object so cursor steps do not allocate.
 * @module
 */

import { corrupt } from "../errors.ts";
import type { Rowid } from "./types.ts";
import { readVarint, readVarint64, varintLength, varintSize, writeVarint } from "./varint.ts";

/** Index interior page type byte. */
export const INDEX_INTERIOR = 0x02;
/** Table interior page type byte. */
export const TABLE_INTERIOR = 0x05;
/** Index leaf page type byte. */
export const INDEX_LEAF = 0x0a;
/** Table leaf page type byte. */
export const TABLE_LEAF = 0x0d;

/** True for the leaf page types. */
export function isLeafType(type: number): boolean {
  return (type & 8) !== 0;
}

/** Reads a 2-byte big-endian integer. */
export function get2(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}

/** Reads a 4-byte big-endian unsigned integer. */
export function get4(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

/** Writes a 2-byte big-endian integer. */
export function put2(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 8;
  buf[off + 1] = v;
}

/** Writes a 4-byte big-endian integer. */
export function put4(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

/** Payload thresholds derived from the usable page size U (fileformat2.html 1.6). */
export class Geometry {
  /** Usable bytes per page. */
  readonly usable: number;
  /** X for table leaves: U-35. */
  readonly maxLocalTable: number;
  /** X for index pages: ((U-12)*64/255)-23. */
  readonly maxLocalIndex: number;
  /** M: ((U-12)*32/255)-23. */
  readonly minLocal: number;

  /** Computes the thresholds for usable size `usable`. */
  constructor(usable: number) {
    this.usable = usable;
    this.maxLocalTable = usable - 35;
    this.maxLocalIndex = Math.floor(((usable - 12) * 64) / 255) - 23;
    this.minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  }

  /** Bytes of a `payloadSize`-byte payload stored on the b-tree page for page type `type`. */
  localSize(type: number, payloadSize: number): number {
    const x = type === TABLE_LEAF ? this.maxLocalTable : this.maxLocalIndex;
    if (payloadSize <= x) return payloadSize;
    const m = this.minLocal;
    const k = m + ((payloadSize - m) % (this.usable - 4));
    return k <= x ? k : m;
  }
}

/** Fields of the last parsed cell (shared; read right after {@link parseCell}). */
export const cell = {
  /** Bytes the cell occupies on the page (at least 4). */
  size: 0,
  /** Total payload bytes. */
  payloadSize: 0,
  /** Offset in the page of the first payload byte. */
  payloadOff: 0,
  /** Payload bytes stored on the page. */
  local: 0,
  /** First overflow page, 0 when none. */
  overflow: 0,
  /** Left child (interior cells). */
  child: 0,
  /** Rowid (table cells). */
  rowid: 0 as Rowid,
  /** Offset just past the cell's bytes, without the padding that makes tiny cells 4 bytes. */
  end: 0,
};

/**
 * Parses the cell at `off` of a page of type `type` into {@link cell}. `limit` is the end of
 * the usable area; a cell reaching past it is corruption.
 */
export function parseCell(
  buf: Uint8Array,
  off: number,
  type: number,
  geo: Geometry,
  pgno: number,
): void {
  let p = off;
  if ((type & 8) === 0) {
    cell.child = get4(buf, p);
    p += 4;
  } else {
    cell.child = 0;
  }
  if (type === TABLE_INTERIOR) {
    cell.rowid = readVarint64(buf, p);
    p += varintLength;
    cell.size = p - off;
    cell.payloadSize = 0;
    cell.payloadOff = p;
    cell.local = 0;
    cell.overflow = 0;
    cell.end = p;
  } else {
    const n = readVarint(buf, p);
    p += varintLength;
    if (type === TABLE_LEAF) {
      cell.rowid = readVarint64(buf, p);
      p += varintLength;
    }
    cell.payloadSize = n;
    cell.payloadOff = p;
    const x = type === TABLE_LEAF ? geo.maxLocalTable : geo.maxLocalIndex;
    if (n <= x) {
      cell.local = n;
      cell.overflow = 0;
      cell.size = p - off + n;
      cell.end = p + n;
      if (cell.size < 4) cell.size = 4;
    } else {
      if (n > 0x7fffffff) throw corrupt(`page ${pgno}: payload size ${n} too large`);
      const local = geo.localSize(type, n);
      cell.local = local;
      if (p + local + 4 > geo.usable) throw corrupt(`page ${pgno}: cell extends past page end`);
      cell.overflow = get4(buf, p + local);
      cell.size = p - off + local + 4;
      cell.end = off + cell.size;
    }
  }
  if (off + cell.size > geo.usable) throw corrupt(`page ${pgno}: cell extends past page end`);
}

/** Size on the page of the cell at `off` (see {@link parseCell}). */
export function cellSizeAt(
  buf: Uint8Array,
  off: number,
  type: number,
  geo: Geometry,
  pgno: number,
): number {
  parseCell(buf, off, type, geo, pgno);
  return cell.size;
}

/** Builds a table interior cell: left child + rowid. */
export function tableInteriorCell(child: number, rowid: Rowid): Uint8Array {
  const c = new Uint8Array(4 + varintSize(rowid));
  put4(c, 0, child);
  writeVarint(c, 4, rowid);
  return c;
}

/** Turns an index leaf cell into an index interior cell with left child `child`. */
export function leafToInterior(child: number, leaf: Uint8Array, geo: Geometry): Uint8Array {
  parseCell(leaf, 0, INDEX_LEAF, geo, 0);
  const c = new Uint8Array(4 + cell.end);
  put4(c, 0, child);
  c.set(leaf.subarray(0, cell.end), 4);
  return c;
}

/** Turns an index interior cell into an index leaf cell (drops the child, pads to 4 bytes). */
export function interiorToLeaf(interior: Uint8Array, geo: Geometry): Uint8Array {
  parseCell(interior, 0, INDEX_INTERIOR, geo, 0);
  const n = cell.end - 4;
  const c = new Uint8Array(n < 4 ? 4 : n);
  c.set(interior.subarray(4, cell.end));
  return c;
}

/** A copy of an interior cell with its left child replaced. */
export function setChild(interior: Uint8Array, child: number): Uint8Array {
  const c = interior.slice();
  put4(c, 0, child);
  return c;
}
