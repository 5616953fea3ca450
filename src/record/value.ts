/**
 * The values the engine computes with.
 *
 * SQLite has five storage classes; JavaScript numbers cannot tell INTEGER 2 from
 * REAL 2.0, and the difference matters (`5/2` is 2, `5.0/2` is 2.5, typeof()).
 * So inside the engine:
 * - INTEGER is a `number` holding a safe integer, or a `bigint` when outside
 *   Number's safe range (canonical: a safe integer is never a bigint);
 * - REAL is a `number` that is not an integer (or is NaN/±Infinity), or a
 *   {@link Real} box when its value happens to be integral (rare: 2.0, -0.0);
 * - TEXT is a `string`, BLOB a `Uint8Array`, NULL is `null`.
 * At the public API, Real unboxes to number and bigint stays bigint, as node:sqlite does.
 * @module
 */

/** A REAL whose value is integral (so a bare number would read as INTEGER). */
export class Real {
  /** Boxes an integral-valued REAL. */
  constructor(readonly value: number) {}
}

/** A value of one of SQLite's storage classes, as the engine holds it. */
export type SqlValue = null | number | bigint | string | Uint8Array | Real;

/** A value as the public API hands it out (node:sqlite's mapping). */
export type OutputValue = null | number | bigint | string | Uint8Array;

/** Makes a REAL value from a JS number, boxing it when its value is integral. */
export function real(n: number): number | Real {
  return Number.isInteger(n) ? new Real(n) : n;
}

/** Makes an INTEGER value from a bigint, in canonical form. */
export function integer(n: bigint): number | bigint {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/** True when `v` is an INTEGER. */
export function isInteger(v: SqlValue): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

/** True when `v` is a REAL. */
export function isReal(v: SqlValue): v is number | Real {
  return v instanceof Real || (typeof v === "number" && !Number.isInteger(v));
}

/** The JS number of a numeric value (INTEGER or REAL); precision may be lost for big INTEGERs. */
export function toNumber(v: number | bigint | Real): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v.value;
}

/** Converts an engine value to what the public API returns. */
export function toOutput(v: SqlValue): OutputValue {
  return v instanceof Real ? v.value : v;
}
