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
import { decodeUtf8, encodeUtf8, utf8Length, writeUtf8 } from "./utf8.ts";
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
 *
 * A key that is {@link reset} for each execution (a prepared statement's lookup key) instead
 * encodes its BINARY TEXT values to UTF-8 up front, into a buffer it keeps, and compares them
 * with stored bytes as SQLite does (memcmp): no per-character decoding in the search loop.
 */
export class SearchKey {
  /** The key's values (may be fewer than the index's columns: a prefix). */
  values: readonly SqlValue[];
  /** Collation per key column (BINARY where missing). */
  readonly collations: readonly (Collation | undefined)[];
  /** True for DESC columns (their comparison is inverted); missing means ASC. */
  readonly desc: readonly (boolean | undefined)[];
  /**
   * Set by {@link reset}: then `binStart[i]` is where TEXT value i's UTF-8 starts in
   * {@link bytes} when it compares by BINARY (memcmp), else -1; it ends at `binEnd[i]`.
   */
  encoded = false;
  /**
   * Set by {@link reset}: every TEXT value compares by BINARY and has no UTF-16 surrogate, so
   * comparing its UTF-8 with stored text gives the answer comparing the strings does (a lone
   * surrogate is encoded as U+FFFD).
   */
  textExact = false;
  /** Set by {@link reset}: the key is one TEXT value compared by BINARY (the commonest). */
  text1 = false;
  /** See {@link encoded}. */
  readonly binStart: number[] = [];
  /** See {@link encoded}. */
  readonly binEnd: number[] = [];
  /** The UTF-8 of the BINARY TEXT values after {@link reset} (grown as needed, then kept). */
  bytes: Uint8Array = NO_BYTES;
  #utf8: (Uint8Array | undefined)[] | undefined;
  #cmp: KeyComparator | undefined;

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

  /**
   * Makes this the key for `values` (kept by reference; not to be changed while the key is in
   * use), encoding BINARY TEXT values into {@link bytes}: a reused key allocates nothing once
   * its buffer is large enough.
   */
  reset(values: readonly SqlValue[]): this {
    this.values = values;
    this.#utf8 = undefined;
    const n = values.length;
    const bs = this.binStart;
    const be = this.binEnd;
    if (bs.length !== n) {
      bs.length = n;
      be.length = n;
    }
    let exact = true;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const coll = this.collations[i];
      if (typeof v !== "string" || (coll !== undefined && coll !== BINARY)) {
        if (typeof v === "string") exact = false;
        bs[i] = -1;
        be[i] = -1;
        continue;
      }
      // Three bytes per UTF-16 unit is enough for any string (a surrogate pair takes 4 for 2).
      const sl = v.length;
      if (o + 3 * sl > this.bytes.length) {
        const grown = new Uint8Array(Math.max(64, (o + 3 * sl) * 2));
        grown.set(this.bytes.subarray(0, o));
        this.bytes = grown;
      }
      const out = this.bytes;
      bs[i] = o;
      // ASCII is copied here; the first other character hands the rest to writeUtf8.
      let j = 0;
      for (; j < sl; j++) {
        const c = v.charCodeAt(j);
        if (c >= 0x80) break;
        out[o + j] = c;
      }
      if (j < sl) {
        for (let k = j; k < sl; k++) {
          const c = v.charCodeAt(k);
          if (c >= 0xd800 && c <= 0xdfff) exact = false;
        }
        o += j + writeUtf8(j === 0 ? v : v.slice(j), out, o + j);
      } else {
        o += sl;
      }
      be[i] = o;
    }
    this.encoded = true;
    this.textExact = exact;
    this.text1 = n === 1 && bs[0] >= 0;
    return this;
  }

  /** The {@link KeyComparator} `keyComparator(this, 0)`, made once per key object. */
  comparator(): KeyComparator {
    return this.#cmp ??= keyComparator(this, 0);
  }

  /**
   * The comparator for ONE `seekGE(key)` (each call starts a new seek): the first entry
   * >= this key. For a {@link text1} key it remembers how many leading bytes the closest
   * entries probed below and above the key share with it; every entry still to be probed lies
   * between those two (binary search in a page, then the child between two separators), so
   * it shares that many bytes with the key too, and they are not compared again. Not for
   * seekLE, nor for a second seek.
   */
  seekGEComparator(): KeyComparator {
    this.lcpBelow = 0;
    this.lcpAbove = 0;
    return this.#seekCmp ??= seekGEComparatorFor(this);
  }

  /** @internal Bytes shared with the key by the closest entry probed below it (one seek). */
  lcpBelow = 0;
  /** @internal The same for the closest entry probed at or above the key. */
  lcpAbove = 0;
  #seekCmp: KeyComparator | undefined;

  /** UTF-8 of TEXT value `i` (encoded on first use, then kept). */
  utf8(i: number): Uint8Array {
    const cache = this.#utf8 ??= [];
    return cache[i] ??= encodeUtf8(this.values[i] as string);
  }
}

const NO_BYTES = new Uint8Array(0);

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
    // NOCASE stops at a NUL both have, then orders by length (see compareNocase).
    if (nocase && a === 0 && c === 0) return size - utf8Length(s);
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
export function compareRecordToKey(
  payload: Uint8Array,
  key: SearchKey,
  prefixResult = 0,
  start = 0,
  end: number = payload.length,
): number {
  return key.text1
    ? compareText1(payload, start, end, key, prefixResult)
    : compareRecordRange(payload, start, end, key, prefixResult);
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
  let hdrSize = buf[start];
  let p = start + 1;
  if (hdrSize >= 0x80) {
    hdrSize = getVarintNumber(buf, start);
    p = start + varintResult.length;
  }
  if (!(hdrSize >= p - start && hdrSize <= len)) throw corrupt("index record header size");
  const hdrEnd = start + hdrSize;
  let off = hdrEnd;
  const values = key.values;
  const n = values.length;
  const bins = key.encoded ? key.binStart : undefined;
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
    let c: number;
    const bs = bins === undefined ? -1 : bins[i];
    if (bs >= 0 && t >= 13 && (t & 1) === 1) {
      // Stored TEXT against the key's UTF-8 under BINARY: memcmp, then the shorter first.
      const kb = key.bytes;
      const kl = key.binEnd[i] - bs;
      const m = size < kl ? size : kl;
      c = size - kl;
      for (let j = 0; j < m; j++) {
        const d = buf[off + j] - kb[bs + j];
        if (d !== 0) {
          c = d;
          break;
        }
      }
    } else if (t >= 1 && t <= 6 && typeof values[i] === "number") {
      // An INTEGER against a JS number key (the usual integer key): no class dispatch.
      const x = readInt(buf, off, t);
      const y = values[i] as number;
      c = x < y ? -1 : x > y ? 1 : 0;
    } else {
      c = compareStored(buf, t, off, size, key, i);
    }
    if (c !== 0) return key.desc[i] ? -c : c;
    off += size;
  }
  return prefixResult;
}

/**
 * {@link compareRecordRange} for a key that is one TEXT value under BINARY ({@link
 * SearchKey.text1}): when the record's first column is short TEXT (one-byte header size and
 * serial type), a memcmp of its bytes with the key's UTF-8; anything else goes the general way.
 */
function compareText1(
  buf: Uint8Array,
  start: number,
  end: number,
  key: SearchKey,
  prefixResult: number,
): number {
  const hdr = buf[start];
  const t = buf[start + 1];
  if (hdr < 2 || hdr >= 0x80 || t < 13 || t >= 0x80 || (t & 1) === 0) {
    return compareRecordRange(buf, start, end, key, prefixResult);
  }
  const off = start + hdr;
  const size = (t - 12) >>> 1;
  if (off + size > end) return compareRecordRange(buf, start, end, key, prefixResult);
  const kb = key.bytes;
  const ks = key.binStart[0];
  const kl = key.binEnd[0] - ks;
  const m = size < kl ? size : kl;
  let c = size - kl;
  for (let j = 0; j < m; j++) {
    const d = buf[off + j] - kb[ks + j];
    if (d !== 0) {
      c = d;
      break;
    }
  }
  if (c === 0) return prefixResult;
  return key.desc[0] ? -c : c;
}

/** See {@link SearchKey.seekGEComparator}. */
function seekGEComparatorFor(key: SearchKey): KeyComparator {
  const cmp: KeyComparator = (payload) => seekText1(payload, 0, payload.length, key);
  cmp.range = (buf, start, end) => seekText1(buf, start, end, key);
  return cmp;
}

/** {@link compareText1} for a seekGE probe, skipping the bytes known to be shared. */
function seekText1(buf: Uint8Array, start: number, end: number, key: SearchKey): number {
  if (!key.text1) return compareRecordRange(buf, start, end, key, 0);
  const hdr = buf[start];
  const t = buf[start + 1];
  const off = start + hdr;
  const size = (t - 12) >>> 1;
  if (
    hdr < 2 || hdr >= 0x80 || t < 13 || t >= 0x80 || (t & 1) === 0 || off + size > end
  ) {
    // Not short TEXT first: nothing is known to be shared with the entries beside it.
    const c = compareRecordRange(buf, start, end, key, 0);
    if (c < 0) key.lcpBelow = 0;
    else key.lcpAbove = 0;
    return c;
  }
  const kb = key.bytes;
  const ks = key.binStart[0];
  const kl = key.binEnd[0] - ks;
  const m = size < kl ? size : kl;
  let j = key.lcpBelow < key.lcpAbove ? key.lcpBelow : key.lcpAbove;
  // Only a badly ordered (corrupt) index could make an entry shorter than the shared part.
  if (j > m) j = m;
  let c = size - kl;
  for (; j < m; j++) {
    const d = buf[off + j] - kb[ks + j];
    if (d !== 0) {
      c = d;
      break;
    }
  }
  if (key.desc[0]) c = -c;
  // seekGE goes below an entry that is >= the key (c >= 0, prefix match included).
  if (c < 0) key.lcpBelow = j;
  else key.lcpAbove = j;
  return c;
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
  cmp.range = (buf, start, end) =>
    key.text1
      ? compareText1(buf, start, end, key, prefixResult)
      : compareRecordRange(buf, start, end, key, prefixResult);
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
