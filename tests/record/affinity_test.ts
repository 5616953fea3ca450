import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import {
  type Affinity,
  affinityOf,
  applyAffinity,
  comparisonAffinity,
  encodeRecord,
  fromStorage,
  storageValue,
} from "../../src/record/mod.ts";
import { Real, type SqlValue } from "../../src/record/value.ts";
import { bigStmt, bindValue, fromNode, numericTextArb, sqliteRecords, valueArb } from "./oracle.ts";

const AFFS: [Affinity, string][] = [
  ["BLOB", "BLOB"],
  ["TEXT", "TEXT"],
  ["NUMERIC", "NUMERIC"],
  ["INTEGER", "INTEGER"],
  ["REAL", "REAL"],
];

Deno.test("affinityOf follows SQLite's rules (checked through CAST)", () => {
  const db = new DatabaseSync(":memory:");
  // Each affinity has a distinct signature: typeof(CAST('1.5' AS T)), typeof(CAST('1' AS T)).
  const sig: Record<string, Affinity> = {
    "integer,integer": "INTEGER",
    "real,integer": "NUMERIC",
    "real,real": "REAL",
    "text,text": "TEXT",
    "blob,blob": "BLOB",
  };
  const names = [
    "INT",
    "integer",
    "TINYINT",
    "BIGINT",
    "UNSIGNED BIG INT",
    "INT2",
    "CHARACTER(20)",
    "VARCHAR(255)",
    "NCHAR(55)",
    "NATIVE CHARACTER(70)",
    "NVARCHAR(100)",
    "TEXT",
    "CLOB",
    "BLOB",
    "REAL",
    "DOUBLE",
    "DOUBLE PRECISION",
    "FLOAT",
    "NUMERIC",
    "DECIMAL(10,5)",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "FLOATING POINT",
    "STRING",
    "POINT",
    "CHARINT",
    "BLOBREAL",
    "REALBLOB",
    "TEXTBLOB",
    "BLOBTEXT",
    "DOUBLEINT",
    "interval",
    "xyz",
    "float4",
    "blobby",
    "bLoB",
  ];
  const gen = fc.array(
    fc.constantFrom(
      "INT",
      "CHAR",
      "CLOB",
      "TEXT",
      "BLOB",
      "REAL",
      "FLOA",
      "DOUB",
      "X",
      "in",
      "t",
      " ",
    ),
    {
      minLength: 1,
      maxLength: 4,
    },
  ).map((a) => a.join("").trim()).filter((s) => /^[A-Za-z]/.test(s));
  const random = fc.sample(gen, { seed: 42, numRuns: 300 });
  for (const name of [...names, ...random]) {
    let r: { a: string; b: string };
    try {
      r = db.prepare(`SELECT typeof(CAST('1.5' AS ${name})) a, typeof(CAST('1' AS ${name})) b`)
        .get() as {
          a: string;
          b: string;
        };
    } catch {
      continue; // not a valid type name in SQL (e.g. a keyword)
    }
    assertEquals(affinityOf(name), sig[`${r.a},${r.b}`], name);
  }
  assertEquals(affinityOf(""), "BLOB");
  db.close();
});

Deno.test("applyAffinity agrees with what SQLite stores in each affinity's column", () => {
  const db = new DatabaseSync(":memory:");
  db.exec(`CREATE TABLE t(${AFFS.map(([a, t]) => `c${a} ${t}`).join(",")})`);
  const ins = db.prepare(`INSERT INTO t VALUES (?,?,?,?,?)`);
  const sel = bigStmt(db, `SELECT ${AFFS.map(([a]) => `c${a}, typeof(c${a})`).join(",")} FROM t`);
  fc.assert(
    fc.property(fc.oneof(valueArb, numericTextArb), (v) => {
      db.exec("DELETE FROM t");
      const b = bindValue(v);
      ins.run(b, b, b, b, b);
      const row = Object.values(sel.all()[0] as Record<string, unknown>);
      AFFS.forEach(([aff], i) => {
        const expected = fromNode(row[2 * i], row[2 * i + 1] as string);
        const got = applyAffinity(v, aff);
        assertEquals(describe(got), describe(expected), `${aff} of ${describe(v)}`);
      });
    }),
    { seed: 42, numRuns: 1500 },
  );
  db.close();
});

Deno.test("storageValue gives SQLite's bytes for each affinity, and fromStorage reads them back", () => {
  const cols = AFFS.map(([a, t]) => `c${a} ${t}`).join(",");
  fc.assert(
    fc.property(
      fc.array(fc.oneof(valueArb, numericTextArb), { minLength: 1, maxLength: 30 }),
      (vals) => {
        const rows = vals.map((v) => [v, v, v, v, v]);
        const theirs = sqliteRecords(cols, rows);
        rows.forEach((row, i) => {
          const stored = row.map((v, j) => storageValue(applyAffinity(v, AFFS[j][0]), AFFS[j][0]));
          assertEquals(hex(encodeRecord(stored)), hex(theirs[i]), describe(row[0]));
          stored.forEach((s, j) => {
            const back = fromStorage(s, AFFS[j][0]);
            assertEquals(describe(back), describe(applyAffinity(row[j], AFFS[j][0])));
          });
        });
      },
    ),
    { seed: 42, numRuns: 40 },
  );
});

Deno.test("comparison affinity follows datatype3 §4.2 and SQLite's comparisons", () => {
  assertEquals(comparisonAffinity("INTEGER", null), "INTEGER");
  assertEquals(comparisonAffinity(null, "TEXT"), "TEXT");
  assertEquals(comparisonAffinity("TEXT", "BLOB"), null);
  assertEquals(comparisonAffinity("TEXT", "REAL"), "NUMERIC");
  assertEquals(comparisonAffinity("BLOB", null), null);
  assertEquals(comparisonAffinity(null, null), null);
  // The oracle: a column compared with a literal.
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t(i INTEGER, x TEXT, b BLOB); INSERT INTO t VALUES (5, '5', '5')");
  const r = db.prepare("SELECT i = '5' AS a, x = 5 AS b, b = 5 AS c, i = x AS d FROM t")
    .get() as Record<string, number>;
  assertEquals([r.a, r.b, r.c, r.d], [1, 1, 0, 1]);
  db.close();
});

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function describe(v: SqlValue): string {
  if (v === null) return "null";
  if (v instanceof Real) return `real:${v.value}`;
  if (typeof v === "number") return Number.isInteger(v) ? `int:${v}` : `real:${v}`;
  if (typeof v === "bigint") return `int:${v}`;
  if (typeof v === "string") return `text:${JSON.stringify(v)}`;
  return `blob:${hex(v)}`;
}

Deno.test("REAL affinity keeps integral values as Real", () => {
  const v = applyAffinity("3", "REAL");
  assert(v instanceof Real && v.value === 3);
  assertEquals(storageValue(v, "REAL"), 3);
  assertEquals(applyAffinity("0x10", "INTEGER"), "0x10");
  assertEquals(applyAffinity(" 12 ", "NUMERIC"), 12);
  assertEquals(applyAffinity("1e3", "INTEGER"), 1000);
  assertEquals(applyAffinity(new Real(1), "TEXT"), "1.0");
});
