import { assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { parse, parseOne } from "../../src/sql/parser.ts";
import type {
  AlterTableStmt,
  CreateIndexStmt,
  CreateTableStmt,
  CreateTriggerStmt,
  DeleteStmt,
  Expr,
  InsertStmt,
  SelectCore,
  SelectStmt,
  Statement,
  UpdateStmt,
} from "../../src/sql/ast.ts";
import { SqliteError } from "../../src/errors.ts";
import { DatabaseSync } from "node:sqlite";
import { Real } from "../../src/record/value.ts";
import { printExpr, printFrom, printSelect } from "./sql_printer.ts";

/** Asserts and narrows (the npm build of @std/assert's assert does not narrow). */
function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function one<T extends Statement>(sql: string): T {
  const stmts = parse(sql);
  assertEquals(stmts.length, 1);
  return stmts[0] as T;
}

function expr(text: string): Expr {
  const s = one<SelectStmt>(`SELECT ${text}`);
  const col = (s.core as SelectCore).columns[0];
  if (col.kind !== "expr") throw new Error("not an expression");
  return col.expr;
}

function pe(text: string): string {
  return printExpr(expr(text));
}

function error(sql: string): string {
  const e = assertThrows(() => parse(sql));
  assertInstanceOf(e, SqliteError);
  assertEquals(e.code, "SQLITE_ERROR");
  return e.message;
}

Deno.test("precedence follows SQLite's table", () => {
  const cases: [string, string][] = [
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["1 * 2 + 3", "((1 * 2) + 3)"],
    ["1 - 2 - 3", "((1 - 2) - 3)"],
    ["a OR b AND c", "(a OR (b AND c))"],
    ["NOT a AND b", "((NOT a) AND b)"],
    ["NOT a = b", "(NOT (a = b))"],
    ["a = b < c", "(a = (b < c))"],
    ["a < b = c", "((a < b) = c)"],
    ["a = b == c <> d", "(((a = b) = c) != d)"],
    ["a & b + c", "(a & (b + c))"],
    ["a << b | c", "((a << b) | c)"],
    ["a || b * c", "((a || b) * c)"],
    ["a -> b || c ->> d", "(((a -> b) || c) ->> d)"],
    ["-a * b", "((-a) * b)"],
    ["- a COLLATE x", "((-a) COLLATE x)"],
    ["a || b COLLATE x", "(a || (b COLLATE x))"],
    ["~a + ~b", "((~a) + (~b))"],
    ["a IS NOT b AND c", "((a IS NOT b) AND c)"],
    ["a IS DISTINCT FROM b", "(a IS NOT b)"],
    ["a IS NOT DISTINCT FROM b", "(a IS b)"],
    ["a BETWEEN b AND c AND d", "((a BETWEEN b AND c) AND d)"],
    ["a BETWEEN 1 + 1 AND 2 * 3", "(a BETWEEN (1 + 1) AND (2 * 3))"],
    ["a NOT BETWEEN b AND c = d", "((a NOT BETWEEN b AND c) = d)"],
    ["a LIKE b || c ESCAPE d", "(a LIKE (b || c) ESCAPE d)"],
    ["a NOT GLOB b", "(a NOT GLOB b)"],
    ["a REGEXP b = c", "((a REGEXP b) = c)"],
    ["a NOT MATCH b", "(a NOT MATCH b)"],
    ["a + b ISNULL", "((a + b) ISNULL)"],
    ["a = b NOTNULL", "((a = b) NOTNULL)"],
    ["a NOT NULL", "(a NOTNULL)"],
    ["a IS NULL", "(a IS NULL)"],
    ["a IN (1, 2) = b", "((a IN (1, 2)) = b)"],
    ["a NOT IN ()", "(a NOT IN ())"],
    ["a = NOT b = c", "(a = (NOT (b = c)))"],
    ["- - 1", "(-(-1))"],
    ["a + -b", "(a + (-b))"],
    ["NOT NOT a", "(NOT (NOT a))"],
    ["(a + b) * c", "((a + b) * c)"],
    ["CASE WHEN a THEN b ELSE c END + 1", "(CASE WHEN a THEN b ELSE c END + 1)"],
    ["CAST(a AS INT) || 'x'", "(CAST(a AS INT) || 'x')"],
  ];
  for (const [input, want] of cases) assertEquals(pe(input), want, input);
});

Deno.test("literals", () => {
  const lit = (t: string) => {
    const e = expr(t);
    if (e.kind !== "literal") throw new Error(`${t} is ${e.kind}`);
    return e.value;
  };
  assertEquals(lit("42"), 42);
  assertEquals(lit("1_000"), 1000);
  assertEquals(lit("9007199254740993"), 9007199254740993n);
  assertEquals(lit("9223372036854775807"), 9223372036854775807n);
  assertEquals(lit("9223372036854775808"), new Real(9223372036854775808));
  assertEquals(lit("-9223372036854775808"), -9223372036854775808n);
  assertEquals(lit("-(9223372036854775808)"), -9223372036854775808n);
  assertEquals(expr("-9223372036854775809"), {
    kind: "unary",
    op: "-",
    expr: { kind: "literal", value: new Real(9223372036854775809) },
  });
  assertEquals(lit("0x10"), 16);
  assertEquals(lit("0xFFFFFFFFFFFFFFFF"), -1);
  assertEquals(lit("0x7FFFFFFFFFFFFFFF"), 9223372036854775807n);
  assertEquals(lit("0x00000000000000000001"), 1);
  assertEquals(lit("1.5"), 1.5);
  assertEquals(lit("2.0"), new Real(2));
  assertEquals(lit("1e3"), new Real(1000));
  assertEquals(lit(".5"), 0.5);
  assertEquals(lit("'it''s'"), "it's");
  assertEquals(lit("x'0aFF'"), new Uint8Array([10, 255]));
  assertEquals(lit("X''"), new Uint8Array([]));
  assertEquals(lit("NULL"), null);
  assertEquals(expr("TRUE"), { kind: "literal", value: 1, bool: true });
  assertEquals(expr("false"), { kind: "literal", value: 0, bool: true });
  assertEquals(expr("current_date"), { kind: "currentTime", which: "DATE" });
  assertEquals(error("SELECT 0x1234567890abcdef1"), "hex literal too big: 0x1234567890abcdef1");
});

Deno.test("identifiers and column references", () => {
  assertEquals(expr("a"), { kind: "column", name: "a", doubleQuoted: false });
  assertEquals(expr('"a b"'), { kind: "column", name: "a b", doubleQuoted: true });
  assertEquals(expr("[a]"), { kind: "column", name: "a", doubleQuoted: false });
  assertEquals(expr("`a`"), { kind: "column", name: "a", doubleQuoted: false });
  assertEquals(expr("t.a"), { kind: "column", table: "t", name: "a", doubleQuoted: false });
  assertEquals(expr('s."t".a'), {
    kind: "column",
    schema: "s",
    table: "t",
    name: "a",
    doubleQuoted: false,
  });
  // Fallback keywords are identifiers where a keyword cannot be.
  for (const name of ["key", "replace", "abort", "action", "no", "temp", "rowid", "if", "left"]) {
    assertEquals(expr(name), { kind: "column", name, doubleQuoted: false }, name);
  }
  assertEquals(
    printFrom((one<SelectStmt>("SELECT 1 FROM key AS replace").core as SelectCore).from!),
    '"key" AS "replace"',
  );
});

Deno.test("parameters are numbered as SQLite numbers them", () => {
  const s = one<SelectStmt>("SELECT ?, ?5, ?, :a, @b, $c, :a, ?2, $d::e(f)");
  const idx = (s.core as SelectCore).columns.map((c) =>
    c.kind === "expr" && c.expr.kind === "param" ? c.expr.index : -1
  );
  assertEquals(idx, [1, 5, 6, 7, 8, 9, 7, 2, 10]);
  assertEquals(s.paramCount, 10);
  assertEquals([...s.paramNames], [["?5", 5], [":a", 7], ["@b", 8], ["$c", 9], ["?2", 2], [
    "$d::e(f)",
    10,
  ]]);
  assertEquals(one<SelectStmt>("SELECT 1").paramCount, 0);
  assertEquals(error("SELECT ?0"), "variable number must be between ?1 and ?32766");
  assertEquals(error("SELECT ?32767"), "variable number must be between ?1 and ?32766");
  assertEquals(error("SELECT #1"), 'near "#1": syntax error');
});

Deno.test("function calls, windows, subqueries", () => {
  assertEquals(pe("count(*)"), "count(*)");
  assertEquals(pe("count(DISTINCT a)"), "count(DISTINCT a)");
  assertEquals(pe("f()"), "f()");
  assertEquals(pe("group_concat(a, ',' ORDER BY b DESC)"), "group_concat(a, ',' ORDER BY b DESC)");
  assertEquals(pe("sum(a) FILTER (WHERE a > 0)"), "sum(a) FILTER (WHERE (a > 0))");
  assertEquals(
    pe(
      "row_number() OVER (PARTITION BY a ORDER BY b NULLS FIRST ROWS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES)",
    ),
    "row_number() OVER (PARTITION BY a ORDER BY b NULLS FIRST ROWS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES)",
  );
  assertEquals(pe("max(a) OVER w"), "max(a) OVER w");
  assertEquals(pe("EXISTS (SELECT 1)"), "EXISTS (SELECT 1)");
  assertEquals(pe("NOT EXISTS (SELECT 1)"), "(NOT EXISTS (SELECT 1))");
  assertEquals(pe("(SELECT a FROM t)"), '(SELECT a FROM "t")');
  assertEquals(pe("a IN (SELECT b FROM t)"), '(a IN (SELECT b FROM "t"))');
  assertEquals(pe("a NOT IN t"), '(a NOT IN "t")');
  assertEquals(pe("a IN main.f(1)"), '(a IN "main"."f"(1))');
  assertEquals(pe("(a, b) = (1, 2)"), "((a, b) = (1, 2))");
  assertEquals(
    pe("CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' END"),
    "CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' END",
  );
  assertEquals(expr("CAST(a AS VARCHAR(10))"), {
    kind: "cast",
    expr: { kind: "column", name: "a", doubleQuoted: false },
    type: "VARCHAR(10)",
  });
  assertEquals(expr("CAST(a AS)"), {
    kind: "cast",
    expr: { kind: "column", name: "a", doubleQuoted: false },
    type: "",
  });
  assertEquals(pe("RAISE(ABORT, 'no')"), "RAISE(ABORT, 'no')");
  assertEquals(pe("RAISE(IGNORE)"), "RAISE(IGNORE)");
  assertEquals(
    error("SELECT count(DISTINCT a) OVER ()"),
    "DISTINCT is not supported for window functions",
  );
});

Deno.test("SELECT clauses", () => {
  const s = one<SelectStmt>(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) " +
      "SELECT DISTINCT a, t.*, *, b AS x, c y FROM t1 AS t LEFT JOIN t2 USING (a) " +
      "NATURAL CROSS JOIN t3, (SELECT 1) s WHERE a GROUP BY a, b HAVING count(*) > 1 " +
      "WINDOW w AS (ORDER BY a) UNION SELECT 1, 2, 3, 4, 5 ORDER BY 1 DESC NULLS LAST LIMIT 5, 10",
  );
  assert(s.with?.recursive);
  assertEquals(s.with.ctes[0].name, "c");
  assertEquals(s.with.ctes[0].columns, ["x"]);
  const core = s.core as SelectCore;
  assert(core.distinct);
  assertEquals(core.columns.map((c) => c.kind), ["expr", "tableStar", "star", "expr", "expr"]);
  assertEquals(core.columns[3], {
    kind: "expr",
    expr: { kind: "column", name: "b", doubleQuoted: false },
    alias: "x",
    text: "b",
  });
  assertEquals(core.columns[4], {
    kind: "expr",
    expr: { kind: "column", name: "c", doubleQuoted: false },
    alias: "y",
    text: "c",
  });
  assertEquals(
    printFrom(core.from!),
    '"t1" AS "t" LEFT JOIN "t2" USING ("a") NATURAL CROSS JOIN "t3", (SELECT 1) AS "s"',
  );
  assertEquals(core.groupBy?.length, 2);
  assertEquals(core.windows?.[0].name, "w");
  assertEquals(s.compound.map((c) => c.op), ["UNION"]);
  assertEquals(s.orderBy?.[0].order, "DESC");
  assertEquals(s.orderBy?.[0].nulls, "LAST");
  // LIMIT m, n means OFFSET m.
  assertEquals(s.limit, { kind: "literal", value: 10 });
  assertEquals(s.offset, { kind: "literal", value: 5 });
  const l = one<SelectStmt>("SELECT 1 LIMIT 10 OFFSET 5");
  assertEquals([l.limit, l.offset], [{ kind: "literal", value: 10 }, {
    kind: "literal",
    value: 5,
  }]);
  const v = one<SelectStmt>("VALUES (1, 2), (3, 4)");
  assertEquals(v.core.kind, "values");
  assertEquals(printSelect(v), "VALUES (1, 2), (3, 4)");
  assertEquals(
    printSelect(
      one<SelectStmt>(
        "SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c INDEXED BY i RIGHT JOIN d NOT INDEXED FULL JOIN json_each(?) j",
      ),
    ),
    'SELECT * FROM "a" INNER JOIN "b" ON ("a"."x" = "b"."x") LEFT JOIN "c" INDEXED BY "i" RIGHT JOIN "d" NOT INDEXED FULL JOIN "json_each"(?) AS "j"',
  );
  assertEquals(
    error("SELECT 1 ORDER BY 1 UNION SELECT 2"),
    "ORDER BY clause should come after UNION not before",
  );
  assertEquals(error("VALUES (1) ORDER BY 1"), 'near "ORDER": syntax error');
  assertEquals(error("SELECT * FROM a ON 1"), "a JOIN clause is required before ON");
  assertEquals(error("SELECT * FROM a LEFT foo JOIN b"), "unknown join type: LEFT foo");
  assertEquals(error("VALUES (1), (1, 2)"), "all VALUES must have the same number of terms");
});

Deno.test("CREATE TABLE", () => {
  const s = one<CreateTableStmt>(
    "create temp table if not exists main.t (id integer primary key asc on conflict replace autoincrement, " +
      "name varchar ( 10 ) not null unique collate nocase default 'x', " +
      "n DECIMAL(10, -2) check (n > 0) default -5 references p(id) on delete cascade match full deferrable initially deferred, " +
      "g generated always as (n * 2) stored, h as (1), d default (1 + 2), e default current_time, f default abc, " +
      "constraint pk unique (name, n desc) on conflict ignore, check (n < 10), foreign key (n) references p on update set null) " +
      "strict, without rowid",
  );
  assertEquals([s.temp, s.ifNotExists, s.schema, s.name, s.strict, s.withoutRowid], [
    true,
    true,
    "main",
    "t",
    true,
    true,
  ]);
  assertEquals(s.columns.map((c) => c.name), ["id", "name", "n", "g", "h", "d", "e", "f"]);
  assertEquals(s.columns.map((c) => c.type), [
    "INTEGER",
    "varchar ( 10 )",
    "DECIMAL(10, -2)",
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(s.columns[0].constraints, [{
    kind: "primaryKey",
    order: "ASC",
    onConflict: "REPLACE",
    autoincrement: true,
  }]);
  assertEquals(s.columns[1].constraints.map((c) => c.kind), [
    "notNull",
    "unique",
    "collate",
    "default",
  ]);
  const dflt = (i: number) => s.columns[i].constraints.find((c) => c.kind === "default");
  assertEquals(dflt(1), { kind: "default", expr: { kind: "literal", value: "x" }, text: "'x'" });
  assertEquals(dflt(2), {
    kind: "default",
    expr: { kind: "unary", op: "-", expr: { kind: "literal", value: 5 } },
    text: "-5",
  });
  assertEquals(dflt(5)?.kind === "default" && dflt(5)?.text, "1 + 2");
  assertEquals(dflt(6), {
    kind: "default",
    expr: { kind: "currentTime", which: "TIME" },
    text: "current_time",
  });
  assertEquals(dflt(7), { kind: "default", expr: { kind: "literal", value: "abc" }, text: "abc" });
  const ref = s.columns[2].constraints.find((c) => c.kind === "references");
  assertEquals(ref, {
    kind: "references",
    fk: {
      table: "p",
      columns: ["id"],
      onDelete: "CASCADE",
      match: "full",
      deferrable: { not: false, initially: "DEFERRED" },
    },
  });
  assertEquals(
    s.columns[3].constraints[0].kind === "generated" && s.columns[3].constraints[0].stored,
    true,
  );
  assertEquals(
    s.columns[4].constraints[0].kind === "generated" && s.columns[4].constraints[0].stored,
    false,
  );
  assertEquals(s.constraints.map((c) => [c.kind, c.name]), [
    ["unique", "pk"],
    ["check", undefined],
    ["foreignKey", undefined],
  ]);
  const u = s.constraints[0];
  assert(u.kind === "unique");
  assertEquals(u.onConflict, "IGNORE");
  assertEquals(u.columns.map((c) => [c.name, c.order]), [["name", undefined], ["n", "DESC"]]);
  assertEquals(s.schemaSql.slice(0, 20), "CREATE TABLE t (id i");
  assert(s.sql.startsWith("create temp table") && s.sql.endsWith("without rowid"));

  // Declared types as SQLite records them.
  const types = one<CreateTableStmt>(
    `CREATE TABLE t(a int, b "text", c 'x' "y", d unsigned  big int, e verylongtypename always, f INT GENERATED ALWAYS AS (1))`,
  );
  assertEquals(types.columns.map((c) => c.type), [
    "INT",
    "TEXT",
    "x",
    "unsigned  big int",
    "verylongtypename",
    "INT",
  ]);
  assertEquals(types.schemaSql, types.sql.replace("CREATE TABLE t", "CREATE TABLE t"));

  const as = one<CreateTableStmt>("CREATE TABLE t2 AS SELECT 1 AS x");
  assertEquals(as.asSelect?.kind, "select");
  assertEquals(as.columns, []);

  assertEquals(error("CREATE TABLE t(a, a)"), "duplicate column name: a");
  assertEquals(
    error("CREATE TABLE t(a PRIMARY KEY, b PRIMARY KEY)"),
    'table "t" has more than one primary key',
  );
  assertEquals(
    error("CREATE TABLE t(a INT PRIMARY KEY AUTOINCREMENT)"),
    "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
  );
  assertEquals(error("CREATE TABLE t(a) foo"), "unknown table option: foo");
  assertEquals(error("CREATE TABLE t(CHECK (1))"), 'near "CHECK": syntax error');
  assertEquals(
    error("CREATE TABLE t(a, UNIQUE (a + 1))"),
    "expressions prohibited in PRIMARY KEY and UNIQUE constraints",
  );
});

Deno.test("CREATE INDEX / VIEW / TRIGGER / VIRTUAL TABLE, DROP, ALTER", () => {
  const i = one<CreateIndexStmt>(
    "create  unique index if not exists main.i on t (a collate nocase desc, b + 1) where a > 0",
  );
  assertEquals([i.unique, i.ifNotExists, i.schema, i.name, i.table], [
    true,
    true,
    "main",
    "i",
    "t",
  ]);
  assertEquals(i.columns.map((c) => [c.name, c.collation, c.order]), [["a", "nocase", "DESC"], [
    undefined,
    undefined,
    undefined,
  ]]);
  assertEquals(
    i.schemaSql,
    "CREATE UNIQUE INDEX i on t (a collate nocase desc, b + 1) where a > 0",
  );
  assert(i.where);

  const v = one<Statement>("CREATE VIEW v(x, y) AS SELECT 1, 2");
  assert(v.kind === "createView");
  assertEquals([v.name, v.columns, v.schemaSql], [
    "v",
    ["x", "y"],
    "CREATE VIEW v(x, y) AS SELECT 1, 2",
  ]);

  const tr = one<CreateTriggerStmt>(
    "CREATE TRIGGER tr AFTER UPDATE OF a, b ON t FOR EACH ROW WHEN new.a > 0 BEGIN " +
      "UPDATE u SET x = new.a; INSERT INTO u VALUES (1); DELETE FROM u WHERE x = old.a; SELECT 1; END",
  );
  assertEquals([tr.timing, tr.event, tr.updateColumns, tr.table, tr.forEachRow], [
    "AFTER",
    "UPDATE",
    ["a", "b"],
    "t",
    true,
  ]);
  assertEquals(tr.body.map((b) => b.kind), ["update", "insert", "delete", "select"]);
  assertEquals(tr.body[0].sql, "UPDATE u SET x = new.a");
  assert(tr.schemaSql.startsWith("CREATE TRIGGER tr AFTER") && tr.schemaSql.endsWith("END"));
  assertEquals(
    error("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM main.u; END"),
    "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers",
  );

  const vt = one<Statement>("CREATE VIRTUAL TABLE v USING fts5(a, b, tokenize = 'porter ascii')");
  assert(vt.kind === "createVirtualTable");
  assertEquals([vt.module, vt.args], ["fts5", ["a", "b", "tokenize = 'porter ascii'"]]);

  for (
    const [sql, objectType, ifExists] of [
      ["DROP TABLE IF EXISTS s.t", "table", true],
      ["DROP INDEX i", "index", false],
      ["DROP VIEW v", "view", false],
      ["DROP TRIGGER IF EXISTS tr", "trigger", true],
    ] as const
  ) {
    const d = one<Statement>(sql);
    assert(d.kind === "drop");
    assertEquals([d.objectType, d.ifExists], [objectType, ifExists]);
  }

  const actions = [
    "ALTER TABLE t RENAME TO u",
    "ALTER TABLE t RENAME COLUMN a TO b",
    "ALTER TABLE t RENAME a TO b",
    "ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'x'",
    "ALTER TABLE t ADD c",
    "ALTER TABLE t DROP COLUMN c",
    "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    "ALTER TABLE t ALTER a DROP NOT NULL",
    "ALTER TABLE t ADD CONSTRAINT k CHECK (a > 0) ON CONFLICT FAIL",
    "ALTER TABLE t DROP CONSTRAINT k",
  ].map((sql) => one<AlterTableStmt>(sql).action);
  assertEquals(actions.map((a) => a.kind), [
    "renameTable",
    "renameColumn",
    "renameColumn",
    "addColumn",
    "addColumn",
    "dropColumn",
    "setNotNull",
    "dropNotNull",
    "addCheck",
    "dropConstraint",
  ]);
  assertEquals(actions[3].kind === "addColumn" && actions[3].text, "c TEXT DEFAULT 'x'");
  assertEquals(actions[8].kind === "addCheck" && [actions[8].name, actions[8].text], [
    "k",
    "CONSTRAINT k CHECK (a > 0) ON CONFLICT FAIL",
  ]);
});

Deno.test("INSERT, UPDATE, DELETE", () => {
  const ins = one<InsertStmt>(
    "WITH c AS (SELECT 1) INSERT OR IGNORE INTO main.t AS n (a, b) VALUES (1, 2), (3, 4) " +
      "ON CONFLICT (a) WHERE a > 0 DO UPDATE SET b = excluded.b, (a, b) = (1, 2) WHERE b < 5 " +
      "ON CONFLICT DO NOTHING RETURNING *, a AS x",
  );
  assertEquals([ins.orAction, ins.schema, ins.table, ins.alias, ins.columns], [
    "IGNORE",
    "main",
    "t",
    "n",
    ["a", "b"],
  ]);
  assert(ins.with);
  assertEquals(ins.select?.core.kind, "values");
  assertEquals(ins.upsert.length, 2);
  assertEquals(ins.upsert[0].target?.columns.map((c) => c.name), ["a"]);
  assert(ins.upsert[0].target?.where);
  assert(ins.upsert[0].action.kind === "update");
  assertEquals(ins.upsert[0].action.set.map((s) => s.columns), [["b"], ["a", "b"]]);
  assertEquals(ins.upsert[1], { action: { kind: "nothing" } });
  assertEquals(ins.returning?.map((r) => r.kind), ["star", "expr"]);
  assertEquals(one<InsertStmt>("REPLACE INTO t SELECT * FROM u").orAction, "REPLACE");
  const dv = one<InsertStmt>("INSERT INTO t DEFAULT VALUES RETURNING rowid");
  assertEquals([dv.select, dv.returning?.length], [null, 1]);
  assertEquals(
    error("INSERT INTO t DEFAULT VALUES ON CONFLICT DO NOTHING"),
    'near "ON": syntax error',
  );
  assertEquals(
    error("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING ON CONFLICT DO NOTHING"),
    'near "ON": syntax error',
  );

  const up = one<UpdateStmt>(
    "UPDATE OR FAIL t AS u INDEXED BY i SET a = 1, (b, c) = (2, 3) FROM v WHERE u.x = v.x RETURNING a",
  );
  assertEquals([up.orAction, up.table, up.alias, up.indexedBy], ["FAIL", "t", "u", "i"]);
  assertEquals(up.set.map((s) => s.columns), [["a"], ["b", "c"]]);
  assert(up.from && up.where && up.returning);
  assertEquals(error("UPDATE t SET (a, b) = (1, 2, 3)"), "2 columns assigned 3 values");
  // SQLite's default build has no ORDER BY / LIMIT on UPDATE and DELETE.
  assertEquals(error("UPDATE t SET a = 1 LIMIT 1"), 'near "LIMIT": syntax error');

  const del = one<DeleteStmt>("DELETE FROM t NOT INDEXED WHERE a RETURNING *");
  assertEquals([del.table, del.notIndexed, del.returning?.length], ["t", true, 1]);
  assertEquals(error("DELETE FROM t ORDER BY a"), 'near "ORDER": syntax error');
});

Deno.test("transactions, PRAGMA and utility statements", () => {
  const kinds = (sql: string) => parse(sql).map((s) => s.kind);
  assertEquals(
    kinds(
      "BEGIN; BEGIN IMMEDIATE TRANSACTION; COMMIT; END TRANSACTION; ROLLBACK; SAVEPOINT s; RELEASE SAVEPOINT s; RELEASE s; ROLLBACK TRANSACTION TO SAVEPOINT s",
    ),
    [
      "begin",
      "begin",
      "commit",
      "commit",
      "rollback",
      "savepoint",
      "release",
      "release",
      "rollback",
    ],
  );
  const b = one<Statement>("BEGIN EXCLUSIVE");
  assert(b.kind === "begin" && b.mode === "EXCLUSIVE");
  const rb = one<Statement>("ROLLBACK TO s");
  assert(rb.kind === "rollback" && rb.savepoint === "s");
  const pragmas: [string, string | undefined, string | undefined][] = [
    ["PRAGMA user_version", undefined, undefined],
    ["PRAGMA cache_size = -2000", undefined, "-2000"],
    ["PRAGMA main.journal_mode = WAL", "main", "WAL"],
    ["PRAGMA table_info('t')", undefined, "t"],
    ["PRAGMA table_info(t)", undefined, "t"],
    ["PRAGMA foreign_keys = ON", undefined, "ON"],
    ["PRAGMA page_size = +4096", undefined, "4096"],
    ["PRAGMA secure_delete = delete", undefined, "delete"],
  ];
  for (const [sql, schema, value] of pragmas) {
    const p = one<Statement>(sql);
    assert(p.kind === "pragma");
    assertEquals([p.schema, p.value], [schema, value], sql);
  }
  const ex = one<Statement>("EXPLAIN QUERY PLAN SELECT 1");
  assert(ex.kind === "explain" && ex.queryPlan && ex.stmt.kind === "select");
  assertEquals(
    kinds(
      "VACUUM; VACUUM main INTO 'f.db'; ANALYZE; ANALYZE s.t; REINDEX; REINDEX nocase; ATTACH DATABASE 'f' AS x KEY 'k'; DETACH x",
    ),
    [
      "vacuum",
      "vacuum",
      "analyze",
      "analyze",
      "reindex",
      "reindex",
      "attach",
      "detach",
    ],
  );
});

Deno.test("parseOne walks a script and reports source slices", () => {
  const sql = "  SELECT 1 ;; -- c\n CREATE TABLE t(a) /* x */ ;INSERT INTO t VALUES(1)  ";
  const first = parseOne(sql, 0);
  assertEquals(first.stmt?.sql, "SELECT 1");
  assertEquals(first.end, sql.indexOf(";") + 1);
  const second = parseOne(sql, first.end);
  assertEquals(second.stmt?.sql, "CREATE TABLE t(a)");
  assertEquals(second.stmt?.start, sql.indexOf("CREATE"));
  assertEquals((second.stmt as CreateTableStmt).schemaSql, "CREATE TABLE t(a)");
  const third = parseOne(sql, second.end);
  assertEquals(third.stmt?.sql, "INSERT INTO t VALUES(1)");
  assertEquals(third.end, sql.length);
  assertEquals(parseOne(sql, third.end), { stmt: null, end: sql.length });
  assertEquals(parseOne(" ; -- only\n ;", 0), { stmt: null, end: 13 });
  assertEquals(parse(sql).length, 3);
  // The tail after the first statement is not looked at.
  assertEquals(parseOne("SELECT 1; garbage (", 0).stmt?.kind, "select");
});

Deno.test("syntax errors use SQLite's messages", () => {
  const cases: [string, string][] = [
    ["SELECT 1 +", "incomplete input"],
    ["SELECT 1 FROM", "incomplete input"],
    ["SELECT 1 FROM;", 'near ";": syntax error'],
    ["SELECT 1 2", 'near "2": syntax error'],
    ["SELEC 1", 'near "SELEC": syntax error'],
    ["SELECT 'abc", `unrecognized token: "'abc"`],
    ["SELECT x'abc'", `unrecognized token: "x'abc'"`],
    ["SELECT #", 'unrecognized token: "#"'],
    ["SELECT 1 ! 2", 'unrecognized token: "!"'],
    ["SELECT 12abc", 'unrecognized token: "12abc"'],
    ["SELECT /* open", "incomplete input"],
    ["SELECT a NOT b", 'near "b": syntax error'],
    ["SELECT 1 2 'unterminated", 'near "2": syntax error'],
    ["CREATE TABLE if(a)", 'near "(": syntax error'],
    ["SELECT * FROM t WHERE a = 1 ORDER", "incomplete input"],
  ];
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t(a)");
  for (const [sql, msg] of cases) {
    assertEquals(error(sql), msg, sql);
    // The expectations are SQLite's own.
    assertThrows(() => db.prepare(sql), Error, msg);
  }
  db.close();
});

Deno.test("deep nesting is bounded with SQLite's errors, never a stack overflow", () => {
  assertEquals(
    error("SELECT " + "1+".repeat(1000) + "1"),
    "Expression tree is too large (maximum depth 1000)",
  );
  parse("SELECT " + "1+".repeat(998) + "1");
  // SQLite parses 2493 parentheses; we do when V8's stack allows it (it depends on the JIT
  // state), and otherwise refuse with the same error as one level more - never a crash.
  try {
    parse("SELECT " + "(".repeat(2493) + "1" + ")".repeat(2493));
  } catch (e) {
    assertEquals((e as Error).message, "Recursion limit");
  }
  assertEquals(error("SELECT " + "(".repeat(2494) + "1" + ")".repeat(2494)), "Recursion limit");
  assertEquals(error("SELECT " + "(".repeat(100000) + "1" + ")".repeat(100000)), "Recursion limit");
  assertEquals(error("SELECT " + "abs(".repeat(832) + "1" + ")".repeat(832)), "Recursion limit");
  assertEquals(
    error("SELECT " + "- ".repeat(1000) + "1"),
    "Expression tree is too large (maximum depth 1000)",
  );
  let sub = "SELECT 1";
  for (let i = 0; i < 3000; i++) sub = `SELECT (${sub})`;
  assertEquals(error(sub), "Recursion limit");
});
