/**
 * Keys that identify values up to SQLite's equality under a collation, for hashing
 * (DISTINCT, GROUP BY, IN (SELECT ...)).
 * @module
 */

import type { Collation } from "../record/collation.ts";
import { Real, type SqlValue } from "../record/value.ts";

/** A string equal for two values exactly when SQLite compares them equal under `coll`. */
export function valueKey(v: SqlValue, coll: Collation | undefined): string {
  if (v === null) return "N";
  if (typeof v === "number" || typeof v === "bigint" || v instanceof Real) {
    // Numbers equal across INTEGER and REAL (2 and 2.0, -2^63 both ways) share a key.
    const n = v instanceof Real ? v.value : v;
    return "n" +
      (typeof n === "number" && Number.isInteger(n) && !Number.isSafeInteger(n)
        ? BigInt(n).toString()
        : String(n === 0 ? 0 : n));
  }
  if (typeof v === "string") {
    const c = coll?.name;
    const s = c === "NOCASE"
      ? v.replace(/[A-Z]+/g, (m) => m.toLowerCase())
      : c === "RTRIM"
      ? v.replace(/ +$/, "")
      : v;
    return "t" + s;
  }
  let hex = "b";
  for (let i = 0; i < v.length; i++) hex += (v[i] < 16 ? "0" : "") + v[i].toString(16);
  return hex;
}

/** A key for a row of values under per-column collations. */
export function rowKey(vals: SqlValue[], colls: (Collation | undefined)[]): string {
  let k = "";
  for (let i = 0; i < vals.length; i++) {
    const part = valueKey(vals[i], colls[i]);
    k += part.length + ":" + part;
  }
  return k;
}
