/**
 * Renders result values exactly as the reference sqllogictest runner does for SQLite
 * (`slt_sqlite.c`, sqliteQuery): the conversion `sqlite3_column_int` /
 * `sqlite3_column_double` / `sqlite3_column_text` would apply to the storage class, then
 * the printing rule of the column's type letter.
 *
 * - NULL is `NULL` whatever the type letter.
 * - `I`: `sqlite3_column_int` (a 64-bit conversion truncated to 32 bits), printed `%d`.
 * - `R`: `sqlite3_column_double`, printed `%.3f`.
 * - `T`: `sqlite3_column_text`; an empty string is `(empty)`; every byte of the UTF-8 text
 *   outside printable ASCII (0x20..0x7e) becomes `@`.
 * @module
 */

// sqlite3_column_text of a REAL is SQLite's own REAL-to-TEXT conversion (up to 17
// significant digits in current SQLite); the record layer implements it to the digit, and
// runner_test.ts checks it against node:sqlite.
import { realToText } from "../../src/record/conversion.ts";

export { realToText };

/**
 * A result value as an engine adapter reports it, keeping SQLite's storage class:
 * `bigint` is an INTEGER, `number` a REAL, `string` TEXT, `Uint8Array` a BLOB.
 */
export type Cell = null | bigint | number | string | Uint8Array;

const MIN_I64 = -9223372036854775808n;
const MAX_I64 = 9223372036854775807n;

/** sqlite3_column_int64 of a REAL: truncation toward zero, saturating at the int64 range. */
export function realToInt64(r: number): bigint {
  if (Number.isNaN(r)) return 0n;
  // The bounds are SQLite's own (sqlite3RealToI64): doubles just inside 2^63 saturate too.
  if (r < -9223372036854774784) return MIN_I64;
  if (r > 9223372036854774784) return MAX_I64;
  return BigInt(Math.trunc(r));
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * sqlite3Atoi64 as sqlite3_column_int64 applies it to TEXT/BLOB: optional leading space and
 * sign, then the longest run of digits; overflow saturates; no digits gives 0.
 */
export function textToInt64(z: string): bigint {
  let i = 0;
  while (i < z.length && isSpace(z.charCodeAt(i))) i++;
  let neg = false;
  if (z[i] === "-" || z[i] === "+") {
    neg = z[i] === "-";
    i++;
  }
  const start = i;
  while (i < z.length && z.charCodeAt(i) >= 0x30 && z.charCodeAt(i) <= 0x39) i++;
  if (i === start) return 0n;
  const v = BigInt(z.slice(start, i));
  if (neg) return -v < MIN_I64 ? MIN_I64 : -v;
  return v > MAX_I64 ? MAX_I64 : v;
}

const REAL_PREFIX = /^[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

/**
 * sqlite3AtoF as sqlite3_column_double applies it to TEXT/BLOB: the value of the longest
 * prefix that reads as a number (after leading space); 0 when there is none.
 */
export function textToReal(z: string): number {
  const m = REAL_PREFIX.exec(z);
  return m ? Number(m[1]) : 0;
}

const latin1 = new TextDecoder("latin1");

function blobText(b: Uint8Array): string {
  // Byte-for-byte: only ASCII digits, signs and spaces matter to the numeric conversions.
  return latin1.decode(b);
}

/** The value sqlite3_column_int64 would return for `v` (not NULL). */
export function columnInt64(v: Exclude<Cell, null>): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return realToInt64(v);
  if (typeof v === "string") return textToInt64(v);
  return textToInt64(blobText(v));
}

/** The value sqlite3_column_double would return for `v` (not NULL). */
export function columnDouble(v: Exclude<Cell, null>): number {
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return v;
  if (typeof v === "string") return textToReal(v);
  return textToReal(blobText(v));
}

/**
 * `%.3f` as sqlite3_snprintf prints it: at most 16 significant digits (SQLite's printf
 * rounds there and pads with zeros), so 2^63 prints as 9223372036854776000.000.
 */
export function formatFixed3(r: number): string {
  if (Number.isNaN(r)) return "NaN";
  if (r === Infinity) return "Inf";
  if (r === -Infinity) return "-Inf";
  // Below 1e13 three decimals never need more than 16 significant digits.
  if (Math.abs(r) < 1e13) return r.toFixed(3);
  const [mant, expText] = Math.abs(r).toPrecision(16).split("e");
  const digits = mant.replace(".", "");
  const dot = (mant.includes(".") ? mant.indexOf(".") : mant.length) + Number(expText ?? 0);
  const int = digits.slice(0, dot).padEnd(dot, "0");
  const frac = digits.slice(dot).padEnd(3, "0").slice(0, 3);
  return `${r < 0 ? "-" : ""}${int}.${frac}`;
}

/** Replaces each UTF-8 byte outside printable ASCII with `@`, stopping at a NUL. */
function printable(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0) break; // C strings end at the first NUL byte.
    if (c >= 0x20 && c <= 0x7e) out += ch;
    else if (c < 0x80) out += "@";
    else if (c < 0x800) out += "@@";
    else if (c < 0x10000) out += "@@@";
    else out += "@@@@";
  }
  return out;
}

function printableBytes(b: Uint8Array): string {
  let out = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === 0) break;
    out += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : "@";
  }
  return out;
}

/** Renders one value for a column of type letter `type` ("I", "R" or "T"). */
export function renderValue(v: Cell, type: string): string {
  if (v === null) return "NULL";
  switch (type) {
    case "I":
      return String(BigInt.asIntN(32, columnInt64(v)));
    case "R":
      return formatFixed3(columnDouble(v));
    default: {
      let text: string;
      if (typeof v === "string") text = printable(v);
      else if (typeof v === "bigint") text = v.toString();
      else if (typeof v === "number") text = realToText(v);
      else text = printableBytes(v);
      return text === "" ? "(empty)" : text;
    }
  }
}
