/**
 * Value semantics of SQLite's arithmetic, bitwise, concatenation and logical operators
 * (lang_expr.html; vdbe.c OP_Add .. OP_Remainder, OP_BitAnd .. OP_ShiftRight, OP_Concat,
 * OP_BitNot, OP_Not, sqlite3VdbeBooleanValue).
 *
 * INTEGER arithmetic is 64-bit: a result that overflows is recomputed in floating point and
 * becomes REAL, as SQLite does. The floating-point path re-reads text operands with atof (as
 * sqlite3VdbeRealValue does), so '-0' there is -0.0 although '-0' alone converts to INTEGER 0. Safe-integer operands take a `number` fast path; `bigint` is
 * used only near or beyond 2^53.
 * @module
 */

import { Real, real, type SqlValue } from "../../record/value.ts";
import { castToInteger, toNumeric, toReal, valueToText } from "../../record/conversion.ts";

const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;

type Num = number | bigint | Real;

/** True when a numeric value (already converted by toNumeric) is an INTEGER. */
function isInt(v: Num): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

/** Canonical INTEGER from a bigint known to be inside int64. */
function canon(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** A REAL result, or NULL for NaN (SQLite never produces a NaN value). */
function realResult(r: number): SqlValue {
  return r !== r ? null : real(r);
}

/** Returns the int64 value of a bigint result, or undefined when it overflowed. */
function fits(v: bigint): number | bigint | undefined {
  return v < I64_MIN || v > I64_MAX ? undefined : canon(v);
}

/** `a + b`. */
export function add(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isInteger(a) && Number.isInteger(b)) {
      const r = a + b;
      if (Number.isSafeInteger(r)) return r;
    } else {
      return realResult(a + b);
    }
  }
  if (a === null || b === null) return null;
  const x = toNumeric(a) as Num;
  const y = toNumeric(b) as Num;
  if (isInt(x) && isInt(y)) {
    const r = fits(BigInt(x) + BigInt(y));
    if (r !== undefined) return r;
  }
  return realResult(toReal(a) + toReal(b));
}

/** `a - b`. */
export function subtract(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isInteger(a) && Number.isInteger(b)) {
      const r = a - b;
      if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
    } else {
      return realResult(a - b);
    }
  }
  if (a === null || b === null) return null;
  const x = toNumeric(a) as Num;
  const y = toNumeric(b) as Num;
  if (isInt(x) && isInt(y)) {
    const r = fits(BigInt(x) - BigInt(y));
    if (r !== undefined) return r;
  }
  return realResult(toReal(a) - toReal(b));
}

/** `a * b`. */
export function multiply(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isInteger(a) && Number.isInteger(b)) {
      // A product whose double is a safe integer was computed exactly.
      const r = a * b;
      if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
    } else {
      return realResult(a * b);
    }
  }
  if (a === null || b === null) return null;
  const x = toNumeric(a) as Num;
  const y = toNumeric(b) as Num;
  if (isInt(x) && isInt(y)) {
    const r = fits(BigInt(x) * BigInt(y));
    if (r !== undefined) return r;
  }
  return realResult(toReal(a) * toReal(b));
}

/** `a / b`: integer division truncates toward zero; division by zero is NULL. */
export function divide(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  const x = toNumeric(a) as Num;
  const y = toNumeric(b) as Num;
  if (isInt(x) && isInt(y)) {
    if (typeof x === "number" && typeof y === "number") {
      if (y === 0) return null;
      // `%` is exact on doubles, so x - x % y is an exact multiple of y.
      const q = (x - (x % y)) / y;
      return q === 0 ? 0 : q;
    }
    const bx = BigInt(x);
    const by = BigInt(y);
    if (by === 0n) return null;
    if (!(by === -1n && bx === I64_MIN)) return canon(bx / by);
  }
  const d = toReal(b);
  if (d === 0) return null;
  return realResult(toReal(a) / d);
}

/**
 * `a % b`. Both operands INTEGER: the C remainder (sign of the dividend). Otherwise both are
 * converted to INTEGER (REAL truncated, text by its integer prefix) and the result is REAL.
 */
export function remainder(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  const x = toNumeric(a) as Num;
  const y = toNumeric(b) as Num;
  if (isInt(x) && isInt(y)) return intRemainder(x, y);
  const r = intRemainder(castToInteger(a) as number | bigint, castToInteger(b) as number | bigint);
  return r === null ? null : new Real(Number(r));
}

function intRemainder(x: number | bigint, y: number | bigint): number | bigint | null {
  if (typeof x === "number" && typeof y === "number") {
    if (y === 0) return null;
    const r = x % y;
    return r === 0 ? 0 : r;
  }
  const by = BigInt(y);
  if (by === 0n) return null;
  if (by === -1n) return 0;
  return canon(BigInt(x) % by);
}

/** Unary `-a`, which SQLite evaluates as `0 - a`. */
export function negate(a: SqlValue): SqlValue {
  if (typeof a === "number" && Number.isInteger(a)) return a === 0 ? 0 : -a;
  return subtract(0, a);
}

/** The int64 value of an operand as sqlite3VdbeIntValue computes it. */
function int64(v: SqlValue): number | bigint {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return castToInteger(v) ?? 0;
}

/** `~a`. */
export function bitNot(a: SqlValue): SqlValue {
  if (a === null) return null;
  const v = int64(a);
  if (typeof v === "number") {
    const r = -v - 1;
    return Number.isSafeInteger(r) ? r : BigInt(r);
  }
  return canon(~v);
}

function isSmall(v: number | bigint): v is number {
  return typeof v === "number" && v >= -0x80000000 && v <= 0x7fffffff;
}

/** `a & b`. */
export function bitAnd(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  const x = int64(a);
  const y = int64(b);
  if (isSmall(x) && isSmall(y)) return x & y;
  return canon(BigInt.asIntN(64, BigInt(x) & BigInt(y)));
}

/** `a | b`. */
export function bitOr(a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return null;
  const x = int64(a);
  const y = int64(b);
  if (isSmall(x) && isSmall(y)) return x | y;
  return canon(BigInt.asIntN(64, BigInt(x) | BigInt(y)));
}

function shift(a: SqlValue, b: SqlValue, left: boolean): SqlValue {
  if (a === null || b === null) return null;
  const x = BigInt(int64(a));
  let n = BigInt(int64(b));
  if (n === 0n) return canon(x);
  if (n < 0n) {
    // A negative amount shifts the other way.
    left = !left;
    n = n > -64n ? -n : 64n;
  }
  if (n >= 64n) return x >= 0n || left ? 0 : -1;
  return canon(left ? BigInt.asIntN(64, x << n) : x >> n);
}

/** `a << b` (64-bit; negative amounts shift right, amounts >= 64 give 0 or -1). */
export function shiftLeft(a: SqlValue, b: SqlValue): SqlValue {
  return shift(a, b, true);
}

/** `a >> b` (arithmetic; negative amounts shift left). */
export function shiftRight(a: SqlValue, b: SqlValue): SqlValue {
  return shift(a, b, false);
}

/** `a || b`: NULL if either is NULL; numbers as their SQL text, blobs as their bytes. */
export function concat(a: SqlValue, b: SqlValue): SqlValue {
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (a === null || b === null) return null;
  return (valueToText(a) as string) + (valueToText(b) as string);
}

/**
 * SQLite's truth value of `v` (sqlite3VdbeBooleanValue): null for NULL, otherwise whether its
 * numeric value is non-zero (text and blobs by their numeric prefix, so 'abc' is false).
 */
export function truthy(v: SqlValue): boolean | null {
  switch (typeof v) {
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "string":
      return toReal(v) !== 0;
  }
  if (v === null) return null;
  if (v instanceof Real) return v.value !== 0;
  return toReal(v) !== 0;
}

/** `NOT a`: 1, 0 or NULL. */
export function notOp(a: SqlValue): SqlValue {
  const t = truthy(a);
  return t === null ? null : t ? 0 : 1;
}

/** `a AND b` (three-valued). */
export function andOp(a: SqlValue, b: SqlValue): SqlValue {
  const x = truthy(a);
  const y = truthy(b);
  if (x === false || y === false) return 0;
  return x === null || y === null ? null : 1;
}

/** `a OR b` (three-valued). */
export function orOp(a: SqlValue, b: SqlValue): SqlValue {
  const x = truthy(a);
  const y = truthy(b);
  if (x === true || y === true) return 1;
  return x === null || y === null ? null : 0;
}
