import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import {
  comparatorFor,
  decodeRecord,
  encodeRecord,
  freshTree,
  sameBytes,
  sqliteIntegrity,
  writeSchema,
} from "./helpers.ts";

const dir = Deno.makeTempDirSync();

type Op =
  | { kind: "ins"; rowid: number; text: string }
  | { kind: "del"; pick: number; count: number }
  | { kind: "bulk"; base: number; count: number; prefix: string };

const textArb = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.string({ unit: fc.constantFrom("a", "b", "c", "x", "y", "z"), maxLength: 12 }),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom("m", "n"), fc.integer({ min: 0, max: 3000 })).map((
      [c, n],
    ) => c.repeat(n)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom("p", "q"), fc.integer({ min: 0, max: 200_000 })).map((
      [c, n],
    ) => c.repeat(n)),
  },
);

const opArb = (maxBulk: number): fc.Arbitrary<Op> =>
  fc.oneof(
    {
      weight: 7,
      arbitrary: fc.record({
        kind: fc.constant("ins" as const),
        rowid: fc.integer({ min: -50, max: 600 }),
        text: textArb,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("del" as const),
        pick: fc.nat(),
        count: fc.integer({ min: 1, max: 8 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("bulk" as const),
        base: fc.integer({ min: 0, max: 100_000 }),
        count: fc.integer({ min: 1, max: maxBulk }),
        prefix: fc.string({ unit: fc.constantFrom("a", "b", "k", "z"), maxLength: 30 }),
      }),
    },
  );

function runIndex(pageSize: number, numRuns: number, maxOps: number) {
  fc.assert(
    fc.property(
      fc.array(opArb(pageSize === 512 ? 300 : 1500), { minLength: maxOps >> 1, maxLength: maxOps }),
      (ops) => {
        const { pager, bt } = freshTree(pageSize);
        const troot = bt.createTree("table");
        const iroot = bt.createTree("index");
        const t = bt.tableCursor(troot);
        const ix = bt.indexCursor(iroot, comparatorFor);
        const rows = new Map<number, string>();
        let big = 0;
        let cache: Uint8Array[] | null = null;
        const sortedKeys = () =>
          cache ??= [...rows].sort((a, b) => a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] - b[0]).map((
            e,
          ) => keys.get(e[0])!);
        const keys = new Map<number, Uint8Array>();
        const keyOf = (rowid: number) => {
          let k = keys.get(rowid);
          if (!k) keys.set(rowid, k = encodeRecord([rows.get(rowid)!, rowid]));
          return k;
        };
        for (const op of ops) {
          if (op.kind === "ins") {
            let text = op.text;
            if (text.length > 5000) {
              if (big > 800_000) text = text.slice(0, 100);
              else big += text.length;
            }
            if (rows.has(op.rowid)) {
              const old = keyOf(op.rowid);
              assert(ix.seekGE(comparatorFor(old)));
              assert(sameBytes(ix.payload(), old));
              ix.delete();
            }
            rows.set(op.rowid, text);
            keys.delete(op.rowid);
            cache = null;
            t.insert(op.rowid, encodeRecord([text]));
            const key = keyOf(op.rowid);
            ix.insert(key, comparatorFor(key));
          } else if (op.kind === "bulk") {
            for (let k = 0; k < op.count; k++) {
              const rowid = op.base + k;
              if (rows.has(rowid)) continue;
              const text = op.prefix + String(k * 7919 % 10007).padStart(5, "0");
              rows.set(rowid, text);
              cache = null;
              t.insert(rowid, encodeRecord([text]));
              const key = keyOf(rowid);
              ix.insert(key, comparatorFor(key));
            }
          } else if (rows.size > 0) {
            // Delete a run of consecutive index entries (and their rows) through the cursor.
            const sorted = sortedKeys();
            let k = op.pick % sorted.length;
            const start = k;
            assert(ix.seekGE(comparatorFor(sorted[k])));
            for (let n = 0; n < op.count && k < sorted.length; n++, k++) {
              assert(sameBytes(ix.payload(), sorted[k]));
              const r = decodeRecord(sorted[k])[1] as number;
              ix.delete();
              assert(t.seek(r));
              t.delete();
              rows.delete(r);
              keys.delete(r);
              const more = ix.next();
              assertEquals(more, k + 1 < sorted.length);
            }
            sorted.splice(start, k - start);
          }
        }
        const sorted = sortedKeys();
        let i = 0;
        for (let ok = ix.first(); ok; ok = ix.next()) {
          assert(sameBytes(ix.payload(), sorted[i++]), `entry ${i}`);
        }
        assertEquals(i, sorted.length);
        for (let ok = ix.last(); ok; ok = ix.prev()) {
          assert(sameBytes(ix.payload(), sorted[--i]), `entry ${i}`);
        }
        assertEquals(i, 0);
        // seekGE/seekLE with probes between and on keys; prefix comparators (text only).
        const probes = sorted.slice(0, 40).concat([
          encodeRecord(["", -1000]),
          encodeRecord(["zzzz", 0]),
        ]);
        for (const texts of ["a", "b", "m", "x", "zz"]) probes.push(encodeRecord([texts, 0]));
        for (const p of probes) {
          const cmp = comparatorFor(p);
          const ge = sorted.findIndex((k) => cmp(k) >= 0);
          assertEquals(ix.seekGE(cmp), ge >= 0);
          if (ge >= 0) assert(sameBytes(ix.payload(), sorted[ge]));
          const le = sorted.findLastIndex((k) => cmp(k) <= 0);
          assertEquals(ix.seekLE(cmp), le >= 0);
          if (le >= 0) assert(sameBytes(ix.payload(), sorted[le]));
        }
        const trees = [
          { root: 1, kind: "table" as const },
          { root: troot, kind: "table" as const },
          { root: iroot, kind: "index" as const, comparatorFor },
        ];
        assertEquals(bt.integrityCheck(trees, 10), []);
        writeSchema(bt, [
          { type: "table", name: "t", tbl: "t", root: troot, sql: "CREATE TABLE t(a)" },
          { type: "index", name: "i", tbl: "t", root: iroot, sql: "CREATE INDEX i ON t(a)" },
        ]);
        pager.commit();
        assertEquals(sqliteIntegrity(pager, dir), ["ok"]);
      },
    ),
    { seed: 42, numRuns },
  );
}

Deno.test("index b-tree matches a model, 512-byte pages", () => runIndex(512, 12, 200));
Deno.test("index b-tree matches a model, 4096-byte pages", () => runIndex(4096, 6, 300));
Deno.test("index b-tree matches a model, 65536-byte pages", () => runIndex(65536, 3, 300));
