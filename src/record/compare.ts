/**
 * SQLite's sort order (datatype3.html §4.1): NULL < INTEGER and REAL (compared numerically)
 * < TEXT (by collation) < BLOB (memcmp); and comparison of stored index records with search
 * keys, for the B-tree's index cursors.
 * @module
 */

import { Real, type SqlValue } from "./value.ts";
import { BINARY, type Collation, compareBytes, NOCASE } from "./collation.ts";
import { getVarintNumber, varintResult } from "./varint.ts";
import { readFloat, readInt } from "./record_reader.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";
import { corrupt } from "../errors.ts";
import type { KeyComparator } from "../btree/types.ts";

/** Storage-class rank in sort order: NULL 0, numbers 1, TEXT 2, BLOB 3. */
export function sortClass(v: SqlValue): number {
  if (v === null) return 0;
  switch (typeof v) {
    case "number":
    case "bigint":
      return 1;
    case "string":
      return 2;
  }
  return v instanceof Real ? 1 : 3;
}

/**
 * Compares two numeric values exactly, across number, bigint and Real (JS compares a bigint with
 * a double by mathematical value, so 2^63 as a double and 9223372036854775807n are ordered
 * correctly).
 */
export function compareNumbers(a: number | bigint | Real, b: number | bigint | Real): number {
  const x = a instanceof Real ? a.value : a;
  const y = b instanceof Real ? b.value : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Compares two values in SQLite's sort order; text by `collation` (BINARY by default). Returns
 * negative, zero or positive.
 */
export function compareValues(a: SqlValue, b: SqlValue, collation: Collation = BINARY): number {
  const ca = sortClass(a);
  const cb = sortClass(b);
  if (ca !== cb) return ca - cb;
  switch (ca) {
    case 0:
      return 0;
    case 1:
      return compareNumbers(a as number | bigint | Real, b as number | bigint | Real);
    case 2:
      return collation.compare(a as string, b as string);
  }
  const x = a as Uint8Array;
  const y = b as Uint8Array;
  return compareBytes(x, 0, x.length, y, 0, y.length);
}

/**
 * A search key for index lookups, prepared once. Construction allocates nothing: TEXT values
 * are compared with stored UTF-8 directly while they are ASCII, and encoded (once, on first
 * need) only for other text under a byte-wise collation.
 */
export class SearchKey {
  /** The key's values (may be fewer than the index's columns: a prefix). */
  readonly values: readonly SqlValue[];
  /** Collation per key column (BINARY where missing). */
  readonly collations: readonly (Collation | undefined)[];
  /** True for DESC columns (their comparison is inverted); missing means ASC. */
  readonly desc: readonly (boolean | undefined)[];
  #utf8: (Uint8Array | undefined)[] | undefined;

  /** Prepares `values` with per-column collations and sort directions (kept by reference). */
  constructor(
    values: readonly SqlValue[],
    collations: readonly (Collation | undefined)[] = [],
    desc: readonly boolean[] = [],
  ) {
    this.values = values;
    this.collations = collations;
    this.desc = desc;
  }

  /** UTF-8 of TEXT value `i` (encoded on first use, then kept). */
  utf8(i: number): Uint8Array {
    const cache = this.#utf8 ??= [];
    return cache[i] ??= encodeUtf8(this.values[i] as string);
  }
}

/** {@link compareAscii}'s answer when the key has a non-ASCII character before a difference. */
const NOT_ASCII = 0x7fffffff;

/**
 * Compares stored UTF-8 bytes [start, end) with string `s` by byte (memcmp, shorter first),
 * folding A-Z when `nocase`, without encoding `s`: returns {@link NOT_ASCII} when a
 * non-ASCII character of `s` is reached before the answer is known.
 */
function compareAscii(
  buf: Uint8Array,
  start: number,
  end: number,
  s: string,
  nocase: boolean,
): number {
  const size = end - start;
  const sl = s.length;
  const n = size < sl ? size : sl;
  for (let j = 0; j < n; j++) {
    let c = s.charCodeAt(j);
    if (c >= 0x80) return NOT_ASCII;
    let a = buf[start + j];
    if (a !== c) {
      if (nocase) {
        if (a >= 0x41 && a <= 0x5a) a += 0x20;
        if (c >= 0x41 && c <= 0x5a) c += 0x20;
        if (a === c) continue;
      }
      // Every earlier byte of the key's UTF-8 is its ASCII character, so this is the first
      // differing byte (a byte >= 0x80 of the stored text sorts after any ASCII byte).
      return a - c;
    }
  }
  if (size === sl) return 0;
  // A prefix of the other: the stored text is shorter exactly when it has fewer bytes, and
  // the key's remaining characters take at least one byte each.
  if (size < sl) return -1;
  return 1;
}

/**
 * Compares the index record `payload` with `key`, column by column for the key's columns:
 * negative when the record sorts before the key, positive after. When every key column is
 * equal (the record may have more columns, e.g. the rowid), returns `prefixResult`:
 * 0 to treat a prefix match as equal (seekGE = first entry >= key, seekLE = last <= key, and
 * for inserting a full key), -1 to place matching entries before the key (seekGE then finds the
 * first entry > key), +1 to place them after (seekLE then finds the last entry < key).
 * Throws SQLITE_CORRUPT for a malformed record.
 */
export function compareRecordToKey(payload: Uint8Array, key: SearchKey, prefixResult = 0): number {
  return compareRecordRange(payload, 0, payload.length, key, prefixResult);
}

/**
 * {@link compareRecordToKey} for the record stored in bytes [start, end) of `buf` (e.g. a cell
 * on a page), so the B-tree can compare without making a view per cell.
 */
export function compareRecordRange(
  buf: Uint8Array,
  start: number,
  end: number,
  key: SearchKey,
  prefixResult = 0,
): number {
  const len = end - start;
  const hdrSize = getVarintNumber(buf, start);
  let p = start + varintResult.length;
  if (hdrSize < p - start || hdrSize > len) throw corrupt("index record header size");
  const hdrEnd = start + hdrSize;
  let off = hdrEnd;
  const values = key.values;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    if (p >= hdrEnd) return prefixResult; // record has fewer columns than the key
    let t = buf[p];
    if (t < 0x80) {
      p++;
    } else {
      t = getVarintNumber(buf, p);
      p += varintResult.length;
      if (t < 0 || p > hdrEnd) throw corrupt("index record serial type");
    }
    const size = t >= 12 ? (t - 12) >>> 1 : t === 7 || t === 6 ? 8 : t === 5 ? 6 : t > 4 ? 0 : t;
    if (off + size > end || t === 10 || t === 11) throw corrupt("index record body");
    const c = compareStored(buf, t, off, size, key, i);
    if (c !== 0) return key.desc[i] ? -c : c;
    off += size;
  }
  return prefixResult;
}

/** Compares the stored column (serial type t at off) with key column i. */
function compareStored(
  buf: Uint8Array,
  t: number,
  off: number,
  size: number,
  key: SearchKey,
  i: number,
): number {
  const k = key.values[i];
  const storedClass = t === 0 ? 0 : t < 10 ? 1 : t & 1 ? 2 : 3;
  const keyClass = sortClass(k);
  if (storedClass !== keyClass) return storedClass - keyClass;
  switch (storedClass) {
    case 0:
      return 0;
    case 1: {
      const x = t === 8 ? 0 : t === 9 ? 1 : t === 7 ? readFloat(buf, off) : readInt(buf, off, t);
      const y = k instanceof Real ? k.value : (k as number | bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 2: {
      const coll = key.collations[i] ?? BINARY;
      if (coll === BINARY || coll === NOCASE) {
        const c = compareAscii(buf, off, off + size, k as string, coll === NOCASE);
        if (c !== NOT_ASCII) return c;
      }
      if (coll.compareBytes) {
        const kb = key.utf8(i);
        return coll.compareBytes(buf, off, off + size, kb, 0, kb.length);
      }
      return coll.compare(decodeUtf8(buf, off, off + size), k as string);
    }
  }
  const kb = k as Uint8Array;
  return compareBytes(buf, off, off + size, kb, 0, kb.length);
}

/**
 * A {@link KeyComparator} for the B-tree's index cursor: `seekGE(keyComparator(k))` finds the
 * first entry >= k, `seekGE(keyComparator(k, -1))` the first entry > k, `seekLE(keyComparator(k))`
 * the last entry <= k, `seekLE(keyComparator(k, 1))` the last entry < k.
 */
export function keyComparator(key: SearchKey, prefixResult = 0): KeyComparator {
  const cmp: KeyComparator = (payload) =>
    compareRecordRange(payload, 0, payload.length, key, prefixResult);
  cmp.range = (buf, start, end) => compareRecordRange(buf, start, end, key, prefixResult);
  return cmp;
}

/**
 * Compares two whole index records column by column (for checking key order), with optional
 * per-column collations and DESC flags; when one is a prefix of the other, the shorter sorts
 * first.
 */
export function compareRecords(
  a: readonly SqlValue[],
  b: readonly SqlValue[],
  collations: readonly (Collation | undefined)[] = [],
  desc: readonly boolean[] = [],
): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i], collations[i] ?? BINARY);
    if (c !== 0) return desc[i] ? -c : c;
  }
  return a.length - b.length;
}
