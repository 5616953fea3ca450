import { assert, assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { BTree, Meta } from "../../src/btree/mod.ts";
import { SqliteError } from "../../src/errors.ts";
import {
  readVarint,
  readVarint64,
  varintLength,
  varintSize,
  writeVarint,
} from "../../src/btree/varint.ts";
import { Geometry, TABLE_LEAF } from "../../src/btree/cell.ts";
import { MemPager } from "./mem_pager.ts";

const dir = Deno.makeTempDirSync();

Deno.test("varints round-trip at every length boundary, 64-bit two's complement", () => {
  const values: (number | bigint)[] = [
    0,
    1,
    127,
    128,
    16383,
    16384,
    2097151,
    2097152,
    2 ** 28 - 1,
    2 ** 28,
  ];
  for (let bits = 35; bits <= 63; bits += 7) {
    values.push(2 ** Math.min(bits, 52), BigInt(2) ** BigInt(bits) - 1n);
  }
  values.push(
    -1,
    -(2 ** 53) + 1,
    -(2n ** 63n),
    2n ** 63n - 1n,
    2n ** 56n,
    2n ** 56n - 1n,
    9007199254740991,
  );
  const buf = new Uint8Array(16);
  for (const v0 of values) {
    const v = typeof v0 === "bigint" && v0 >= -9007199254740991n && v0 <= 9007199254740991n
      ? Number(v0)
      : v0;
    const n = writeVarint(buf, 3, v);
    assertEquals(n, varintSize(v), `size of ${v}`);
    assertEquals(readVarint64(buf, 3), v);
    assertEquals(varintLength, n);
    if (typeof v === "number" && v >= 0) assertEquals(readVarint(buf, 3), v);
  }
  // Known encodings from fileformat2.html: 240 -> 81 70, negative numbers take 9 bytes.
  assertEquals(writeVarint(buf, 0, 240), 2);
  assertEquals([...buf.subarray(0, 2)], [0x81, 0x70]);
  assertEquals(writeVarint(buf, 0, -1), 9);
  assertEquals([...buf.subarray(0, 9)], [255, 255, 255, 255, 255, 255, 255, 255, 255]);
});

Deno.test("a long varint may end exactly at the end of the page; past it is corruption", () => {
  for (const v of [2n ** 53n + 1n, 2n ** 55n, -1n, 2n ** 62n]) {
    const canon = typeof v === "bigint" && v >= -9007199254740991n && v <= 9007199254740991n
      ? Number(v)
      : v;
    const n = varintSize(canon);
    const page = new Uint8Array(20);
    writeVarint(page, page.length - n, canon);
    assertEquals(readVarint64(page, page.length - n), canon);
    // The same bytes cut short by one: the varint runs off the page.
    const cut = page.slice(0, page.length - 1);
    const err = assertThrows(() => readVarint64(cut, page.length - n), SqliteError);
    assertEquals(err.code, "SQLITE_CORRUPT");
  }
});

Deno.test("local payload sizes follow SQLite's thresholds", () => {
  const g = new Geometry(4096);
  assertEquals([g.maxLocalTable, g.maxLocalIndex, g.minLocal], [4061, 1002, 489]);
  assertEquals(g.localSize(TABLE_LEAF, 4061), 4061);
  // P = 4062: K = M + (P-M) % (U-4) = 489 + 3573 = 4062 > X, so M.
  assertEquals(g.localSize(TABLE_LEAF, 4062), 489);
  // P = 5000: K = 489 + 4511 % 4092 = 908.
  assertEquals(g.localSize(TABLE_LEAF, 5000), 908);
  assertEquals(g.localSize(0x0a, 1002), 1002);
  assertEquals(g.localSize(0x0a, 1003), 489); // K = 1003 > X
  assertEquals(g.localSize(0x0a, 4681), 589); // K = 489 + 4192 % 4092
});

for (const pageSize of [512, 4096, 65536]) {
  Deno.test(`initialize() writes a header sqlite accepts (${pageSize}-byte pages)`, () => {
    const pager = new MemPager(pageSize);
    const bt = new BTree(pager);
    assertEquals(bt.getMeta(Meta.USER_VERSION), 0);
    pager.beginWrite();
    bt.initialize();
    bt.initialize(); // no-op the second time
    assertEquals(pager.pageCount(), 1);
    assertEquals(bt.getMeta(Meta.SCHEMA_FORMAT), 4);
    assertEquals(bt.getMeta(Meta.TEXT_ENCODING), 1);
    bt.setMeta(Meta.USER_VERSION, 77);
    bt.setMeta(Meta.APPLICATION_ID, 0x12345678);
    assertThrows(() => bt.setMeta(13, 1), SqliteError);
    pager.commit();
    const path = `${dir}/init_${pageSize}.db`;
    pager.dumpToFile(path);
    const db = new DatabaseSync(path);
    const one = (sql: string) => Object.values(db.prepare(sql).get() as Record<string, unknown>)[0];
    assertEquals(one("PRAGMA integrity_check"), "ok");
    assertEquals(one("PRAGMA page_size"), pageSize);
    assertEquals(one("PRAGMA user_version"), 77);
    assertEquals(one("PRAGMA application_id"), 0x12345678);
    assertEquals(one("PRAGMA encoding"), "UTF-8");
    db.exec("CREATE TABLE t(a); INSERT INTO t VALUES (1)");
    db.close();
    // And we read what sqlite then wrote.
    const back = new BTree(MemPager.fromFile(path));
    assertEquals(back.getMeta(Meta.SCHEMA_COOKIE), 1);
    const c = back.tableCursor(1);
    assert(c.first());
    assertEquals(
      back.integrityCheck([{ root: 1, kind: "table" }, { root: 2, kind: "table" }], 5),
      [],
    );
  });
}

Deno.test("auto-vacuum files can be read but not written", () => {
  const path = `${dir}/av.db`;
  const db = new DatabaseSync(path);
  db.exec("PRAGMA auto_vacuum=1; CREATE TABLE t(a); INSERT INTO t VALUES ('x')");
  db.close();
  const pager = MemPager.fromFile(path);
  const bt = new BTree(pager);
  const c = bt.tableCursor(1);
  assert(c.first());
  pager.beginWrite();
  const e = assertThrows(() => bt.createTree("table"), SqliteError);
  assertEquals(e.code, "SQLITE_READONLY");
  assertThrows(() => c.delete(), SqliteError, "auto-vacuum");
  pager.rollback();
});
