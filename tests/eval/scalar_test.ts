import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { real, type SqlValue } from "../../src/record/value.ts";
import { NOCASE } from "../../src/record/collation.ts";
import {
  type FunctionContext,
  getScalarFunction,
  scalarFunctionError,
  SQLITE_VERSION,
} from "../../src/sql/eval/scalar.ts";
import { arbInteger, arbReal, arbText, arbValue, ours, show, sqlite } from "./oracle.ts";

const ctx: FunctionContext = { changes: 3, totalChanges: 7, lastInsertRowid: 42 };

function call(name: string, args: SqlValue[]): SqlValue {
  const f = getScalarFunction(name, args.length);
  if (!f) throw scalarFunctionError(name, args.length);
  return f.fn(args, ctx);
}

function check(name: string, args: SqlValue[]): void {
  const ph = args.map((_, i) => `?${i + 1}`).join(", ");
  const expected = sqlite(`${name}(${ph})`, args);
  const actual = ours(() => call(name, args));
  if (actual !== expected) {
    throw new Error(
      `${name}(${args.map(show).join(", ")})\n  ours:   ${actual}\n  sqlite: ${expected}`,
    );
  }
}

const small = fc.oneof(fc.integer({ min: -8, max: 8 }), arbInteger, arbValue);
const arbAny = fc.oneof(arbValue, arbInteger, arbReal);

/** name, argument generators per position. */
const SPECS: [string, fc.Arbitrary<SqlValue>[]][] = [
  ["abs", [arbAny]],
  ["char", [small]],
  ["char", [small, small, small]],
  ["coalesce", [arbValue, arbValue]],
  ["coalesce", [arbValue, arbValue, arbValue]],
  ["ifnull", [arbValue, arbValue]],
  ["iif", [arbValue, arbValue]],
  ["iif", [arbValue, arbValue, arbValue]],
  ["if", [arbValue, arbValue, arbValue, arbValue, arbValue]],
  ["instr", [arbAny, arbAny]],
  ["instr", [arbText, fc.oneof(arbText, fc.constantFrom("a", "é", "", "\u{1F600}", "x"))]],
  ["hex", [arbAny]],
  ["length", [arbAny]],
  ["octet_length", [arbAny]],
  ["like", [arbAny, arbAny]],
  ["glob", [arbAny, arbAny]],
  ["lower", [arbAny]],
  ["upper", [arbAny]],
  ["ltrim", [arbAny]],
  ["rtrim", [arbAny]],
  ["trim", [arbAny]],
  ["ltrim", [arbAny, fc.oneof(arbText, fc.constantFrom("ab", "é ", "12", "x"))]],
  ["rtrim", [arbAny, fc.oneof(arbText, fc.constantFrom("ab", "é ", "12", "x"))]],
  ["trim", [arbAny, arbAny]],
  ["max", [arbAny, arbAny]],
  ["min", [arbAny, arbAny]],
  ["max", [arbAny, arbAny, arbAny]],
  ["min", [arbAny, arbAny, arbAny]],
  ["nullif", [arbAny, arbAny]],
  ["quote", [arbAny]],
  ["replace", [arbAny, arbAny, arbAny]],
  ["replace", [arbText, fc.constantFrom("a", "1", "é", "", " "), arbAny]],
  ["round", [arbAny]],
  ["round", [arbAny, fc.oneof(fc.integer({ min: -2, max: 32 }), arbValue)]],
  ["sign", [arbAny]],
  ["soundex", [arbAny]],
  ["substr", [arbAny, small]],
  ["substr", [arbAny, small, small]],
  ["substring", [arbText, fc.integer({ min: -8, max: 8 }), fc.integer({ min: -8, max: 8 })]],
  ["substr", [
    fc.uint8Array({ maxLength: 6 }),
    fc.integer({ min: -8, max: 8 }),
    fc.integer({ min: -8, max: 8 }),
  ]],
  ["typeof", [arbAny]],
  ["unicode", [arbAny]],
  ["unhex", [
    fc.oneof(arbAny, fc.constantFrom("ABcd", "0f", "a", "AB CD", "A BCD", "12 34-56", "xx")),
  ]],
  ["unhex", [
    fc.oneof(arbAny, fc.constantFrom("ABcd", "AB CD", "A BCD", "12 34-56", " 12 ", "é12")),
    fc.oneof(arbAny, fc.constantFrom(" ", "- ", "é", "")),
  ]],
  ["zeroblob", [
    fc.oneof(
      fc.integer({ min: -3, max: 10 }),
      arbText,
      arbReal.filter((v) =>
        Math.abs(Number(v instanceof Object ? (v as { value: number }).value : v)) < 100
      ),
    ),
  ]],
  ["concat", [arbAny]],
  ["concat", [arbAny, arbAny, arbAny]],
  ["concat_ws", [arbAny, arbAny, arbAny]],
  ["concat_ws", [fc.constantFrom(",", "", "é"), arbAny, arbAny, arbAny]],
  ["printf", [fc.constantFrom("%d|%s", "%5.2f", "%q", "%x"), arbAny, arbAny]],
  ["format", [fc.constantFrom("%d|%s", "%5.2f", "%Q", "%c"), arbAny]],
  ["unistr", [
    fc.oneof(
      arbText,
      fc.constantFrom("a\\0041b", "\\u00e9", "\\U0001F600", "\\+00263a", "x\\\\y", "\\q", "\\12"),
    ),
  ]],
  ["likely", [arbAny]],
  ["unlikely", [arbAny]],
];

for (const [name, gens] of SPECS) {
  Deno.test(`${name}/${gens.length} matches SQLite`, () => {
    fc.assert(fc.property(fc.tuple(...gens), (args) => check(name, args)), {
      seed: 42,
      numRuns: 400,
    });
  });
}

Deno.test("substr edge cases match SQLite", () => {
  const starts = [-10, -4, -3, -1, 0, 1, 2, 3, 5, 9, -9223372036854775808n, 9223372036854775807n];
  const lens = [-10, -3, -1, 0, 1, 2, 10, -9223372036854775808n, 9223372036854775807n];
  for (const x of ["héllo", new Uint8Array([1, 2, 3, 4, 5]), 12345, "", "a\0b"] as SqlValue[]) {
    for (const p of starts) {
      check("substr", [x, p]);
      for (const l of lens) check("substr", [x, p, l]);
      check("substr", [x, p, null]);
    }
    check("substr", [x, null]);
    check("substr", [x, null, 2]);
  }
});

Deno.test("abs, round and friends on edge values", () => {
  const vals: SqlValue[] = [
    -9223372036854775808n,
    9223372036854775807n,
    -0.5,
    0.5,
    2.5,
    -2.5,
    1.005,
    4503599627370497,
    real(1e300),
    real(-Infinity),
    0.49999999999999994,
    -0.49999999999999994,
    "abc",
    "-12",
    null,
    new Uint8Array([0x31]),
  ];
  for (const v of vals) {
    check("abs", [v]);
    check("round", [v]);
    for (const n of [0, 1, 2, 5, 31, -1]) check("round", [v, n]);
  }
});

Deno.test("wrong number of arguments and unknown functions give SQLite's messages", () => {
  for (
    const [name, n] of [
      ["abs", 2],
      ["substr", 1],
      ["min", 0],
      ["concat", 0],
      ["concat_ws", 1],
      ["coalesce", 1],
      ["iif", 1],
      ["no_such_fn", 1],
      ["count", 3],
      ["zeroblob", 0],
    ] as [string, number][]
  ) {
    assertEquals(getScalarFunction(name, n), undefined, name);
    const args = Array.from({ length: n }, (_, i) => i);
    assertEquals(
      ours(() => call(name, args)),
      sqlite(`${name}(${args.map((_, i) => `?${i + 1}`).join(",")})`, args),
    );
  }
});

Deno.test("connection functions read the context; random ones are non-deterministic", () => {
  assertEquals(call("changes", []), 3);
  assertEquals(call("total_changes", []), 7);
  assertEquals(call("last_insert_rowid", []), 42);
  assertEquals(getScalarFunction("random", 0)?.deterministic, false);
  assertEquals(getScalarFunction("abs", 1)?.deterministic, true);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const r = call("random", []);
    assert(typeof r === "number" || typeof r === "bigint");
    assert(r !== -9223372036854775808n);
    seen.add(String(r));
  }
  assert(seen.size > 45);
  const b = call("randomblob", [16]);
  assert(b instanceof Uint8Array && b.length === 16);
  assertEquals((call("randomblob", [-5]) as Uint8Array).length, 1);
  assertEquals(call("sqlite_version", []), SQLITE_VERSION);
  assertEquals(ours(() => call("sqlite_version", [])), sqlite("sqlite_version()", []));
});

Deno.test("min/max/nullif use the collation they are given", () => {
  const f = getScalarFunction("max", 2)!;
  assertEquals(f.usesCollation, true);
  assertEquals(f.fn(["a", "B"], ctx), "a");
  assertEquals(f.fn(["a", "B"], ctx, NOCASE), "B");
  assertEquals(getScalarFunction("nullif", 2)!.fn(["abc", "ABC"], ctx, NOCASE), null);
  assertEquals(getScalarFunction("min", 3)!.fn(["b", "A", "a"], ctx, NOCASE), "a");
  assertEquals(sqlite("min('b' COLLATE NOCASE, 'A', 'a')", []), 'text:"a"');
});
