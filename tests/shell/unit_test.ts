/** Unit tests: statement completeness, REAL formatting, argument splitting, CSV parsing, completion. */

import { assert, assertEquals } from "@std/assert";
import { parseCommandLine } from "../../src/shell/args.ts";
import { splitArgs } from "../../src/shell/dot_args.ts";
import { parseCsv, progressBar } from "../../src/shell/import_csv.ts";
import { complete } from "../../src/shell/interactive.ts";
import { realText15, realTextLongDouble } from "../../src/shell/real_format.ts";
import { Shell } from "../../src/shell/shell.ts";
import { isComplete, qssSemiTerm, quickscan } from "../../src/shell/sql_complete.ts";

Deno.test("isComplete follows sqlite3_complete", () => {
  const yes = [
    "select 1;",
    "select 1; ",
    "select ';';",
    "select 1 -- c\n;",
    "/* x; */ select 1;",
    "create trigger tr after insert on t begin select 1; end;",
    "select [a;b] from t;",
    "select 1; -- a comment without a newline",
  ];
  const no = [
    "select 1",
    "select ';",
    "select 1 /* ;",
    "create trigger tr after insert on t begin select 1;",
    "",
  ];
  for (const s of yes) assert(isComplete(s), s);
  for (const s of no) assert(!isComplete(s), s);
});

Deno.test("quickscan tracks a trailing semicolon across lines", () => {
  assert(qssSemiTerm(quickscan("select 1;", 0)));
  assert(!qssSemiTerm(quickscan("select ';", 0)));
  const open = quickscan("select 'a", 0);
  assert(qssSemiTerm(quickscan("b';", open)));
  assert(qssSemiTerm(quickscan("select 1; -- done", 0)));
});

Deno.test("REAL text matches sqlite3 3.40 (%!.15g and long double %!.20g)", () => {
  assertEquals(realText15(0.1), "0.1");
  assertEquals(realText15(1 / 3), "0.333333333333333");
  assertEquals(realText15(2), "2.0");
  assertEquals(realText15(1e20), "1.0e+20");
  assertEquals(realTextLongDouble(0.1), "0.10000000000000000555");
  assertEquals(realTextLongDouble(1.7976931348623157e308), "1.7976931348623156223e+308");
  assertEquals(realTextLongDouble(1.5e-7), "1.4999999999999999321e-07");
  assertEquals(realTextLongDouble(2.5), "2.5");
});

Deno.test("dot-command arguments split like sqlite3's", () => {
  assertEquals(splitArgs(".separator \"\\t\" '\\n'"), ["separator", "\t", "\\n"]);
  assertEquals(splitArgs(".mode   csv  "), ["mode", "csv"]);
  assertEquals(splitArgs(".print 'a b' c"), ["print", "a b", "c"]);
});

Deno.test("CSV parsing: quotes, doubled quotes, CRLF, embedded newlines", () => {
  const recs = [...parseCsv('a,b\r\n"x,y","q""z"\n"multi\nline",\n')];
  assertEquals(recs.map((r) => r.fields), [["a", "b"], ["x,y", 'q"z'], ["multi\nline", ""]]);
  assertEquals(recs.map((r) => r.line), [1, 2, 3]);
  assertEquals(progressBar(1, 2, 10), "\r[#####-----]  50%");
});

Deno.test("command line: one- and two-dash options, kept in order", () => {
  const cl = parseCommandLine(["-csv", "--cmd", ".headers on", "-header", "x.db", "select 1"]);
  assertEquals(cl.database, "x.db");
  assertEquals(cl.sql, ["select 1"]);
  assertEquals(cl.actions, [
    { kind: "mode", mode: "csv" },
    { kind: "cmd", command: ".headers on" },
    { kind: "header", on: true },
  ]);
  assert(parseCommandLine(["-readonly"]).readOnly);
});

Deno.test("tab completion: dot-commands, keywords, tables and columns", () => {
  const shell = new Shell({ out: () => {}, err: () => {} });
  try {
    shell.exec("CREATE TABLE customers(id INTEGER PRIMARY KEY, cust_name TEXT);");
    assertEquals(complete(shell, ".he")[0], [".headers ", ".help "]);
    assertEquals(complete(shell, "SEL")[0], ["SELECT "]);
    assertEquals(complete(shell, "sel")[0], ["select "]);
    assertEquals(complete(shell, "select * from cus")[0], ["cust_name", "customers"]);
    assertEquals(complete(shell, "select cust_")[0], ["cust_name "]);
    assertEquals(complete(shell, ".mode js")[0], ["json"]);
  } finally {
    shell.close();
  }
});
