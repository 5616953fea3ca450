/**
 * Encoding rows as SQLite records (fileformat2.html §2.1): a varint header size, one varint
 * serial type per column, then the column contents back to back.
 * @module
 */

import { SqliteError } from "../errors.ts";
import { Real, type SqlValue } from "./value.ts";
import { putVarint, varintLength } from "./varint.ts";
import { serialResult, serialTypeOf } from "./serial_type.ts";
import { writeUtf8 } from "./utf8.ts";

// Per-call scratch, grown as needed, so sizing and encoding a record allocates nothing.
let types = new Float64Array(16);
let sizes = new Float64Array(16);
let headerSize = 0;

/**
 * From this many UTF-16 units, TEXT is encoded once by TextEncoder.encodeInto into
 * `textScratch` while the record is sized, then copied: measured on Deno 2.9, a 100-character
 * string takes ~100 ns that way against ~390 ns for the two JS passes (length, then bytes),
 * while below ~24 characters the native call's fixed cost makes the JS loops faster.
 */
const NATIVE_TEXT_MIN = 24;
const textEncoder = new TextEncoder();
let textScratch = new Uint8Array(4096);
/** Where each long TEXT value's bytes start in `textScratch` (-1: encode in place). */
let textAt = new Float64Array(16);

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Fills the scratch arrays for `values`; returns the total record size. */
function prepare(values: readonly SqlValue[]): number {
  const n = values.length;
  if (types.length < n) {
    types = new Float64Array(n * 2);
    sizes = new Float64Array(n * 2);
    textAt = new Float64Array(n * 2);
  }
  let hdr = 0;
  let body = 0;
  let text = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let t: number;
    let size: number;
    if (typeof v === "number" && (v | 0) === v) {
      // A 32-bit integer, the most common value: its serial type without a call.
      const u = v < 0 ? -1 - v : v;
      t = v === 0 ? 8 : v === 1 ? 9 : u <= 127 ? 1 : u <= 32767 ? 2 : u <= 8388607 ? 3 : 4;
      size = t > 4 ? 0 : t;
      textAt[i] = -1;
    } else if (typeof v === "string" && v.length >= NATIVE_TEXT_MIN) {
      // Three bytes per UTF-16 unit is UTF-8's worst case (a surrogate pair takes 4 for 2).
      if (text + v.length * 3 > textScratch.length) growText(text, text + v.length * 3);
      const r = textEncoder.encodeInto(v, text === 0 ? textScratch : textScratch.subarray(text));
      size = r.written;
      textAt[i] = text;
      text += size;
      t = size * 2 + 13;
    } else {
      t = serialTypeOf(v);
      size = serialResult.size;
      textAt[i] = -1;
    }
    types[i] = t;
    sizes[i] = size;
    hdr += t < 128 ? 1 : varintLength(t);
    body += size;
  }
  // The header size counts its own varint (same computation as OP_MakeRecord).
  if (hdr <= 126) {
    hdr += 1;
  } else {
    const nv = varintLength(hdr);
    hdr += nv;
    if (nv < varintLength(hdr)) hdr++;
  }
  headerSize = hdr;
  const total = hdr + body;
  if (total > 2147483647) throw new SqliteError("SQLITE_TOOBIG", "string or blob too big");
  return total;
}

/** Grows `textScratch` to at least `need` bytes, keeping its first `used`. */
function growText(used: number, need: number): void {
  const next = new Uint8Array(Math.max(need, textScratch.length * 2));
  next.set(textScratch.subarray(0, used));
  textScratch = next;
}

/** The size in bytes of the record {@link encodeRecord} would produce for `values`. */
export function recordSize(values: readonly SqlValue[]): number {
  return prepare(values);
}

/**
 * Encodes `values` as a record into `buf` at `offset` (the caller makes room for
 * {@link recordSize} bytes); returns the number of bytes written. Values are encoded as given:
 * column affinity must already have been applied (see affinity.ts `storageValue`).
 */
export function encodeRecordInto(
  values: readonly SqlValue[],
  buf: Uint8Array,
  offset: number,
): number {
  const total = prepare(values);
  if (offset + total > buf.length) {
    throw new SqliteError("SQLITE_INTERNAL", "record buffer too small");
  }
  writePrepared(values, buf, offset);
  return total;
}

// Small records are carved out of shared 64 KiB slabs: a typed array of its own costs several
// times more than encoding a typical row (a new ArrayBuffer each), a view of a slab does not.
const SLAB_SIZE = 65536;
const SLAB_MAX_RECORD = 4096;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * Encodes `values` as a new record. The result may be a view into a buffer shared with other
 * records (never overlapping them): use its byteOffset and length, not its whole buffer.
 */
export function encodeRecord(values: readonly SqlValue[]): Uint8Array {
  const total = prepare(values);
  let buf: Uint8Array;
  if (total > SLAB_MAX_RECORD) {
    buf = new Uint8Array(total);
  } else {
    if (slabUsed + total > SLAB_SIZE) {
      slab = new Uint8Array(SLAB_SIZE);
      slabUsed = 0;
    }
    buf = slab.subarray(slabUsed, slabUsed + total);
    slabUsed += total;
  }
  writePrepared(values, buf, 0);
  return buf;
}

/**
 * Encodes records into one growing buffer: `encode` returns a view valid until the next call,
 * so a loop inserting many rows allocates only when a record is larger than any before.
 */
export class RecordEncoder {
  #buf = new Uint8Array(256);

  /** The record for `values`, as a view into the encoder's buffer (copy it to keep it). */
  encode(values: readonly SqlValue[]): Uint8Array {
    const total = prepare(values);
    if (this.#buf.length < total) this.#buf = new Uint8Array(Math.max(total, this.#buf.length * 2));
    writePrepared(values, this.#buf, 0);
    return this.#buf.subarray(0, total);
  }
}

function writePrepared(values: readonly SqlValue[], buf: Uint8Array, offset: number): void {
  const n = values.length;
  let h = offset;
  if (headerSize < 128) buf[h++] = headerSize;
  else h += putVarint(buf, offset, headerSize);
  for (let i = 0; i < n; i++) {
    const t = types[i];
    if (t < 128) buf[h++] = t;
    else h += putVarint(buf, h, t);
  }
  let o = offset + headerSize;
  for (let i = 0; i < n; i++) {
    const t = types[i];
    const v = values[i];
    switch (t) {
      case 0:
      case 8:
      case 9:
        break;
      case 7: {
        writeFloat(buf, o, v instanceof Real ? v.value : (v as number));
        o += 8;
        break;
      }
      case 1:
      case 2:
      case 3:
      case 4:
      case 5:
      case 6: {
        if (t === 6 && (typeof v === "bigint" || !Number.isSafeInteger(v))) {
          writeInt64(buf, o, typeof v === "bigint" ? v : BigInt(v as number));
          o += 8;
          break;
        }
        const size = sizes[i];
        let x = typeof v === "bigint" ? Number(v) : (v as number);
        if (size <= 4) {
          // Fits 32 bits: shifts instead of the float arithmetic wider values need.
          const w = x | 0;
          for (let k = size - 1; k >= 0; k--) buf[o + k] = w >>> ((size - 1 - k) << 3);
          o += size;
          break;
        }
        // Big-endian two's complement, least significant byte first from the end.
        for (let k = size - 1; k >= 0; k--) {
          const low = ((x % 256) + 256) % 256;
          buf[o + k] = low;
          x = (x - low) / 256;
        }
        o += size;
        break;
      }
      default:
        if (typeof v === "string") {
          const at = textAt[i];
          if (at < 0) {
            o += writeUtf8(v, buf, o);
          } else {
            const size = sizes[i];
            buf.set(textScratch.subarray(at, at + size), o);
            o += size;
          }
        } else {
          buf.set(v as Uint8Array, o);
          o += (v as Uint8Array).length;
        }
    }
  }
}

function writeFloat(buf: Uint8Array, o: number, x: number): void {
  f64[0] = x;
  if (littleEndian) {
    for (let k = 0; k < 8; k++) buf[o + k] = f64Bytes[7 - k];
  } else {
    for (let k = 0; k < 8; k++) buf[o + k] = f64Bytes[k];
  }
}

function writeInt64(buf: Uint8Array, o: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  const hi = Number(u >> 32n);
  const lo = Number(u & 0xffffffffn);
  buf[o] = hi >>> 24;
  buf[o + 1] = (hi >>> 16) & 0xff;
  buf[o + 2] = (hi >>> 8) & 0xff;
  buf[o + 3] = hi & 0xff;
  buf[o + 4] = lo >>> 24;
  buf[o + 5] = (lo >>> 16) & 0xff;
  buf[o + 6] = (lo >>> 8) & 0xff;
  buf[o + 7] = lo & 0xff;
}
