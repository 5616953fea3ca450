/**
 * RecordReader.reset(buf, start, end) - a record read in place from a larger buffer (a
 * cursor's page) - against reset(copy of that range): the same columns, serial types and
 * lengths, and the same SQLITE_CORRUPT errors for malformed bytes, whatever surrounds the
 * range (fixed seeds).
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { RecordReader } from "../../src/record/record_reader.ts";
import { encodeRecord } from "../../src/record/record.ts";
import { utf8CharCount } from "../../src/record/utf8.ts";
import type { SqliteError } from "../../src/errors.ts";
import { valueArb } from "./oracle.ts";

/** Everything a reader reports about a record, or the error it throws. */
function read(reader: RecordReader, buf: Uint8Array, start?: number, end?: number): unknown {
  try {
    if (start === undefined) reader.reset(buf);
    else reader.reset(buf, start, end);
    const n = reader.columnCount;
    const out: unknown[] = [];
    for (let i = 0; i <= n; i++) {
      const t = reader.serialType(i);
      const v = reader.column(i);
      let len: number | undefined;
      if (t >= 13 && (t & 1) === 1) {
        const o = reader.contentOffset(i);
        len = utf8CharCount(reader.payload, o, o + ((t - 12) >>> 1));
      }
      out.push([t, v instanceof Uint8Array ? [...v] : v, len, reader.isNull(i)]);
    }
    return out;
  } catch (e) {
    return `${(e as SqliteError).code}: ${(e as Error).message}`;
  }
}

const bytes = fc.uint8Array({ maxLength: 40 });

Deno.test("record read in place from a range equals the record read from a copy", () => {
  const inPlace = new RecordReader();
  const copied = new RecordReader();
  let valid = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(valueArb, { maxLength: 8 }).map((vs) => encodeRecord(vs)),
        // Malformed records: truncated valid ones and random bytes.
        fc.tuple(fc.array(valueArb, { minLength: 1, maxLength: 8 }), fc.nat()).map(
          ([vs, k]) => {
            const r = encodeRecord(vs);
            return r.slice(0, k % r.length);
          },
        ),
        bytes,
      ),
      bytes,
      bytes,
      (record, before, after) => {
        const buf = new Uint8Array(before.length + record.length + after.length);
        buf.set(before);
        buf.set(record, before.length);
        buf.set(after, before.length + record.length);
        const start = before.length;
        const want = read(copied, record.slice());
        if (typeof want !== "string") valid++;
        assertEquals(read(inPlace, buf, start, start + record.length), want);
      },
    ),
    { seed: 3031, numRuns: 3000 },
  );
  // The property must have seen well-formed records, not only errors.
  if (valid < 500) throw new Error(`only ${valid} well-formed records`);
});
