import { assert, assertEquals } from "@std/assert";
import type { KeyComparator } from "../../src/btree/mod.ts";
import {
  comparatorFor,
  decodeRecord,
  encodeRecord,
  freshTree,
  sqliteIntegrity,
  writeSchema,
} from "./helpers.ts";

const dir = Deno.makeTempDirSync();

/** comparatorFor with the in-place `range` entry point the SQL layer's comparators have. */
function rangeComparatorFor(key: Uint8Array): KeyComparator {
  const cmp = comparatorFor(key);
  const withRange: KeyComparator = (p) => cmp(p);
  withRange.range = (buf, start, end) => cmp(buf.subarray(start, end));
  return withRange;
}

/** Row i's indexed text: increasing with i; every 37th is long enough to overflow. */
function textOf(i: number): string {
  const head = `k${String(i).padStart(7, "0")}`;
  return i % 37 === 0 ? head + "x".repeat(2500) : head;
}

for (const pageSize of [512, 4096]) {
  Deno.test(`appending increasing index keys fills leaves (${pageSize}-byte pages)`, () => {
    const { pager, bt } = freshTree(pageSize);
    const root = bt.createTree("index");
    const ix = bt.indexCursor(root, rangeComparatorFor);
    const before = pager.pageCount();
    let bytes = 0;
    for (let i = 1; i <= 20000; i++) {
      const key = encodeRecord([`k${String(i).padStart(7, "0")}`, i]);
      bytes += key.length + 3; // cell pointer, payload size varint, key
      ix.insert(key, rangeComparatorFor(key));
    }
    ix.close();
    // The right-edge split leaves every left leaf full; redistributing with siblings instead
    // leaves them about three quarters full.
    const fill = bytes / ((pager.pageCount() - before) * (pageSize - 8));
    assert(fill > 0.9, `leaves ${Math.round(fill * 100)}% full`);
  });

  Deno.test(`appending increasing keys packs leaves and stays valid (${pageSize}-byte pages)`, () => {
    const { pager, bt } = freshTree(pageSize);
    const tRoot = bt.createTree("table");
    const iRoot = bt.createTree("index");
    writeSchema(bt, [
      { type: "table", name: "t", tbl: "t", root: tRoot, sql: "CREATE TABLE t(a)" },
      { type: "index", name: "ti", tbl: "t", root: iRoot, sql: "CREATE INDEX ti ON t(a)" },
    ]);
    const t = bt.tableCursor(tRoot);
    const ix = bt.indexCursor(iRoot, rangeComparatorFor);
    const n = 4000;
    for (let i = 1; i <= n; i++) {
      const a = textOf(i);
      t.insert(i, encodeRecord([a]));
      const key = encodeRecord([a, i]);
      ix.insert(key, rangeComparatorFor(key));
    }
    let i = 0;
    for (let ok = ix.first(); ok; ok = ix.next()) {
      i++;
      assertEquals(decodeRecord(ix.payload()), [textOf(i), i]);
    }
    assertEquals(i, n);
    // Seeks through the in-place comparator land on the right entries.
    for (const k of [1, 37, 38, 1999, n]) {
      assert(ix.seekGE(rangeComparatorFor(encodeRecord([textOf(k), k]))));
      assertEquals(decodeRecord(ix.payload()), [textOf(k), k]);
    }
    // Then deletes and out-of-order inserts over the appended tree.
    for (let k = 3; k <= n; k += 3) {
      assert(ix.seekGE(rangeComparatorFor(encodeRecord([textOf(k), k]))));
      ix.delete();
      assert(t.seek(k));
      t.delete();
    }
    for (let k = 3; k <= n; k += 300) {
      const a = textOf(k);
      t.insert(k, encodeRecord([a]));
      const key = encodeRecord([a, k]);
      ix.insert(key, rangeComparatorFor(key));
    }
    t.close();
    ix.close();
    pager.commit();
    const trees = [
      { root: 1, kind: "table" as const },
      { root: tRoot, kind: "table" as const },
      { root: iRoot, kind: "index" as const },
    ];
    assertEquals(bt.integrityCheck(trees, 10), []);
    assertEquals(sqliteIntegrity(pager, dir), ["ok"]);
  });
}
