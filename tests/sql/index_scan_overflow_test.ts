/**
 * Index scans whose entries are read in place on their pages (payloadBuffer), against
 * node:sqlite: long TEXT keys that overflow 512-byte pages, entries on interior index pages,
 * non-ASCII and 4-byte characters, a NOCASE DESC index, ranges both ways, IN, count(*) over
 * each index, after deletes or not (fixed seed). Written from this session's review.
 */
import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { Database } from "../../mod.ts";

type Param = string | bigint | null;

const norm = (rows: unknown[]) =>
  JSON.stringify(
    rows,
    (_k, v) => typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? Array.from(v) : v,
  );

const key = fc.tuple(
  fc.constantFrom("a", "b", "é", "😀", "Z", "\u0001x"),
  fc.integer({ min: 0, max: 700 }),
  fc.nat(999),
).map(([c, n, i]) => c.repeat(n) + i);

const value = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constant(null),
  key,
);

Deno.test("index scans over long keys (overflow, interior entries) agree with SQLite", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(key, value), { maxLength: 300, size: "max" }),
      key,
      key,
      fc.boolean(),
      (rows, lo, hi, del) => {
        const ours = new Database(":memory:", { pageSize: 512, cacheSize: 10 });
        const theirs = new DatabaseSync(":memory:");
        theirs.exec("PRAGMA page_size=512");
        for (const db of [ours, theirs]) {
          db.exec(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v); CREATE INDEX tk ON t(k);" +
              "CREATE INDEX tkn ON t(k COLLATE NOCASE DESC, v); CREATE INDEX tv ON t(v)",
          );
        }
        const insOurs = ours.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
        const insTheirs = theirs.prepare("INSERT INTO t(k, v) VALUES (?, ?)");
        for (const [k, v] of rows) {
          insOurs.run(k, v);
          insTheirs.run(k, v);
        }
        if (del) {
          for (const db of [ours, theirs]) db.exec("DELETE FROM t WHERE id % 3 = 0");
        }
        const queries: [string, Param[]][] = [
          ["SELECT k, id FROM t INDEXED BY tk WHERE k >= ? AND k <= ?", [lo, hi]],
          ["SELECT k, id FROM t INDEXED BY tk WHERE k > ? ORDER BY k DESC", [lo]],
          ["SELECT k, id FROM t INDEXED BY tk WHERE k < ? ORDER BY k DESC", [hi]],
          ["SELECT length(k), k FROM t INDEXED BY tk WHERE k = ?", [lo]],
          ["SELECT id, v FROM t INDEXED BY tkn WHERE k = ? COLLATE NOCASE", [hi]],
          ["SELECT count(*) FROM t INDEXED BY tkn", []],
          ["SELECT count(*) FROM t INDEXED BY tk", []],
          ["SELECT count(*) FROM t INDEXED BY tv", []],
          ["SELECT count(*), sum(length(k)), max(length(v)) FROM t", []],
          ["SELECT v, id FROM t INDEXED BY tv WHERE v > ? ORDER BY v", [lo]],
          ["SELECT min(k), max(k) FROM t", []],
          ["SELECT id FROM t INDEXED BY tk WHERE k IN (?, ?)", [lo, hi]],
        ];
        for (const [sql, params] of queries) {
          const want = norm(theirs.prepare(sql).all(...(params as SQLInputValue[])));
          assertEquals(norm(ours.prepare(sql).all(...params)), want, sql);
        }
        ours.close();
        theirs.close();
      },
    ),
    { seed: 1234, numRuns: 120 },
  );
});
