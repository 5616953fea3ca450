import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { BTree } from "../../src/btree/mod.ts";
import {
  comparatorFor,
  decodeRecord,
  encodeRecord,
  sameBytes,
  sqliteIntegrity,
} from "./helpers.ts";
import { MemPager } from "./mem_pager.ts";

const dir = Deno.makeTempDirSync();

/** Schema rows of a database we loaded: name -> { type, root }. */
function schema(bt: BTree): Map<string, { type: string; root: number }> {
  const out = new Map<string, { type: string; root: number }>();
  const c = bt.tableCursor(1);
  for (let ok = c.first(); ok; ok = c.next()) {
    const [type, name, , root] = decodeRecord(c.payload()) as [string, string, string, number];
    out.set(name, { type, root });
  }
  c.close();
  return out;
}

function makeDb(path: string, pageSize: number) {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA page_size=${pageSize}; PRAGMA journal_mode=delete;`);
  db.exec("CREATE TABLE t(a); CREATE TABLE b(a); CREATE INDEX ti ON t(a);");
  const ins = db.prepare("INSERT INTO t(rowid, a) VALUES (?, ?)");
  db.exec("BEGIN");
  for (let i = 1; i <= 3000; i++) ins.run(i * 3, `v${(i * 7919) % 3001}`.padEnd(i % 40, "."));
  const insb = db.prepare("INSERT INTO b(rowid, a) VALUES (?, ?)");
  for (let i = 1; i <= 40; i++) {
    const blob = new Uint8Array(i * 1777 + (i === 7 ? 200_000 : 0));
    for (let j = 0; j < blob.length; j++) blob[j] = (j * 31 + i) & 0xff;
    insb.run(i, blob);
  }
  db.exec("COMMIT");
  db.exec("DELETE FROM t WHERE rowid % 9 = 0; DELETE FROM b WHERE rowid % 4 = 0;");
  db.close();
}

for (const pageSize of [512, 1024, 4096, 65536]) {
  Deno.test(`reads and updates a node:sqlite file with ${pageSize}-byte pages`, () => {
    const path = `${dir}/ref_${pageSize}.db`;
    makeDb(path, pageSize);
    const pager = MemPager.fromFile(path);
    assertEquals(pager.pageSize, pageSize);
    const bt = new BTree(pager);
    assert(bt.freelistCount() > 0, "the deletes should have left free pages");
    const s = schema(bt);
    const db = new DatabaseSync(path);
    // Table t: rowids and payloads decode to what SELECT returns.
    const rows = db.prepare("SELECT rowid AS r, a FROM t ORDER BY rowid").all() as {
      r: number;
      a: string;
    }[];
    const t = bt.tableCursor(s.get("t")!.root);
    let i = 0;
    for (let ok = t.first(); ok; ok = t.next(), i++) {
      assertEquals(t.rowid(), rows[i].r);
      assertEquals(decodeRecord(t.payload()), [rows[i].a]);
    }
    assertEquals(i, rows.length);
    // Blobs with overflow chains.
    const blobs = db.prepare("SELECT rowid AS r, a FROM b ORDER BY rowid DESC").all() as {
      r: number;
      a: Uint8Array;
    }[];
    const b = bt.tableCursor(s.get("b")!.root);
    i = 0;
    for (let ok = b.last(); ok; ok = b.prev(), i++) {
      assertEquals(b.rowid(), blobs[i].r);
      assert(sameBytes(decodeRecord(b.payload())[0] as Uint8Array, blobs[i].a));
    }
    assertEquals(i, blobs.length);
    // Index ti: entries (a, rowid) in SQLite's order.
    const idx = db.prepare("SELECT a, rowid AS r FROM t ORDER BY a, rowid").all() as {
      a: string;
      r: number;
    }[];
    const ix = bt.indexCursor(s.get("ti")!.root, comparatorFor);
    i = 0;
    for (let ok = ix.first(); ok; ok = ix.next(), i++) {
      assertEquals(decodeRecord(ix.payload()), [idx[i].a, idx[i].r]);
    }
    assertEquals(i, idx.length);
    db.close();
    const trees = [...s.values()].map((e) => ({
      root: e.root,
      kind: e.type === "index" ? "index" as const : "table" as const,
      comparatorFor: e.type === "index" ? comparatorFor : undefined,
    }));
    trees.push({ root: 1, kind: "table", comparatorFor: undefined });
    assertEquals(bt.integrityCheck(trees, 10), []);

    // Change it with our b-tree (reusing the freelist), then let sqlite check it.
    const before = pager.pageCount();
    pager.beginWrite();
    for (let r = 1; r <= 600; r++) {
      if (r % 2 === 0) {
        if (t.seek(r * 3)) {
          const [a] = decodeRecord(t.payload()) as [string];
          const key = encodeRecord([a, r * 3]);
          assert(ix.seekGE(comparatorFor(key)));
          ix.delete();
          t.delete();
        }
      } else if (!t.seek(r * 3)) {
        const a = `new${r}`;
        t.insert(r * 3, encodeRecord([a]));
        const key = encodeRecord([a, r * 3]);
        ix.insert(key, comparatorFor(key));
      }
    }
    assert(b.seek(7));
    b.delete();
    pager.commit();
    assert(pager.pageCount() <= before, "freed pages are reused before the file grows");
    assertEquals(bt.integrityCheck(trees, 10), []);
    assertEquals(sqliteIntegrity(pager, dir), ["ok"]);
  });
}
