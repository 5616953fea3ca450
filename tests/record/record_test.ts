import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import {
  decodeRecord,
  encodeRecord,
  encodeRecordInto,
  RecordEncoder,
  RecordReader,
  recordSize,
} from "../../src/record/mod.ts";
import { Real, type SqlValue } from "../../src/record/value.ts";
import { SqliteError } from "../../src/errors.ts";
import { bigStmt, fromNode, sqliteRecords, valueArb } from "./oracle.ts";
import { decodeUtf8 } from "../../src/record/utf8.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Same value and same storage class (a Real box and a number differ; -0 is kept). */
function sameValue(a: SqlValue, b: SqlValue): boolean {
  if (a instanceof Real || b instanceof Real) {
    return a instanceof Real && b instanceof Real && Object.is(a.value, b.value);
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && hex(a) === hex(b);
  }
  return Object.is(a, b);
}

Deno.test("encodeRecord is byte-identical to the records SQLite writes", () => {
  const rowsArb = fc.array(fc.array(valueArb, { minLength: 1, maxLength: 6 }), {
    minLength: 1,
    maxLength: 40,
  });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), rowsArb, (width, raw) => {
      const rows = raw.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? null));
      const cols = Array.from({ length: width }, (_, i) => `c${i}`).join(",");
      const theirs = sqliteRecords(cols, rows);
      rows.forEach((r, i) => {
        const ours = encodeRecord(r);
        assertEquals(hex(ours), hex(theirs[i]), `row ${i}`);
        assertEquals(recordSize(r), ours.length);
        const decoded = decodeRecord(theirs[i]);
        assertEquals(decoded.length, r.length);
        decoded.forEach((v, j) =>
          assert(sameValue(v, r[j]), `column ${j}: ${String(v)} vs ${String(r[j])}`)
        );
      });
    }),
    { seed: 42, numRuns: 150 },
  );
});

Deno.test("decoding SQLite's records gives the values node:sqlite reads", () => {
  const dir = Deno.makeTempDirSync();
  try {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 8 }), (row) => {
        const cols = row.map((_, i) => `c${i}`).join(",");
        const [rec] = sqliteRecords(cols, [row]);
        const db = new DatabaseSync(":memory:");
        db.exec(`CREATE TABLE t(${cols})`);
        db.prepare(`INSERT INTO t VALUES (${row.map(() => "?").join(",")})`).run(
          ...row.map((
            v,
          ) => (v instanceof Real
            ? v.value
            : typeof v === "number" && Number.isInteger(v)
            ? BigInt(v)
            : v)
          ),
        );
        const sel = row.map((_, i) => `c${i}, typeof(c${i})`).join(",");
        const got = bigStmt(db, `SELECT ${sel} FROM t`).all()[0] as Record<string, unknown>;
        const vals = Object.values(got);
        const decoded = decodeRecord(rec);
        for (let i = 0; i < row.length; i++) {
          const expected = fromNode(vals[2 * i], vals[2 * i + 1] as string);
          const d = decoded[i];
          // SQLite hands -0.0 out as 0.0 through the API but stores the bits; compare by value.
          if (d instanceof Real && expected instanceof Real) {
            assertEquals(d.value === expected.value, true);
          } else assert(sameValue(d, expected), `column ${i}: ${String(d)} vs ${String(expected)}`);
        }
        db.close();
      }),
      { seed: 42, numRuns: 150 },
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("known encodings: constants 0/1, integer sizes, header size varint", () => {
  assertEquals(hex(encodeRecord([0, 1, null])), "04080900");
  assertEquals(hex(encodeRecord([2])), "020102");
  assertEquals(hex(encodeRecord([-1])), "0201ff");
  assertEquals(hex(encodeRecord([128])), "02020080");
  assertEquals(hex(encodeRecord([new Real(2)])), "02074000000000000000");
  assertEquals(hex(encodeRecord([9223372036854775807n])), "02067fffffffffffffff");
  assertEquals(hex(encodeRecord(["a"])), "020f61");
  assertEquals(hex(encodeRecord([new Uint8Array([1, 2])])), "021001" + "02");
  // 127 NULL columns need a 2-byte header-size varint: 2 + 127 = 129.
  const wide = encodeRecord(new Array(127).fill(null));
  assertEquals(wide.length, 129);
  assertEquals(hex(wide.subarray(0, 2)), "8101");
  assertEquals(decodeRecord(wide).length, 127);
});

Deno.test("RecordEncoder and encodeRecordInto produce the same bytes", () => {
  const enc = new RecordEncoder();
  fc.assert(
    fc.property(fc.array(valueArb, { maxLength: 10 }), (row) => {
      const a = encodeRecord(row);
      const b = enc.encode(row);
      const buf = new Uint8Array(a.length + 3);
      const n = encodeRecordInto(row, buf, 3);
      assertEquals(n, a.length);
      assertEquals(hex(b), hex(a));
      assertEquals(hex(buf.subarray(3)), hex(a));
    }),
    { seed: 42, numRuns: 300 },
  );
});

Deno.test("RecordReader reads columns lazily and reports missing trailing columns", () => {
  const r = new RecordReader().reset(encodeRecord([1, "two", 3.5]));
  assertEquals(r.columnCount, 3);
  assertEquals(r.column(1), "two");
  assertEquals(r.column(2), 3.5);
  assertEquals(r.column(5), null);
  assertEquals(r.serialType(0), 9);
  assert(r.isNull(7));
});

Deno.test("malformed records throw SQLITE_CORRUPT, never TypeError", () => {
  const bad = [
    new Uint8Array([]), // no header
    new Uint8Array([0x05, 0x01]), // header size beyond payload
    new Uint8Array([0x02, 0x0a]), // reserved serial type 10
    new Uint8Array([0x02, 0x0b]), // reserved serial type 11
    new Uint8Array([0x02, 0x06, 0x00]), // 8-byte int, 1 byte of body
    new Uint8Array([0x03, 0x81]), // serial type varint runs past the header
    new Uint8Array([0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), // huge text length
    new Uint8Array([0x00]), // header size smaller than its own varint
    new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // negative header size
  ];
  for (const b of bad) {
    const e = assertThrows(() => decodeRecord(b));
    assert(e instanceof SqliteError, String(e));
    assertEquals(e.code, "SQLITE_CORRUPT");
  }
  // Random garbage either decodes or throws SQLITE_CORRUPT.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 30 }), (b) => {
      try {
        decodeRecord(b);
      } catch (e) {
        assert(e instanceof SqliteError && e.code === "SQLITE_CORRUPT", String(e));
      }
    }),
    { seed: 42, numRuns: 2000 },
  );
});

Deno.test("decodeUtf8 equals TextDecoder on any bytes: short (JS path), mid (scratch copy), long", () => {
  const td = new TextDecoder();
  // Mostly ASCII with some high bytes, so whole 8-byte chunks, tails, valid multi-byte
  // sequences and invalid ones (replaced by U+FFFD) all occur, at both sides of the cutoff.
  const byte = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 0x7f }) }, {
    weight: 1,
    arbitrary: fc.integer({ min: 0x80, max: 0xff }),
  });
  const valid = fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => [
    ...new TextEncoder().encode(s),
  ]);
  fc.assert(
    fc.property(
      fc.oneof(fc.array(byte, { maxLength: 70 }), fc.array(byte, { maxLength: 300 }), valid),
      fc.nat(3),
      (bytes, pad) => {
        const buf = new Uint8Array(bytes.length + 2 * pad).fill(0x41);
        buf.set(bytes, pad);
        const got = decodeUtf8(buf, pad, pad + bytes.length);
        assertEquals(got, td.decode(new Uint8Array(bytes)));
      },
    ),
    { seed: 11, numRuns: 3000 },
  );
});
