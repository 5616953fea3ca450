/**
 * Decoding records: a reusable {@link RecordReader} that parses the header once and decodes
 * columns on demand, and {@link decodeRecord} for whole rows.
 * @module
 */

import { corrupt } from "../errors.ts";
import { Real, type SqlValue } from "./value.ts";
import { getVarintNumber, varintResult } from "./varint.ts";
import { decodeUtf8 } from "./utf8.ts";

const EMPTY = new Uint8Array(0);

/** SQLite refuses record headers larger than this (vdbe.c, OP_Column). */
const MAX_HEADER = 98307;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * getVarintNumber of the varint at `q` as if `buf` ended at `end`: a varint running past the
 * record's end is corrupt ("varint past end of buffer"), whatever follows it in the page.
 */
function varintIn(buf: Uint8Array, q: number, end: number): number {
  return q + 9 <= end ? getVarintNumber(buf, q) : getVarintNumber(buf.subarray(q, end), 0);
}

/** Reads the IEEE 754 big-endian double at `o`. */
export function readFloat(buf: Uint8Array, o: number): number {
  if (littleEndian) {
    for (let k = 0; k < 8; k++) f64Bytes[7 - k] = buf[o + k];
  } else {
    for (let k = 0; k < 8; k++) f64Bytes[k] = buf[o + k];
  }
  return f64[0];
}

/**
 * Reads a big-endian two's-complement integer of serial type 1..6 at `o` (canonical: number
 * when safe, else bigint).
 */
export function readInt(buf: Uint8Array, o: number, t: number): number | bigint {
  switch (t) {
    case 1:
      return (buf[o] << 24) >> 24;
    case 2:
      return (((buf[o] << 8) | buf[o + 1]) << 16) >> 16;
    case 3:
      return (((buf[o] << 16) | (buf[o + 1] << 8) | buf[o + 2]) << 8) >> 8;
    case 4:
      return (buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];
    case 5: {
      const hi = (((buf[o] << 8) | buf[o + 1]) << 16) >> 16;
      const lo = ((buf[o + 2] << 24) | (buf[o + 3] << 16) | (buf[o + 4] << 8) | buf[o + 5]) >>> 0;
      return hi * 4294967296 + lo;
    }
    default: {
      const hi = (buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3];
      const lo = ((buf[o + 4] << 24) | (buf[o + 5] << 16) | (buf[o + 6] << 8) | buf[o + 7]) >>> 0;
      // |value| < 2^53 exactly when hi is within +-2^21.
      if (hi >= -2097152 && hi < 2097152) {
        const v = hi * 4294967296 + lo;
        if (Number.isSafeInteger(v)) return v;
      }
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
  }
}

/**
 * A parsed record. `reset(payload)` parses and validates the header (throwing SQLITE_CORRUPT on
 * a malformed one); `column(i)` then decodes one column. The reader keeps its arrays between
 * records, so reusing one reader per cursor avoids allocation. Columns at or beyond
 * `columnCount` (a row written before ALTER TABLE ADD COLUMN) are the caller's defaults.
 */
export class RecordReader {
  // Shared empty payload: the SQL layer creates readers per statement, and a typed array per
  // reader was a measurable part of a point lookup.
  #buf: Uint8Array = EMPTY;
  #types: number[] = [];
  #offsets: number[] = [];
  #count = 0;

  /**
   * Parses the header of the record in `buf[start, end)` (by default all of `buf`): a cursor
   * hands over its page buffer and the payload's range rather than a view per row. The bytes
   * must stay unchanged while columns are read.
   */
  reset(buf: Uint8Array, start = 0, end: number = buf.length): this {
    this.#buf = buf;
    const len = end - start;
    // The header size nearly always fits in one byte.
    let hdrSize = buf[start];
    let p = 1;
    if (!(start < end && hdrSize < 0x80)) {
      hdrSize = varintIn(buf, start, end);
      p = varintResult.length;
    }
    if (hdrSize < p || hdrSize > len || hdrSize > MAX_HEADER) {
      this.#count = 0;
      throw corrupt("record header size");
    }
    // From here on offsets are absolute (within buf).
    const hdrEnd = start + hdrSize;
    p += start;
    let off = hdrEnd;
    let n = 0;
    const types = this.#types;
    const offsets = this.#offsets;
    while (p < hdrEnd) {
      let t = buf[p];
      if (t < 0x80) {
        p++;
      } else {
        t = varintIn(buf, p, end);
        p += varintResult.length;
        if (t < 0 || p > hdrEnd) {
          this.#count = 0;
          throw corrupt("record serial type");
        }
      }
      let size: number;
      if (t < 12) {
        if (t >= 10) {
          this.#count = 0;
          throw corrupt("reserved serial type");
        }
        size = t === 7 || t === 6 ? 8 : t === 5 ? 6 : t > 4 ? 0 : t;
      } else {
        size = t < 0x80000000 ? (t - 12) >>> 1 : Math.floor((t - 12) / 2);
      }
      types[n] = t;
      offsets[n] = off;
      off += size;
      n++;
    }
    if (off > end) {
      this.#count = 0;
      throw corrupt("record body shorter than its header claims");
    }
    this.#count = n;
    return this;
  }

  /** Columns present in the record. */
  get columnCount(): number {
    return this.#count;
  }

  /** The serial type of column `i` (0 for a column beyond the record, i.e. NULL). */
  serialType(i: number): number {
    return i < this.#count ? this.#types[i] : 0;
  }

  /** The offset of column `i`'s content within {@link payload} (the buffer given to reset). */
  contentOffset(i: number): number {
    return this.#offsets[i];
  }

  /** The buffer being read (the payload's range of it was given to reset). */
  get payload(): Uint8Array {
    return this.#buf;
  }

  /** True when column `i` is NULL (or absent). */
  isNull(i: number): boolean {
    return i >= this.#count || this.#types[i] === 0;
  }

  /**
   * Column `i`'s value; null for a column beyond the record (callers apply the column default).
   * Blobs are copies, so values outlive the payload.
   */
  column(i: number): SqlValue {
    if (i >= this.#count || i < 0) return null;
    return columnValue(this.#buf, this.#types[i], this.#offsets[i]);
  }

  /** All columns. */
  values(): SqlValue[] {
    const out = new Array<SqlValue>(this.#count);
    for (let i = 0; i < this.#count; i++) out[i] = this.column(i);
    return out;
  }
}

/** Decodes the value of serial type `t` whose content starts at `o`. */
export function columnValue(buf: Uint8Array, t: number, o: number): SqlValue {
  switch (t) {
    case 0:
      return null;
    case 8:
      return 0;
    case 9:
      return 1;
    case 7: {
      const r = readFloat(buf, o);
      // NaN is never stored (SQLite turns it into NULL); a NaN bit pattern reads as NULL too.
      if (r !== r) return null;
      return Number.isInteger(r) ? new Real(r) : r;
    }
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return readInt(buf, o, t);
  }
  const size = (t - 12) >>> 1;
  if (t & 1) return decodeUtf8(buf, o, o + size);
  return buf.slice(o, o + size);
}

const sharedReader = new RecordReader();

/** Decodes a whole record. Throws SQLITE_CORRUPT when it is malformed. */
export function decodeRecord(payload: Uint8Array): SqlValue[] {
  return sharedReader.reset(payload).values();
}
