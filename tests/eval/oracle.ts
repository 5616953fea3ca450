/**
 * Test helpers: evaluates SQL expressions with the real SQLite (node:sqlite) and normalises
 * values of both engines to comparable strings that keep the storage class.
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import fc from "fast-check";
import { integer, Real, real, type SqlValue } from "../../src/record/value.ts";
import { SqliteError } from "../../src/errors.ts";

const db = new DatabaseSync(":memory:");
const cache = new Map<string, StatementSync>();

/** What a binding looks like to node:sqlite (numbers bind as REAL, bigints as INTEGER). */
function bindValue(v: SqlValue): null | number | bigint | string | Uint8Array {
  if (v instanceof Real) return v.value;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v;
}

/** A value of either engine as "class:value" text (reals keep the sign of zero). */
export function norm(v: SqlValue): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return `integer:${v}`;
  if (typeof v === "number") {
    if (Number.isInteger(v)) return `integer:${v}`;
    return `real:${v}`;
  }
  if (v instanceof Real) return `real:${Object.is(v.value, -0) ? "-0" : v.value}`;
  // node:sqlite reads text as a C string, so compare only up to an embedded NUL.
  if (typeof v === "string") return `text:${JSON.stringify(v.split("\0")[0])}`;
  return `blob:${[...v].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The outcome of evaluating an expression: a normalised value or an error message. */
export type Outcome = string;

/**
 * Evaluates `SELECT <expr>` in SQLite with `args` bound to ?1, ?2, ...; returns the normalised
 * value or "error:<message>".
 */
export function sqlite(expr: string, args: SqlValue[]): Outcome {
  const sql = `SELECT typeof(v) AS t, v FROM (SELECT ${expr} AS v)`;
  try {
    let st = cache.get(sql);
    if (!st) {
      st = db.prepare(sql);
      st.setReadBigInts(true);
      cache.set(sql, st);
    }
    const row = st.get(...args.map(bindValue)) as { t: string; v: unknown };
    return norm(fromSqlite(row.t, row.v));
  } catch (e) {
    return `error:${(e as Error).message}`;
  }
}

/** Runs `sql` in SQLite and returns the first column of every row, normalised. */
export function sqliteRows(sql: string, args: SqlValue[] = []): string[] {
  const st = db.prepare(sql);
  st.setReadBigInts(true);
  return st.all(...args.map(bindValue)).map((r) => {
    const row = r as { t: string; v: unknown };
    return norm(fromSqlite(row.t, row.v));
  });
}

/** Executes SQL statements on the oracle connection. */
export function sqliteExec(sql: string): void {
  db.exec(sql);
}

function fromSqlite(t: string, v: unknown): SqlValue {
  switch (t) {
    case "integer":
      return integer(v as bigint);
    case "real":
      return real(v as number);
    case "text":
      return v as string;
    case "blob":
      return new Uint8Array(v as Uint8Array);
  }
  return null;
}

/** Runs our implementation and normalises its value or its SqliteError message. */
export function ours(f: () => SqlValue): Outcome {
  try {
    return norm(f());
  } catch (e) {
    if (e instanceof SqliteError) return `error:${e.message}`;
    throw e;
  }
}

const INT_EDGES = [
  0n,
  1n,
  -1n,
  2n,
  -2n,
  7n,
  -7n,
  63n,
  64n,
  65n,
  -64n,
  -65n,
  255n,
  2147483647n,
  -2147483648n,
  4294967296n,
  9007199254740991n,
  9007199254740992n,
  -9007199254740993n,
  4503599627370496n,
  4611686018427387904n,
  9223372036854775807n,
  -9223372036854775808n,
  9223372036854775806n,
  -9223372036854775807n,
];

/** INTEGER values of all sizes, extremes included. */
export const arbInteger: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constantFrom(...INT_EDGES).map(integer),
  fc.integer({ min: -1000, max: 1000 }),
  fc.bigInt({ min: -9223372036854775808n, max: 9223372036854775807n }).map(integer),
  fc.integer().map((n) => n),
);

const REAL_EDGES = [
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  0.1,
  1e-300,
  5e-324,
  -1e-7,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  Infinity,
  -Infinity,
  0,
  -0,
  2,
  -3,
  1e20,
  -1e20,
  9.223372036854776e18,
  -9.223372036854776e18,
  4503599627370496.5,
  123456789.123456789,
  1e15 + 0.3,
];

/** REAL values: integral ones boxed in Real, plus huge, tiny, infinite and negative zero. */
export const arbReal: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constantFrom(...REAL_EDGES).map(real),
  fc.double({ noNaN: true }).map(real),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(real),
  fc.integer({ min: -100, max: 100 }).map((n) => real(n / 4)),
);

const TEXT_EDGES = [
  "",
  " ",
  "0",
  "12",
  " 12 ",
  "-7",
  "+5",
  "1.5",
  "-2.5",
  ".5",
  "5.",
  "1e5",
  "1e",
  "1e+",
  "-0",
  "-0.0",
  "0x10",
  "12abc",
  "1.5x",
  "abc",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "-9223372036854775809",
  "123456789012345678901",
  "1e400",
  "-1e400",
  "\t3\n",
  "é",
  "héllo wörld",
  "\u{1F600}x",
  "a'b\"c",
  "%_[]*?^-",
  "ABC def",
  "  x  ",
];

const CHARS = [
  "a",
  "b",
  "A",
  "B",
  "z",
  "0",
  "1",
  "9",
  ".",
  "-",
  "+",
  "e",
  " ",
  "%",
  "_",
  "é",
  "ß",
  "\u{1F600}",
  "'",
  "x",
  "Z",
  "*",
  "?",
  "[",
  "]",
  "^",
];

/** TEXT values: numeric-looking, non-numeric, unicode. */
export const arbText: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constantFrom(...TEXT_EDGES),
  fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((a) => a.join("")),
  fc.string({ maxLength: 6 }),
);

/** BLOB values: random bytes and the UTF-8 of numeric-looking text. */
export const arbBlob: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom("12", "1.5", "abc", "", "-3", "é").map((s) => new TextEncoder().encode(s)),
);

/** A value of any storage class. */
export const arbValue: fc.Arbitrary<SqlValue> = fc.oneof(
  { arbitrary: arbInteger, weight: 3 },
  { arbitrary: arbReal, weight: 3 },
  { arbitrary: arbText, weight: 3 },
  { arbitrary: arbBlob, weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);

/** Describes a value for failure messages. */
export function show(v: SqlValue): string {
  return norm(v);
}
