/**
 * The bulk-insert fast paths (a prepared INSERT run per row: the rowid conflict found by the
 * table insert itself, right-edge descents, index keys compared as encoded records, pooled
 * page copies while balancing, long TEXT encoded natively) against a model: batches in
 * ascending, descending and random rowid order, auto rowids, duplicate rowids and UNIQUE
 * failures mid-batch, overflowing and non-ASCII text, and batches rolled back. node:sqlite's
 * integrity_check must pass on the file at the end and read the same rows.
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { Database, SqliteError } from "../../mod.ts";

type Row = { id: number; a: number | null; b: string; c: Uint8Array | null };

interface Batch {
  order: "asc" | "desc" | "random" | "auto";
  start: number;
  step: number;
  count: number;
  randomIds: number[];
  aRange: number;
  textLen: number;
  wide: boolean;
  blobEvery: number;
  rollback: boolean;
}

const batchArb: fc.Arbitrary<Batch> = fc.record({
  order: fc.constantFrom("asc" as const, "desc" as const, "random" as const, "auto" as const),
  start: fc.integer({ min: -50, max: 3000 }),
  step: fc.integer({ min: 1, max: 5 }),
  count: fc.integer({ min: 1, max: 400 }),
  randomIds: fc.array(fc.integer({ min: -100, max: 4000 }), { minLength: 1, maxLength: 300 }),
  aRange: fc.integer({ min: 5, max: 100_000 }),
  // 0..23 characters are encoded in JS, longer natively; over ~500 bytes overflows a page.
  textLen: fc.oneof(
    fc.integer({ min: 0, max: 30 }),
    fc.integer({ min: 20, max: 120 }),
    fc.integer({ min: 400, max: 2500 }),
  ),
  wide: fc.boolean(),
  blobEvery: fc.integer({ min: 0, max: 5 }),
  rollback: fc.boolean(),
});

function text(i: number, len: number, wide: boolean): string {
  const head = `${wide ? "é€😀" : ""}${i % 3 === 0 ? "R" : "r"}${i}:`;
  // Cut by code point: a lone surrogate would be stored as U+FFFD.
  const chars = [...(head + "abcdefghij".repeat(Math.ceil(len / 10) + 1))];
  return chars.slice(0, Math.max(len, 1)).join("");
}

function idsOf(b: Batch): (number | null)[] {
  switch (b.order) {
    case "asc":
      return Array.from({ length: b.count }, (_, i) => b.start + i * b.step);
    case "desc":
      return Array.from({ length: b.count }, (_, i) => b.start + (b.count - i) * b.step);
    case "random":
      return b.randomIds;
    case "auto":
      return Array.from({ length: b.count }, () => null);
  }
}

function run(batches: Batch[], unique: boolean, pageSize: number): void {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_bulk_" });
  const path = `${dir}/bulk.db`;
  try {
    const db = new Database(path, { journalMode: "wal", pageSize });
    db.exec(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c BLOB);" +
        `CREATE ${unique ? "UNIQUE " : ""}INDEX t_a ON t(a);` +
        "CREATE INDEX t_b ON t(b DESC, a);" +
        "CREATE INDEX t_bc ON t(b COLLATE NOCASE, c);",
    );
    const ins = db.prepare("INSERT INTO t(id, a, b, c) VALUES (?, ?, ?, ?)");
    let model = new Map<number, Row>();
    let serial = 0;
    for (const batch of batches) {
      const before = new Map(model);
      db.exec("BEGIN");
      for (const given of idsOf(batch)) {
        serial++;
        const a = serial % 7 === 0 ? null : (serial * 7919) % batch.aRange;
        const b = text(serial, batch.textLen, batch.wide);
        const c = batch.blobEvery > 0 && serial % batch.blobEvery === 0
          ? new Uint8Array(serial % 50).fill(serial & 0xff)
          : null;
        let id = given;
        if (id === null) id = model.size === 0 ? 1 : Math.max(...model.keys()) + 1;
        let expected: string | undefined;
        if (model.has(id)) expected = "SQLITE_CONSTRAINT_PRIMARYKEY";
        else if (unique && a !== null && [...model.values()].some((r) => r.a === a)) {
          expected = "SQLITE_CONSTRAINT_UNIQUE";
        }
        try {
          ins.run(given, a, b, c);
          assertEquals(expected, undefined, `row ${id} should have failed`);
          model.set(id, { id, a, b, c });
        } catch (e) {
          if (!(e instanceof SqliteError)) throw e;
          assertEquals(e.code, expected, e.message);
        }
      }
      if (batch.rollback) {
        db.exec("ROLLBACK");
        model = before;
      } else {
        db.exec("COMMIT");
      }
      const want = [...model.values()].sort((x, y) => x.id - y.id);
      const got = db.prepare("SELECT id, a, b, c FROM t ORDER BY id").all();
      assertEquals(got.length, want.length);
      assertEquals(got, want.map((r) => ({ ...r })));
      const byA = db.prepare("SELECT id FROM t WHERE a IS NOT NULL ORDER BY a, id").all();
      assertEquals(
        byA.map((r) => r.id),
        want.filter((r) => r.a !== null).sort((x, y) => x.a! - y.a! || x.id - y.id).map((r) =>
          r.id
        ),
      );
    }
    db.close();
    const node = new DatabaseSync(path);
    try {
      assertEquals(node.prepare("PRAGMA integrity_check").all(), [{ integrity_check: "ok" }]);
      const rows = node.prepare("SELECT id, a, b, c FROM t ORDER BY id").all();
      const want = [...model.values()].sort((x, y) => x.id - y.id);
      assertEquals(rows.map((r) => ({ ...r })), want.map((r) => ({ ...r })));
    } finally {
      node.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

for (const unique of [false, true]) {
  for (const pageSize of [512, 4096]) {
    Deno.test(
      `bulk INSERT fast paths match a model (${unique ? "UNIQUE" : "plain"} index, ` +
        `${pageSize}-byte pages)`,
      () => {
        fc.assert(
          fc.property(fc.array(batchArb, { minLength: 1, maxLength: 6 }), (batches) => {
            run(batches, unique, pageSize);
          }),
          { seed: 0xb1 + pageSize + (unique ? 1 : 0), numRuns: 12 },
        );
      },
    );
  }
}
