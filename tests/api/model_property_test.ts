/**
 * Random inserts, updates and deletes through SQL against a Map model, at several page
 * sizes and payload sizes (overflow chains included); then SQLite itself checks the file.
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { Database } from "../../mod.ts";
import { sqliteIntegrity, sqliteRows, tempPath } from "./helpers.ts";

type Op =
  | { kind: "put"; key: number; size: number; fill: number }
  | { kind: "del"; key: number }
  | { kind: "delRange"; lo: number; hi: number };

function payload(size: number, fill: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (fill + i * 31) & 0xff;
  return b;
}

const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 3, arbitrary: fc.integer({ min: 300, max: 5000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 5000, max: 200_000 }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      key: fc.integer({ min: 1, max: 400 }),
      size: sizeArb,
      fill: fc.integer({ min: 0, max: 255 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("del" as const),
      key: fc.integer({ min: 1, max: 400 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delRange" as const),
      lo: fc.integer({ min: 1, max: 400 }),
      hi: fc.integer({ min: 1, max: 400 }),
    }),
  },
);

for (const pageSize of [512, 4096, 65536]) {
  Deno.test(`model property: rowid and TEXT keys, page size ${pageSize}`, () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
        const path = tempPath(`m${pageSize}_${run++}.db`);
        const db = new Database(path, { pageSize });
        db.exec("CREATE TABLE r(id INTEGER PRIMARY KEY, v BLOB)");
        db.exec("CREATE TABLE k(name TEXT PRIMARY KEY, n INTEGER, v BLOB)");
        db.exec("CREATE INDEX k_n ON k(n)");
        const model = new Map<number, Uint8Array>();
        const putR = db.prepare("INSERT OR REPLACE INTO r(id, v) VALUES (?, ?)");
        const putK = db.prepare("INSERT OR REPLACE INTO k(name, n, v) VALUES (?, ?, ?)");
        const delR = db.prepare("DELETE FROM r WHERE id = ?");
        const delK = db.prepare("DELETE FROM k WHERE name = ?");
        const delRangeR = db.prepare("DELETE FROM r WHERE id BETWEEN ? AND ?");
        const delRangeK = db.prepare("DELETE FROM k WHERE n >= ? AND n <= ?");
        db.exec("BEGIN");
        for (const op of ops) {
          if (op.kind === "put") {
            const v = payload(op.size, op.fill);
            putR.run(op.key, v);
            putK.run(`key-${op.key}`, op.key, v);
            model.set(op.key, v);
          } else if (op.kind === "del") {
            delR.run(op.key);
            delK.run(`key-${op.key}`);
            model.delete(op.key);
          } else {
            delRangeR.run(op.lo, op.hi);
            delRangeK.run(op.lo, op.hi);
            for (const k of [...model.keys()]) if (k >= op.lo && k <= op.hi) model.delete(k);
          }
        }
        db.exec("COMMIT");
        const sorted = [...model.entries()].sort((a, b) => a[0] - b[0]);
        assertEquals(
          db.prepare("SELECT id, v FROM r").all(),
          sorted.map(([id, v]) => ({ id, v })),
        );
        for (const [id, v] of sorted.slice(0, 20)) {
          assertEquals(db.prepare("SELECT v FROM k WHERE name = ?").get(`key-${id}`), { v });
          assertEquals(db.prepare("SELECT name FROM k WHERE n = ?").get(id), { name: `key-${id}` });
        }
        assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
        db.close();
        assertEquals(sqliteIntegrity(path), ["ok"]);
        const theirs = sqliteRows(path, "SELECT id, v FROM r ORDER BY id");
        assertEquals(theirs, sorted.map(([id, v]) => ({ id, v })));
        const theirK = sqliteRows(path, "SELECT name, n FROM k ORDER BY n");
        assertEquals(theirK, sorted.map(([id]) => ({ name: `key-${id}`, n: id })));
        Deno.removeSync(path);
      }),
      { seed: 20261125 + pageSize, numRuns: pageSize === 65536 ? 6 : 12 },
    );
  });
}
