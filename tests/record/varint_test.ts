import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import {
  getVarint,
  getVarintNumber,
  putVarint,
  varintLength,
  varintResult,
} from "../../src/record/varint.ts";
import { SqliteError } from "../../src/errors.ts";

/** Reference encoder straight from the file-format description, on unsigned 64-bit bigints. */
function modelEncode(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  if (u >= 1n << 56n) {
    const out = [Number(u & 0xffn)];
    u >>= 8n;
    for (let i = 0; i < 8; i++) {
      out.unshift(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    return out;
  }
  const out = [Number(u & 0x7fn)];
  u >>= 7n;
  while (u > 0n) {
    out.unshift(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  return out;
}

const int64Arb = fc.oneof(
  fc.bigInt(-(1n << 63n), (1n << 63n) - 1n),
  fc.bigInt(0n, 1n << 20n),
  fc.integer({ min: 0, max: 64 }).map((k) => (1n << BigInt(k)) - 1n),
  fc.integer({ min: 0, max: 63 }).map((k) => 1n << BigInt(k)),
  fc.integer({ min: 0, max: 63 }).map((k) => -(1n << BigInt(k))),
).map((b) => BigInt.asIntN(64, b));

const canonical = (
  b: bigint,
) => (b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b);

Deno.test("varints match the reference encoding and round-trip", () => {
  fc.assert(
    fc.property(int64Arb, fc.boolean(), (b, asNumber) => {
      const v = asNumber ? canonical(b) : b;
      const expected = modelEncode(b);
      const buf = new Uint8Array(12);
      const n = putVarint(buf, 1, v);
      assertEquals(Array.from(buf.subarray(1, 1 + n)), expected);
      assertEquals(varintLength(v), expected.length);
      assertEquals(getVarint(buf, 1), canonical(b));
      assertEquals(varintResult.length, expected.length);
    }),
    { seed: 42, numRuns: 5000 },
  );
});

Deno.test("known varints", () => {
  const buf = new Uint8Array(9);
  assertEquals(putVarint(buf, 0, 240), 2);
  assertEquals(Array.from(buf.subarray(0, 2)), [0x81, 0x70]);
  assertEquals(putVarint(buf, 0, -1), 9);
  assertEquals(Array.from(buf), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assertEquals(getVarint(buf, 0), -1);
  assertEquals(getVarintNumber(buf, 0), -1);
  assertEquals(varintLength(2n ** 56n - 1n), 8);
  assertEquals(varintLength(2 ** 56), 9);
});

Deno.test("truncated varints and bad values throw SqliteError", () => {
  for (const b of [[], [0x80], [0xff, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
    const e = assertThrows(() => getVarint(new Uint8Array(b), 0));
    assert(e instanceof SqliteError && e.code === "SQLITE_CORRUPT");
  }
  const e = assertThrows(() => putVarint(new Uint8Array(9), 0, 1.5));
  assert(e instanceof SqliteError);
});
