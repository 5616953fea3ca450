/**
 * Hostile SQL and API misuse: deep nesting, huge statements and values, too many
 * parameters, wrong parameter types, lone surrogates, malformed and mutated SQL, and using
 * connections and statements in ways they do not allow. Every failure must be a SqliteError
 * with the right code (never a TypeError, a stack overflow or an out-of-memory crash) and
 * the database must stay intact.
 *
 * Mutation cases: TSQLITE_FUZZ_SQL_CASES (default 3000); seed: TSQLITE_FUZZ_SQL_SEED (42).
 * @module
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, MemoryVfs, type ResultCodeName, SqliteError } from "../../mod.ts";
import { mulberry32 } from "../../src/vfs/prng.ts";
import { classify, Tally } from "./images.ts";

/** Asserts that `f` throws a SqliteError with `code` (and, if given, a message part). */
function throwsCode(f: () => unknown, code: ResultCodeName, msg?: string): void {
  const e = assertThrows(f, SqliteError);
  assertEquals(e.code, code, e.message);
  if (msg !== undefined) assert(e.message.includes(msg), e.message);
}

function mem(): Database {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB); CREATE INDEX tb ON t(b)");
  db.exec("INSERT INTO t VALUES (1, 'x', x'00'), (2, 'y', NULL), (3, 'z', zeroblob(10))");
  return db;
}

Deno.test("expression depth: 1000 is SQLite's limit, deeper nesting is an error, not a crash", () => {
  using db = mem();
  const oracle = new DatabaseSync(":memory:");
  try {
    for (const n of [999, 1000, 1001]) {
      const sql = "SELECT " + "1+".repeat(n) + "1";
      const ours = classify(() => db.prepare(sql).get());
      const theirs = classify(() => oracle.prepare(sql).get());
      assertEquals(ours === "ok", theirs === "ok", `depth ${n}: ours ${ours}, sqlite ${theirs}`);
    }
  } finally {
    oracle.close();
  }
  throwsCode(() => db.prepare("SELECT " + "1+".repeat(5000) + "1"), "SQLITE_ERROR", "too large");
  const deep = 100_000;
  const nests = [
    "(".repeat(deep) + "1" + ")".repeat(deep),
    "NOT ".repeat(deep) + "1",
    "-".repeat(deep) + "1",
    "(SELECT ".repeat(deep / 10) + "1" + ")".repeat(deep / 10),
    "CASE WHEN 1 THEN ".repeat(deep / 10) + "1" + " END".repeat(deep / 10),
    "abs(".repeat(deep) + "1" + ")".repeat(deep),
    "1 IN (".repeat(deep / 10) + "1" + ")".repeat(deep / 10),
    "coalesce(".repeat(deep / 10) + "1" + ", 2)".repeat(deep / 10),
  ];
  for (const e of nests) {
    const kind = classify(() => db.prepare(`SELECT ${e}`).get());
    assertEquals(kind, "SQLITE_ERROR", e.slice(0, 40));
  }
  // Deep nesting in other places a parser recurses: FROM subqueries and compound SELECTs.
  const from = "SELECT * FROM (".repeat(10_000) + "SELECT 1" + ")".repeat(10_000);
  assertEquals(classify(() => db.prepare(from).all()), "SQLITE_ERROR");
  const compound = "SELECT 1" + " UNION SELECT 1".repeat(20_000);
  assertEquals(classify(() => db.prepare(compound).all()), "SQLITE_ERROR");
  // Still usable.
  assertEquals(db.prepare("SELECT count(*) AS n FROM t").get(), { n: 3 });
});

Deno.test("10 MB statements neither crash nor hang", () => {
  using db = mem();
  const big = "x".repeat(10_000_000);
  const row = db.prepare(`SELECT length('${big}') AS n`).get();
  assertEquals(row, { n: 10_000_000 });
  db.prepare("INSERT INTO t(b) VALUES (?)").run(big);
  assertEquals(db.prepare("SELECT length(b) AS n FROM t WHERE a = 4").get(), { n: 10_000_000 });
  // 10 MB of terms: SQLite's depth limit, not a stack overflow.
  assertEquals(
    classify(() => db.prepare("SELECT 0" + "+1".repeat(3_500_000)).get()),
    "SQLITE_ERROR",
  );
  // 10 MB of statements in one exec.
  const many = `SELECT length('${"y".repeat(1000)}');`.repeat(10_000);
  assertEquals(classify(() => db.exec(many)), "ok");
  // Many rows in one INSERT.
  const values = "INSERT INTO t(b) VALUES " + Array.from({ length: 50_000 }, (_, i) => `(${i})`);
  assertEquals(classify(() => db.exec(values)), "ok");
  assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
});

Deno.test("strings and blobs past SQLITE_MAX_LENGTH are SQLITE_TOOBIG, not an out-of-memory crash", () => {
  using db = mem();
  const huge = [
    "SELECT zeroblob(2e9)",
    "SELECT zeroblob(2000000000)",
    "SELECT length(zeroblob(1000000001))",
    "SELECT randomblob(2e9)",
    "SELECT length(randomblob(2000000000))",
    "SELECT printf('%2000000000d', 1)",
    "SELECT printf('%.*c', 2000000000, 'x')",
    // Within SQLite's limit but past V8's string limit: refused the same way.
    "SELECT length(hex(zeroblob(600000000)))",
    "SELECT length(replace(hex(zeroblob(100000)), '0', hex(zeroblob(100000))))",
    "INSERT INTO t(c) VALUES (zeroblob(2e9))",
  ];
  for (const sql of huge) throwsCode(() => db.prepare(sql).all(), "SQLITE_TOOBIG", "too big");
  // || past the longest string V8 can hold.
  const half = "a".repeat(2 ** 28);
  throwsCode(() => db.prepare("SELECT length(? || ?)").get(half, half), "SQLITE_TOOBIG");
  assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
  // A bigint past 64 bits cannot be bound.
  throwsCode(() => db.prepare("SELECT ?").get(2n ** 64n), "SQLITE_TOOBIG");
});

Deno.test("parameters: 32766 is the limit; extra and ill-typed values are errors", () => {
  using db = mem();
  const n = 32766;
  const sql = "SELECT " + Array.from({ length: n }, () => "?").join(",");
  const row = db.prepare(sql).values(...Array.from({ length: n }, (_, i) => i))[0];
  assertEquals(row.length, n);
  assertEquals(row[n - 1], n - 1);
  throwsCode(() => db.prepare(sql + ",?"), "SQLITE_ERROR", "too many SQL variables");
  db.prepare("SELECT ?32766").get();
  throwsCode(() => db.prepare("SELECT ?32767"), "SQLITE_ERROR");
  throwsCode(() => db.prepare("SELECT ?0"), "SQLITE_ERROR");
  throwsCode(() => db.prepare("SELECT ?99999999999999999999999"), "SQLITE_ERROR");
  throwsCode(() => db.prepare("SELECT ?").get(1, 2), "SQLITE_RANGE");
  throwsCode(() => db.prepare("SELECT :a").get({ b: 1 }), "SQLITE_RANGE");
  for (const bad of [true, () => 1, Symbol("s")]) {
    const kind = classify(() => db.prepare("SELECT ?").get(bad as never));
    assert(kind === "SQLITE_MISMATCH" || kind === "SQLITE_RANGE", `${String(bad)}: ${kind}`);
  }
});

Deno.test("lone surrogates become U+FFFD, as node:sqlite stores them", () => {
  using db = mem();
  const oracle = new DatabaseSync(":memory:");
  try {
    for (const s of ["\uD800", "a\uDFFFb", "\uDC00\uD800", "x\uD83D", "\uD83D\uDE00"]) {
      const ours = db.prepare("SELECT hex(?) AS h, length(?) AS n").get(s, s);
      const theirs = oracle.prepare("SELECT hex(?) AS h, length(?) AS n").get(s, s);
      assertEquals(ours, { ...theirs }, JSON.stringify(s));
      db.prepare("INSERT INTO t(b) VALUES (?)").run(s);
    }
    // In SQL text and identifiers too.
    assertEquals(classify(() => db.prepare("SELECT 'a\uD800' AS \"\uDC00\"").all()), "ok");
    assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
  } finally {
    oracle.close();
  }
});

Deno.test("LIKE and GLOB patterns that would recurse deeply are errors, not stack overflows", () => {
  using db = mem();
  const cases = [
    `SELECT '${"a".repeat(30000)}' GLOB '${"*a".repeat(15000)}b'`,
    `SELECT '${"a".repeat(40000)}' LIKE '${"%a".repeat(20000)}b'`,
  ];
  for (const sql of cases) {
    const kind = classify(() => db.prepare(sql).get());
    assert(kind === "ok" || kind === "SQLITE_ERROR", kind);
  }
});

/** Statements the mutation fuzz starts from. */
export const CORPUS = [
  "SELECT a, b FROM t WHERE b > 'x' ORDER BY a DESC LIMIT 2 OFFSET 1",
  "SELECT count(*), max(a), group_concat(b, ',') FROM t GROUP BY b HAVING count(*) > 0",
  "INSERT INTO t(b, c) VALUES ('q', x'0102'), (?, ?)",
  "UPDATE t SET b = upper(b) || ? WHERE a IN (SELECT a FROM t WHERE a % 2 = 1)",
  "DELETE FROM t WHERE b LIKE 'z%' ESCAPE '\\'",
  "SELECT CASE WHEN a > 1 THEN 'big' ELSE 'small' END, coalesce(c, 'none') FROM t",
  "SELECT t1.a, t2.b FROM t AS t1 LEFT JOIN t AS t2 ON t1.a = t2.a + 1",
  "CREATE TABLE IF NOT EXISTS u(x INTEGER PRIMARY KEY, y TEXT UNIQUE, z REAL DEFAULT 1.5)",
  "CREATE INDEX IF NOT EXISTS tbc ON t(b, c)",
  "SELECT a FROM t UNION SELECT a + 10 FROM t EXCEPT SELECT 2 ORDER BY 1",
  "SELECT printf('%5.2f|%-3d|%s', 3.14159, 7, 'x'), substr('hello', 2, 3), hex(zeroblob(3))",
  "SELECT cast(b AS INTEGER), typeof(c), length(c), abs(-a), round(a / 3.0, 2) FROM t",
  "PRAGMA integrity_check",
  "BEGIN; SAVEPOINT s; INSERT INTO t(b) VALUES ('sp'); ROLLBACK TO s; RELEASE s; COMMIT",
  "SELECT * FROM t WHERE a BETWEEN ?1 AND ?2 AND b IS NOT NULL AND c NOT IN (x'00', x'01')",
  "ALTER TABLE t ADD COLUMN d DEFAULT 0",
  "SELECT exists(SELECT 1 FROM t WHERE a = 2), (SELECT max(a) FROM t)",
  "INSERT OR REPLACE INTO t(a, b) VALUES (1, 'r') RETURNING a, b",
];

const TOKENS = [
  "(",
  ")",
  ",",
  ";",
  "'",
  '"',
  "`",
  "[",
  "]",
  "?",
  "?999",
  ":x",
  "@y",
  "$z",
  "SELECT",
  "FROM",
  "WHERE",
  "NULL",
  "NOT",
  "IN",
  "(SELECT 1)",
  "*",
  "/",
  "%",
  "||",
  "-",
  "+",
  "x'",
  "X'0",
  "0x",
  "1e",
  "1.",
  ".5",
  "9223372036854775808",
  "-9223372036854775809",
  "CASE",
  "END",
  "ESCAPE",
  "COLLATE NOCASE",
  "/*",
  "*/",
  "--",
  "\n",
  "\0",
  "\uD800",
  "\uFFFF",
  "é",
  "ORDER BY",
  "GROUP BY",
  "LIMIT",
  "OFFSET",
  "JOIN",
  "ON",
  "USING",
  "AS",
  "DEFAULT",
  "PRIMARY KEY",
];

/** One random mutation of `sql`: delete, insert, replace, duplicate, swap or truncate. */
export function mutate(sql: string, rng: () => number): string {
  const pos = Math.floor(rng() * (sql.length + 1));
  const len = 1 + Math.floor(rng() * 8);
  const tok = TOKENS[Math.floor(rng() * TOKENS.length)];
  switch (Math.floor(rng() * 6)) {
    case 0:
      return sql.slice(0, pos) + sql.slice(pos + len);
    case 1:
      return sql.slice(0, pos) + tok + sql.slice(pos);
    case 2:
      return sql.slice(0, pos) + tok + sql.slice(pos + len);
    case 3:
      return sql.slice(0, pos) + sql.slice(pos, pos + len).repeat(1 + Math.floor(rng() * 50)) +
        sql.slice(pos + len);
    case 4: {
      const q = Math.floor(rng() * sql.length);
      return sql.slice(0, Math.min(pos, q)) + sql.slice(Math.max(pos, q)) +
        sql.slice(Math.min(pos, q), Math.max(pos, q));
    }
    default:
      return sql.slice(0, pos);
  }
}

Deno.test("mutated and truncated SQL gives a result or a SqliteError", () => {
  const cases = Number(Deno.env.get("TSQLITE_FUZZ_SQL_CASES") ?? 3000);
  const seed = Number(Deno.env.get("TSQLITE_FUZZ_SQL_SEED") ?? 42);
  const rng = mulberry32(seed);
  const tally = new Tally();
  const vfs = new MemoryVfs({ track: false });
  let db = new Database("/m.db", { vfs });
  db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c BLOB); CREATE INDEX tb ON t(b)");
  db.exec("INSERT INTO t VALUES (1, 'x', x'00'), (2, 'y', NULL), (3, 'z', zeroblob(10))");
  for (let i = 0; i < cases; i++) {
    let sql = CORPUS[Math.floor(rng() * CORPUS.length)];
    const rounds = 1 + Math.floor(rng() * rng() * 3);
    for (let r = 0; r < rounds; r++) sql = mutate(sql, rng);
    const mode = rng();
    const kind = classify(() => {
      if (mode < 0.5) db.exec(sql);
      else db.prepare(sql).all(1, "p");
    });
    // SQL alone cannot damage a healthy file: SQLITE_CORRUPT here is a bug too.
    tally.add(
      kind === "SQLITE_CORRUPT" ? `BAD: ${kind}` : kind,
      `case ${i}: ${JSON.stringify(sql)}`,
    );
    // A failure must not leave a transaction open unless the SQL began one.
    if (db.inTransaction && rng() < 0.5) db.exec("ROLLBACK");
    if (i % 500 === 499) {
      assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]], `after case ${i}`);
      db.close();
      db = new Database("/m.db", { vfs });
    }
  }
  console.log(`mutated SQL, ${cases} cases (seed ${seed}): ${tally.summary()}`);
  assertEquals(tally.bad, []);
  assert(
    (tally.counts.get("ok") ?? 0) > cases / 50,
    "almost nothing ran: the mutations prove little",
  );
  assert((tally.counts.get("SQLITE_ERROR") ?? 0) > cases / 20);
  if (db.inTransaction) db.exec("ROLLBACK");
  assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
  db.close();
});

Deno.test("closed databases and their statements give SQLITE_MISUSE", () => {
  const db = mem();
  const st = db.prepare("SELECT * FROM t");
  const it = st.iterate();
  it.next();
  db.close();
  assertEquals(db.isOpen, false);
  throwsCode(() => db.prepare("SELECT 1"), "SQLITE_MISUSE");
  throwsCode(() => db.exec("SELECT 1"), "SQLITE_MISUSE");
  throwsCode(() => st.all(), "SQLITE_MISUSE");
  throwsCode(() => st.run(), "SQLITE_MISUSE");
  throwsCode(() => db.transaction(() => 1)(), "SQLITE_MISUSE");
  const kind = classify(() => it.next());
  assert(kind === "ok" || kind === "SQLITE_MISUSE", kind);
  db.close(); // twice is fine
});

Deno.test("statements interleaved with writes, DDL, COMMIT and ROLLBACK keep the database intact", () => {
  const vfs = new MemoryVfs();
  let db = new Database("/i.db", { vfs });
  db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b); INSERT INTO t(b) VALUES (1), (2), (3), (4)");
  const st = db.prepare("SELECT a FROM t");
  // exec inside iterate: writes, DDL.
  const seen: unknown[] = [];
  for (const r of st.iterate()) {
    seen.push(r.a);
    if (seen.length === 1) db.exec("INSERT INTO t(b) VALUES (5); CREATE TABLE z(x)");
  }
  assertEquals(seen, [1, 2, 3, 4, 5]);
  // Dropping a table another statement is reading: SQLite's "database table is locked".
  const it = st.iterate();
  it.next();
  throwsCode(() => db.exec("DROP TABLE t"), "SQLITE_LOCKED", "database table is locked");
  throwsCode(() => db.exec("DROP INDEX IF EXISTS nope; DROP TABLE z"), "SQLITE_LOCKED");
  assertEquals(it.next().value, { a: 2 });
  it.return(undefined);
  db.exec("DROP TABLE z");
  // Stepping an iterator after a commit that changed the schema.
  const it2 = st.iterate();
  it2.next();
  db.exec("ALTER TABLE t ADD COLUMN c DEFAULT 7; CREATE TABLE y(v)");
  const rest = [...{ [Symbol.iterator]: () => it2 }].map((r) => r.a);
  assertEquals(rest, [2, 3, 4, 5]);
  // COMMIT while a statement is reading.
  db.exec("BEGIN");
  const got: unknown[] = [];
  for (const r of st.iterate()) {
    got.push(r.a);
    if (got.length === 2) db.exec("COMMIT");
  }
  assertEquals(got, [1, 2, 3, 4, 5]);
  assertEquals(db.inTransaction, false);
  // BEGIN inside BEGIN, COMMIT without BEGIN, a promise from a transaction function.
  db.exec("BEGIN");
  throwsCode(() => db.exec("BEGIN"), "SQLITE_ERROR");
  db.exec("ROLLBACK");
  throwsCode(() => db.exec("COMMIT"), "SQLITE_ERROR");
  throwsCode(() => db.exec("RELEASE nope"), "SQLITE_ERROR");
  throwsCode(() => db.transaction(() => Promise.resolve(1))(), "SQLITE_MISUSE");
  assertEquals(db.inTransaction, false);
  // Closing while iterating ends cleanly; the file stays intact.
  const it3 = st.iterate();
  it3.next();
  db.close();
  db = new Database("/i.db", { vfs });
  assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);
  assertEquals(db.prepare("SELECT count(*) AS n, max(c) AS c FROM t").get(), { n: 5, c: 7 });
  db.close();
});
