/**
 * Point lookups through indexes (TEXT primary keys, UNIQUE NOCASE/RTRIM columns, a
 * multi-column index with a DESC column, INTEGER and REAL columns) against node:sqlite on the
 * same file, which SQLite wrote, invalid UTF-8 text included. These lookups compare TEXT keys
 * as UTF-8 bytes in the B-tree, stop after the match on a UNIQUE index, and leave out of the
 * row filter the equality terms the index decides: each of these must give SQLite's rows.
 */
import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import { fastPathSwitch } from "../../src/sql/fast_select.ts";

const pieces = ["a", "A", "b", "", "\0", "é", "É", "€", "😀", "\uE000", " ", "  ", "key-0"];
const textArb = fc.array(fc.constantFrom(...pieces), { maxLength: 5 }).map((a) => a.join(""));
const valueArb = fc.oneof(
  textArb,
  textArb,
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(1.5, -0.5, 9007199254740993n, "1", "2.0", " 3", "1e0", "1.5"),
  fc.uint8Array({ maxLength: 3 }),
  fc.constant(null),
);

const SCHEMA = `
  CREATE TABLE kv(k TEXT PRIMARY KEY, v);
  CREATE TABLE nc(k TEXT COLLATE NOCASE UNIQUE, v);
  CREATE TABLE rt(k TEXT COLLATE RTRIM UNIQUE, v);
  CREATE TABLE m(a, b TEXT, i INTEGER, r REAL, v);
  CREATE INDEX m_ab ON m(a, b DESC);
  CREATE INDEX m_i ON m(i);
  CREATE INDEX m_r ON m(r);
`;

// Text is compared in hex (node:sqlite returns TEXT only up to its first NUL), except where it
// may be invalid UTF-8 (k, b), which only the row's identity shows.
const KV = "rowid, typeof(k) AS tk, hex(v) AS v";
const M = "rowid, hex(a) AS a, typeof(a) AS ta, typeof(b) AS tb, hex(i) AS i, typeof(i) AS ti, " +
  "hex(r) AS r, typeof(r) AS tr";
const LOOKUPS = [
  `SELECT ${KV} FROM kv WHERE k = ?1`,
  `SELECT ${KV} FROM nc WHERE k = ?1`,
  `SELECT ${KV} FROM rt WHERE k = ?1`,
  `SELECT ${KV} FROM nc WHERE k = ?1 COLLATE BINARY`,
  `SELECT ${M} FROM m WHERE a = ?1`,
  `SELECT ${M} FROM m WHERE a = ?1 AND b = ?2`,
  `SELECT ${M} FROM m WHERE b = ?2 AND a = ?1 AND v IS NOT NULL`,
  `SELECT ${M} FROM m WHERE a = ?1 AND b = ?2 ORDER BY b DESC`,
  `SELECT ${M} FROM m WHERE i = ?1`,
  `SELECT ${M} FROM m WHERE r = ?1`,
  "SELECT rowid, hex(a) AS a FROM m WHERE a = ?1 AND a = ?2",
  `SELECT ${M} FROM m WHERE a = ?1 AND b = CAST(x'61ff' AS TEXT)`,
  "SELECT count(*) AS n FROM m WHERE a = ?1",
];

/** A comparable form of a row set (the order of equal-key rows is SQLite's too, but sorted). */
function norm(rows: unknown[]): string[] {
  return rows.map((r) =>
    JSON.stringify(
      r,
      (_, v) => v instanceof Uint8Array ? `x'${[...v].map((b) => b.toString(16)).join(",")}'` : v,
    )
  ).sort();
}

/**
 * `v` bound the same way by both engines: node:sqlite binds every number as REAL, tsqlite
 * binds integral numbers as INTEGER, and both bind a bigint as INTEGER.
 */
function bindable(v: unknown): null | number | bigint | string | Uint8Array {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v as null | number | bigint | string | Uint8Array;
}

Deno.test("index point lookups return SQLite's rows, invalid UTF-8 and collations included", () => {
  const dir = Deno.makeTempDirSync({ prefix: "tsqlite_index_lookup_" });
  const path = `${dir}/t.db`;
  try {
    const theirs = new DatabaseSync(path);
    theirs.exec(SCHEMA);
    const rows = fc.sample(
      fc.tuple(valueArb, valueArb, valueArb, fc.uint8Array({ maxLength: 4 })),
      { seed: 99, numRuns: 400 },
    );
    const keys: unknown[] = [];
    for (const [a, b, c, raw] of rows) {
      keys.push(a, b, c);
      for (const t of ["kv", "nc", "rt"]) {
        theirs.prepare(`INSERT OR IGNORE INTO ${t} VALUES (?, ?)`).run(bindable(a), bindable(c));
      }
      // Bytes that need not be valid UTF-8, stored as TEXT by SQLite itself.
      theirs.prepare("INSERT OR IGNORE INTO kv VALUES (CAST(? AS TEXT), 'raw')").run(raw);
      theirs.prepare("INSERT INTO m VALUES (?, ?, ?, ?, ?)").run(
        bindable(a),
        bindable(b),
        bindable(c),
        bindable(c),
        bindable(a),
      );
      theirs.prepare("INSERT INTO m VALUES (?, CAST(? AS TEXT), ?, ?, NULL)").run(
        bindable(a),
        raw,
        bindable(b),
        bindable(b),
      );
    }
    const ours = new Database(path);
    const pairs = LOOKUPS.map((sql) => [theirs.prepare(sql), ours.prepare(sql)] as const);
    let found = 0;
    const check = (p1: unknown, p2: unknown) => {
      for (const [t, o] of pairs) {
        const params = t.sourceSQL.includes("?2") ? [p1, p2].map(bindable) : [bindable(p1)];
        const expected = norm(t.all(...params));
        const got = norm(o.all(...params) as unknown[]);
        assertEquals(got, expected, `${t.sourceSQL} with ${String(p1)}, ${String(p2)}`);
        if (expected.length > 0 && !expected[0].startsWith('{"n"')) found++;
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...keys), valueArb),
        fc.oneof(fc.constantFrom(...keys), valueArb),
        (p1, p2) => check(p1, p2),
      ),
      { seed: 2026, numRuns: 500 },
    );
    // The same lookups through the general executor (every WHERE term tested per row).
    fastPathSwitch.disabled = true;
    try {
      fc.assert(
        fc.property(fc.constantFrom(...keys), fc.constantFrom(...keys), check),
        { seed: 2027, numRuns: 100 },
      );
    } finally {
      fastPathSwitch.disabled = false;
    }
    assert(found > 500, `only ${found} lookups found rows`);
    ours.close();
    theirs.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a key with a lone surrogate finds the U+FFFD text it is stored as, as in SQLite", () => {
  const ours = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  for (const db of [ours, theirs]) {
    db.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v); CREATE TABLE s(k TEXT, v)");
    db.prepare("INSERT INTO t VALUES (?, 1), ('b\uFFFD', 2)").run("a\uD800");
    db.prepare("INSERT INTO s SELECT * FROM t").run();
  }
  for (
    const sql of [
      "SELECT * FROM t WHERE k = ?",
      "SELECT * FROM s WHERE k = ?",
      "SELECT hex(?) AS h",
    ]
  ) {
    for (const key of ["a\uD800", "a\uFFFD", "b\uDC00", "b\uFFFD", "a"]) {
      const params = sql.includes("?") ? [key] : [];
      assertEquals(
        norm(ours.prepare(sql).all(...params) as unknown[]),
        norm(theirs.prepare(sql).all(...params)),
        `${sql} with ${JSON.stringify(key)}`,
      );
    }
  }
  ours.close();
  theirs.close();
});
