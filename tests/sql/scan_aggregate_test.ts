/**
 * The aggregate scan loop (one group, no GROUP BY: count(*) counted by the loop, one-argument
 * aggregates stepped without an argument array, records read in place from the page) against
 * the general executor and node:sqlite, on random rows with overflow records, non-ASCII and
 * NUL-holding TEXT, BLOBs and NULLs (fixed seed).
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { Database, type SqliteError } from "../../mod.ts";
import { fastPathSwitch } from "../../src/sql/fast_select.ts";

type Outcome = unknown[][] | string;

function outcome(run: () => unknown[][]): Outcome {
  try {
    return run();
  } catch (e) {
    return `${(e as SqliteError).code}: ${(e as Error).message}`;
  }
}

function show(o: Outcome): string {
  return JSON.stringify(
    o,
    (_, v) =>
      typeof v === "bigint" ? `${v}n` : v instanceof Uint8Array ? `x'${[...v].join(",")}'` : v,
  );
}

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.constantFrom("a\u0000b", "\u00e9t\u00e9", "\u{1F600}x", ""),
  // Long enough to overflow a 512-byte page.
  fc.tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 100, max: 900 })).map(([s, n]) =>
    (s || "z").repeat(n)
  ),
);
const value = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1000, max: 1000 }),
  // Integral doubles would bind as REAL in node:sqlite and as INTEGER here.
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).filter((d) => !Number.isInteger(d)),
  text,
  fc.uint8Array({ maxLength: 8 }),
  fc.uint8Array({ minLength: 600, maxLength: 700 }),
);
const row = fc.tuple(fc.integer({ min: -20, max: 20 }), value, value);

const AGGS = [
  "count(*), sum(a), max(length(b))",
  "count(*), count(*), count(b), min(b), max(c)",
  "total(a), avg(a), sum(c), count(c)",
  "max(length(c)), min(length(b)), count(*) + 1",
  "count(DISTINCT b), count(*), sum(DISTINCT a)",
  "group_concat(a), count(*)",
  "count(*)",
];
const WHERE = ["", " WHERE a > 0", " WHERE b IS NOT NULL", " WHERE a = 1000"];

Deno.test("aggregate scan loop agrees with the general executor and SQLite", () => {
  let checked = 0;
  fc.assert(
    fc.property(
      fc.array(row, { maxLength: 60 }),
      fc.constantFrom(...AGGS),
      fc.constantFrom(...WHERE),
      (rows, aggs, where) => {
        const ours = new Database(":memory:", { pageSize: 512, cacheSize: 10 });
        const theirs = new DatabaseSync(":memory:");
        const ddl = "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b, c TEXT)";
        ours.exec(ddl);
        theirs.exec(ddl);
        const insOurs = ours.prepare("INSERT INTO t(a, b, c) VALUES (?, ?, ?)");
        const insTheirs = theirs.prepare("INSERT INTO t(a, b, c) VALUES (?, ?, ?)");
        for (const r of rows) {
          insOurs.run(...r);
          insTheirs.run(
            ...r.map((v) => typeof v === "number" && Number.isInteger(v) ? BigInt(v) : v),
          );
        }
        const sql = `SELECT ${aggs} FROM t${where}`;
        const run = () => ours.prepare(sql).values() as unknown[][];
        fastPathSwitch.disabled = true;
        let general: Outcome;
        try {
          general = outcome(run);
        } finally {
          fastPathSwitch.disabled = false;
        }
        const fast = outcome(run);
        assertEquals(show(fast), show(general), sql);
        const p = theirs.prepare(sql);
        (p as unknown as { setReturnArrays(v: boolean): void }).setReturnArrays(true);
        assertEquals(show(fast), show(outcome(() => p.all() as unknown as unknown[][])), sql);
        checked++;
        ours.close();
        theirs.close();
      },
    ),
    { seed: 6303, numRuns: 300 },
  );
  assertEquals(checked, 300);
});
