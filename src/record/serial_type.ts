/**
 * Serial types of the record format (fileformat2.html §2.1): how each value is stored.
 * @module
 */

import { Real, type SqlValue } from "./value.ts";
import { utf8Length } from "./utf8.ts";

/** Content size in bytes of each serial type 0..11 (10 and 11 are reserved). */
const FIXED_SIZE = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];

/** The number of content bytes a value of serial type `t` occupies. */
export function serialTypeSize(t: number): number {
  return t < 12 ? FIXED_SIZE[t] : Math.floor((t - 12) / 2);
}

/**
 * Where {@link serialTypeOf} leaves the content size of the value it classified (for text,
 * computing the UTF-8 length is the costly part, so it is done once).
 */
export const serialResult: { size: number } = { size: 0 };

/** The serial type of an INTEGER held as a safe-integer number (schema format 4: 0/1 -> 8/9). */
export function integerSerialType(v: number): number {
  if (v === 0) return 8;
  if (v === 1) return 9;
  const u = v < 0 ? -1 - v : v; // ~v for negatives, as SQLite measures
  if (u <= 127) return 1;
  if (u <= 32767) return 2;
  if (u <= 8388607) return 3;
  if (u <= 2147483647) return 4;
  if (u <= 140737488355327) return 5;
  return 6;
}

/**
 * The serial type SQLite chooses for `v`; the content size is left in
 * {@link serialResult}.size. A Real box or non-integral number is a REAL (7); an integral
 * number is an INTEGER (a non-safe integral number is treated as the INTEGER it denotes when it
 * fits in int64, else as REAL).
 */
export function serialTypeOf(v: SqlValue): number {
  if (v === null) {
    serialResult.size = 0;
    return 0;
  }
  switch (typeof v) {
    case "number":
      if (Number.isInteger(v)) {
        if (Number.isSafeInteger(v)) {
          const t = integerSerialType(v);
          serialResult.size = FIXED_SIZE[t];
          return t;
        }
        if (v < -9223372036854775808 || v >= 9223372036854775808) {
          serialResult.size = 8;
          return 7;
        }
      }
      serialResult.size = 8;
      return Number.isInteger(v) ? 6 : 7;
    case "bigint": {
      if (v >= -9007199254740991n && v <= 9007199254740991n) return serialTypeOf(Number(v));
      serialResult.size = 8;
      return 6;
    }
    case "string": {
      const n = utf8Length(v);
      serialResult.size = n;
      return n * 2 + 13;
    }
  }
  if (v instanceof Real) {
    serialResult.size = 8;
    return 7;
  }
  serialResult.size = v.length;
  return v.length * 2 + 12;
}
