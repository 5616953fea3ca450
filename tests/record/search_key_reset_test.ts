/**
 * SearchKey.reset: a reused lookup key that compares BINARY TEXT as UTF-8 bytes in place
 * (memcmp) and INTEGER keys without class dispatch. Checked against a fresh key (the general
 * path) and against comparing decoded values, with one key object reset again and again so
 * its buffer is reused and grown.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import {
  BINARY,
  compareBytes,
  compareRecordToKey,
  compareValues,
  encodeRecord,
  encodeUtf8,
  keyComparator,
  NOCASE,
  putVarint,
  RTRIM,
  SearchKey,
  varintLength,
} from "../../src/record/mod.ts";
import type { Collation } from "../../src/record/collation.ts";
import type { SqlValue } from "../../src/record/value.ts";
import { textArb, valueArb } from "./oracle.ts";

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

// Text where the byte comparison can go wrong: shared prefixes, empty strings, NUL inside,
// non-ASCII (2, 3 and 4 bytes), lone surrogates, and strings long enough (>= 58 bytes) for a
// two-byte serial type.
const pieces = ["a", "b", "A", "", "\0", "é", "€", "😀", "\uE000", "\uD800", "\uDC00", " ", "z"];
const trickyText = fc.oneof(
  fc.array(fc.constantFrom(...pieces), { maxLength: 8 }).map((a) => a.join("")),
  fc.tuple(fc.constantFrom("key-", "x".repeat(60), "é".repeat(30)), fc.nat(999))
    .map(([p, n]) => p + String(n)),
  textArb,
);
const valueOrText = fc.oneof(valueArb, trickyText, trickyText);
const collArb = fc.constantFrom<Collation | undefined>(BINARY, undefined, NOCASE, RTRIM);

Deno.test("a reset SearchKey compares records like a fresh key, in place too", () => {
  const key = new SearchKey([], [BINARY, undefined, NOCASE, RTRIM], []);
  const colls4 = fc.array(collArb, { minLength: 4, maxLength: 4 });
  let byBytes = 0;
  fc.assert(
    fc.property(
      fc.array(valueOrText, { minLength: 1, maxLength: 4 }),
      fc.array(valueOrText, { minLength: 1, maxLength: 4 }),
      colls4,
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      fc.constantFrom(-1, 0, 1),
      (stored, values, cs, ds, prefix) => {
        const rec = encodeRecord(stored);
        const fresh = new SearchKey(values, cs, ds);
        const reused = new SearchKey([], cs, ds).reset(values);
        // The shared key has its own collations: compare with a fresh key made like it.
        key.reset(values);
        const sharedFresh = new SearchKey(values, key.collations);
        if (reused.binStart.some((s) => s >= 0)) byBytes++;
        const expected = sign(compareRecordToKey(rec, fresh, prefix));
        assertEquals(sign(compareRecordToKey(rec, reused, prefix)), expected);
        assertEquals(sign(keyComparator(reused, prefix)(rec)), expected);
        const page = new Uint8Array(rec.length + 9).fill(0xa5);
        page.set(rec, 4);
        assertEquals(sign(keyComparator(reused, prefix).range!(page, 4, 4 + rec.length)), expected);
        if (prefix === 0) {
          assertEquals(sign(reused.comparator().range!(page, 4, 4 + rec.length)), expected);
        }
        assertEquals(
          sign(key.comparator().range!(page, 4, 4 + rec.length)),
          sign(compareRecordToKey(rec, sharedFresh, 0)),
        );
      },
    ),
    { seed: 20261125, numRuns: 4000 },
  );
  assert(byBytes > 1000, `only ${byBytes} keys compared by bytes`);
});

Deno.test("one BINARY TEXT key (the memcmp fast path) orders like the strings", () => {
  const key = new SearchKey([], [BINARY], [false]);
  const descKey = new SearchKey([], [BINARY], [true]);
  let lt = 0, gt = 0, eq = 0;
  fc.assert(
    fc.property(trickyText, trickyText, fc.nat(3), valueArb, (stored, other, mode, rowid) => {
      // Equal keys, prefixes and extensions of the stored text, or any other text.
      const k = [other, stored, stored + other, stored.slice(0, other.length)][mode];
      // A well-formed string round-trips through UTF-8; a lone surrogate is stored as U+FFFD.
      const decoded = new TextDecoder().decode(encodeUtf8(stored));
      const rec = encodeRecord([stored, rowid]);
      key.reset([k]);
      descKey.reset([k]);
      const c = sign(compareValues(decoded, new TextDecoder().decode(encodeUtf8(k))));
      if (c < 0) lt++;
      else if (c > 0) gt++;
      else eq++;
      for (const prefix of [-1, 0, 1]) {
        const r = keyComparator(key, prefix).range!(rec, 0, rec.length);
        assertEquals(sign(r), c === 0 ? prefix : c);
        const d = keyComparator(descKey, prefix).range!(rec, 0, rec.length);
        assertEquals(sign(d), c === 0 ? prefix : -c);
      }
      const wellFormed = !/[\uD800-\uDFFF]/.test(k);
      assertEquals(key.textExact, wellFormed);
      if (key.textExact) assertEquals(c, sign(compareValues(decoded, k)));
    }),
    { seed: 11, numRuns: 5000 },
  );
  assert(lt > 500 && gt > 500 && eq > 500, `${lt} ${gt} ${eq}`);
});

/** A record of one TEXT column holding `bytes` as they are (valid UTF-8 or not), then `tail`. */
function rawTextRecord(bytes: Uint8Array, tail: number): Uint8Array {
  const t = 13 + 2 * bytes.length;
  const hdr = 1 + varintLength(t) + 1;
  const out = new Uint8Array(hdr + bytes.length + 1);
  out[0] = hdr;
  putVarint(out, 1, t);
  out[hdr - 1] = 1; // serial type 1: an 8-bit integer
  out.set(bytes, hdr);
  out[hdr + bytes.length] = tail;
  return out;
}

Deno.test("stored TEXT that is not valid UTF-8 compares by its bytes (memcmp), as SQLite", () => {
  const key = new SearchKey([], [BINARY], []);
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 70 }),
      trickyText,
      fc.boolean(),
      (raw, k, prefixOfKey) => {
        const kb = encodeUtf8(k);
        // Half the time the stored bytes extend the key's, to reach length and prefix cases.
        const stored = prefixOfKey ? new Uint8Array([...kb, ...raw.subarray(0, 3)]) : raw;
        const rec = rawTextRecord(stored, 7);
        key.reset([k]);
        const expected = sign(compareBytes(stored, 0, stored.length, kb, 0, kb.length));
        assertEquals(sign(key.comparator().range!(rec, 0, rec.length)), expected);
        assertEquals(sign(compareRecordToKey(rec, key, 0)), expected);
        // The general path (a fresh key, ASCII compared without encoding) agrees.
        assertEquals(sign(compareRecordToKey(rec, new SearchKey([k], [BINARY]), 0)), expected);
      },
    ),
    { seed: 5, numRuns: 3000 },
  );
});

Deno.test("integer keys compare exactly with every integer serial type", () => {
  const key = new SearchKey([], [], []);
  const edges = [0, 1, -1, 127, -128, 32767, -32768, 8388607, -8388608, 2 ** 31 - 1, -(2 ** 31)];
  const ints: SqlValue[] = [
    ...edges,
    2 ** 47 - 1,
    -(2 ** 47),
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    9223372036854775807n,
    -9223372036854775808n,
  ];
  const all: SqlValue[] = [...ints, 1.5, -0.5, 2 ** 53, "1", null, new Uint8Array([1])];
  for (const stored of all) {
    const rec = encodeRecord([stored, 1]);
    for (const k of all) {
      if (k === null) continue;
      key.reset([k]);
      const expected = sign(compareValues(stored, k));
      assertEquals(sign(compareRecordToKey(rec, key, 0)), expected, `${stored} vs ${k}`);
      assertEquals(sign(key.comparator().range!(rec, 0, rec.length)), expected);
    }
  }
});

Deno.test("a malformed record still throws SQLITE_CORRUPT through the fast paths", () => {
  const key = new SearchKey([], [BINARY], []).reset(["abc"]);
  for (
    const bad of [
      new Uint8Array([0x05, 0x13, 0x61]), // header longer than the record
      new Uint8Array([0x02, 0x19, 0x61, 0x62]), // text runs past the end
      new Uint8Array([0x02, 0x0a]), // reserved serial type
    ]
  ) {
    let code = "";
    try {
      key.comparator().range!(bad, 0, bad.length);
    } catch (e) {
      code = (e as { code?: string }).code ?? String(e);
    }
    assertEquals(code, "SQLITE_CORRUPT");
  }
});

Deno.test("NOCASE stops at a NUL both strings have, as SQLite's sqlite3StrNICmp", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(":memory:");
  const stmt = db.prepare("SELECT (?1 < ?2 COLLATE NOCASE) AS lt, (?1 = ?2 COLLATE NOCASE) AS eq");
  const nulText = fc.array(fc.constantFrom("\0", "a", "A", "b", "é", "😀", ""), { maxLength: 5 })
    .map((a) => a.join(""));
  let equalAfterNul = 0;
  fc.assert(
    fc.property(nulText, nulText, nulText, fc.boolean(), (p, x, y, shared) => {
      // Half the pairs share a prefix and a NUL, then differ (equal for SQLite when as long).
      const a = shared ? `${p}\0${x}` : p;
      const b = shared ? `${p.toUpperCase()}\0${y}` : x;
      const r = stmt.get(a, b) as { lt: number; eq: number };
      const expected = r.lt ? -1 : r.eq ? 0 : 1;
      if (expected === 0 && a.toLowerCase() !== b.toLowerCase()) equalAfterNul++;
      assertEquals(sign(compareValues(a, b, NOCASE)), expected, JSON.stringify([a, b]));
      // Stored in a record and compared in place (ASCII path, then the byte path).
      const rec = encodeRecord([a]);
      assertEquals(sign(compareRecordToKey(rec, new SearchKey([b], [NOCASE]), 0)), expected);
      const ab = encodeUtf8(a);
      const bb = encodeUtf8(b);
      assertEquals(sign(NOCASE.compareBytes!(ab, 0, ab.length, bb, 0, bb.length)), expected);
    }),
    { seed: 3, numRuns: 3000 },
  );
  assert(equalAfterNul > 20, `only ${equalAfterNul} pairs equal after a shared NUL`);
  db.close();
});

/**
 * seekGE over a two-level index b-tree as the cursor does it: binary search among the root's
 * separator entries, then among the entries of the child between two separators; the result
 * is the first entry >= the key (the separator when the child has none).
 */
function seekGE(
  root: Uint8Array[],
  children: Uint8Array[][],
  cmp: (r: Uint8Array) => number,
): Uint8Array | undefined {
  const search = (recs: Uint8Array[]) => {
    let lo = 0;
    let hi = recs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(recs[mid]) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const i = search(root);
  const child = children[i];
  const j = search(child);
  return j < child.length ? child[j] : root[i];
}

Deno.test("a seekGE comparator that skips shared bytes finds the entries the plain one does", () => {
  const prefixes = ["", "key-0000", "key-00001", "kez", "é", "\0"];
  const entryArb = fc.oneof(
    fc.tuple(fc.constantFrom(...prefixes), trickyText).map(([p, t]) => p + t),
    fc.integer({ min: -5, max: 5 }),
    fc.uint8Array({ maxLength: 2 }),
    fc.constant("x".repeat(70)),
  );
  let moved = 0;
  fc.assert(
    fc.property(
      fc.uniqueArray(entryArb, { minLength: 1, maxLength: 60, comparator: "SameValue" }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.boolean(),
      fc.array(
        fc.oneof(
          trickyText,
          fc.tuple(fc.constantFrom(...prefixes), trickyText)
            .map(([p, t]) => p + t),
        ),
        { minLength: 1, maxLength: 6 },
      ),
      (values, cuts, desc, keys) => {
        const sorted = [...values].sort((a, b) => compareValues(a, b) * (desc ? -1 : 1));
        // Entries equal under BINARY would collide as separators; keep one of each.
        const entries = sorted.filter((v, i) => i === 0 || compareValues(sorted[i - 1], v) !== 0)
          .map((v, i) => encodeRecord([v, i]));
        const seps = [...new Set(cuts.map((c) => c % entries.length))].sort((a, b) => a - b);
        const root = seps.map((i) => entries[i]);
        const children: Uint8Array[][] = [];
        let from = 0;
        for (const sIdx of [...seps, entries.length]) {
          children.push(entries.slice(from, sIdx));
          from = sIdx + 1;
        }
        const key = new SearchKey([], [BINARY], [desc]);
        for (const k of keys) {
          key.reset([k]);
          const plain = keyComparator(new SearchKey([k], [BINARY], [desc]), 0);
          const expected = seekGE(root, children, plain);
          const skipping = key.seekGEComparator();
          const got = seekGE(root, children, (r) => skipping.range!(r, 0, r.length));
          assertEquals(got, expected, JSON.stringify(k));
          if (key.lcpBelow > 0 || key.lcpAbove > 0) moved++;
        }
      },
    ),
    { seed: 8, numRuns: 2000 },
  );
  assert(moved > 1000, `only ${moved} seeks skipped shared bytes`);
});
