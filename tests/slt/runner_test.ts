/**
 * Tests of the sqllogictest runner itself: parsing, value rendering, sorting, hashing and
 * judging, on tiny inline scripts, with node:sqlite (SQLite itself) as the oracle engine.
 */

import { assert, assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { nodeSqliteEngine, type SltEngine, tsqliteEngine } from "./engine.ts";
import { parseScript, type QueryRecord, shouldRun } from "./parser.ts";
import { formatFixed3, realToInt64, renderValue, textToInt64, textToReal } from "./render.ts";
import {
  errorReason,
  hashValues,
  judgeResult,
  renderResult,
  runScript,
  type SltFailure,
  topReasons,
} from "./runner.ts";

Deno.test("parser: records, guards, comments, CRLF", () => {
  const text = [
    "# a comment",
    "hash-threshold 3",
    "",
    "statement ok",
    "CREATE TABLE t(a,",
    "# a comment inside a record is dropped",
    "  b)",
    "   ",
    "onlyif mysql # trailing words",
    "skipif postgresql",
    "statement error",
    "SELECT nope",
    "",
    "query IT rowsort label-1",
    "SELECT a, b",
    "FROM t",
    "----",
    "1",
    "x",
    "",
    "query I",
    "SELECT 1",
    "",
    "halt",
  ].join("\r\n");
  const recs = parseScript(text);
  assertEquals(recs.map((r) => r.type), [
    "hash-threshold",
    "statement",
    "statement",
    "query",
    "query",
    "halt",
  ]);
  assertEquals(recs[0], { type: "hash-threshold", line: 2, conditions: [], threshold: 3 });
  assertEquals(recs[1], {
    type: "statement",
    line: 4,
    conditions: [],
    expectError: false,
    sql: "CREATE TABLE t(a,\n  b)",
  });
  assertEquals(recs[2].conditions, [
    { kind: "onlyif", engine: "mysql" },
    { kind: "skipif", engine: "postgresql" },
  ]);
  assertEquals(recs[2].line, 11);
  const q = recs[3] as QueryRecord;
  assertEquals([q.types, q.sort, q.label, q.sql, q.expected], [
    "IT",
    "rowsort",
    "label-1",
    "SELECT a, b\nFROM t",
    ["1", "x"],
  ]);
  const q2 = recs[4] as QueryRecord;
  assertEquals([q2.types, q2.sort, q2.label, q2.expected], ["I", "nosort", "", []]);
});

Deno.test("parser: malformed records are reported, not thrown", () => {
  const recs = parseScript(
    "statement maybe\nSELECT 1\n\nquery X nosort\nSELECT 1\n\nquery I upsidedown\nSELECT 1\n\nfrobnicate\n\nskipif sqlite",
  );
  assertEquals(recs.map((r) => r.type), ["bad", "bad", "bad", "bad", "bad"]);
});

Deno.test("shouldRun: skipif/onlyif for the sqlite engine", () => {
  assert(shouldRun([], "sqlite"));
  assert(shouldRun([{ kind: "onlyif", engine: "SQLite" }], "sqlite"));
  assert(!shouldRun([{ kind: "onlyif", engine: "mysql" }], "sqlite"));
  assert(!shouldRun([{ kind: "skipif", engine: "sqlite" }], "sqlite"));
  assert(shouldRun([{ kind: "skipif", engine: "mysql" }], "sqlite"));
  assert(
    !shouldRun(
      [{ kind: "skipif", engine: "mysql" }, { kind: "onlyif", engine: "mssql" }],
      "sqlite",
    ),
  );
});

Deno.test("render: NULL, I, R, T as the reference prints them", () => {
  const cases: [Parameters<typeof renderValue>[0], string, string][] = [
    [null, "I", "NULL"],
    [null, "T", "NULL"],
    [null, "R", "NULL"],
    [42n, "I", "42"],
    [-7n, "I", "-7"],
    [2.9, "I", "2"],
    [-2.9, "I", "-2"],
    [1e300, "I", "-1"], // saturates to 2^63-1, whose low 32 bits are all ones
    [4294967301n, "I", "5"], // sqlite3_column_int keeps the low 32 bits
    ["  12abc", "I", "12"],
    ["abc", "I", "0"],
    ["-0012", "I", "-12"],
    ["1e3", "I", "1"],
    ["", "I", "0"],
    [new TextEncoder().encode("34x"), "I", "34"],
    [3n, "R", "3.000"],
    [2.5, "R", "2.500"],
    [-0.0001, "R", "-0.000"],
    [-0, "R", "0.000"],
    [" 1.5e1xyz", "R", "15.000"],
    ["x", "R", "0.000"],
    [9223372036854775807n, "R", "9223372036854776000.000"],
    [-18446744073709551616, "R", "-18446744073709550000.000"],
    ["", "T", "(empty)"],
    ["hello world", "T", "hello world"],
    ["tab\there", "T", "tab@here"],
    ["caf\u00e9", "T", "caf@@"],
    ["\u20ac", "T", "@@@"],
    ["\u{1F600}", "T", "@@@@"],
    ["ab\0cd", "T", "ab"],
    ["\0cd", "T", "(empty)"],
    ["~\x7f", "T", "~@"],
    [12n, "T", "12"],
    [2.5, "T", "2.5"],
    [2, "T", "2.0"],
    [1e20, "T", "1.0e+20"],
    [new Uint8Array([0x41, 0x01, 0x42]), "T", "A@B"],
    [new Uint8Array([]), "T", "(empty)"],
  ];
  for (const [v, t, want] of cases) assertEquals(renderValue(v, t), want, `${String(v)} as ${t}`);
});

Deno.test("render: numeric conversions of text", () => {
  assertEquals(textToInt64("99999999999999999999"), 9223372036854775807n);
  assertEquals(textToInt64("-99999999999999999999"), -9223372036854775808n);
  assertEquals(textToInt64("\t+5"), 5n);
  assertEquals(textToReal(".5"), 0.5);
  assertEquals(textToReal("1e"), 1);
  assertEquals(textToReal("-"), 0);
  assertEquals(realToInt64(NaN), 0n);
  assertEquals(realToInt64(-1e19), -9223372036854775808n);
});

Deno.test("render: %.3f agrees with SQLite's printf", () => {
  const db = new DatabaseSync(":memory:");
  const stmt = db.prepare("SELECT printf('%.3f', ?) AS v");
  const check = (x: number) => {
    const want = (stmt.get(x) as { v: string }).v;
    assertEquals(formatFixed3(x), want, `printf('%.3f', ${x})`);
  };
  for (
    const x of [0, 1, -1, 0.0625, 1.0005, 2.5, 1e13, 12345678901234.5678, 1e20, -(2 ** 63), 1e300]
  ) {
    check(x);
  }
  fc.assert(
    fc.property(
      fc.oneof(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
        fc.integer().map((i) => i / 1000),
      ),
      (x) => check(x),
    ),
    { seed: 42, numRuns: 500 },
  );
  db.close();
});

Deno.test("render: REAL as text agrees with SQLite", () => {
  const db = new DatabaseSync(":memory:");
  const stmt = db.prepare("SELECT CAST(? AS TEXT) AS v");
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const want = (stmt.get(x) as { v: string }).v;
      assertEquals(renderValue(x, "T"), want, `CAST(${x} AS TEXT)`);
    }),
    { seed: 42, numRuns: 300 },
  );
  db.close();
});

Deno.test("hashing: MD5 of each value followed by a newline", () => {
  assertEquals(hashValues([]), "d41d8cd98f00b204e9800998ecf8427e"); // MD5("")
  assertEquals(hashValues(["a", "b"]), "dd8c6a395b5dd36c56d23275028f526c"); // printf 'a\nb\n' | md5sum
});

Deno.test("sorting: nosort, rowsort and valuesort by rendered text", () => {
  const res = { columnCount: 2, rows: [[10n, "b"], [9n, "a"], [10n, "a"]] };
  assertEquals(renderResult(res, "IT", "nosort"), ["10", "b", "9", "a", "10", "a"]);
  // strcmp order: "10" < "9".
  assertEquals(renderResult(res, "IT", "rowsort"), ["10", "a", "10", "b", "9", "a"]);
  assertEquals(renderResult(res, "IT", "valuesort"), ["10", "10", "9", "a", "a", "b"]);
});

function query(expected: string[], types = "I", sort = "nosort", label = ""): QueryRecord {
  return { type: "query", line: 1, conditions: [], types, sort, label, sql: "", expected };
}

Deno.test("judging: values, counts, hashes and labels", () => {
  const rows = (n: number) => ({
    columnCount: 1,
    rows: Array.from({ length: n }, (_, i) => [BigInt(i)]),
  });
  const labels = new Map<string, string>();
  assertEquals(judgeResult(rows(2), query(["0", "1"]), 8, labels).reason, null);
  assertEquals(judgeResult(rows(2), query(["0", "2"]), 8, labels).reason, "wrong result");
  assertEquals(judgeResult(rows(2), query(["0"]), 8, labels).reason, "wrong number of values");
  assertEquals(
    judgeResult(rows(2), query(["0", "1", "2"]), 8, labels).reason,
    "wrong number of values",
  );
  const nine = Array.from({ length: 9 }, (_, i) => String(i));
  const hashLine = `9 values hashing to ${hashValues(nine)}`;
  assertEquals(judgeResult(rows(9), query([hashLine]), 8, labels).reason, null);
  assertEquals(
    judgeResult(rows(9), query(nine), 0, labels).reason,
    null,
    "threshold 0 never hashes",
  );
  assertEquals(judgeResult(rows(9), query(nine), 8, labels).reason, "wrong result (hash)");
  assertEquals(judgeResult(rows(9), query([hashLine]), 9, labels).reason, "wrong number of values");
  assertEquals(
    judgeResult(rows(9), query([`9 values hashing to ${"0".repeat(32)}`]), 8, labels).reason,
    "wrong result (hash)",
  );
  assertEquals(judgeResult(rows(2), query(["0", "1"], "I", "nosort", "L"), 8, labels).reason, null);
  assertEquals(
    judgeResult(rows(3), query(["0", "1", "2"], "I", "nosort", "L"), 8, labels).reason,
    "result differs from an earlier query with its label",
  );
  assertEquals(
    judgeResult(rows(2), query(["0", "1"], "II"), 8, labels).reason,
    "wrong number of result columns",
  );
});

const SCRIPT = `
hash-threshold 10

statement ok
CREATE TABLE t1(a INTEGER, b TEXT, c REAL)

statement ok
INSERT INTO t1 VALUES(1,'one',1.5),(2,'',NULL),(3,'three',-0.25)

statement error
INSERT INTO nosuchtable VALUES(1)

query ITR rowsort
SELECT a, b, c FROM t1
----
1
one
1.500
2
(empty)
NULL
3
three
-0.250

query I valuesort label-a
SELECT a FROM t1 UNION ALL SELECT a*10 FROM t1
----
1
10
2
20
3
30

skipif sqlite
query I nosort
SELECT 'this would fail'
----
0

onlyif mysql
halt

query I valuesort label-a
SELECT a*10 FROM t1 UNION ALL SELECT a FROM t1
----
1
10
2
20
3
30

hash-threshold 2

query I nosort
SELECT a FROM t1 ORDER BY a
----
3 values hashing to ${hashValues(["1", "2", "3"])}

halt

statement ok
this is not sql
`;

Deno.test("runner: node:sqlite passes a script that exercises every feature", () => {
  const failures: SltFailure[] = [];
  const r = runScript(SCRIPT, nodeSqliteEngine, "inline", { onFailure: (f) => failures.push(f) });
  assertEquals(failures, []);
  assertEquals([r.run, r.passed, r.failed, r.skipped], [7, 7, 0, 1]);
});

Deno.test("runner: wrong expectations fail with their reasons", () => {
  const broken = SCRIPT
    .replace("three\n-0.250", "three\n-0.251")
    .replace("INSERT INTO nosuchtable VALUES(1)", "SELECT 1")
    .replace("1\n10\n2\n20", "1\n2\n10\n20");
  const failures: SltFailure[] = [];
  const r = runScript(broken, nodeSqliteEngine, "inline", { onFailure: (f) => failures.push(f) });
  assertEquals([r.run, r.passed, r.failed], [7, 4, 3]);
  assertEquals(failures.map((f) => f.reason), [
    "statement succeeded, an error was expected",
    "wrong result",
    "wrong result",
  ]);
  assertEquals(failures[1].got.slice(-1), ["-0.250"]);
  assertEquals(topReasons(r.reasons), [["wrong result", 2], [
    "statement succeeded, an error was expected",
    1,
  ]]);
});

Deno.test("runner: --max-records and --stop-on-fail", () => {
  assertEquals(runScript(SCRIPT, nodeSqliteEngine, "x", { maxRecords: 2 }).run, 2);
  const broken = SCRIPT.replace("CREATE TABLE t1", "CREATE TABLE t1(x); CREATE TABLE t1");
  const r = runScript(broken, nodeSqliteEngine, "x", { stopOnFail: true });
  assertEquals([r.run, r.failed, r.stopped], [1, 1, true]);
});

Deno.test("runner: an error while stepping ends the rows, as in the reference", () => {
  const script = `
statement ok
CREATE TABLE t(x INTEGER)

statement ok
INSERT INTO t VALUES(9223372036854775807),(1)

query I nosort
SELECT sum(x) FROM t
----

query I nosort
SELECT sum(x) FROM t
----
1
`;
  const reasons: string[] = [];
  const r = runScript(script, nodeSqliteEngine, "x", { onFailure: (f) => reasons.push(f.reason) });
  assertEquals([r.run, r.passed, r.passedWithError], [4, 3, 1]);
  assertEquals(reasons, ["SQLITE_ERROR: integer overflow"]);
});

Deno.test("runner: engine bugs (even where an error is expected) and slow records fail", () => {
  let calls = 0;
  const fake = (): SltEngine => ({
    name: "sqlite",
    statement() {
      calls++;
      if (calls === 1) throw new TypeError("x is undefined");
      const until = performance.now() + 30;
      while (performance.now() < until) { /* busy: cannot be interrupted */ }
    },
    query() {
      throw new Error("plain");
    },
    close() {},
  });
  const r = runScript("statement error\nA\n\nstatement ok\nB\n\nquery I\nC\n----\n1", fake, "x", {
    timeLimitMs: 10,
  });
  assertEquals([r.run, r.failed], [3, 3]);
  assertEquals([...r.reasons.keys()].sort(), [
    "BUG Error: plain",
    "BUG TypeError: x is undefined",
    "took longer than 0.01 s",
  ]);
});

Deno.test("errorReason: numbers collapse, codes prefix", () => {
  const e = Object.assign(new Error("no such table: tab12"), { code: "SQLITE_ERROR" });
  assertEquals(errorReason(e), "SQLITE_ERROR: no such table: tabN");
  const n = Object.assign(new Error('SQL logic error near "x": syntax error'), {
    code: "ERR_SQLITE_ERROR",
  });
  assertEquals(errorReason(n), 'SQLITE_ERROR: near "x": syntax error');
});

Deno.test("tsqlite adapter: statements and typed rows", () => {
  const engine = tsqliteEngine();
  engine.statement("CREATE TABLE t(a INTEGER, b TEXT, c REAL); INSERT INTO t VALUES(1,'x',2.5)");
  assertEquals(engine.query("SELECT a, b, c, NULL FROM t"), {
    columnCount: 4,
    rows: [[1n, "x", 2.5, null]],
  });
  assertThrows(() => engine.query("SELECT * FROM nosuchtable"));
  assertThrows(() => engine.statement("INSERT INTO nosuchtable VALUES(1)"));
  engine.close();
});
