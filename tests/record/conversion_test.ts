import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import {
  castToBlob,
  castToInteger,
  castToNumeric,
  castToReal,
  castToText,
  realToInteger,
  realToText,
  toNumeric,
} from "../../src/record/mod.ts";
import { Real, type SqlValue } from "../../src/record/value.ts";
import { bigStmt, bindValue, fromNode, numericTextArb, valueArb } from "./oracle.ts";

function describe(v: SqlValue): string {
  if (v === null) return "null";
  if (v instanceof Real) return `real:${v.value}`;
  if (typeof v === "number") return Number.isInteger(v) ? `int:${v}` : `real:${v}`;
  if (typeof v === "bigint") return `int:${v}`;
  if (typeof v === "string") return `text:${JSON.stringify(v)}`;
  return `blob:${Array.from(v).join(",")}`;
}

/** Doubles from random bit patterns, plus decimal-looking ones of every magnitude. */
const doubleArb = fc.oneof(
  fc.double({ noNaN: true }),
  fc.tuple(fc.integer({ min: -99999999, max: 99999999 }), fc.integer({ min: -30, max: 30 })).map((
    [m, e],
  ) => m * 10 ** e),
  fc.integer({ min: -400, max: 400 }).map((e) => Number(`1e${e}`)),
  fc.integer({ min: 1, max: 10 ** 6 }).map((k) => 1 / k),
);

Deno.test("realToText is SQLite's CAST(real AS TEXT) for random doubles", () => {
  const db = new DatabaseSync(":memory:");
  const st = db.prepare("SELECT CAST(?1 AS TEXT) AS t");
  fc.assert(
    fc.property(doubleArb, (d) => {
      assertEquals(realToText(d), (st.get(d) as { t: string }).t, String(d));
    }),
    { seed: 42, numRuns: 20000 },
  );
  assertEquals(realToText(Infinity), "Inf");
  assertEquals(realToText(-Infinity), "-Inf");
  assertEquals(realToText(1), "1.0");
  assertEquals(realToText(1e20), "1.0e+20");
  assertEquals(realToText(-0), "0.0");
  db.close();
});

Deno.test("CASTs and arithmetic conversion agree with SQLite", () => {
  const db = new DatabaseSync(":memory:");
  const st = bigStmt(
    db,
    `SELECT CAST(?1 AS INTEGER) i, typeof(CAST(?1 AS INTEGER)) ti, CAST(?1 AS REAL) r, typeof(CAST(?1 AS REAL)) tr,
            CAST(?1 AS NUMERIC) n, typeof(CAST(?1 AS NUMERIC)) tn, CAST(?1 AS TEXT) t, typeof(CAST(?1 AS TEXT)) tt,
            CAST(?1 AS BLOB) b, typeof(CAST(?1 AS BLOB)) tb, ?1 + 0 p, typeof(?1 + 0) tp`,
  );
  fc.assert(
    fc.property(fc.oneof(valueArb, numericTextArb, numericTextArb), (v) => {
      const r = st.get(bindValue(v)) as Record<string, unknown>;
      const inf = (x: SqlValue) => describe(x);
      const fix = (x: unknown, t: string) => describe(fromNode(x, t));
      assertEquals(inf(castToInteger(v)), fix(r.i, r.ti as string), `INTEGER ${describe(v)}`);
      assertEquals(inf(castToReal(v)), fix(r.r, r.tr as string), `REAL ${describe(v)}`);
      assertEquals(inf(castToNumeric(v)), fix(r.n, r.tn as string), `NUMERIC ${describe(v)}`);
      // node:sqlite cuts text at a NUL byte, so blobs holding one cannot be checked as text.
      if (!(v instanceof Uint8Array && v.includes(0))) {
        assertEquals(
          describe(castToText(v)),
          describe(fromNode(r.t, r.tt as string)),
          `TEXT ${describe(v)}`,
        );
      }
      assertEquals(
        describe(castToBlob(v)),
        describe(fromNode(r.b, r.tb as string)),
        `BLOB ${describe(v)}`,
      );
      if (!(v instanceof Uint8Array)) {
        // +0 keeps the class of numbers; for text it shows toNumeric's choice.
        const n = toNumeric(v);
        const plus = n === null
          ? null
          : n instanceof Real || (typeof n === "number" && !Number.isInteger(n))
          ? (n instanceof Real ? new Real(n.value + 0) : n + 0)
          : n;
        assertEquals(inf(plus), fix(r.p, r.tp as string), `+0 ${describe(v)}`);
      }
    }),
    { seed: 42, numRuns: 3000 },
  );
  db.close();
});

Deno.test("realToInteger truncates and saturates", () => {
  assertEquals(realToInteger(3.9), 3);
  assertEquals(realToInteger(-3.9), -3);
  assertEquals(realToInteger(1e30), 9223372036854775807n);
  assertEquals(realToInteger(-1e30), -9223372036854775808n);
  assertEquals(realToInteger(2 ** 60), 1152921504606846976n);
});
