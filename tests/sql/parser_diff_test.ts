/**
 * Differential tests against SQLite's own parser (node:sqlite):
 * - random constant expressions: our tree, printed fully parenthesised, must
 *   evaluate in SQLite to the same result as the original text (checks precedence);
 * - random statements and token-level mutations of them: we must accept exactly
 *   what SQLite accepts, with the same syntax-error message.
 */

import { assertEquals } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { parseOne } from "../../src/sql/parser.ts";
import { tokenize } from "../../src/sql/lexer.ts";
import { KEYWORDS, Tok } from "../../src/sql/tokens.ts";
import type { SelectStmt } from "../../src/sql/ast.ts";
import { printExpr } from "./sql_printer.ts";

/** Runs and seed can be raised for a longer hunt: DIFF_RUNS=20 DIFF_SEED=7 deno test ... */
const SCALE = Number(Deno.env.get("DIFF_RUNS") ?? "1");
const SEED = Number(Deno.env.get("DIFF_SEED") ?? "42");

function isSyntaxClass(message: string): boolean {
  return /^near ".*": syntax error$|^incomplete input$|^unrecognized token: /s.test(message);
}

function newDb(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(`
    CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c REAL, key, replace);
    CREATE TABLE t2(a, b, c, d);
    CREATE INDEX i1 ON t1(b);
    CREATE VIEW v0 AS SELECT * FROM t1;
  `);
  return db;
}

const show = (v: unknown) =>
  JSON.stringify(
    v,
    (_k, x) => typeof x === "bigint" ? `${x}n` : x instanceof Uint8Array ? [...x] : x,
  );

function sqliteRun(db: DatabaseSync, sql: string): string {
  try {
    const rows = db.prepare(sql).all();
    return show(rows.map((r) => Object.values(r)));
  } catch (e) {
    return "ERR " + (e as Error).message;
  }
}

/** SQLite's verdict on preparing `sql`: null when it compiles, else the message. */
function sqlitePrepare(db: DatabaseSync, sql: string): string | null {
  try {
    db.prepare(sql);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function ourPrepare(sql: string): string | null {
  try {
    parseOne(sql, 0);
    return null;
  } catch (e) {
    if (!(e instanceof Error) || e.name !== "SqliteError") throw e;
    return e.message;
  }
}

// (SQLite checks VALUES widths either per row or at the end, depending on the row contents.)
const UNMODELLED =
  /^no such collation sequence|^unknown database|^no such table|already exists$|^row value misused|^duplicate column name|^no such column|^unknown column .* in foreign key|^default value of column|^all VALUES must have/;

/**
 * Compares verdicts. SQLite's syntax-class errors must be reproduced exactly; when
 * SQLite compiles the statement or fails for a non-syntax reason, we must not
 * report a syntax error.
 */
function verdictMismatch(sql: string, theirs: string | null, ours: string | null): string | null {
  // Schema-dependent checks SQLite makes while parsing CREATE TABLE; the executor owns them.
  if (theirs !== null && UNMODELLED.test(theirs)) return null;
  if (theirs !== null && isSyntaxClass(theirs)) {
    return ours === theirs ? null : `${sql}\n  sqlite: ${theirs}\n  ours:   ${ours}`;
  }
  if (ours !== null && isSyntaxClass(ours)) return `${sql}\n  sqlite: ${theirs}\n  ours:   ${ours}`;
  return null;
}

// ---------------------------------------------------------------------------
// Constant expressions: precedence checked by evaluation.
// ---------------------------------------------------------------------------

const constAtom = fc.constantFrom(
  "0",
  "1",
  "2",
  "3",
  "7",
  "-1",
  "1.5",
  ".5",
  "2e1",
  "'a'",
  "'B'",
  "'1'",
  "'a%'",
  "'_'",
  "NULL",
  "x'41'",
  "0x10",
  "true",
  "false",
  "9223372036854775807",
  "9223372036854775808",
);
const binOps = [
  "OR",
  "AND",
  "=",
  "==",
  "!=",
  "<>",
  "<",
  "<=",
  ">",
  ">=",
  "IS",
  "IS NOT",
  "IS DISTINCT FROM",
  "IS NOT DISTINCT FROM",
  "LIKE",
  "NOT LIKE",
  "GLOB",
  "NOT GLOB",
  "&",
  "|",
  "<<",
  ">>",
  "+",
  "-",
  "*",
  "/",
  "%",
  "||",
];
const spaceOrNot = fc.constantFrom(" ", "  ", "\n", " /*c*/ ");

const constExpr = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    constAtom,
    fc.tuple(tie("e"), fc.constantFrom(...binOps), tie("e"), spaceOrNot).map(([a, op, b, s]) =>
      `${a}${s}${op}${s}${b}`
    ),
    fc.tuple(fc.constantFrom("-", "+", "~", "NOT ", "- "), tie("e")).map(([op, a]) => op + a),
    tie("e").map((a) => `(${a})`),
    fc.tuple(
      tie("e"),
      fc.constantFrom(" ISNULL", " NOTNULL", " NOT NULL", " COLLATE nocase", " COLLATE binary"),
    )
      .map(([a, s]) => a + s),
    fc.tuple(tie("e"), fc.boolean(), tie("e"), tie("e")).map(([a, n, b, c]) =>
      `${a} ${n ? "NOT " : ""}BETWEEN ${b} AND ${c}`
    ),
    fc.tuple(tie("e"), fc.boolean(), fc.array(tie("e"), { maxLength: 3 })).map(([a, n, l]) =>
      `${a} ${n ? "NOT " : ""}IN (${l.join(", ")})`
    ),
    fc.tuple(tie("e"), tie("e"), fc.constantFrom("'x'", "'%'", "'_'")).map(([a, b, esc]) =>
      `${a} LIKE ${b} ESCAPE ${esc}`
    ),
    fc.tuple(fc.option(tie("e")), tie("e"), tie("e"), fc.option(tie("e"))).map(([o, w, t, e]) =>
      `CASE${o === null ? "" : " " + o} WHEN ${w} THEN ${t}${e === null ? "" : " ELSE " + e} END`
    ),
    fc.tuple(tie("e"), fc.constantFrom("INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "VARCHAR(3)"))
      .map(([a, t]) => `CAST(${a} AS ${t})`),
    fc.tuple(fc.constantFrom("abs", "coalesce", "typeof", "length"), tie("e")).map(([f, a]) =>
      `${f}(${a})`
    ),
  ),
})).e;

Deno.test("differential: precedence of random constant expressions matches SQLite", () => {
  const db = newDb();
  let accepted = 0;
  fc.assert(
    fc.property(constExpr, (text) => {
      const sql = `SELECT ${text}`;
      const theirs = sqlitePrepare(db, sql);
      const ours = ourPrepare(sql);
      const mismatch = verdictMismatch(sql, theirs, ours);
      if (mismatch) throw new Error(mismatch);
      if (theirs !== null || ours !== null) return;
      const stmt = parseOne(sql).stmt as SelectStmt;
      const col = stmt.core.kind === "core" ? stmt.core.columns[0] : undefined;
      if (col?.kind !== "expr") throw new Error("expected one expression column");
      const printed = `SELECT ${printExpr(col.expr)}`;
      assertEquals(sqliteRun(db, printed), sqliteRun(db, sql), `${sql}\nprinted as\n${printed}`);
      accepted++;
    }),
    { seed: SEED, numRuns: 1500 * SCALE },
  );
  db.close();
  if (accepted < 500) throw new Error(`only ${accepted} expressions were valid`);
});

// ---------------------------------------------------------------------------
// Statements and mutations: syntax acceptance checked against SQLite's parser.
// ---------------------------------------------------------------------------

const col = fc.constantFrom(
  "a",
  "b",
  "c",
  "t1.a",
  "t2.b",
  "main.t1.a",
  '"a"',
  "[b]",
  "`c`",
  "key",
  "replace",
);
const atom = fc.oneof(
  col,
  constAtom,
  fc.constantFrom("?", "?2", ":p", "@q", "$r", "CURRENT_TIME", "CURRENT_TIMESTAMP"),
);
const expr = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    fc.tuple(tie("e"), fc.constantFrom(...binOps, "->", "->>", "REGEXP", "MATCH"), tie("e")).map(
      ([a, op, b]) => `${a} ${op} ${b}`,
    ),
    fc.tuple(fc.constantFrom("-", "~", "NOT "), tie("e")).map(([op, a]) => op + a),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a}, ${b})`),
    fc.tuple(tie("e"), fc.constantFrom(" ISNULL", " NOT NULL", " COLLATE nocase")).map(([a, s]) =>
      a + s
    ),
    fc.tuple(tie("e"), tie("e"), tie("e")).map(([a, b, c]) => `${a} BETWEEN ${b} AND ${c}`),
    fc.tuple(tie("e"), fc.constantFrom("(1, 2)", "(SELECT a FROM t1)", "t2", "()")).map(([a, l]) =>
      `${a} NOT IN ${l}`
    ),
    fc.tuple(
      fc.constantFrom("count(*)", "max(a)", "count(DISTINCT b)", "group_concat(b ORDER BY a)"),
      fc.constantFrom(
        "",
        " FILTER (WHERE a > 1)",
        " OVER ()",
        " OVER (PARTITION BY b ORDER BY a ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
        " OVER w",
      ),
    ).map(([f, s]) => f + s),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `CASE WHEN ${a} THEN ${b} END`),
    tie("e").map((a) => `CAST(${a} AS TEXT)`),
    tie("e").map((a) => `EXISTS (SELECT ${a} FROM t2)`),
    tie("e").map((a) => `(SELECT ${a})`),
  ),
})).e;

const tableRef = fc.constantFrom(
  "t1",
  "t2",
  "main.t1",
  "t1 AS x",
  "t2 y",
  "t1 INDEXED BY i1",
  "t1 NOT INDEXED",
  "(SELECT * FROM t2) s",
  "json_each('[1]')",
  "(t1, t2)",
);
const joinOp = fc.constantFrom(
  ", ",
  " JOIN ",
  " LEFT JOIN ",
  " LEFT OUTER JOIN ",
  " NATURAL JOIN ",
  " CROSS JOIN ",
  " INNER JOIN ",
  " RIGHT JOIN ",
  " FULL OUTER JOIN ",
);
const from = fc.tuple(
  tableRef,
  fc.array(fc.tuple(joinOp, tableRef, fc.constantFrom("", " ON 1", " USING (a)")), {
    maxLength: 2,
  }),
)
  .map(([t, js]) => t + js.map(([op, r, c]) => op + r + (op === ", " ? "" : c)).join(""));
const opt = (a: fc.Arbitrary<string>) => fc.option(a, { nil: "" });

const select = fc.tuple(
  opt(
    fc.constantFrom(
      "WITH c(x) AS (SELECT 1) ",
      "WITH RECURSIVE c AS (SELECT 1 UNION ALL SELECT 2) ",
    ),
  ),
  fc.constantFrom("SELECT ", "SELECT DISTINCT ", "SELECT ALL "),
  fc.array(
    fc.oneof(
      expr,
      expr.map((e) => e + " AS z"),
      expr.map((e) => e + " zz"),
      fc.constantFrom("*", "t1.*"),
    ),
    { minLength: 1, maxLength: 3 },
  ),
  opt(from.map((f) => " FROM " + f)),
  opt(expr.map((e) => " WHERE " + e)),
  opt(expr.map((e) => " GROUP BY " + e)),
  opt(expr.map((e) => " HAVING " + e)),
  opt(fc.constantFrom(" WINDOW w AS (ORDER BY a)")),
  opt(
    fc.constantFrom(
      " UNION SELECT 1",
      " UNION ALL VALUES (2)",
      " EXCEPT SELECT b FROM t2",
      " INTERSECT SELECT 3",
    ),
  ),
  opt(expr.map((e) => " ORDER BY " + e + " DESC NULLS LAST")),
  opt(fc.constantFrom(" LIMIT 1", " LIMIT 1 OFFSET 2", " LIMIT 2, 3")),
).map((parts) => parts[0] + parts[1] + parts[2].join(", ") + parts.slice(3).join(""));

const statement = fc.oneof(
  select,
  fc.tuple(
    fc.constantFrom(
      "INSERT INTO t2",
      "INSERT OR REPLACE INTO t2",
      "REPLACE INTO t2",
      "INSERT INTO t2 AS n",
    ),
    opt(fc.constantFrom("(a, b)", "(a)")),
    fc.oneof(
      fc.constantFrom(" DEFAULT VALUES"),
      expr.map((e) => ` VALUES (${e}), (1)`),
      select.map((s) => " " + s),
    ),
    opt(
      fc.constantFrom(
        " ON CONFLICT DO NOTHING",
        " ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE 1",
        " ON CONFLICT (a) DO NOTHING ON CONFLICT DO UPDATE SET (a, b) = (1, 2)",
      ),
    ),
    opt(fc.constantFrom(" RETURNING *", " RETURNING a AS z, b")),
  ).map((p) => p.join("")),
  fc.tuple(
    fc.constantFrom("UPDATE t1", "UPDATE OR IGNORE t1 AS u", "UPDATE t1 INDEXED BY i1"),
    expr,
    opt(fc.constantFrom(" FROM t2")),
    opt(expr.map((e) => " WHERE " + e)),
    opt(fc.constantFrom(" RETURNING *")),
  )
    .map(([u, e, f, w, r]) => `${u} SET b = ${e}, (a, c) = (1, 2)${f}${w}${r}`),
  fc.tuple(
    fc.constantFrom(
      "DELETE FROM t1",
      "DELETE FROM main.t1 AS d",
      "WITH q AS (SELECT 1) DELETE FROM t1",
    ),
    opt(expr.map((e) => " WHERE " + e)),
    opt(fc.constantFrom(" RETURNING a")),
  )
    .map((p) => p.join("")),
  fc.tuple(
    fc.constantFrom(
      "CREATE TABLE n1",
      "CREATE TEMP TABLE IF NOT EXISTS n2",
      "CREATE TABLE main.n3",
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom("y", "key", '"z w"', "[v]"),
        fc.constantFrom(
          "",
          " INTEGER",
          " VARCHAR(10)",
          " unsigned big int",
          " DECIMAL(10, 5)",
          " 'q'",
        ),
        fc.array(
          fc.constantFrom(
            " PRIMARY KEY",
            " PRIMARY KEY DESC AUTOINCREMENT",
            " NOT NULL",
            " NOT NULL ON CONFLICT IGNORE",
            " UNIQUE",
            " NULL",
            " CHECK (x > 0)",
            " DEFAULT 0",
            " DEFAULT -1.5",
            " DEFAULT 'a'",
            " DEFAULT (1 + 2)",
            " DEFAULT CURRENT_TIME",
            " DEFAULT abc",
            " COLLATE nocase",
            " REFERENCES t2(a) ON DELETE CASCADE",
            " REFERENCES t2 DEFERRABLE INITIALLY DEFERRED",
            " GENERATED ALWAYS AS (1) STORED",
            " AS (2)",
            " CONSTRAINT k UNIQUE",
          ),
          { maxLength: 2 },
        ),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fc.array(
      fc.constantFrom(
        ", PRIMARY KEY (x)",
        ", UNIQUE (x, x COLLATE nocase) ON CONFLICT REPLACE",
        ", CHECK (x != 1)",
        ", FOREIGN KEY (x) REFERENCES t2(a) ON UPDATE SET NULL",
        " CONSTRAINT c CHECK (1)",
      ),
      { maxLength: 2 },
    ),
    opt(fc.constantFrom(" WITHOUT ROWID", " STRICT", " STRICT, WITHOUT ROWID")),
  )
    // Table constraints name x, and SQLite checks that it exists while parsing, so x is always there.
    .map(([h, cols, cons, o]) =>
      `${h}(x, ${cols.map(([n, t, cs]) => n + t + cs.join("")).join(", ")}${cons.join("")})${o}`
    ),
  fc.tuple(
    fc.constantFrom("CREATE INDEX n4 ON t2", "CREATE UNIQUE INDEX IF NOT EXISTS n5 ON t2"),
    fc.constantFrom("(a)", "(a COLLATE nocase DESC, b)", "(a + b)"),
    opt(expr.map((e) => " WHERE " + e)),
  )
    .map((p) => p.join("")),
  fc.constantFrom(
    "DROP TABLE IF EXISTS t9",
    "DROP INDEX i1",
    "DROP VIEW IF EXISTS v",
    "DROP TRIGGER IF EXISTS tr",
    "ALTER TABLE t2 RENAME TO t3",
    "ALTER TABLE t2 RENAME COLUMN a TO z",
    "ALTER TABLE t2 ADD COLUMN e TEXT DEFAULT 'x'",
    "ALTER TABLE t2 DROP COLUMN d",
    "ALTER TABLE t2 ALTER COLUMN a SET NOT NULL ON CONFLICT FAIL",
    "ALTER TABLE t2 ALTER b DROP NOT NULL",
    "ALTER TABLE t2 ADD CONSTRAINT c CHECK (a > 0)",
    "ALTER TABLE t2 ADD CHECK (b) ON CONFLICT ABORT",
    "ALTER TABLE t2 DROP CONSTRAINT c",
    "BEGIN",
    "BEGIN IMMEDIATE TRANSACTION",
    "COMMIT",
    "END TRANSACTION",
    "ROLLBACK",
    "ROLLBACK TO SAVEPOINT s",
    "SAVEPOINT s",
    "RELEASE s",
    "PRAGMA cache_size = -2000",
    "PRAGMA main.journal_mode = WAL",
    "PRAGMA table_info(t1)",
    "PRAGMA user_version",
    "EXPLAIN SELECT 1",
    "EXPLAIN QUERY PLAN SELECT * FROM t1",
    "VACUUM",
    "ANALYZE t1",
    "REINDEX",
    "CREATE VIEW v1(x) AS SELECT a FROM t1",
    "CREATE TRIGGER tr1 AFTER INSERT ON t1 FOR EACH ROW WHEN new.a > 0 BEGIN UPDATE t2 SET a = new.a; DELETE FROM t2 WHERE a = old.a; INSERT INTO t2 VALUES (1, 2, 3, 4); SELECT RAISE(ABORT, 'no'); END",
    "CREATE TRIGGER tr2 BEFORE UPDATE OF b ON t1 BEGIN SELECT 1; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS tr3 INSTEAD OF DELETE ON v0 BEGIN INSERT OR REPLACE INTO t2(a) SELECT 1 ON CONFLICT DO NOTHING; UPDATE OR ABORT t2 SET (a, b) = (SELECT 1, 2) FROM t1 WHERE 1; END",
    "WITH a AS MATERIALIZED (SELECT 1), b(x, y) AS NOT MATERIALIZED (VALUES (1, 2)) SELECT * FROM a, b",
    "SELECT sum(a) OVER (w ROWS UNBOUNDED PRECEDING), ntile(2) OVER (RANGE BETWEEN CURRENT ROW AND 3 FOLLOWING EXCLUDE NO OTHERS), lag(a) OVER (GROUPS 2 PRECEDING EXCLUDE CURRENT ROW) FROM t1 WINDOW w AS (PARTITION BY b), w2 AS (w ORDER BY c)",
    "SELECT * FROM (t1 AS x JOIN t2 AS y ON x.a = y.a) AS z",
    "SELECT * FROM ((SELECT 1) AS q) NATURAL FULL OUTER JOIN t2",
    "SELECT * FROM main.json_each('[1,2]') AS j, generate_series(1, 3)",
    "SELECT a FROM t1 WHERE (a, b) IN (SELECT a, b FROM t2) AND (a, b) IN ((1, 2), (3, 4))",
    "SELECT a -> '$.x', a ->> 1, a IS NOT DISTINCT FROM b, +a, ~b FROM t1",
    "SELECT CASE a WHEN 1 THEN 'x' ELSE 'y' END, CAST(a AS unsigned big int), a COLLATE rtrim FROM t1",
    "SELECT count(*) FILTER (WHERE a > 1) OVER (ORDER BY b) FROM t1",
    "EXPLAIN QUERY PLAN WITH c AS (SELECT 1) DELETE FROM t1 WHERE a IN c",
    "PRAGMA foreign_keys = ON",
    "PRAGMA main.wal_checkpoint(TRUNCATE)",
    "PRAGMA integrity_check('t1')",
    "VACUUM INTO 'x.db'",
    "REINDEX main.i1",
    "DETACH DATABASE aux",
    "BEGIN DEFERRED",
    "ROLLBACK TRANSACTION",
    "SELECT DISTINCT * FROM t1 WHERE a BETWEEN 1 AND 2 AND b NOT LIKE 'x%' ESCAPE '\\' GROUP BY a HAVING max(b) ORDER BY 1 COLLATE nocase ASC LIMIT -1 OFFSET ?",
    "INSERT INTO t1 SELECT * FROM t2 WHERE true ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING rowid",
    "CREATE TABLE n6(a INTEGER PRIMARY KEY ASC ON CONFLICT ABORT AUTOINCREMENT, b TEXT UNIQUE ON CONFLICT ROLLBACK, c REFERENCES t2(a) ON DELETE SET DEFAULT ON UPDATE NO ACTION NOT DEFERRABLE INITIALLY IMMEDIATE, d AS (a + 1) VIRTUAL, CONSTRAINT p FOREIGN KEY (b, c) REFERENCES t2 (a, b) MATCH SIMPLE)",
    "CREATE TABLE n7 AS SELECT * FROM t1",
    "CREATE VIRTUAL TABLE IF NOT EXISTS main.vt2 USING rtree(id, x0, x1)",
    "CREATE VIRTUAL TABLE vt USING fts5(a, b)",
  ),
);

/** The tokens of a statement as text pieces, for mutation. */
function pieces(sql: string): string[] {
  return tokenize(sql).map((t) => sql.slice(t.start, t.end));
}

const mutated = fc.tuple(
  statement,
  fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("delete", "dup", "swap", "insert")), {
    minLength: 1,
    maxLength: 3,
  }),
  fc.constantFrom(
    "(",
    ")",
    ",",
    "SELECT",
    "FROM",
    "NOT",
    "AND",
    "ON",
    "AS",
    "1",
    "a",
    "*",
    ".",
    "=",
    "WHERE",
    "JOIN",
    "BY",
    "ORDER",
    "'s'",
    "NULL",
    "IN",
    "IS",
    "CASE",
    "END",
    "x'1'",
    "#",
    "!",
  ),
)
  .map(([sql, muts, extra]) => {
    const toks = pieces(sql);
    for (const [i, j, m] of muts) {
      if (toks.length === 0) break;
      const a = i % toks.length;
      const b = j % toks.length;
      if (m === "delete") toks.splice(a, 1);
      else if (m === "dup") toks.splice(a, 0, toks[a]);
      else if (m === "swap") [toks[a], toks[b]] = [toks[b], toks[a]];
      else toks.splice(a, 0, extra);
    }
    return toks.join(" ");
  });

function checkSyntax(db: DatabaseSync, sql: string): void {
  // node:sqlite crashes preparing a statement-less string; skip those.
  if (tokenize(sql).every((t) => t.type === Tok.SEMI)) return;
  const mismatch = verdictMismatch(sql, sqlitePrepare(db, sql), ourPrepare(sql));
  if (mismatch) throw new Error(mismatch);
}

Deno.test("differential: random statements are accepted exactly when SQLite accepts them", () => {
  const db = newDb();
  fc.assert(fc.property(statement, (sql) => checkSyntax(db, sql)), {
    seed: SEED,
    numRuns: 1500 * SCALE,
  });
  db.close();
});

Deno.test("differential: mutated statements fail exactly as in SQLite", () => {
  const db = newDb();
  fc.assert(fc.property(mutated, (sql) => checkSyntax(db, sql)), {
    seed: SEED,
    numRuns: 3000 * SCALE,
  });
  db.close();
});

const soupToken = fc.constantFrom(
  "SELECT",
  "FROM",
  "WHERE",
  "a",
  "b",
  "t1",
  "1",
  "'x'",
  "(",
  ")",
  ",",
  ".",
  "*",
  "+",
  "-",
  "=",
  "<",
  "NOT",
  "NULL",
  "IS",
  "IN",
  "AND",
  "OR",
  "AS",
  "ON",
  "JOIN",
  "LEFT",
  "BY",
  "ORDER",
  "GROUP",
  "LIMIT",
  "OFFSET",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "BETWEEN",
  "LIKE",
  "ESCAPE",
  "COLLATE",
  "DISTINCT",
  "VALUES",
  "INSERT",
  "INTO",
  "UPDATE",
  "SET",
  "DELETE",
  "CREATE",
  "TABLE",
  "INDEX",
  "KEY",
  "PRIMARY",
  "DEFAULT",
  "UNIQUE",
  "CHECK",
  "EXISTS",
  "CAST",
  "OVER",
  "FILTER",
  "WINDOW",
  "PARTITION",
  "ROWS",
  "REPLACE",
  "WITH",
  "RECURSIVE",
  "UNION",
  "ALL",
  "?",
  ":p",
  "x'00'",
  "1.5",
  "ISNULL",
  "DO",
  "RAISE",
);

Deno.test("differential: token soup fails exactly as in SQLite", () => {
  const db = newDb();
  const soup = fc.tuple(
    fc.constantFrom(
      "SELECT",
      "SELECT a FROM",
      "INSERT INTO t2",
      "UPDATE t1 SET",
      "CREATE TABLE n(",
      "DELETE FROM t1 WHERE",
      "SELECT * FROM t1 WHERE",
    ),
    fc.array(soupToken, { maxLength: 8 }),
  ).map(([h, ts]) => [h, ...ts].join(" "));
  fc.assert(fc.property(soup, (sql) => checkSyntax(db, sql)), {
    seed: SEED,
    numRuns: 4000 * SCALE,
  });
  db.close();
});

Deno.test("differential: every keyword in every identifier position", () => {
  const db = newDb();
  const templates = [
    "SELECT X FROM t1",
    "SELECT a X FROM t1",
    "SELECT a AS X FROM t1",
    "SELECT 1 X",
    "SELECT * FROM t1 X",
    "SELECT * FROM t1 AS X",
    "SELECT * FROM t1 JOIN t2 X ON 1",
    "SELECT * FROM t1 X WHERE 1",
    "SELECT X.a FROM t1",
    "SELECT X.* FROM t1",
    "SELECT X(1)",
    "SELECT X()",
    "SELECT a FROM t1 WHERE a = X",
    "SELECT a FROM t1 WHERE X IS NULL",
    "SELECT a FROM t1 ORDER BY X",
    "SELECT a FROM t1 GROUP BY X",
    "SELECT a FROM t1 LIMIT X",
    "SELECT CAST(1 AS X)",
    "SELECT count(*) OVER X FROM t1",
    "SELECT count(*) X FROM t1",
    "SELECT (1) X FROM t1",
    "CREATE TABLE X(a)",
    "CREATE TABLE n(X)",
    "CREATE TABLE n(X, b)",
    "CREATE TABLE n(a X)",
    "CREATE TABLE n(a X, b)",
    "CREATE TABLE n(a X(1))",
    "CREATE TABLE n(a INT X)",
    "CREATE TABLE n(a DEFAULT X)",
    "CREATE TABLE n(a COLLATE X)",
    "CREATE TABLE n(a CONSTRAINT X NOT NULL)",
    "CREATE TABLE n(a) X",
    "CREATE INDEX X ON t1(a)",
    "CREATE INDEX n ON t1(X)",
    "CREATE VIEW X AS SELECT 1",
    "UPDATE t1 SET X = 1",
    "UPDATE t1 AS X SET a = 1",
    "INSERT INTO t2(X) VALUES (1)",
    "INSERT INTO t2 AS X VALUES (1, 2, 3, 4)",
    "DELETE FROM t1 AS X",
    "DELETE FROM t1 WHERE X",
    "WITH X AS (SELECT 1) SELECT * FROM X",
    "PRAGMA X",
    "PRAGMA X = 1",
    "PRAGMA cache_size = X",
    "SAVEPOINT X",
    "RELEASE X",
    "DROP TABLE X",
    "DROP TABLE IF EXISTS X",
    "ALTER TABLE t2 RENAME TO X",
    "ALTER TABLE t2 ADD COLUMN X",
    "ALTER TABLE t2 DROP COLUMN X",
    "ATTACH 'f' AS X",
    "SELECT X FROM t1 WINDOW w AS ()",
    "SELECT a FROM t1 WINDOW X AS ()",
  ];
  const words = [
    ...KEYWORDS,
    "WINDOW",
    "OVER",
    "FILTER",
    "TRUE",
    "FALSE",
    "ROWID",
    '"select"',
    "[from]",
    "`x`",
    "'str'",
  ];
  const failures: string[] = [];
  for (const template of templates) {
    for (const word of words) {
      for (const w of [word, word.toLowerCase()]) {
        const sql = template.replace("X", w);
        if (tokenize(sql).every((t) => t.type === Tok.SEMI)) continue;
        const mismatch = verdictMismatch(sql, sqlitePrepare(db, sql), ourPrepare(sql));
        if (mismatch) failures.push(mismatch);
      }
    }
  }
  db.close();
  assertEquals(failures.slice(0, 15), []);
});
