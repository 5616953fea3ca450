import { assert, assertEquals } from "@std/assert";
import { bytes, encodeRecord, freshTree, sqliteIntegrity, writeSchema } from "./helpers.ts";

const dir = Deno.makeTempDirSync();

function fill(
  bt: ReturnType<typeof freshTree>["bt"],
  root: number,
  n: number,
  kind: "table" | "index",
) {
  if (kind === "table") {
    const c = bt.tableCursor(root);
    for (let i = 1; i <= n; i++) c.insert(i, encodeRecord([bytes(i % 7 === 0 ? 3000 : 80, i)]));
    c.close();
  } else {
    const c = bt.indexCursor(root);
    for (let i = 1; i <= n; i++) {
      const k = encodeRecord([bytes(i % 11 === 0 ? 2000 : 40, i), i]);
      // Keys ordered by their trailing rowid only: enough for a structural test.
      c.insert(k, (stored) => stored[stored.length - 1] === k[k.length - 1] ? 0 : 1);
    }
    c.close();
  }
}

for (const pageSize of [512, 4096]) {
  Deno.test(`dropTree frees every page and createTree reuses them (${pageSize})`, () => {
    const { pager, bt } = freshTree(pageSize);
    const a = bt.createTree("table");
    fill(bt, a, 2000, "table");
    const aPages = pager.pageCount() - 1;
    const b = bt.createTree("table");
    fill(bt, b, 300, "table");
    const used = pager.pageCount();
    assertEquals(bt.freelistCount(), 0);
    bt.dropTree(a);
    // Every page of tree a is free: at 512 bytes that needs several trunks (120 leaves each).
    assertEquals(bt.freelistCount(), aPages);
    assertEquals(
      bt.integrityCheck([{ root: 1, kind: "table" }, { root: b, kind: "table" }], 10),
      [],
    );
    // Re-create and refill: the file does not grow.
    const c = bt.createTree("table");
    fill(bt, c, 2000, "table");
    assert(pager.pageCount() <= used + 2, `grew from ${used} to ${pager.pageCount()}`);
    const checks = [{ root: 1, kind: "table" as const }, { root: b, kind: "table" as const }, {
      root: c,
      kind: "table" as const,
    }];
    assertEquals(bt.integrityCheck(checks, 10), []);
    // clearTree keeps the root; its pages go to the freelist.
    const free0 = bt.freelistCount();
    bt.clearTree(c);
    assert(bt.freelistCount() > free0);
    assertEquals(bt.integrityCheck(checks, 10), []);
    writeSchema(bt, [
      { type: "table", name: "b", tbl: "b", root: b, sql: "CREATE TABLE b(a)" },
      { type: "table", name: "c", tbl: "c", root: c, sql: "CREATE TABLE c(a)" },
    ]);
    pager.commit();
    assertEquals(sqliteIntegrity(pager, dir), ["ok"]);
  });
}

Deno.test("dropTree of an index tree with overflow frees all its pages", () => {
  const { pager, bt } = freshTree(1024);
  const i = bt.createTree("index");
  fill(bt, i, 1500, "index");
  const total = pager.pageCount();
  bt.dropTree(i);
  assertEquals(bt.freelistCount(), total - 1);
  assertEquals(bt.integrityCheck([{ root: 1, kind: "table" }], 10), []);
  pager.commit();
  assertEquals(sqliteIntegrity(pager, dir), ["ok"]);
});

Deno.test("integrityCheck reports a wrong freelist count and unused pages", () => {
  const { bt } = freshTree(512);
  const a = bt.createTree("table");
  fill(bt, a, 500, "table");
  bt.dropTree(a);
  bt.setMeta(36, bt.freelistCount() + 1);
  const errs = bt.integrityCheck([{ root: 1, kind: "table" }], 10);
  assertEquals(errs.length, 1);
  assert(errs[0].startsWith("Freelist: size is"), errs[0]);
  bt.setMeta(36, bt.freelistCount() - 1);
  const t = bt.createTree("table");
  assertEquals(bt.integrityCheck([{ root: 1, kind: "table" }], 10), [`Page ${t}: never used`]);
  assertEquals(bt.integrityCheck([{ root: 1, kind: "table" }, { root: 1, kind: "table" }], 3), [
    "Tree 1 page 1: 2nd reference to page 1",
    `Page ${t}: never used`,
  ]);
});
