import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { real, type SqlValue } from "../../src/record/value.ts";
import { sqlPrintf } from "../../src/sql/eval/printf.ts";
import { arbInteger, arbReal, arbText, arbValue, ours, show, sqlite } from "./oracle.ts";

function check(fmt: string, args: SqlValue[]): void {
  const ph = args.map((_, i) => `?${i + 2}`).join(", ");
  const expected = sqlite(`printf(?1${ph ? ", " + ph : ""})`, [fmt, ...args]);
  const actual = ours(() => sqlPrintf(fmt, args));
  // A plain comparison: assertEquals' diff of two long strings is quadratic.
  if (actual !== expected) {
    throw new Error(
      `printf(${JSON.stringify(fmt)}, ${
        args.map(show).join(", ")
      })\n  ours:   ${actual}\n  sqlite: ${expected}`,
    );
  }
}

const arbFlags = fc.array(fc.constantFrom("-", "+", " ", "#", "!", "0", ","), { maxLength: 3 })
  .map((a) => a.join(""));
const arbWidthNoStar = fc.oneof(fc.constant(""), fc.integer({ min: 0, max: 30 }).map(String));
const arbWidth = fc.oneof(arbWidthNoStar, fc.constant("*"));
const arbPrecisionNoStar = fc.oneof(
  fc.constant(""),
  fc.integer({ min: 0, max: 25 }).map((n) => "." + n),
  fc.constant("."),
);
const arbPrecision = fc.oneof(arbPrecisionNoStar, fc.constant(".*"));
const arbConv = fc.constantFrom(
  "d",
  "i",
  "u",
  "x",
  "X",
  "o",
  "f",
  "e",
  "E",
  "g",
  "G",
  "s",
  "z",
  "q",
  "Q",
  "w",
  "c",
  "%",
  "r",
  "p",
  "n",
  "lld",
  "ld",
  "ll",
);
// "*" takes its value from the arguments; random huge ones would build huge strings.
const arbSpec = fc.tuple(arbFlags, arbWidthNoStar, arbPrecisionNoStar, arbConv).map((
  [f, w, p, c],
) => `%${f}${w}${p}${c}`);
const arbFormat = fc.array(fc.oneof(arbSpec, fc.constantFrom("ab", " ", "é", "", "x%")), {
  minLength: 1,
  maxLength: 3,
})
  .map((a) => a.join(""));
const arbArg = fc.oneof(arbValue, arbInteger, arbReal, fc.integer({ min: -30, max: 30 }));

/** Small values for "*" widths and precisions (as INTEGER, REAL or TEXT). */
const arbStar = fc.oneof(
  fc.integer({ min: -30, max: 30 }),
  fc.integer({ min: -30, max: 30 }).map((n) => `${n}`),
  fc.constantFrom(2.7, -3.2, null),
);

function starArgs(w: string, p: string, sw: SqlValue, sp: SqlValue, v: SqlValue): SqlValue[] {
  const a: SqlValue[] = [];
  if (w === "*") a.push(sw);
  if (p === ".*") a.push(sp);
  a.push(v);
  return a;
}

Deno.test("printf matches SQLite for random format strings and arguments", () => {
  fc.assert(
    fc.property(arbFormat, fc.array(arbArg, { maxLength: 5 }), (fmt, args) => check(fmt, args)),
    { seed: 42, numRuns: 4000 },
  );
});

Deno.test("printf float conversions match SQLite", () => {
  const conv = fc.constantFrom("f", "e", "E", "g", "G");
  fc.assert(
    fc.property(
      arbFlags,
      arbWidth,
      arbPrecision,
      conv,
      fc.oneof(arbReal, arbInteger, arbText),
      arbStar,
      arbStar,
      (f, w, p, c, v, sw, sp) => check(`%${f}${w}${p}${c}`, starArgs(w, p, sw, sp, v)),
    ),
    { seed: 42, numRuns: 4000 },
  );
});

Deno.test("printf integer conversions match SQLite", () => {
  const conv = fc.constantFrom("d", "i", "u", "x", "X", "o", "r", "c");
  fc.assert(
    fc.property(
      arbFlags,
      arbWidth,
      arbPrecision,
      conv,
      fc.oneof(arbInteger, arbValue),
      arbStar,
      arbStar,
      (f, w, p, c, v, sw, sp) => check(`%${f}${w}${p}${c}`, starArgs(w, p, sw, sp, v)),
    ),
    { seed: 42, numRuns: 3000 },
  );
});

Deno.test("printf edge cases", () => {
  const cases: [string, SqlValue[]][] = [
    ["%", []],
    ["abc%", []],
    ["%5", [1]],
    ["%d %d %d", [1]],
    ["%s|%s", []],
    ["%q", ["it's"]],
    ["%Q", [null]],
    ["%q", [null]],
    ["%w", ['a"b']],
    ["%.3s", ["héllo"]],
    ["%!.3s", ["héllo"]],
    ["%10s|", ["héllo"]],
    ["%!10s|", ["héllo"]],
    ["%-10s|", ["abc"]],
    ["%5.3c|", ["xyz"]],
    ["%-5.3c|", ["é"]],
    ["%c", [""]],
    ["%T after", [1]],
    ["%y after", [1]],
    ["%,d", [1234567]],
    ["%,d", [-9223372036854775808n]],
    ["%#x %#o %#X", [255, 8, 255]],
    ["%#x", [0]],
    ["%.0f %.0f %.0f", [0.5, 1.5, 2.5]],
    ["%!.20e", [0.1]],
    ["%!.15g", [0.1]],
    ["%020.3f", [-3.14159]],
    ["%+.2e", [12345.678]],
    ["%g", [1e-5]],
    ["%g", [100000]],
    ["%g", [1000000]],
    ["%#g", [1.5]],
    ["%f", [real(1e300)]],
    ["%f", [real(-1e-323)]],
    ["%#.2f|%#+.2f|%# .2f|%#!.2f|%#08.2f|%#.2f", [-0.001, -0.001, -0.001, -0.001, -0.001, -0.005]],
    ["%.30f", [1 / 3]],
    ["%e", [Infinity]],
    ["%+f", [Infinity]],
    ["%05f", [-Infinity]],
    ["%,.2f", [1234567.891]],
    ["%*d|", [-5, 42]],
    ["%.*f", [-3, 3.14159]],
    ["%.*s", [2, "abcdef"]],
    ["%lld %ld", [9223372036854775807n, -1]],
    ["%u", [-1]],
    ["%x", [-1]],
    ["%p", [255]],
    ["%r %r %r %r %r", [1, 2, 3, 11, 112]],
    ["%n%d", [5]],
    ["%s", [new Uint8Array([0x61, 0x62])]],
    ["%s", [1.5]],
    ["%d", ["12abc"]],
    ["%d", [real(1e300)]],
    ["%5%|", []],
    ["%-5%|", []],
  ];
  for (const [f, a] of cases) check(f, a);
  assertEquals(sqlPrintf(null, []), null);
});
