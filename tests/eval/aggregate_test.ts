import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { real, type SqlValue } from "../../src/record/value.ts";
import { NOCASE } from "../../src/record/collation.ts";
import { getAggregate, isAggregateName } from "../../src/sql/eval/aggregate.ts";
import { arbInteger, arbReal, arbValue, ours, show, sqliteExec, sqliteRows } from "./oracle.ts";

let table = 0;

/** Runs `agg` over `rows` in SQLite (a one-column table t(x, s)) and with our aggregator. */
function check(call: string, name: string, rows: SqlValue[][], distinct = false, width = 1): void {
  const t = `t${table++}`;
  sqliteExec(`CREATE TABLE ${t}(x, s)`);
  const placeholders = width === 2 ? "(?1, ?2)" : "(?1, NULL)";
  for (const r of rows) {
    sqliteRows(`INSERT INTO ${t} VALUES ${placeholders} RETURNING 1 AS t, 1 AS v`, r);
  }
  let expected: string;
  try {
    expected = sqliteRows(`SELECT typeof(v) AS t, v FROM (SELECT ${call} AS v FROM ${t})`)[0];
  } catch (e) {
    expected = `error:${(e as Error).message}`;
  }
  sqliteExec(`DROP TABLE ${t}`);
  const actual = ours(() => {
    const agg = getAggregate(name, call.includes("(*)") ? 0 : width)!({ distinct });
    for (const r of rows) agg.step(r);
    return agg.final();
  });
  if (actual !== expected) {
    throw new Error(
      `${call} over [${
        rows.map((r) => r.map(show).join("/")).join(", ")
      }]\n  ours:   ${actual}\n  sqlite: ${expected}`,
    );
  }
}

const arbNum = fc.oneof(arbInteger, arbReal, fc.integer({ min: -5, max: 5 }));
const arbRows = fc.array(fc.oneof(arbValue, arbNum).map((v) => [v]), { maxLength: 8 });
const arbBigInts = fc.array(
  fc.oneof(
    fc.constantFrom(9223372036854775807n, -9223372036854775808n, 4611686018427387904n),
    arbInteger,
  )
    .map((v) => [v]),
  { maxLength: 6 },
);

const CALLS: [string, string][] = [
  ["count(*)", "count"],
  ["count(x)", "count"],
  ["sum(x)", "sum"],
  ["total(x)", "total"],
  ["avg(x)", "avg"],
  ["min(x)", "min"],
  ["max(x)", "max"],
  ["group_concat(x)", "group_concat"],
];

for (const [call, name] of CALLS) {
  Deno.test(`${call} matches SQLite`, () => {
    fc.assert(fc.property(arbRows, (rows) => check(call, name, rows)), { seed: 42, numRuns: 150 });
    fc.assert(fc.property(arbBigInts, (rows) => check(call, name, rows)), {
      seed: 42,
      numRuns: 60,
    });
  });
  if (call !== "count(*)") {
    Deno.test(`${call.replace("(", "(DISTINCT ")} matches SQLite`, () => {
      const dupRows = fc.array(
        fc.constantFrom<SqlValue>(1, 1, 2, real(1), "1", "a", "a", null, 2.5, real(2)).map((
          v,
        ) => [v]),
        { maxLength: 8 },
      );
      fc.assert(
        fc.property(dupRows, (rows) => check(call.replace("(", "(DISTINCT "), name, rows, true)),
        { seed: 42, numRuns: 100 },
      );
    });
  }
}

Deno.test("group_concat/string_agg with separators match SQLite", () => {
  const arbSep = fc.oneof(fc.constantFrom<SqlValue>(", ", "", null, 1, "é"), arbValue);
  const rows = fc.array(fc.tuple(fc.oneof(arbValue, fc.constantFrom<SqlValue>("", "a")), arbSep), {
    maxLength: 6,
  });
  fc.assert(
    fc.property(rows, (r) => {
      check("group_concat(x, s)", "group_concat", r, false, 2);
      check("string_agg(x, s)", "string_agg", r, false, 2);
    }),
    { seed: 42, numRuns: 200 },
  );
});

Deno.test("aggregate names and arities", () => {
  assertEquals(isAggregateName("COUNT", 0), true);
  assertEquals(isAggregateName("min", 1), true);
  assertEquals(isAggregateName("min", 2), false);
  assertEquals(isAggregateName("sum", 2), false);
  assertEquals(isAggregateName("string_agg", 1), false);
  assertEquals(isAggregateName("abs", 1), false);
});

Deno.test("min/max aggregates compare with the given collation", () => {
  const m = getAggregate("max", 1)!({ collation: NOCASE });
  for (const v of ["a", "B", null, "b"]) m.step([v]);
  assertEquals(m.final(), "B");
  const d = getAggregate("count", 1)!({ distinct: true, collation: NOCASE });
  for (const v of ["a", "A", "b", null]) d.step([v]);
  assertEquals(d.final(), 2);
});
