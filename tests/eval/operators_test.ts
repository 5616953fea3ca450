import { assertEquals } from "@std/assert";
import fc from "fast-check";
import type { SqlValue } from "../../src/record/value.ts";
import * as ops from "../../src/sql/eval/operators.ts";
import { arbInteger, arbReal, arbValue, ours, show, sqlite } from "./oracle.ts";

const BINARY: [string, (a: SqlValue, b: SqlValue) => SqlValue][] = [
  ["+", ops.add],
  ["-", ops.subtract],
  ["*", ops.multiply],
  ["/", ops.divide],
  ["%", ops.remainder],
  ["&", ops.bitAnd],
  ["|", ops.bitOr],
  ["<<", ops.shiftLeft],
  [">>", ops.shiftRight],
  ["||", ops.concat],
];

const arbNumeric = fc.oneof(arbInteger, arbReal);

for (const [op, f] of BINARY) {
  Deno.test(`operator ${op} matches SQLite for values of every class`, () => {
    fc.assert(
      fc.property(fc.oneof(arbValue, arbNumeric), fc.oneof(arbValue, arbNumeric), (a, b) => {
        const expected = sqlite(`?1 ${op} ?2`, [a, b]);
        assertEquals(ours(() => f(a, b)), expected, `${show(a)} ${op} ${show(b)}`);
      }),
      { seed: 42, numRuns: 600 },
    );
  });
}

Deno.test("operators: small shift amounts and integer edge cases", () => {
  const amounts = [-65, -64, -63, -1, 0, 1, 2, 31, 32, 62, 63, 64, 65];
  const vals: SqlValue[] = [
    0,
    1,
    -1,
    5,
    -5,
    9223372036854775807n,
    -9223372036854775808n,
    3.7,
    "12",
  ];
  for (const a of vals) {
    for (const n of amounts) {
      assertEquals(ours(() => ops.shiftLeft(a, n)), sqlite("?1 << ?2", [a, n]), `${show(a)}<<${n}`);
      assertEquals(
        ours(() => ops.shiftRight(a, n)),
        sqlite("?1 >> ?2", [a, n]),
        `${show(a)}>>${n}`,
      );
    }
  }
  const edges: SqlValue[] = [-9223372036854775808n, 9223372036854775807n, -1, 1, 0, 2, -2];
  for (const a of edges) {
    for (const b of edges) {
      for (const [op, f] of BINARY.slice(0, 5)) {
        assertEquals(
          ours(() => f(a, b)),
          sqlite(`?1 ${op} ?2`, [a, b]),
          `${show(a)}${op}${show(b)}`,
        );
      }
    }
  }
});

Deno.test("unary operators match SQLite", () => {
  fc.assert(
    fc.property(fc.oneof(arbValue, arbNumeric), (a) => {
      assertEquals(ours(() => ops.negate(a)), sqlite("-?1", [a]), `-${show(a)}`);
      assertEquals(ours(() => ops.bitNot(a)), sqlite("~?1", [a]), `~${show(a)}`);
      assertEquals(ours(() => ops.notOp(a)), sqlite("NOT ?1", [a]), `NOT ${show(a)}`);
      const t = ops.truthy(a);
      assertEquals(
        ours(() => (t === null ? null : t ? 1 : 0)),
        sqlite("CASE WHEN ?1 THEN 1 WHEN NOT ?1 THEN 0 END", [a]),
        `truthy ${show(a)}`,
      );
    }),
    { seed: 42, numRuns: 1000 },
  );
});

Deno.test("AND / OR are three-valued as in SQLite", () => {
  fc.assert(
    fc.property(arbValue, arbValue, (a, b) => {
      assertEquals(ours(() => ops.andOp(a, b)), sqlite("?1 AND ?2", [a, b]));
      assertEquals(ours(() => ops.orOp(a, b)), sqlite("?1 OR ?2", [a, b]));
    }),
    { seed: 42, numRuns: 300 },
  );
});
