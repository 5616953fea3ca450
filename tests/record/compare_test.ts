import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import {
  BINARY,
  compareRecords,
  compareRecordToKey,
  compareValues,
  encodeRecord,
  keyComparator,
  NOCASE,
  RTRIM,
  SearchKey,
} from "../../src/record/mod.ts";
import type { SqlValue } from "../../src/record/value.ts";
import { bindValue, textArb, valueArb } from "./oracle.ts";

const collations = [BINARY, NOCASE, RTRIM];
const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

// Text that exercises the collations: case, trailing spaces, astral vs U+E000..U+FFFF.
const collTextArb = fc.oneof(
  textArb,
  fc.tuple(
    fc.constantFrom("abc", "ABC", "abd", "ab", "\uE000", "😀", "\uFFFF", "é", "É"),
    fc.constantFrom("", " ", "  ", "x"),
  )
    .map(([a, b]) => a + b),
);
const mixedArb = fc.oneof(valueArb, collTextArb, collTextArb);

Deno.test("compareValues agrees with SQLite's comparison operators for every collation", () => {
  const db = new DatabaseSync(":memory:");
  const stmts = collations.map((c) =>
    db.prepare(`SELECT (?1 < ?2 COLLATE ${c.name}) AS lt, (?1 = ?2 COLLATE ${c.name}) AS eq`)
  );
  fc.assert(
    fc.property(mixedArb, mixedArb, fc.integer({ min: 0, max: 2 }), (a, b, ci) => {
      if (a === null || b === null) return; // comparisons with NULL are NULL
      const r = stmts[ci].get(bindValue(a), bindValue(b)) as { lt: number; eq: number };
      const expected = r.lt ? -1 : r.eq ? 0 : 1;
      assertEquals(
        sign(compareValues(a, b, collations[ci])),
        expected,
        `${String(a)} vs ${String(b)}`,
      );
    }),
    { seed: 42, numRuns: 3000 },
  );
  db.close();
});

Deno.test("sorting by compareValues matches SQLite's ORDER BY", () => {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t(x)");
  const ins = db.prepare("INSERT INTO t VALUES (?)");
  fc.assert(
    fc.property(
      fc.array(mixedArb, { maxLength: 30 }),
      fc.integer({ min: 0, max: 2 }),
      (vals, ci) => {
        db.exec("DELETE FROM t");
        for (const v of vals) ins.run(bindValue(v));
        const coll = collations[ci];
        const rows = db.prepare(`SELECT rowid AS r FROM t ORDER BY x COLLATE ${coll.name}, rowid`)
          .all() as {
            r: number;
          }[];
        const ours = vals.map((v, i) => ({ v, r: i + 1 })).sort((a, b) =>
          compareValues(a.v, b.v, coll) || a.r - b.r
        );
        assertEquals(ours.map((o) => o.r), rows.map((o) => Number(o.r)));
      },
    ),
    { seed: 42, numRuns: 300 },
  );
  db.close();
});

Deno.test("compareRecordToKey equals comparing the decoded values", () => {
  const colls = fc.array(fc.constantFrom(BINARY, NOCASE, RTRIM), { minLength: 4, maxLength: 4 });
  const descs = fc.array(fc.boolean(), { minLength: 4, maxLength: 4 });
  fc.assert(
    fc.property(
      fc.array(mixedArb, { minLength: 1, maxLength: 4 }),
      fc.array(mixedArb, { minLength: 0, maxLength: 4 }),
      colls,
      descs,
      fc.constantFrom(-1, 0, 1),
      (stored, key, cs, ds, prefix) => {
        const rec = encodeRecord(stored);
        const n = Math.min(stored.length, key.length);
        let expected: number = prefix;
        for (let i = 0; i < n; i++) {
          const c = compareValues(stored[i], key[i], cs[i]);
          if (c !== 0) {
            expected = ds[i] ? -sign(c) : sign(c);
            break;
          }
        }
        const sk = new SearchKey(key, cs, ds);
        assertEquals(sign(compareRecordToKey(rec, sk, prefix)), expected);
        assertEquals(sign(keyComparator(sk, prefix)(rec)), expected);
        // In place, as the B-tree compares cells: the record amid other bytes of a page.
        const page = new Uint8Array(rec.length + 14).fill(0xa5);
        page.set(rec, 5);
        assertEquals(sign(keyComparator(sk, prefix).range!(page, 5, 5 + rec.length)), expected);
      },
    ),
    { seed: 42, numRuns: 3000 },
  );
});

Deno.test("TEXT keys compare like their UTF-8 bytes, ASCII or not, prefixes included", () => {
  // A small alphabet makes shared prefixes, case-only differences and ASCII/non-ASCII
  // boundaries common: the cases where comparing without encoding the key could go wrong.
  const chars = ["a", "A", "b", "B", " ", "\x7f", "é", "É", "😀", "\uE000", "z"];
  const text = fc.array(fc.constantFrom(...chars), { maxLength: 6 }).map((a) => a.join(""));
  let nonZero = 0;
  fc.assert(
    fc.property(text, text, fc.constantFrom(BINARY, NOCASE, RTRIM), (stored, key, coll) => {
      const expected = sign(compareValues(stored, key, coll));
      if (expected !== 0) nonZero++;
      const sk = new SearchKey([key], [coll]);
      assertEquals(sign(compareRecordToKey(encodeRecord([stored]), sk, 0)), expected);
      // Twice: the second comparison may use the key's cached UTF-8.
      assertEquals(sign(compareRecordToKey(encodeRecord([stored]), sk, 0)), expected);
    }),
    { seed: 7, numRuns: 3000 },
  );
  assert(nonZero > 1000);
});

Deno.test("prefix results order entries for seeks", () => {
  const entries: SqlValue[][] = [[1, 1], [2, 1], [2, 2], [2, 3], [3, 1]];
  const recs = entries.map(encodeRecord);
  const key = new SearchKey([2]);
  const firstAtLeast = recs.findIndex((r) => compareRecordToKey(r, key, 0) >= 0);
  const firstAbove = recs.findIndex((r) => compareRecordToKey(r, key, -1) >= 0);
  const lastAtMost = recs.findLastIndex((r) => compareRecordToKey(r, key, 0) <= 0);
  const lastBelow = recs.findLastIndex((r) => compareRecordToKey(r, key, 1) <= 0);
  assertEquals([firstAtLeast, firstAbove, lastAtMost, lastBelow], [1, 4, 3, 0]);
  assert(compareRecords([1, "a"], [1, "A"], [undefined, NOCASE]) === 0);
  assert(compareRecords([1], [1, 2]) < 0);
});

Deno.test("numbers compare exactly across INTEGER, REAL and bigint", () => {
  assert(compareValues(9223372036854775807n, 9223372036854775807) < 0); // 2^63 as a double
  assert(compareValues(9007199254740993n, 9007199254740992) > 0);
  assertEquals(compareValues(2, 2.0), 0);
  assert(compareValues(-1e300, -9223372036854775808n) < 0);
  assert(compareValues("\uFFFF", "😀") < 0); // code point order, not UTF-16 order
});
