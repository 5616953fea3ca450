/**
 * Test helpers: value generators and node:sqlite as the oracle (reading the raw records SQLite
 * writes, and reading values back with their storage classes).
 * @module
 */

import fc from "fast-check";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { integer, Real, type SqlValue } from "../../src/record/value.ts";
import { getVarint, varintResult } from "../../src/record/varint.ts";

/** Strings mixing ASCII, Latin-1, BMP above the surrogates, and astral characters. */
export const textArb: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      "a",
      "B",
      " ",
      "z",
      "Z",
      "0",
      "_",
      "é",
      "É",
      "€",
      "😀",
      "𝄞",
      "\uE000",
      "\uFFFD",
      "\u00A0",
    ),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

const boundaryInts = [
  0,
  1,
  -1,
  127,
  128,
  -128,
  -129,
  32767,
  32768,
  -32768,
  -32769,
  8388607,
  8388608,
  -8388608,
  -8388609,
  2147483647,
  2147483648,
  -2147483648,
  -2147483649,
  140737488355327,
  140737488355328,
  -140737488355328,
  -140737488355329,
  9007199254740991,
  -9007199254740991,
];

/** INTEGER values of every serial-type size, in canonical form. */
export const integerArb: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.constantFrom(...boundaryInts),
  fc.constantFrom(
    9223372036854775807n,
    -9223372036854775808n,
    9007199254740992n,
    -9007199254740992n,
  ),
  fc.integer({ min: -200, max: 200 }),
  fc.integer(),
  fc.bigInt(-(1n << 63n), (1n << 63n) - 1n).map(integer),
);

/** REAL values (no NaN), with integral ones boxed, -0.0, huge and tiny ones. */
export const realArb: fc.Arbitrary<number | Real> = fc.oneof(
  fc.double({ noNaN: true }).map((d) => (Number.isInteger(d) ? new Real(d) : d)),
  fc.integer().map((n) => new Real(n)),
  fc.constantFrom(
    new Real(-0),
    new Real(0),
    0.5,
    -2.5,
    1e-300,
    5e-324,
    new Real(1.7976931348623157e308),
    new Real(1e20),
    Infinity,
    -Infinity,
  ),
);

/** Any value of any storage class. */
export const valueArb: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  integerArb,
  realArb,
  textArb,
  fc.uint8Array({ maxLength: 24 }),
);

/** What node:sqlite returns for a value (Real unboxed; ints as bigint when read with bigints). */
export function toNodeValue(v: SqlValue): null | number | bigint | string | Uint8Array {
  if (v instanceof Real) return v.value;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v;
}

/**
 * Binds a value so SQLite sees its storage class: node:sqlite binds every JS number as a
 * double, so INTEGERs go as bigint.
 */
export function bindValue(v: SqlValue): null | number | bigint | string | Uint8Array {
  return toNodeValue(v);
}

/** Opens a statement that returns bigints for INTEGERs. */
export function bigStmt(db: DatabaseSync, sql: string): StatementSync {
  const st = db.prepare(sql);
  st.setReadBigInts(true);
  return st;
}

/** A node:sqlite value back into the engine's representation, given SQLite's typeof(). */
export function fromNode(v: unknown, type: string): SqlValue {
  switch (type) {
    case "null":
      return null;
    case "integer":
      return integer(v as bigint);
    case "real": {
      const n = Number(v);
      return Number.isInteger(n) ? new Real(n) : n;
    }
    case "text":
      return v as string;
  }
  return v as Uint8Array;
}

/**
 * Inserts `rows` into a fresh table `t(columnDefs)` in a 64 KiB-page file and returns the
 * records SQLite stored, in rowid order, read from the raw table leaf (page 2).
 */
export function sqliteRecords(columnDefs: string, rows: SqlValue[][]): Uint8Array[] {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/r.db`;
  try {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA page_size=65536; PRAGMA journal_mode=delete;");
    db.exec(`CREATE TABLE t(${columnDefs})`);
    const n = rows[0]?.length ?? 0;
    const ins = db.prepare(
      `INSERT INTO t VALUES (${Array.from({ length: n }, () => "?").join(",")})`,
    );
    db.exec("BEGIN");
    for (const r of rows) ins.run(...r.map(bindValue));
    db.exec("COMMIT");
    db.close();
    const file = Deno.readFileSync(path);
    const page = file.subarray(65536, 131072);
    if (page[0] !== 0x0d) {
      throw new Error("page 2 is not a table leaf: rows too large for one page");
    }
    const count = (page[3] << 8) | page[4];
    if (count !== rows.length) throw new Error(`expected ${rows.length} cells, found ${count}`);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      let p = (page[8 + 2 * i] << 8) | page[9 + 2 * i];
      const size = getVarint(page, p) as number;
      p += varintResult.length;
      getVarint(page, p);
      p += varintResult.length;
      out.push(page.slice(p, p + size));
    }
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Text that may or may not be a number, in the shapes affinity conversion cares about. */
export const numericTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(
    fc.constantFrom("", " ", "\t", "  "),
    fc.constantFrom("", "-", "+"),
    fc.stringMatching(/^[0-9]{0,22}$/),
    fc.constantFrom("", ".", ".0", ".5", ".25", "0", "e3", "E-2", "e+400", "e-400", "e", "e+"),
    fc.constantFrom("", " ", "x", "\n", "abc"),
  ).map((p) => p.join("")),
  fc.constantFrom(
    "0x10",
    "1e3",
    "3.0",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "1844674407370955161",
    "4503599627370496.5",
    "1.0e18",
    "9.3e18",
    "Inf",
    "-0",
    "-0.0",
    ".",
    "",
    "1_000",
    "00012",
    "1e15",
    "123456789012345678901234567890",
  ),
);
