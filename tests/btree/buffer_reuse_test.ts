/**
 * Page-buffer reuse under several cursors: with a real pager on 512-byte pages and a
 * 10-page cache, buffers that leave the cache are recycled between cursor movements
 * (BTree.recyclePages) and at the end of each read transaction. Three cursors move at
 * random through one long transaction while a fourth inserts and deletes; every position
 * and payload is compared with a sorted model, and a payload view taken from a cursor must
 * keep its bytes for as long as that cursor stands still. A buffer reused while a cursor
 * still held it would show up as a wrong row.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { BTree } from "../../src/btree/mod.ts";
import type { TableCursor } from "../../src/btree/types.ts";
import { PagerImpl } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";

/** A payload unique to (rowid, version), 0..1500 bytes so some rows overflow. */
function payloadFor(rowid: number, version: number): Uint8Array {
  const len = (rowid * 37 + version * 101) % 1500;
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (rowid * 7 + version * 13 + i) & 0xff;
  return b;
}

type Op =
  | { kind: "next" | "prev" | "first" | "last"; c: number }
  | { kind: "seek"; c: number; key: number }
  | { kind: "insert"; key: number }
  | { kind: "delete"; key: number };

const N = 1200;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("next" as const, "prev" as const, "first" as const, "last" as const),
    c: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({
    kind: fc.constant("seek" as const),
    c: fc.integer({ min: 0, max: 2 }),
    key: fc.integer({ min: 0, max: N * 2 }),
  }),
  fc.record({ kind: fc.constant("insert" as const), key: fc.integer({ min: 1, max: N * 2 }) }),
  fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 1, max: N * 2 }) }),
);

Deno.test("page buffers are reused only when no cursor holds them", () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 50, maxLength: 400 }), (ops) => {
      const vfs = new MemoryVfs({ track: false });
      const pager = PagerImpl.open(vfs, "/db", { pageSize: 512, cacheSize: 10 });
      const bt = new BTree(pager);
      const model = new Map<number, Uint8Array>();
      pager.beginRead();
      pager.beginWrite();
      bt.initialize();
      const root = bt.createTree("table");
      const w = bt.tableCursor(root);
      for (let r = 1; r <= N; r += 2) {
        const p = payloadFor(r, 0);
        w.insert(r, p);
        model.set(r, p);
      }
      w.close();
      pager.commit();
      pager.endRead();

      // One long read-write transaction: recycling happens only between cursor movements.
      pager.beginRead();
      pager.beginWrite();
      const cursors: TableCursor[] = [0, 1, 2].map(() => bt.tableCursor(root));
      const writer = bt.tableCursor(root);
      // What each cursor stands on, and a payload view taken there.
      const on: (number | null)[] = [null, null, null];
      const views: (Uint8Array | null)[] = [null, null, null];
      let version = 1;
      const sorted = () => [...model.keys()].sort((a, b) => a - b);
      const check = (c: number, ok: boolean, expected: number | null) => {
        const cur = cursors[c];
        assertEquals(ok ? Number(cur.rowid()) : null, expected);
        on[c] = expected;
        views[c] = expected === null ? null : cur.payload();
        if (expected !== null) assertEquals(views[c], model.get(expected));
      };
      for (const op of ops) {
        const keys = sorted();
        switch (op.kind) {
          case "first":
            check(op.c, cursors[op.c].first(), keys.length > 0 ? keys[0] : null);
            break;
          case "last":
            check(op.c, cursors[op.c].last(), keys.length > 0 ? keys[keys.length - 1] : null);
            break;
          case "seek": {
            const ok = cursors[op.c].seekGE(op.key);
            const k = keys.find((x) => x >= op.key) ?? null;
            check(op.c, ok, k);
            break;
          }
          case "next":
          case "prev": {
            const cur = on[op.c];
            if (cur === null || !model.has(cur)) break; // unpositioned or its row is gone
            const i = keys.indexOf(cur);
            const j = op.kind === "next" ? i + 1 : i - 1;
            const ok = op.kind === "next" ? cursors[op.c].next() : cursors[op.c].prev();
            check(op.c, ok, j >= 0 && j < keys.length ? keys[j] : null);
            break;
          }
          case "insert": {
            const p = payloadFor(op.key, version++);
            writer.insert(op.key, p);
            model.set(op.key, p);
            // Other cursors saved their keys; their old views may be stale now.
            for (let c = 0; c < 3; c++) views[c] = null;
            break;
          }
          case "delete": {
            if (writer.seek(op.key)) {
              writer.delete();
              model.delete(op.key);
              for (let c = 0; c < 3; c++) views[c] = null;
            }
            break;
          }
        }
        // Views from cursors that did not move since (and no write since) keep their bytes.
        for (let c = 0; c < 3; c++) {
          const v = views[c];
          if (v !== null && on[c] !== null) assertEquals(v, model.get(on[c]!));
        }
      }
      for (const c of cursors) c.close();
      writer.close();
      pager.commit();
      pager.endRead();

      // Everything reads back after the transaction, through recycled buffers.
      pager.beginRead();
      const r = bt.tableCursor(root);
      const got: number[] = [];
      for (let ok = r.first(); ok; ok = r.next()) {
        const k = Number(r.rowid());
        got.push(k);
        assertEquals(r.payload(), model.get(k));
      }
      r.close();
      pager.endRead();
      assertEquals(got, sorted());
      assert(pager.retiredCount !== undefined);
      pager.close();
    }),
    { seed: 20261125, numRuns: 40 },
  );
});
