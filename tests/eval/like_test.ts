import { assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import type { SqlValue } from "../../src/record/value.ts";
import { compileGlob, compileLike, glob, like } from "../../src/sql/eval/like.ts";
import { SqliteError } from "../../src/errors.ts";
import { arbValue, ours, show, sqlite } from "./oracle.ts";

const LIKE_CHARS = ["a", "A", "b", "B", "%", "_", "\\", "é", "É", "\u{1F600}", "x", "1", "[", "]"];
const GLOB_CHARS = ["a", "A", "b", "*", "?", "[", "]", "^", "-", "c", "z", "é", "\u{1F600}", "1"];
const SUBJECT_CHARS = [
  "a",
  "A",
  "b",
  "B",
  "c",
  "x",
  "z",
  "%",
  "_",
  "é",
  "É",
  "\u{1F600}",
  "1",
  "-",
  "]",
  "[",
  "^",
  "\\",
];

const str = (chars: string[], max: number) =>
  fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(""));

Deno.test("LIKE matches SQLite on random patterns and subjects", () => {
  fc.assert(
    fc.property(str(LIKE_CHARS, 6), str(SUBJECT_CHARS, 7), (p, s) => {
      assertEquals(ours(() => like(s, p)), sqlite("?1 LIKE ?2", [s, p]), `${s} LIKE ${p}`);
    }),
    { seed: 42, numRuns: 1500 },
  );
});

Deno.test("LIKE ... ESCAPE matches SQLite", () => {
  const escapes = ["\\", "%", "_", "a", "é", "x"];
  fc.assert(
    fc.property(
      str(LIKE_CHARS, 6),
      str(SUBJECT_CHARS, 6),
      fc.constantFrom(...escapes),
      (p, s, e) => {
        assertEquals(
          ours(() => like(s, p, e)),
          sqlite("?1 LIKE ?2 ESCAPE ?3", [s, p, e]),
          `${s} LIKE ${p} ESCAPE ${e}`,
        );
      },
    ),
    { seed: 42, numRuns: 1500 },
  );
});

Deno.test("GLOB matches SQLite on random patterns and subjects", () => {
  fc.assert(
    fc.property(str(GLOB_CHARS, 7), str(SUBJECT_CHARS, 6), (p, s) => {
      assertEquals(ours(() => glob(s, p)), sqlite("?1 GLOB ?2", [s, p]), `${s} GLOB ${p}`);
    }),
    { seed: 42, numRuns: 2000 },
  );
});

Deno.test("LIKE and GLOB on values of every class (NULL propagation, numbers as text)", () => {
  fc.assert(
    fc.property(arbValue, arbValue, (a, b) => {
      assertEquals(
        ours(() => like(a, b)),
        sqlite("?1 LIKE ?2", [a, b]),
        `${show(a)} LIKE ${show(b)}`,
      );
      assertEquals(
        ours(() => glob(a, b)),
        sqlite("?1 GLOB ?2", [a, b]),
        `${show(a)} GLOB ${show(b)}`,
      );
    }),
    { seed: 42, numRuns: 500 },
  );
});

Deno.test("ESCAPE must be a single character", () => {
  const cases: [SqlValue, SqlValue, SqlValue][] = [
    ["a", "a", "ab"],
    ["a", "a", ""],
    [null, "a", "xy"],
    ["a", null, "xy"],
    ["a", "a", null],
    ["a", "a", 12],
    ["a", "a", 1],
    ["\u{1F600}", "\u{1F600}", "\u{1F600}"],
  ];
  for (const [s, p, e] of cases) {
    assertEquals(
      ours(() => like(s, p, e)),
      sqlite("?1 LIKE ?2 ESCAPE ?3", [s, p, e]),
      `${s} ${p} ${e}`,
    );
  }
  assertThrows(
    () => compileLike("a", "xy"),
    SqliteError,
    "ESCAPE expression must be a single character",
  );
});

Deno.test("compiled matchers are reusable and agree with one-shot calls", () => {
  const m = compileLike("a%b_");
  const g = compileGlob("[a-c]*");
  for (const s of ["axbc", "AB", "ab", "abz", "c", "d", null]) {
    assertEquals(m(s), like(s, "a%b_"));
    assertEquals(g(s), glob(s, "[a-c]*"));
  }
  assertEquals(m("aXXbz"), 1);
  assertEquals(g("dog"), 0);
});
