/**
 * Column affinity (datatype3.html §3): how a declared type maps to an affinity, how values are
 * converted when stored, and which affinity a comparison applies.
 * @module
 */

import { Real, real, type SqlValue } from "./value.ts";
import { numberToText, realIsLosslessInteger, textToNumberForAffinity } from "./conversion.ts";

/** SQLite's five column affinities ("BLOB" is also called NONE). */
export type Affinity = "BLOB" | "TEXT" | "NUMERIC" | "INTEGER" | "REAL";

const H_CHAR = 0x63686172;
const H_CLOB = 0x636c6f62;
const H_TEXT = 0x74657874;
const H_BLOB = 0x626c6f62;
const H_REAL = 0x7265616c;
const H_FLOA = 0x666c6f61;
const H_DOUB = 0x646f7562;
const H_INT = 0x696e74;

/**
 * The affinity of a column declared with type `declaredType` (sqlite3AffinityType): contains
 * "INT" -> INTEGER; "CHAR", "CLOB" or "TEXT" -> TEXT; "BLOB" or no type -> BLOB; "REAL",
 * "FLOA" or "DOUB" -> REAL; otherwise NUMERIC. Matching is case-insensitive (ASCII).
 */
export function affinityOf(declaredType: string | null | undefined): Affinity {
  if (!declaredType) return "BLOB";
  let aff: Affinity = "NUMERIC";
  let h = 0;
  for (let i = 0; i < declaredType.length; i++) {
    let c = declaredType.charCodeAt(i) & 0xff;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    h = ((h << 8) + c) | 0;
    const hu = h >>> 0;
    if (hu === H_CHAR || hu === H_CLOB || hu === H_TEXT) {
      aff = "TEXT";
    } else if (hu === H_BLOB && (aff === "NUMERIC" || aff === "REAL")) {
      aff = "BLOB";
    } else if ((hu === H_REAL || hu === H_FLOA || hu === H_DOUB) && aff === "NUMERIC") {
      aff = "REAL";
    } else if ((hu & 0xffffff) === H_INT) {
      return "INTEGER";
    }
  }
  return aff;
}

/** True for NUMERIC, INTEGER and REAL. */
export function isNumericAffinity(aff: Affinity): boolean {
  return aff === "NUMERIC" || aff === "INTEGER" || aff === "REAL";
}

/**
 * Converts `value` as SQLite does when storing it in a column of affinity `aff`, giving the
 * value a later SELECT sees (typeof included):
 * - TEXT: INTEGER and REAL become their text (REAL as `%!.17g`: 1.0, 1.0e+20);
 * - NUMERIC, INTEGER: well-formed numeric text becomes INTEGER when integral and inside int64
 *   ('3.0' -> 3, ' 12 ' -> 12, '1e3' -> 1000), else REAL; REALs with an integral value become
 *   INTEGER; hex text and text with trailing garbage stay TEXT;
 * - REAL: as NUMERIC, then any INTEGER becomes REAL (a Real box when integral);
 * - BLOB: unchanged.
 * BLOB and NULL values are never converted.
 */
export function applyAffinity(value: SqlValue, aff: Affinity): SqlValue {
  if (value === null || value instanceof Uint8Array || aff === "BLOB") return value;
  if (aff === "TEXT") {
    return typeof value === "string" ? value : numberToText(value);
  }
  let v: SqlValue = value;
  if (typeof v === "string") {
    const n = textToNumberForAffinity(v);
    if (n === undefined) return v;
    v = n;
  } else if (v instanceof Real) {
    if (realIsLosslessInteger(v.value)) v = toInteger(v.value);
  } else if (typeof v === "number" && !Number.isInteger(v)) {
    // Non-integral REAL: nothing to convert.
  } else if (typeof v === "number" && !Number.isSafeInteger(v)) {
    // A non-canonical integral number: treat as the INTEGER it denotes.
    v = realIsLosslessInteger(v) ? BigInt(v) : v;
  }
  if (aff === "REAL") {
    if (typeof v === "bigint") return real(Number(v));
    if (typeof v === "number" && Number.isInteger(v)) return new Real(v);
  }
  return v;
}

function toInteger(r: number): number | bigint {
  return Number.isSafeInteger(r) ? (r === 0 ? 0 : r) : BigInt(r);
}

/**
 * The form in which an affinity-applied value goes into the record. Identical to the value
 * except in REAL-affinity columns, where SQLite stores an integral REAL as an INTEGER when the
 * integer takes at most 6 bytes (OP_MakeRecord's MEM_IntReal), to save space; reading such a
 * column back goes through {@link fromStorage}. Byte-identical files depend on this.
 */
export function storageValue(value: SqlValue, aff: Affinity): SqlValue {
  if (aff !== "REAL") return value;
  let r: number;
  if (value instanceof Real) r = value.value;
  else if (typeof value === "number" || typeof value === "bigint") r = Number(value);
  else return value;
  if (Number.isInteger(r) && r >= -140737488355328 && r <= 140737488355327) return r === 0 ? 0 : r;
  return value;
}

/**
 * The value of a column read from a record: in a REAL-affinity column an INTEGER (stored by
 * {@link storageValue}) reads as REAL (OP_RealAffinity); other values are returned as they are.
 */
export function fromStorage(value: SqlValue, aff: Affinity): SqlValue {
  if (aff !== "REAL") return value;
  if (typeof value === "bigint") return real(Number(value));
  if (typeof value === "number" && Number.isInteger(value)) return new Real(value);
  return value;
}

/**
 * The affinity a comparison applies to its operands (sqlite3CompareAffinity, datatype3.html
 * §4.2). Each operand's affinity is its column's affinity (or a CAST's), or null for an
 * expression without one. Returns a numeric affinity when either side is numeric and the
 * other is not (or both are columns and one is numeric), TEXT when one side is a TEXT column
 * and the other has no affinity, else null (compare as is).
 */
export function comparisonAffinity(left: Affinity | null, right: Affinity | null): Affinity | null {
  if (left !== null && right !== null) {
    return isNumericAffinity(left) || isNumericAffinity(right) ? "NUMERIC" : null;
  }
  const a = left ?? right;
  return a === null || a === "BLOB" ? null : a;
}

/**
 * Applies a comparison affinity to one operand: a numeric affinity turns well-formed numeric
 * text into a number; TEXT turns numbers into text; anything else is unchanged.
 */
export function applyComparisonAffinity(value: SqlValue, aff: Affinity | null): SqlValue {
  if (aff === null || aff === "BLOB" || value === null || value instanceof Uint8Array) return value;
  if (aff === "TEXT") return typeof value === "string" ? value : numberToText(value);
  if (typeof value === "string") {
    const n = textToNumberForAffinity(value);
    return n === undefined ? value : n;
  }
  return value;
}
