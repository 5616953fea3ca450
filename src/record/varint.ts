/**
 * SQLite variable-length integers (fileformat2.html §1.6): 1 to 9 bytes, big-endian, seven
 * bits per byte with the high bit as a continuation flag, except that a ninth byte carries a
 * full eight bits. The 64 bits are a two's-complement signed integer.
 * @module
 */

import { corrupt, SqliteError } from "../errors.ts";

/**
 * Where {@link getVarint} reports how many bytes it consumed. A module-level scratch object so
 * that decoding does not allocate a result tuple per call.
 */
export const varintResult: { length: number } = { length: 0 };

const TWO_POW_56 = 72057594037927936; // 2^56, exact as a double

/**
 * Decodes the varint at `offset`: a `number` when the value is a safe integer, else a `bigint`.
 * The byte count is left in {@link varintResult}.length. Throws SQLITE_CORRUPT when the buffer
 * ends inside the varint.
 */
export function getVarint(buf: Uint8Array, offset: number): number | bigint {
  const b0 = buf[offset];
  if (b0 < 0x80) {
    varintResult.length = 1;
    return b0;
  }
  if (b0 === undefined) throw corrupt("varint past end of buffer");
  let v = b0 & 0x7f;
  // Up to 8 bytes the value has at most 56 bits; accumulating in a double is exact up to
  // 2^53, so only the 8th byte can lose precision and is re-done below when it might.
  for (let i = 1; i < 8; i++) {
    const b = buf[offset + i];
    if (b === undefined) throw corrupt("varint past end of buffer");
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) {
      varintResult.length = i + 1;
      if (v <= Number.MAX_SAFE_INTEGER) return v;
      return slowVarint(buf, offset, i + 1);
    }
  }
  if (offset + 8 >= buf.length) throw corrupt("varint past end of buffer");
  varintResult.length = 9;
  return slowVarint(buf, offset, 9);
}

/** Exact decoding through bigint, for the rare values beyond 53 bits and negatives. */
function slowVarint(buf: Uint8Array, offset: number, n: number): number | bigint {
  let v = 0n;
  const last = n === 9 ? 8 : n;
  for (let i = 0; i < last; i++) v = (v << 7n) | BigInt(buf[offset + i] & 0x7f);
  if (n === 9) v = (v << 8n) | BigInt(buf[offset + 8]);
  const s = BigInt.asIntN(64, v);
  return s >= -9007199254740991n && s <= 9007199254740991n ? Number(s) : s;
}

/**
 * Decodes a varint known to be small (header sizes, serial types, cell sizes): returns it as a
 * number, or -1 when it is negative or does not fit in a safe integer (callers treat that as
 * corruption). The byte count is left in {@link varintResult}.length.
 */
export function getVarintNumber(buf: Uint8Array, offset: number): number {
  const b0 = buf[offset];
  if (b0 < 0x80) {
    varintResult.length = 1;
    return b0;
  }
  const v = getVarint(buf, offset);
  return typeof v === "number" && v >= 0 ? v : -1;
}

/** The number of bytes {@link putVarint} writes for `value` (1..9). */
export function varintLength(value: number | bigint): number {
  if (typeof value === "number") {
    if (value >= 0) {
      if (value < 0x80) return 1;
      if (value < 0x4000) return 2;
      if (value < 0x200000) return 3;
      if (value < 0x10000000) return 4;
      if (value < 0x800000000) return 5;
      if (value < 0x40000000000) return 6;
      if (value < 0x2000000000000) return 7;
      if (value < TWO_POW_56) return 8;
      return 9;
    }
    return 9;
  }
  const u = BigInt.asUintN(64, value);
  if (u >= 0x100000000000000n) return 9;
  let n = 0;
  for (let x = u; x > 0n; x >>= 7n) n++;
  return Math.max(n, 1);
}

/**
 * Writes `value` (a 64-bit signed integer; negative values are stored as their unsigned
 * two's complement) as a varint at `offset`; returns the number of bytes written.
 */
export function putVarint(buf: Uint8Array, offset: number, value: number | bigint): number {
  if (typeof value === "number" && !Number.isInteger(value)) {
    throw new SqliteError("SQLITE_MISUSE", `varint of a non-integer: ${value}`);
  }
  if (typeof value === "number" && value >= 0 && value < TWO_POW_56) {
    if (value < 0x80) {
      buf[offset] = value;
      return 1;
    }
    if (value < 0x4000) {
      buf[offset] = (value >>> 7) | 0x80;
      buf[offset + 1] = value & 0x7f;
      return 2;
    }
    const n = varintLength(value);
    let v = value;
    for (let i = n - 1; i >= 0; i--) {
      const low = v % 128;
      buf[offset + i] = i === n - 1 ? low : low | 0x80;
      v = (v - low) / 128;
    }
    return n;
  }
  let u = BigInt.asUintN(64, typeof value === "bigint" ? value : BigInt(value));
  if (u <= 9007199254740991n) return putVarint(buf, offset, Number(u));
  if (u < 0x100000000000000n) {
    let n = 0;
    for (let x = u; x > 0n; x >>= 7n) n++;
    for (let i = n - 1; i >= 0; i--) {
      buf[offset + i] = Number(u & 0x7fn) | (i === n - 1 ? 0 : 0x80);
      u >>= 7n;
    }
    return n;
  }
  buf[offset + 8] = Number(u & 0xffn);
  u >>= 8n;
  for (let i = 7; i >= 0; i--) {
    buf[offset + i] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  return 9;
}
