/**
 * SQLite's built-in aggregate functions (lang_aggfunc.html; func.c): count, sum, total, avg,
 * min, max, group_concat and string_agg, with optional DISTINCT.
 *
 * sum/total/avg follow SQLite exactly: INTEGER sums stay exact (overflow is an "integer
 * overflow" error), and once a non-integer is seen the sum continues in floating point with
 * Kahan-Babuska-Neumaier compensation.
 * @module
 */

import { SqliteError } from "../../errors.ts";
import { Real, real, type SqlValue } from "../../record/value.ts";
import { atoi64, atoi64Result, toReal, valueToText } from "../../record/conversion.ts";
import { atof, atofResult } from "../../record/float_decimal.ts";
import { BINARY, type Collation } from "../../record/collation.ts";
import { compareValues } from "../../record/compare.ts";
import { valueKey } from "../value_key.ts";

/** One running aggregate (one group's state). */
export interface Aggregator {
  /** Adds one row's argument values. */
  step(args: SqlValue[]): void;
  /**
   * Adds one row's only argument: `step([v])` without the array (one-argument aggregates
   * that have it; the SQL layer calls it per row of a scan).
   */
  step1?(v: SqlValue): void;
  /** The result (call once, after the last step). */
  final(): SqlValue;
}

/** Options for a new aggregator. */
export interface AggregateOptions {
  /** Skip argument values already seen (by the first argument; SQLite allows only one). */
  distinct?: boolean;
  /** Collation for min/max comparison and DISTINCT on text (BINARY by default). */
  collation?: Collation;
}

/** Creates a fresh aggregator. */
export type AggregateFactory = (opts?: AggregateOptions) => Aggregator;

const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;
const TWO52 = 4503599627370496;

/** sqlite3_value_numeric_type: "integer", "real", or other (NULL, non-numeric text, blob). */
function numericClass(v: SqlValue): "null" | "integer" | "real" | "other" {
  if (v === null) return "null";
  switch (typeof v) {
    case "bigint":
      return "integer";
    case "number":
      return Number.isInteger(v) ? "integer" : "real";
    case "string": {
      const rc = atof(v);
      if (rc <= 0) return "other";
      if ((rc & 2) === 0) {
        const r = atofResult.value;
        if (r === 0 || (Number.isInteger(r) && Math.abs(r) < 2251799813685248)) return "integer";
        if (atoi64(v) === 0) return "integer";
      }
      return "real";
    }
  }
  return v instanceof Real ? "real" : "other";
}

/** The INTEGER value of a value numericClass() called "integer" (as alsoAnInt stores it). */
function intOf(v: SqlValue): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(v);
  const z = v as string;
  atof(z);
  const r = atofResult.value;
  if (r === 0 || (Number.isInteger(r) && Math.abs(r) < 2251799813685248)) return BigInt(r);
  atoi64(z);
  return BigInt(atoi64Result.value);
}

class SumState {
  rSum = 0;
  rErr = 0;
  /** The exact INTEGER sum once it left `small` mode. */
  big = 0n;
  /**
   * While every value so far was an integer and the running sum is a safe integer, the sum
   * is kept in `sSum` as a number: no BigInt per row. No INTEGER overflow can happen there
   * (|sum| < 2^53), so the result is the same as summing in BigInt throughout.
   */
  small = true;
  sSum = 0;
  cnt = 0;
  approx = false;
  ovrfl = false;

  private kbn(r: number): void {
    const s = this.rSum;
    const t = s + r;
    if (Math.abs(s) > Math.abs(r)) this.rErr += (s - t) + r;
    else this.rErr += (r - t) + s;
    this.rSum = t;
  }

  private kbnInt(i: bigint): void {
    if (i <= -TWO52 || i >= TWO52) {
      const sm = i % 16384n;
      this.kbn(Number(i - sm));
      this.kbn(Number(sm));
    } else {
      this.kbn(Number(i));
    }
  }

  private init(i: bigint): void {
    if (i <= -TWO52 || i >= TWO52) {
      const sm = i % 16384n;
      this.rSum = Number(i - sm);
      this.rErr = Number(sm);
    } else {
      this.rSum = Number(i);
      this.rErr = 0;
    }
  }

  /** The exact INTEGER sum (meaningful until a non-integer made the sum approximate). */
  get iSum(): bigint {
    return this.small ? BigInt(this.sSum) : this.big;
  }

  step(v: SqlValue): void {
    if (this.small) {
      if (typeof v === "number" && Number.isInteger(v)) {
        const x = this.sSum + v;
        if (x >= -9007199254740991 && x <= 9007199254740991) {
          this.sSum = x;
          this.cnt++;
          return;
        }
      }
      if (v === null) return;
      this.small = false;
      this.big = BigInt(this.sSum);
    }
    const t = numericClass(v);
    if (t === "null") return;
    this.cnt++;
    if (!this.approx) {
      if (t !== "integer") {
        this.init(this.big);
        this.approx = true;
        this.kbn(toReal(v));
      } else {
        const i = intOf(v);
        const x = this.big + i;
        if (x >= I64_MIN && x <= I64_MAX) {
          this.big = x;
        } else {
          this.ovrfl = true;
          this.init(this.big);
          this.approx = true;
          this.kbnInt(i);
        }
      }
    } else if (t === "integer") {
      this.kbnInt(intOf(v));
    } else {
      this.ovrfl = false;
      this.kbn(toReal(v));
    }
  }

  /** rSum + rErr, unless the error term overflowed. */
  approxValue(): number {
    return Number.isFinite(this.rErr) ? this.rSum + this.rErr : this.rSum;
  }
}

function canon(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Wraps an aggregator so that it only sees each distinct first argument once. */
function withDistinct(agg: Aggregator, coll: Collation): Aggregator {
  const keys = new Set<string>();
  const seen: SqlValue[] = [];
  const binary = coll === BINARY || coll.name === "BINARY";
  return {
    step(args) {
      const v = args[0];
      if (binary) {
        const k = valueKey(v, undefined);
        if (keys.has(k)) return;
        keys.add(k);
      } else {
        for (const s of seen) if (compareValues(s, v, coll) === 0) return;
        seen.push(v);
      }
      agg.step(args);
    },
    final: () => agg.final(),
  };
}

function countStar(): Aggregator {
  let n = 0;
  return { step: () => void n++, final: () => n };
}

function count(): Aggregator {
  let n = 0;
  return {
    step(args) {
      if (args[0] !== null) n++;
    },
    step1(v) {
      if (v !== null) n++;
    },
    final: () => n,
  };
}

function sum(): Aggregator {
  const s = new SumState();
  return {
    step: (args) => s.step(args[0]),
    step1: (v) => s.step(v),
    final() {
      if (s.cnt === 0) return null;
      if (!s.approx) return canon(s.iSum);
      if (s.ovrfl) throw new SqliteError("SQLITE_ERROR", "integer overflow");
      return real(s.approxValue());
    },
  };
}

function total(): Aggregator {
  const s = new SumState();
  return {
    step: (args) => s.step(args[0]),
    step1: (v) => s.step(v),
    final: () => real(s.approx ? s.approxValue() : Number(s.iSum)),
  };
}

function avg(): Aggregator {
  const s = new SumState();
  return {
    step: (args) => s.step(args[0]),
    step1: (v) => s.step(v),
    final() {
      if (s.cnt === 0) return null;
      const r = s.approx ? s.approxValue() : Number(s.iSum);
      return real(r / s.cnt);
    },
  };
}

function minMax(max: boolean, coll: Collation): Aggregator {
  let best: SqlValue = null;
  let has = false;
  const step1 = (v: SqlValue): void => {
    if (v === null) return;
    if (!has) {
      best = v;
      has = true;
      return;
    }
    if (typeof v === "number" && typeof best === "number") {
      // Two plain numbers (INTEGER or non-integral REAL): compareValues' answer, directly.
      if (max ? best < v : best > v) best = v;
      return;
    }
    const c = compareValues(best, v, coll);
    if (max ? c < 0 : c > 0) best = v;
  };
  return {
    step1,
    step: (args) => step1(args[0]),
    final: () => best,
  };
}

function groupConcat(defaultSep: boolean): Aggregator {
  let out = "";
  let started = false;
  return {
    step(args) {
      const v = args[0];
      if (v === null) return;
      if (started) {
        if (defaultSep) out += ",";
        else if (args[1] !== null && args[1] !== undefined) out += valueToText(args[1]) as string;
      }
      started = true;
      out += valueToText(v) as string;
    },
    final: () => (started ? out : null),
  };
}

interface AggDef {
  arity: number;
  make: (coll: Collation) => Aggregator;
}

const AGGREGATES = new Map<string, AggDef[]>([
  ["count", [{ arity: 0, make: countStar }, { arity: 1, make: count }]],
  ["sum", [{ arity: 1, make: sum }]],
  ["total", [{ arity: 1, make: total }]],
  ["avg", [{ arity: 1, make: avg }]],
  ["min", [{ arity: 1, make: (c) => minMax(false, c) }]],
  ["max", [{ arity: 1, make: (c) => minMax(true, c) }]],
  ["group_concat", [
    { arity: 1, make: () => groupConcat(true) },
    { arity: 2, make: () => groupConcat(false) },
  ]],
  ["string_agg", [{ arity: 2, make: () => groupConcat(false) }]],
]);

/**
 * The aggregate `name` (case-insensitive) taking `argCount` arguments (count(*) is argCount 0),
 * or undefined. min/max with other than one argument are scalar functions, not aggregates.
 */
export function getAggregate(name: string, argCount: number): AggregateFactory | undefined {
  const defs = AGGREGATES.get(name.toLowerCase());
  const def = defs?.find((d) => d.arity === argCount);
  if (!def) return undefined;
  return (opts = {}) => {
    const coll = opts.collation ?? BINARY;
    const agg = def.make(coll);
    return opts.distinct ? withDistinct(agg, coll) : agg;
  };
}

/** True when a call `name(argCount args)` is an aggregate call. */
export function isAggregateName(name: string, argCount: number): boolean {
  return getAggregate(name, argCount) !== undefined;
}
