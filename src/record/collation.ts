/**
 * The built-in collating sequences BINARY, NOCASE and RTRIM (datatype3.html §7), over JS strings
 * and over UTF-8 bytes (so index keys compare without decoding).
 * @module
 */

import { utf8Length } from "./utf8.ts";

/** A collating sequence. */
export interface Collation {
  /** Upper-case name, e.g. "NOCASE". */
  readonly name: string;
  /** Compares two strings: negative, zero or positive. */
  compare(a: string, b: string): number;
  /**
   * Compares UTF-8 bytes a[aStart, aEnd) with b[bStart, bEnd). Optional: a collation without it
   * is applied to the decoded strings.
   */
  compareBytes?(
    a: Uint8Array,
    aStart: number,
    aEnd: number,
    b: Uint8Array,
    bStart: number,
    bEnd: number,
  ): number;
}

/**
 * Compares strings by Unicode code point, which is the order of their UTF-8 bytes (memcmp).
 * JS's `<` compares UTF-16 code units, which puts U+E000..U+FFFF after astral characters;
 * this fixes that up at the first difference only.
 */
export function compareBinary(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) {
        // Surrogates (astral code points) sort above U+E000..U+FFFF in code point order.
        ca += ca < 0xe000 ? 0x2000 : -0x800;
        cb += cb < 0xe000 ? 0x2000 : -0x800;
      }
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/** memcmp of byte ranges, then the shorter first. */
export function compareBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i] - b[bStart + i];
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * NOCASE: BINARY after folding ASCII A-Z to a-z (only ASCII, as SQLite does). Like SQLite's
 * sqlite3StrNICmp, the comparison stops at a NUL both have at the same place: the strings
 * then order by their UTF-8 length alone.
 */
export function compareNocase(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === 0 && cb === 0) return utf8Length(a) - utf8Length(b);
    if (ca !== cb) {
      ca = fold(ca);
      cb = fold(cb);
      if (ca === cb) continue;
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca += ca < 0xe000 ? 0x2000 : -0x800;
        cb += cb < 0xe000 ? 0x2000 : -0x800;
      }
      return ca - cb;
    }
  }
  return a.length - b.length;
}

function nocaseBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const x = a[aStart + i];
    const d = fold(x) - fold(b[bStart + i]);
    if (d !== 0) return d;
    if (x === 0) break; // a NUL in both ends the comparison (see compareNocase)
  }
  return aEnd - aStart - (bEnd - bStart);
}

function trimEnd(s: string): number {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 0x20) n--;
  return n;
}

/** RTRIM: BINARY ignoring trailing spaces (U+0020 only). */
export function compareRtrim(a: string, b: string): number {
  const na = trimEnd(a);
  const nb = trimEnd(b);
  return compareBinary(na === a.length ? a : a.slice(0, na), nb === b.length ? b : b.slice(0, nb));
}

function rtrimBytes(
  a: Uint8Array,
  aStart: number,
  aEnd: number,
  b: Uint8Array,
  bStart: number,
  bEnd: number,
): number {
  while (aEnd > aStart && a[aEnd - 1] === 0x20) aEnd--;
  while (bEnd > bStart && b[bEnd - 1] === 0x20) bEnd--;
  return compareBytes(a, aStart, aEnd, b, bStart, bEnd);
}

/** The BINARY collation (the default). */
export const BINARY: Collation = { name: "BINARY", compare: compareBinary, compareBytes };
/** The NOCASE collation. */
export const NOCASE: Collation = {
  name: "NOCASE",
  compare: compareNocase,
  compareBytes: nocaseBytes,
};
/** The RTRIM collation. */
export const RTRIM: Collation = { name: "RTRIM", compare: compareRtrim, compareBytes: rtrimBytes };

/** A built-in collation by name (case-insensitive), or undefined when there is none. */
export function builtinCollation(name: string): Collation | undefined {
  switch (name.toUpperCase()) {
    case "BINARY":
      return BINARY;
    case "NOCASE":
      return NOCASE;
    case "RTRIM":
      return RTRIM;
  }
  return undefined;
}
