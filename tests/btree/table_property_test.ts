import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import type { Rowid } from "../../src/btree/types.ts";
import {
  bytes,
  encodeRecord,
  freshTree,
  sameBytes,
  sqliteIntegrity,
  writeSchema,
} from "./helpers.ts";

const dir = Deno.makeTempDirSync();

type Op =
  | { kind: "ins"; rowid: Rowid; size: number }
  | { kind: "del"; pick: number }
  | { kind: "delRange"; pick: number; count: number }
  | { kind: "bulk"; start: number; step: number; count: number; size: number };

function canon(b: bigint): Rowid {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

const rowidArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 400 }) },
  { weight: 2, arbitrary: fc.integer({ min: -2_000_000, max: 2_000_000 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(canon) },
);

function sizeArb(pageSize: number) {
  return fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 0, max: 120 }) },
    { weight: 4, arbitrary: fc.integer({ min: 100, max: pageSize + 200 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 200_000 }) },
  );
}

function opArb(pageSize: number): fc.Arbitrary<Op> {
  return fc.oneof(
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("bulk" as const),
        start: fc.integer({ min: -1000, max: 100_000 }),
        step: fc.integer({ min: 1, max: 7 }),
        count: fc.integer({ min: 1, max: Math.floor(pageSize / 15) }),
        size: fc.integer({ min: 0, max: 60 }),
      }),
    },
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant("ins" as const),
        rowid: rowidArb,
        size: sizeArb(pageSize),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("del" as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("delRange" as const),
        pick: fc.nat(),
        count: fc.integer({ min: 1, max: 40 }),
      }),
    },
  );
}

function cmpRowid(a: Rowid, b: Rowid): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function runTable(pageSize: number, numRuns: number, maxOps: number) {
  fc.assert(
    fc.property(fc.array(opArb(pageSize), { minLength: maxOps >> 1, maxLength: maxOps }), (ops) => {
      const { pager, bt } = freshTree(pageSize);
      const root = bt.createTree("table");
      const c = bt.tableCursor(root);
      const model = new Map<string, { rowid: Rowid; data: Uint8Array }>();
      let bigBytes = 0;
      let sortedCache: { rowid: Rowid; data: Uint8Array }[] | null = null;
      let seed = 1;
      for (const op of ops) {
        if (op.kind === "ins") {
          // Keep the total of large payloads bounded so a run stays fast.
          let size = op.size;
          if (size > 5000) {
            if (bigBytes > 600_000) size = size % 5000;
            else bigBytes += size;
          }
          const data = encodeRecord([bytes(size, seed++)]);
          c.insert(op.rowid, data);
          model.set(String(op.rowid), { rowid: op.rowid, data });
          sortedCache = null;
        } else if (op.kind === "bulk") {
          sortedCache = null;
          for (let k = 0; k < op.count; k++) {
            const rowid = op.start + k * op.step;
            const data = encodeRecord([bytes(op.size, seed++)]);
            c.insert(rowid, data);
            model.set(String(rowid), { rowid, data });
          }
        } else if (model.size > 0) {
          sortedCache ??= [...model.values()].sort((a, b) => cmpRowid(a.rowid, b.rowid));
          const keys = sortedCache;
          const start = op.pick % keys.length;
          const count = op.kind === "del" ? 1 : op.count;
          // Delete consecutive rows through the cursor: delete() then next() must land on the
          // row that followed.
          assert(c.seek(keys[start].rowid));
          for (let k = start; k < start + count && k < keys.length; k++) {
            assertEquals(c.rowid(), keys[k].rowid);
            c.delete();
            model.delete(String(keys[k].rowid));
            const more = c.next();
            assertEquals(more, k + 1 < keys.length);
            if (more) assertEquals(c.rowid(), keys[k + 1].rowid);
          }
          keys.splice(start, count);
        }
      }
      const sorted = [...model.values()].sort((a, b) => cmpRowid(a.rowid, b.rowid));
      // Forward and backward iteration equal the model.
      let i = 0;
      for (let ok = c.first(); ok; ok = c.next()) {
        if (c.rowid() !== sorted[i].rowid) assertEquals(c.rowid(), sorted[i].rowid);
        assert(sameBytes(c.payload(), sorted[i].data), `payload of row ${sorted[i].rowid}`);
        i++;
      }
      assertEquals(i, sorted.length);
      i = sorted.length;
      for (let ok = c.last(); ok; ok = c.prev()) {
        i--;
        if (c.rowid() !== sorted[i].rowid) assertEquals(c.rowid(), sorted[i].rowid);
      }
      assertEquals(i, 0);
      // seekGE / seekLE at and around every key and a few others.
      const probes: Rowid[] = [0, -1, 1, 500, -(2 ** 53) + 1];
      for (const e of sorted.slice(0, 50)) {
        probes.push(e.rowid);
        if (typeof e.rowid === "number") probes.push(e.rowid + 1, e.rowid - 1);
      }
      for (const p of probes) {
        const ge = sorted.find((e) => cmpRowid(e.rowid, p) >= 0);
        assertEquals(c.seekGE(p), ge !== undefined);
        if (ge) assertEquals(c.rowid(), ge.rowid);
        const le = sorted.findLast((e) => cmpRowid(e.rowid, p) <= 0);
        assertEquals(c.seekLE(p), le !== undefined);
        if (le) assertEquals(c.rowid(), le.rowid);
        assertEquals(c.seek(p), model.has(String(p)));
      }
      assertEquals(
        bt.integrityCheck([{ root: 1, kind: "table" }, { root, kind: "table" }], 10),
        [],
      );
      writeSchema(bt, [{ type: "table", name: "t", tbl: "t", root, sql: "CREATE TABLE t(a)" }]);
      pager.commit();
      assertEquals(sqliteIntegrity(pager, dir), ["ok"]);
    }),
    { seed: 42, numRuns },
  );
}

Deno.test("table b-tree matches a Map model, 512-byte pages", () => runTable(512, 25, 300));
Deno.test("table b-tree matches a Map model, 4096-byte pages", () => runTable(4096, 20, 400));
Deno.test("table b-tree matches a Map model, 65536-byte pages", () => runTable(65536, 6, 300));
