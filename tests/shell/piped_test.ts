/**
 * Piped input: our shell's stdout, stderr and exit code must equal the sqlite3 program's,
 * byte for byte, for the same script on a fresh database.
 */

import { assertEquals } from "@std/assert";
import { hasProgram, runOurs, runSqlite3Async } from "./helpers.ts";

const HAVE_SQLITE3 = hasProgram("sqlite3");

const SETUP = `create table t(a integer primary key, b text, c real, d);
create index tb on t(b);
insert into t values(1,'x y',1.5,x'41'),(2,'café',null,null),(3,'q"uo''te',2.0,7);
insert into t values(4,'a,b',-0.25,'tab	here'),(5,'',3,''),(6,'multi
line',1e20,-12),(7,'sep|bar',0.1,1e-7),(8,null,123456789.123,'back\\slash');
`;

const QUERY = `select * from t order by a;
select a, b as bee from t where a > 5 order by a desc;
select count(*) as n, sum(c) as s, avg(a) as av, min(b) as mn, max(c) as mx from t;
select * from t where 0;
`;

const MODES = [
  "list",
  "csv",
  "json",
  "line",
  "column",
  "box",
  "table",
  "markdown",
  "insert",
  "quote",
  "tabs",
];

const scripts: Record<string, string> = {};
for (const mode of MODES) {
  for (const headers of ["on", "off"]) {
    scripts[`mode ${mode}, headers ${headers}`] =
      `${SETUP}.mode ${mode}\n.headers ${headers}\n${QUERY}`;
  }
}
scripts["nullvalue and separators"] = `${SETUP}.nullvalue NULL
.separator ; ~
select * from t order by a;
.mode csv
.separator "\\t"
select * from t order by a;
.mode list
.separator ", " "\\n---\\n"
select a, b from t order by a limit 3;
`;
scripts["errors mid-script go on"] = `${SETUP}select * from nosuch;
select x from t;
select 1 +;
select a from t where a = 1;
.bogus
.mode nosuch
create table u(k unique);
insert into u values(1);
insert into u values(1);
select 'after errors' as msg;
  select
  1
  from nosuch;
select a from t order by a limit 1; select * from nosuch; select 'skipped';
`;
scripts["bail stops at the first error"] = `${SETUP}.bail on
select 'before' as msg;
select * from nosuch;
select 'not reached';
`;
scripts["changes and exit code"] = `${SETUP}.changes on
update t set c = c * 2 where a < 4;
delete from t where a > 6;
.changes off
select a, c from t order by a;
.exit 3
select 'not reached';
`;
scripts["reals"] = `create table r(x real);
insert into r values(0.1),(1.0/3),(2.0),(1e20),(123456789012345678.0),(1.5e-7),(-0.0),(1e308*10),(-1e308*10),(3.14159),(100),(2.5e-300);
select x from r;
.mode json
select x from r;
.mode insert r
select x from r;
.mode csv
select x from r;
`;
scripts["incomplete statement at end"] = `${SETUP}select a from t order by a limit 1;
select 'never closed'
`;
scripts["comments, go and semicolons"] = `-- a comment line
;
select 1 as one; -- trailing comment
/* block
comment */ select 2 as two;
select 3 as three
go
select 'a;b' as semi;
`;
scripts["dump"] = `${SETUP}create table "my tab"(x, "y z");
insert into "my tab" values('it''s', 'line1
line2');
.dump
.dump t
`;
scripts["tables, indexes, schema"] = `${SETUP}create table other(k);
create index o1 on other(k);
.tables
.tables t%
.indexes
.indexes other
.schema
.schema other
`;

for (const [name, script] of Object.entries(scripts)) {
  Deno.test({
    name: `piped output equals sqlite3's: ${name}`,
    ignore: !HAVE_SQLITE3,
    fn: async () => {
      const dir = Deno.makeTempDirSync();
      try {
        const ours = await runOurs([`${dir}/ours.db`], script);
        const theirs = await runSqlite3Async([`${dir}/theirs.db`], script);
        assertEquals(ours.out, theirs.out, "stdout");
        assertEquals(ours.err, theirs.err, "stderr");
        assertEquals(ours.code, theirs.code, "exit code");
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "SQL arguments and options behave like sqlite3's",
  ignore: !HAVE_SQLITE3,
  fn: async () => {
    const cases: string[][] = [
      [":memory:", "select 1 as a", "select 2 as b"],
      [":memory:", "select * from nosuch"],
      [":memory:", "create table t(a unique); insert into t values(1); insert into t values(1)"],
      ["-json", ":memory:", "select 1 as a, 'x' as b"],
      ["-csv", "-header", ":memory:", "select 'a b' as x, null as y"],
      ["-line", ":memory:", "select 1 as a, 2 as bb"],
      ["-box", ":memory:", "select 1 as a, 'two' as b"],
      ["-noheader", "-column", ":memory:", "select 1 as a"],
      ["-cmd", ".mode csv", "-cmd", "select 5 as five", ":memory:", "select 6 as six"],
      ["-cmd", ".bogus", ":memory:", "select 1 as a"],
      ["-bail", "-cmd", ".bogus", ":memory:", "select 1 as a"],
      ["--csv", "--header", ":memory:", "select 1 as a"],
    ];
    for (const args of cases) {
      const ours = await runOurs(args);
      const theirs = await runSqlite3Async(args);
      assertEquals(ours, theirs, args.join(" "));
    }
  },
});
