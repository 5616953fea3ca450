/**
 * TableCursor.payload() reads table leaf cells on a fast path (1- and 2-byte payload sizes,
 * any rowid varint, payload on the page) and everything else through parseCell. Rowids of
 * every varint length (1 to 9 bytes, negative ones included) and payload sizes around the
 * 1/2/3-byte size varints and the overflow threshold must all read back as written.
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { BTree } from "../../src/btree/mod.ts";
import { PagerImpl } from "../../src/pager/pager.ts";
import { MemoryVfs } from "../../src/vfs/memory_vfs.ts";

const rowidArb = fc.oneof(
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.constantFrom(0, 1, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 35, 2 ** 42, 2 ** 49, -1),
);
const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 130 }),
  fc.integer({ min: 470, max: 520 }), // around 512-35, the overflow threshold of 512-byte pages
  fc.integer({ min: 16380, max: 16390 }), // 2- to 3-byte size varints (overflowing)
);

Deno.test("table cursor payloads read back whatever their rowid and size", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(rowidArb, sizeArb), {
        minLength: 1,
        maxLength: 80,
        selector: ([r]) => r,
      }),
      (rows) => {
        const pager = PagerImpl.open(new MemoryVfs({ track: false }), "/db", { pageSize: 512 });
        const bt = new BTree(pager);
        pager.beginRead();
        pager.beginWrite();
        bt.initialize();
        const root = bt.createTree("table");
        const w = bt.tableCursor(root);
        const model = new Map<number, Uint8Array>();
        for (const [r, n] of rows) {
          const p = new Uint8Array(n);
          for (let i = 0; i < n; i++) p[i] = (r + i * 13) & 0xff;
          w.insert(r, p);
          model.set(r, p);
        }
        w.close();
        pager.commit();
        const c = bt.tableCursor(root);
        const keys = [...model.keys()].sort((a, b) => a - b);
        let k = 0;
        for (let ok = c.first(); ok; ok = c.next()) {
          assertEquals(c.rowid(), keys[k]);
          assertEquals(c.payload(), model.get(keys[k]));
          assertEquals(c.payloadSize(), model.get(keys[k])!.length);
          k++;
        }
        assertEquals(k, keys.length);
        c.close();
        pager.endRead();
        pager.close();
      },
    ),
    { seed: 20261125, numRuns: 150 },
  );
});
