/**
 * Comparators for the keys of an index.
 * @module
 */

import type { KeyComparator } from "../btree/types.ts";
import { corrupt } from "../errors.ts";
import { BINARY, builtinCollation, type Collation, compareBytes } from "../record/collation.ts";
import { keyComparator, SearchKey } from "../record/compare.ts";
import { decodeRecord, readFloat, readInt } from "../record/record_reader.ts";
import { decodeUtf8 } from "../record/utf8.ts";
import { getVarintNumber, varintResult } from "../record/varint.ts";
import type { IndexInfo } from "../schema/types.ts";

/** Collations and directions of an index's key columns, the rowid last. */
export function keyOrder(index: IndexInfo): { colls: Collation[]; descs: boolean[] } {
  return {
    colls: [...index.columns.map((c) => builtinCollation(c.collation) ?? BINARY), BINARY],
    descs: [...index.columns.map((c) => c.desc), false],
  };
}

/** For the B-tree: a comparator that finds a stored key of `index` again. */
export function comparatorFactory(index: IndexInfo): (key: Uint8Array) => KeyComparator {
  const { colls, descs } = keyOrder(index);
  return (key) => keyComparator(new SearchKey(decodeRecord(key), colls, descs), 0);
}

/** Content size of serial type `t` (10 and 11 are reserved: callers reject them first). */
function contentSize(t: number): number {
  return t >= 12 ? (t - 12) >>> 1 : t === 7 || t === 6 ? 8 : t === 5 ? 6 : t > 4 ? 0 : t;
}

/** Sort class of serial type `t`: NULL 0, numbers 1, TEXT 2, BLOB 3. */
function classOf(t: number): number {
  return t === 0 ? 0 : t < 10 ? 1 : t & 1 ? 2 : 3;
}

/** The number stored with serial type `t` (1..9) at `off`. */
function numberAt(buf: Uint8Array, t: number, off: number): number | bigint {
  return t === 8 ? 0 : t === 9 ? 1 : t === 7 ? readFloat(buf, off) : readInt(buf, off, t);
}

/**
 * Orders stored index records against one encoded key record, for inserting that key: the
 * same order as {@link keyComparator} over the decoded key (prefix result 0), but the key is
 * parsed once per {@link set} rather than per probe, and nothing is allocated per row (a
 * bulk INSERT builds one of these per index and statement, not a SearchKey and two closures
 * per row).
 */
export class EncodedKeyComparator {
  /** The comparator to hand to the cursor; it reads the key last given to {@link set}. */
  readonly cmp: KeyComparator;
  readonly #colls: Collation[];
  readonly #descs: boolean[];
  #key: Uint8Array = new Uint8Array(0);
  #n = 0;
  #types = new Int32Array(8);
  #starts = new Int32Array(8);
  #nums: (number | bigint)[] = [];

  /** Prepares for keys ordered by `colls` and `descs` (per column, the rowid's included). */
  constructor(colls: Collation[], descs: boolean[]) {
    this.#colls = colls;
    this.#descs = descs;
    const cmp =
      ((payload: Uint8Array) => this.compare(payload, 0, payload.length)) as KeyComparator;
    cmp.range = (buf, start, end) => this.compare(buf, start, end);
    this.cmp = cmp;
  }

  /** Takes `key` (a well-formed record this layer encoded) as the key to compare with. */
  set(key: Uint8Array): void {
    this.#key = key;
    const hdrSize = getVarintNumber(key, 0);
    let p = varintResult.length;
    let off = hdrSize;
    let n = 0;
    while (p < hdrSize) {
      const t = getVarintNumber(key, p);
      p += varintResult.length;
      if (n === this.#types.length) {
        const types = new Int32Array(n * 2);
        types.set(this.#types);
        this.#types = types;
        const starts = new Int32Array(n * 2);
        starts.set(this.#starts);
        this.#starts = starts;
      }
      this.#types[n] = t;
      this.#starts[n] = off;
      this.#nums[n] = t > 0 && t < 10 ? numberAt(key, t, off) : 0;
      off += contentSize(t);
      n++;
    }
    this.#n = n;
  }

  /** Compares the record in bytes [start, end) of `buf` with the key (see KeyComparator). */
  compare(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    let hdrSize = buf[start];
    let p = start + 1;
    if (hdrSize >= 0x80) {
      hdrSize = getVarintNumber(buf, start);
      p = start + varintResult.length;
    }
    if (hdrSize < p - start || hdrSize > len) throw corrupt("index record header size");
    const hdrEnd = start + hdrSize;
    let off = hdrEnd;
    const n = this.#n;
    const key = this.#key;
    for (let i = 0; i < n; i++) {
      if (p >= hdrEnd) return 0; // the stored record has fewer columns than the key
      let t = buf[p];
      if (t < 0x80) {
        p++;
      } else {
        t = getVarintNumber(buf, p);
        p += varintResult.length;
        if (t < 0 || p > hdrEnd) throw corrupt("index record serial type");
      }
      const size = contentSize(t);
      if (off + size > end || t === 10 || t === 11) throw corrupt("index record body");
      const u = this.#types[i];
      let c: number;
      const sc = classOf(t);
      const kc = classOf(u);
      if (sc !== kc) {
        c = sc - kc;
      } else if (sc === 0) {
        c = 0;
      } else if (sc === 1) {
        // Small integers (serial types 1 and 2) are read in line.
        const x = t === 1
          ? (buf[off] << 24) >> 24
          : t === 2
          ? (((buf[off] << 8) | buf[off + 1]) << 16) >> 16
          : numberAt(buf, t, off);
        const y = this.#nums[i];
        c = x < y ? -1 : x > y ? 1 : 0;
      } else {
        const ks = this.#starts[i];
        const ke = ks + contentSize(u);
        const coll = this.#colls[i] ?? BINARY;
        if (sc === 3 || coll === BINARY) {
          c = compareBytes(buf, off, off + size, key, ks, ke);
        } else if (coll.compareBytes) {
          c = coll.compareBytes(buf, off, off + size, key, ks, ke);
        } else {
          c = coll.compare(decodeUtf8(buf, off, off + size), decodeUtf8(key, ks, ke));
        }
      }
      if (c !== 0) return this.#descs[i] ? -c : c;
      off += size;
    }
    return 0;
  }
}
