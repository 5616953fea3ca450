/**
 * Conversions between SQLite's storage classes, as CAST, arithmetic and text output perform
 * them (lang_expr.html "CAST expressions"; vdbemem.c).
 * @module
 */

import { Real, real, type SqlValue } from "./value.ts";
import { atof, atofResult, formatRealG, isSpace } from "./float_decimal.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

export { atof, atofResult, formatRealG } from "./float_decimal.ts";

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Where {@link atoi64} leaves the integer it parsed (canonical: number when safe). */
export const atoi64Result: { value: number | bigint } = { value: 0 };

/**
 * sqlite3Atoi64: parses a decimal integer prefix of `z` (whitespace and a sign allowed; no hex)
 * into {@link atoi64Result}.value, saturating at the int64 bounds. Returns -1 when there are no
 * digits, 0 when the whole text is an integer that fits, 1 when other text follows, 2 when the
 * value does not fit, 3 for exactly 9223372036854775808.
 */
export function atoi64(z: string): number {
  const len = z.length;
  let i = 0;
  while (i < len && isSpace(z.charCodeAt(i))) i++;
  let neg = false;
  if (i < len) {
    const c = z.charCodeAt(i);
    if (c === 0x2d) {
      neg = true;
      i++;
    } else if (c === 0x2b) {
      i++;
    }
  }
  const start = i;
  while (i < len && z.charCodeAt(i) === 0x30) i++;
  const digitsStart = i;
  while (i < len) {
    const c = z.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  const nDigits = i - digitsStart;
  let rc = 0;
  if (nDigits === 0 && start === digitsStart) {
    rc = -1;
  } else {
    for (let j = i; j < len; j++) {
      if (!isSpace(z.charCodeAt(j))) {
        rc = 1;
        break;
      }
    }
  }
  if (nDigits <= 15) {
    const v = nDigits === 0 ? 0 : Number(z.slice(digitsStart, i));
    atoi64Result.value = neg ? (v === 0 ? 0 : -v) : v;
    return rc;
  }
  const big = BigInt(z.slice(digitsStart, i));
  if (nDigits > 19 || big > 9223372036854775808n) {
    atoi64Result.value = neg ? INT64_MIN : INT64_MAX;
    return 2;
  }
  if (big === 9223372036854775808n) {
    atoi64Result.value = neg ? INT64_MIN : INT64_MAX;
    return neg ? rc : 3;
  }
  atoi64Result.value = canonical(neg ? -big : big);
  return rc;
}

function canonical(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * sqlite3RealToI64: truncates toward zero, saturating at the int64 bounds (NaN gives 0).
 */
export function realToInteger(r: number): number | bigint {
  if (r < -9223372036854774784) return INT64_MIN;
  if (r > 9223372036854774784) return INT64_MAX;
  if (r !== r) return 0;
  const t = Math.trunc(r);
  return Number.isSafeInteger(t) ? (t === 0 ? 0 : t) : BigInt(t);
}

/**
 * True when REAL `r` converts to an INTEGER without loss under the rule SQLite uses for column
 * affinity (sqlite3VdbeIntegerAffinity): the value is integral and strictly inside int64.
 */
export function realIsLosslessInteger(r: number): boolean {
  return Number.isInteger(r) && r > -9223372036854775808 && r < 9223372036854775807;
}

/** sqlite3RealSameAsInt with i = realToInteger(r): zero, or integral and |r| < 2^51. */
function realSameAsInt(r: number): boolean {
  return r === 0 || (Number.isInteger(r) && r >= -2251799813685248 && r < 2251799813685248);
}

/** Integer from a double known to be integral and inside int64 (canonical form). */
function integralToInteger(r: number): number | bigint {
  if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  return BigInt(r);
}

/** REAL as text, the way SQLite 3.53 renders it everywhere (`%!.17g`): 1.0, 1.0e+20, Inf. */
export function realToText(r: number): string {
  return formatRealG(r, 17);
}

/** Any numeric value as text (INTEGER in decimal, REAL via {@link realToText}). */
export function numberToText(v: number | bigint | Real): string {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Real) return realToText(v.value);
  return Number.isInteger(v) ? String(v === 0 ? 0 : v) : realToText(v);
}

/** The text of a value for CAST(x AS TEXT) and TEXT affinity; NULL stays null. */
export function valueToText(v: SqlValue): string | null {
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return decodeUtf8(v, 0, v.length);
  return numberToText(v);
}

function textOf(v: string | Uint8Array): string {
  return typeof v === "string" ? v : decodeUtf8(v, 0, v.length);
}

/** CAST(v AS INTEGER). */
export function castToInteger(v: SqlValue): number | bigint | null {
  if (v === null) return null;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isInteger(v) ? v : realToInteger(v);
  if (v instanceof Real) return realToInteger(v.value);
  atoi64(textOf(v));
  return atoi64Result.value;
}

/** sqlite3VdbeRealValue: the double of any value (text by its numeric prefix, NULL as 0). */
export function toReal(v: SqlValue): number {
  if (v === null) return 0;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Real) return v.value;
  atof(textOf(v));
  return atofResult.value;
}

/** CAST(v AS REAL). */
export function castToReal(v: SqlValue): number | Real | null {
  return v === null ? null : real(toReal(v));
}

/** CAST(v AS NUMERIC) (sqlite3VdbeMemNumerify). */
export function castToNumeric(v: SqlValue): number | bigint | Real | null {
  if (v === null || typeof v === "number" || typeof v === "bigint" || v instanceof Real) return v;
  const z = textOf(v);
  const rc = atof(z);
  const r = atofResult.value;
  if ((rc & 2) === 0 && atoi64(z) <= 1) return atoi64Result.value;
  if (realSameAsInt(r)) return integralToInteger(r);
  return real(r);
}

/**
 * The numeric value of an arithmetic operand (computeNumericType): text and blobs by their
 * numeric prefix, INTEGER when that prefix has no "." or exponent and fits, else REAL; NULL
 * stays null.
 */
export function toNumeric(v: SqlValue): number | bigint | Real | null {
  if (v === null || typeof v === "number" || typeof v === "bigint" || v instanceof Real) return v;
  const z = textOf(v);
  const rc = atof(z);
  const r = atofResult.value;
  if ((rc & 2) === 0 && atoi64(z) <= 1) return atoi64Result.value;
  return real(r);
}

/** CAST(v AS TEXT). */
export function castToText(v: SqlValue): string | null {
  return valueToText(v);
}

/** CAST(v AS BLOB): text and numbers become the bytes of their UTF-8 text. */
export function castToBlob(v: SqlValue): Uint8Array | null {
  if (v === null) return null;
  if (v instanceof Uint8Array) return v;
  return encodeUtf8(valueToText(v) as string);
}

/**
 * Text -> number under NUMERIC/INTEGER/REAL column affinity (applyNumericAffinity with
 * bTryForInt): returns the converted value, or `undefined` when the text is not a well-formed
 * number (it is then stored as TEXT). Hex is not converted.
 */
export function textToNumberForAffinity(z: string): number | bigint | Real | undefined {
  const rc = atof(z);
  if (rc <= 0) return undefined;
  const r = atofResult.value;
  if ((rc & 2) === 0) {
    // alsoAnInt
    if (realSameAsInt(r)) return integralToInteger(r);
    if (atoi64(z) === 0) return atoi64Result.value;
  }
  if (realIsLosslessInteger(r)) return integralToInteger(r);
  return real(r);
}
