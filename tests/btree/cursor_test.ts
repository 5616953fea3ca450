import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { SqliteError } from "../../src/errors.ts";
import {
  bytes,
  comparatorFor,
  decodeRecord,
  encodeRecord,
  freshTree,
  sameBytes,
  sqliteIntegrity,
} from "./helpers.ts";

const dir = Deno.makeTempDirSync();

function filledTable(pageSize: number, n: number) {
  const { pager, bt } = freshTree(pageSize);
  const root = bt.createTree("table");
  const c = bt.tableCursor(root);
  for (let i = 1; i <= n; i++) c.insert(i * 2, encodeRecord([bytes(i % 50, i)]));
  return { pager, bt, root, c };
}

function rowids(
  c: { first(): boolean; next(): boolean; rowid(): number | bigint },
): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  for (let ok = c.first(); ok; ok = c.next()) out.push(c.rowid());
  return out;
}

Deno.test("delete while iterating forwards: next() lands on the following row", () => {
  const { bt, root, c } = filledTable(512, 2000);
  let seen = 0;
  for (let ok = c.first(); ok;) {
    const r = c.rowid() as number;
    seen++;
    if (r % 3 !== 0) {
      c.delete();
      assertFalse(c.valid);
    }
    ok = c.next();
    if (ok) assert((c.rowid() as number) > r);
  }
  assertEquals(seen, 2000);
  const left = rowids(c);
  assertEquals(
    left,
    Array.from({ length: 2000 }, (_, i) => (i + 1) * 2).filter((r) => r % 3 === 0),
  );
  assertEquals(bt.integrityCheck([{ root, kind: "table" }, { root: 1, kind: "table" }], 10), []);
});

Deno.test("delete while iterating backwards: prev() lands on the preceding row", () => {
  const { bt, root, c } = filledTable(1024, 1500);
  for (let ok = c.last(); ok;) {
    const r = c.rowid() as number;
    if (r % 4 !== 0) c.delete();
    ok = c.prev();
    if (ok) assert((c.rowid() as number) < r);
  }
  assertEquals(rowids(c), Array.from({ length: 750 }, (_, i) => (i + 1) * 4));
  assertEquals(bt.integrityCheck([{ root, kind: "table" }, { root: 1, kind: "table" }], 10), []);
});

Deno.test("deleting every row empties the tree and frees its pages", () => {
  const { bt, root, c, pager } = filledTable(512, 3000);
  assert(c.first());
  while (c.valid || c.next()) c.delete();
  assertFalse(c.first());
  assertFalse(c.last());
  // Only page 1 and the root remain in use.
  assertEquals(bt.freelistCount(), pager.pageCount() - 2);
  assertEquals(bt.integrityCheck([{ root, kind: "table" }, { root: 1, kind: "table" }], 10), []);
});

Deno.test("other cursors on the same tree re-seek after a change", () => {
  const { bt, root, c } = filledTable(512, 500);
  const other = bt.tableCursor(root);
  assert(other.seek(500));
  // Many inserts split pages under `other`.
  for (let i = 0; i < 800; i++) c.insert(10_001 + i, encodeRecord([bytes(40, i)]));
  for (let i = 0; i < 200; i++) c.insert(2 * i + 1, encodeRecord([bytes(40, i)]));
  assertEquals(other.rowid(), 500);
  assert(other.next());
  assertEquals(other.rowid(), 502);
  // Deleting the row `other` is on: it is no longer valid; next() goes to the following row.
  assert(c.seek(502));
  c.delete();
  assertFalse(other.valid);
  assert(other.next());
  assertEquals(other.rowid(), 504);
  // ... and prev() to the row before the deleted one.
  assert(c.seek(504));
  c.delete();
  assert(other.prev());
  assertEquals(other.rowid(), 500);
  // A replaced row reads back the new payload through the other cursor.
  c.insert(500, encodeRecord(["new"]));
  assertEquals(decodeRecord(other.payload()), ["new"]);
  // clearTree: the other cursor finds nothing.
  bt.clearTree(root);
  assertFalse(other.valid);
  assertFalse(other.next());
  assertFalse(c.first());
  assertEquals(bt.integrityCheck([{ root, kind: "table" }, { root: 1, kind: "table" }], 10), []);
});

Deno.test("index cursors: delete while iterating, with and without a comparator factory", () => {
  for (const factory of [comparatorFor, undefined]) {
    const { pager, bt } = freshTree(512);
    const root = bt.createTree("index");
    const ix = bt.indexCursor(root, factory);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 1200; i++) {
      const k = encodeRecord([
        `key${String((i * 37) % 1200).padStart(4, "0")}${"-".repeat(i % 30)}`,
        i,
      ]);
      keys.push(k);
      ix.insert(k, comparatorFor(k));
    }
    const sorted = keys.slice().sort((a, b) => comparatorFor(b)(a));
    let i = 0;
    const kept: Uint8Array[] = [];
    for (let ok = ix.first(); ok; i++) {
      assert(sameBytes(ix.payload(), sorted[i]));
      if (i % 3 !== 1) ix.delete();
      else kept.push(sorted[i]);
      ok = ix.next();
    }
    assertEquals(i, sorted.length);
    i = kept.length;
    for (let ok = ix.last(); ok; ok = ix.prev()) assert(sameBytes(ix.payload(), kept[--i]));
    assertEquals(i, 0);
    assertEquals(
      bt.integrityCheck([{ root, kind: "index", comparatorFor }, { root: 1, kind: "table" }], 10),
      [],
    );
    pager.commit();
  }
});

Deno.test("rowids: negative, 64-bit extremes as bigint, canonical numbers", () => {
  const { bt, root, c } = filledTable(4096, 0);
  const ids: (number | bigint)[] = [
    -(2n ** 63n),
    -(2n ** 53n),
    -9007199254740991,
    -1,
    0,
    1,
    127,
    128,
    2 ** 32,
    9007199254740991,
    2n ** 53n,
    2n ** 63n - 1n,
  ];
  for (const r of ids) c.insert(r, encodeRecord([String(r)]));
  assertEquals(rowids(c), ids);
  assert(c.seek(2n ** 53n));
  assertEquals(c.rowid(), 2n ** 53n);
  assertFalse(c.seek(5n)); // a safe bigint is accepted and canonicalised
  assertEquals(c.rowid(), 127);
  assert(c.seekLE(5n) && c.rowid() === 1);
  assert(c.seekGE(-(2n ** 60n)) && c.rowid() === -(2n ** 53n));
  assertThrows(() => c.insert(2n ** 63n, new Uint8Array(1)), SqliteError);
  assertThrows(() => c.seek(1.5), SqliteError);
  assertEquals(bt.integrityCheck([{ root, kind: "table" }, { root: 1, kind: "table" }], 10), []);
});

Deno.test("empty payloads, payload views and misuse errors", () => {
  const { bt, pager, root, c } = filledTable(512, 0);
  assertFalse(c.first());
  assertThrows(() => c.rowid(), SqliteError, "not pointing");
  assertThrows(() => c.delete(), SqliteError);
  for (let i = 0; i < 300; i++) c.insert(i, new Uint8Array(0));
  assert(c.seek(299));
  assertEquals(c.payload().length, 0);
  c.insert(5, encodeRecord(["abc"]));
  assert(c.seek(5));
  const p = c.payload();
  assert(
    p.byteOffset > 0 && p.buffer === pager.getPage(1).buffer || p.byteLength === p.length,
    "a view",
  );
  assertEquals(decodeRecord(p), ["abc"]);
  const ix = bt.indexCursor(bt.createTree("index"));
  ix.insert(new Uint8Array(0), () => 1);
  assert(ix.first());
  assertEquals(ix.payload().length, 0);
  assertEquals(
    bt.integrityCheck([{ root, kind: "table" }], 10).length,
    2,
    "index root not listed: reported",
  );
  c.close();
  assertThrows(() => c.first(), SqliteError, "closed");
});

Deno.test("sequential appends fill leaves (balance_quick) and files stay readable", () => {
  const { pager, bt } = freshTree(4096);
  const root = bt.createTree("table");
  const c = bt.tableCursor(root);
  const row = encodeRecord([bytes(100, 1)]);
  for (let i = 1; i <= 20_000; i++) c.insert(i, row);
  // cell = 2 (size) + 3 (rowid) + 103 (record) + 2 (pointer) bytes; 4088 usable per leaf.
  const perLeaf = Math.floor(4088 / (2 + 3 + row.length + 2));
  const leaves = Math.ceil(20_000 / perLeaf);
  assert(
    pager.pageCount() < leaves * 1.05 + 20,
    `${pager.pageCount()} pages for ${leaves} full leaves`,
  );
  pager.commit();
  assertEquals(sqliteIntegrity(pager, dir).length, 1);
});
