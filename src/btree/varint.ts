/**
 * SQLite varints (fileformat2.html, "varint"): 1 to 9 bytes, big-endian, 7 bits per byte
 * except the ninth, which contributes all 8. Values are 64-bit two's complement.
 *
 * Private to the B-tree layer: cell headers hold the payload size and the rowid.
 * @module
 */

import { corrupt } from "../errors.ts";
import type { Rowid } from "./types.ts";

/** Bytes consumed by the last {@link readVarint}/{@link readVarint64} call (avoids a result object). */
export let varintLength = 0;

const TWO_POW_32 = 0x100000000;

/**
 * Reads a varint known to be a non-negative size (payload sizes). Values past 2^53 are not
 * sizes SQLite can produce; they come back as a huge number the caller's bounds checks reject.
 */
export function readVarint(buf: Uint8Array, off: number): number {
  let b = buf[off];
  if (b < 0x80) {
    varintLength = 1;
    return b;
  }
  let v = b & 0x7f;
  for (let i = 1; i < 8; i++) {
    b = buf[off + i];
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) {
      varintLength = i + 1;
      return v;
    }
  }
  varintLength = 9;
  return v * 256 + buf[off + 8];
}

/** Reads a 64-bit signed varint as a canonical {@link Rowid}. */
export function readVarint64(buf: Uint8Array, off: number): Rowid {
  let b = buf[off];
  if (b < 0x80) {
    varintLength = 1;
    return b;
  }
  // Up to 7 bytes (49 bits) stay exact in a double.
  let v = b & 0x7f;
  for (let i = 1; i < 7; i++) {
    b = buf[off + i];
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) {
      varintLength = i + 1;
      return v;
    }
  }
  // Only a damaged cell puts a long varint at the very end of the page: no bytes to read.
  // (An 8-byte varint may end exactly at the page end: only the bytes it uses must exist.)
  if (off + 8 > buf.length) throw corrupt(`varint at offset ${off} runs off the page`);
  let big = BigInt(v);
  b = buf[off + 7];
  big = (big << 7n) | BigInt(b & 0x7f);
  if (b < 0x80) {
    varintLength = 8;
  } else {
    if (off + 9 > buf.length) throw corrupt(`varint at offset ${off} runs off the page`);
    big = (big << 8n) | BigInt(buf[off + 8]);
    varintLength = 9;
  }
  big = BigInt.asIntN(64, big);
  return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
}

/** Bytes needed to encode `v` (a size or a rowid). */
export function varintSize(v: Rowid): number {
  if (typeof v === "number") {
    if (v >= 0) {
      if (v < 0x80) return 1;
      if (v < 0x4000) return 2;
      if (v < 0x200000) return 3;
      if (v < 0x10000000) return 4;
      if (v < 0x800000000) return 5;
      if (v < 0x40000000000) return 6;
      if (v < 0x2000000000000) return 7;
      return 8; // < 2^53 < 2^56
    }
    return 9;
  }
  const u = BigInt.asUintN(64, v);
  if (u >= 1n << 56n) return 9;
  let n = 1;
  while (u >= 1n << BigInt(7 * n)) n++;
  return n;
}

/** Writes `v` at `off`; returns the number of bytes written. */
export function writeVarint(buf: Uint8Array, off: number, v: Rowid): number {
  if (typeof v === "number" && v >= 0 && v < TWO_POW_32 * 0x10000) {
    // Fast path for values below 2^48 (sizes and ordinary rowids).
    const n = varintSize(v);
    let x = v;
    for (let i = n - 1; i >= 0; i--) {
      buf[off + i] = (x % 128) | (i === n - 1 ? 0 : 0x80);
      x = Math.floor(x / 128);
    }
    return n;
  }
  let u = BigInt.asUintN(64, BigInt(v));
  if (u >= 1n << 56n) {
    buf[off + 8] = Number(u & 0xffn);
    u >>= 8n;
    for (let i = 7; i >= 0; i--) {
      buf[off + i] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    return 9;
  }
  const n = varintSize(u);
  for (let i = n - 1; i >= 0; i--) {
    buf[off + i] = Number(u & 0x7fn) | (i === n - 1 ? 0 : 0x80);
    u >>= 7n;
  }
  return n;
}
