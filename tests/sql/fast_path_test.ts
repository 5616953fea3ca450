/**
 * The pull-based executor of single-table SELECTs (src/sql/fast_select.ts, stepper.ts)
 * against the general generator-based one: the same rows in the same order, the same
 * errors, on random schemas, data and queries (fixed seeds). The differential tests
 * compare unordered results as multisets, so a fast path visiting rows in another order
 * would pass there and fail here. Also: the statement cursor's lifecycle (early close,
 * interleaved executions, errors mid-scan), length() counting and sum()'s number mode.
 */
import { assertEquals, assertThrows } from "@std/assert";
import fc from "fast-check";
import { DatabaseSync } from "node:sqlite";
import { Database, SqliteError } from "../../mod.ts";
import { fastPathSwitch } from "../../src/sql/fast_select.ts";
import { utf8CharCount } from "../../src/record/utf8.ts";
import { generateSchema, generateStatement, Rng } from "./diff_gen.ts";

type Outcome = unknown[][] | string;

function outcome(run: () => unknown[][]): Outcome {
  try {
    return run();
  } catch (e) {
    return `${(e as SqliteError).code}: ${(e as Error).message}`;
  }
}

/** Runs `sql` through the fast path and through the general executor. */
function both(db: Database, sql: string, params: unknown[] = []): [Outcome, Outcome] {
  const run = () => db.prepare(sql).values(...(params as never[]));
  fastPathSwitch.disabled = true;
  let general: Outcome;
  try {
    general = outcome(run);
  } finally {
    fastPathSwitch.disabled = false;
  }
  return [outcome(run), general];
}

function canon(o: Outcome): unknown {
  if (typeof o === "string") return o;
  return o.map((r) => r.map((v) => v instanceof Uint8Array ? `x'${[...v].join(",")}'` : v));
}

for (const [seed, small] of [[21, false], [22, false], [23, true]] as const) {
  Deno.test(`fast path agrees with the general executor, generated statements, seed ${seed}`, () => {
    const rng = new Rng(seed);
    const db = new Database(":memory:", small ? { pageSize: 512, cacheSize: 10 } : {});
    const schema = generateSchema(rng);
    for (const sql of schema.ddl) db.exec(sql);
    let selects = 0;
    let withRows = 0;
    for (let i = 0; i < 1500; i++) {
      const st = generateStatement(rng, schema);
      if (!st.sql.startsWith("SELECT")) {
        try {
          db.prepare(st.sql).run(...st.params);
        } catch {
          // constraint failures are part of the workload
        }
        continue;
      }
      const [fast, general] = both(db, st.sql, st.params);
      assertEquals(canon(fast), canon(general), `seed ${seed} #${i}: ${st.sql}`);
      selects++;
      if (typeof fast !== "string" && fast.length > 0) withRows++;
    }
    // The comparison must have had something to compare.
    assertEquals(
      selects > 300 && withRows > 100,
      true,
      `${selects} selects, ${withRows} with rows`,
    );
    db.close();
  });
}

const COLUMNS = ["id", "a", "b", "c"];
const term = fc.oneof(
  fc.tuple(
    fc.constantFrom(...COLUMNS, "rowid"),
    fc.constantFrom("=", "<", "<=", ">", ">=", "!=", "IS"),
    fc.oneof(
      fc.integer({ min: -5, max: 60 }),
      fc.constantFrom("'k3'", "'K3'", "'x'", "NULL", "2.5"),
    ),
  ).map(([c, op, v]) => `${c} ${op} ${v}`),
  fc.tuple(
    fc.constantFrom(...COLUMNS),
    fc.array(fc.integer({ min: -2, max: 50 }), { maxLength: 4 }),
  )
    .map(([c, vs]) => `${c} IN (${vs.join(", ")})`),
  fc.tuple(fc.constantFrom(...COLUMNS), fc.integer({ min: -5, max: 50 }), fc.nat(20))
    .map(([c, lo, w]) => `${c} BETWEEN ${lo} AND ${lo + w}`),
  fc.constantFrom("c IS NULL", "b LIKE 'k1%'", "length(b) > 2", "abs(a) = 3"),
);
const query = fc.record({
  cols: fc.constantFrom("*", "id, b", "a, c, rowid", "length(b), b", "c || b, id"),
  where: fc.array(term, { maxLength: 3 }),
  order: fc.constantFrom("", "id", "id DESC", "a", "a DESC", "b", "b COLLATE NOCASE DESC", "c"),
  limit: fc.constantFrom("", "LIMIT 3", "LIMIT 5 OFFSET 2", "LIMIT -1 OFFSET 4", "LIMIT 0"),
  agg: fc.constantFrom("", "", "", "count(*), sum(a), max(length(b))", "a, count(*)", "DISTINCT"),
  hint: fc.constantFrom("", "", "NOT INDEXED", "INDEXED BY t_a", "INDEXED BY t_bc"),
});

Deno.test("fast path agrees with the general executor and SQLite on indexed queries", () => {
  const ours = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  const ddl = `CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT COLLATE NOCASE, c REAL);
    CREATE INDEX t_a ON t(a DESC);
    CREATE INDEX t_bc ON t(b, c);`;
  ours.exec(ddl);
  theirs.exec(ddl);
  const rng = new Rng(7);
  for (let i = 1; i <= 300; i++) {
    const sql = `INSERT INTO t VALUES (${i * 3 - rng.int(3)}, ${
      rng.chance(0.1) ? "NULL" : rng.int(40) - 5
    }, ${rng.chance(0.1) ? "NULL" : `'${rng.pick(["k", "K", "x"])}${rng.int(30)}'`}, ${
      rng.chance(0.2) ? "NULL" : (rng.int(200) / 4).toString()
    })`;
    ours.exec(sql);
    theirs.exec(sql);
  }
  let nonEmpty = 0;
  fc.assert(
    fc.property(query, (q) => {
      if (q.agg === "a, count(*)" && q.order === "") q.order = "a";
      let cols: string = q.cols;
      let tail = "";
      if (q.agg === "DISTINCT") cols = `DISTINCT ${q.cols === "*" ? "a, b" : q.cols}`;
      else if (q.agg === "a, count(*)") {
        cols = q.agg;
        tail = " GROUP BY a";
      } else if (q.agg) cols = q.agg;
      // ORDER BY terms that name a result column only when the result has one.
      const order = q.order &&
          (q.agg === "" || q.agg === "DISTINCT" && cols.includes(q.order.split(" ")[0]) ||
            q.order.startsWith("a"))
        ? ` ORDER BY ${q.order}`
        : "";
      const where = q.where.length ? ` WHERE ${q.where.join(" AND ")}` : "";
      const sql = `SELECT ${cols} FROM t ${q.hint}${where}${tail}${order} ${q.limit}`;
      const [fast, general] = both(ours, sql);
      assertEquals(canon(fast), canon(general), sql);
      if (typeof fast === "string") return;
      if (fast.length > 0) nonEmpty++;
      // Against SQLite, as a multiset (only a total ORDER BY fixes the order).
      const p = theirs.prepare(sql);
      (p as unknown as { setReturnArrays(v: boolean): void }).setReturnArrays(true);
      const expected = (p.all() as unknown as unknown[][]).map((r) => JSON.stringify(r));
      const got = fast.map((r) => JSON.stringify(r));
      if (!q.limit) assertEquals(got.sort(), expected.sort(), sql);
      else assertEquals(got.length, expected.length, sql);
    }),
    { seed: 42, numRuns: 1500 },
  );
  assertEquals(nonEmpty > 300, true, `${nonEmpty} queries with rows`);
  ours.close();
  theirs.close();
});

Deno.test("rowid ranges: exact integer bounds skip their WHERE terms, others do not", () => {
  const ours = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  const ddl = "CREATE TABLE r(id INTEGER PRIMARY KEY, v TEXT)";
  ours.exec(ddl);
  theirs.exec(ddl);
  for (const id of [-9223372036854775808n, -3, 1, 2, 4, 5, 7, 9223372036854775807n]) {
    ours.prepare("INSERT INTO r VALUES (?, 'x')").run(id);
    theirs.prepare("INSERT INTO r VALUES (?, 'x')").run(id);
  }
  const bounds = ["-3", "2", "4", "5", "7", "'4'", "4.0", "4.5", "-9223372036854775808"];
  bounds.push("9223372036854775807", "NULL", "x'00'", "'a'");
  let rows = 0;
  for (const lop of [">", ">="]) {
    for (const hop of ["<", "<="]) {
      for (const lo of bounds) {
        for (const hi of ["2", "5", "7", "5.5", "'5'", "9223372036854775807"]) {
          for (const dir of ["", " ORDER BY id DESC"]) {
            const sql = `SELECT id FROM r WHERE id ${lop} ${lo} AND rowid ${hop} ${hi}${dir}`;
            const [fast, general] = both(ours, sql);
            assertEquals(canon(fast), canon(general), sql);
            const p = theirs.prepare(sql);
            p.setReadBigInts(true);
            const expected = p.all().map((r) => {
              const v = r.id as bigint;
              return [v >= -(2n ** 53n) && v < 2n ** 53n ? Number(v) : v];
            });
            assertEquals(fast, expected, sql);
            rows += expected.length;
          }
        }
      }
    }
  }
  assertEquals(rows > 500, true);
  ours.close();
  theirs.close();
});

Deno.test("statement cursors: early close ends the read, executions interleave, errors end it", () => {
  using db = new Database(":memory:");
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v)");
  const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
  for (let i = 0; i < 50; i++) ins.run(i === 30 ? -9223372036854775808n : i);
  const scan = db.prepare("SELECT id, v FROM t WHERE id <= ?");
  // Two executions of one statement at once: each has its own position.
  const a = scan.iterate(10);
  const b = scan.iterate(10);
  assertEquals(a.next().value, { id: 1, v: 0 });
  assertEquals(b.next().value, { id: 1, v: 0 });
  assertEquals(b.next().value, { id: 2, v: 1 });
  assertEquals(a.next().value, { id: 2, v: 1 });
  a.return();
  assertEquals([...b].length, 8);
  // Stopping early ends the statement: a write transaction can start.
  for (const _ of scan.iterate(50)) break;
  db.exec("BEGIN IMMEDIATE; COMMIT");
  assertEquals(db.inTransaction, false);
  // An error on row 31 ends the statement with SQLite's error; the statement runs again.
  const abs = db.prepare("SELECT abs(v) FROM t WHERE id > ?");
  const err = assertThrows(() => abs.all(0), SqliteError);
  assertEquals([err.code, err.message], ["SQLITE_ERROR", "integer overflow"]);
  assertEquals(abs.all(31).length, 19);
  db.exec("BEGIN IMMEDIATE; COMMIT");
  // get() takes one row and closes; a point lookup that misses returns undefined.
  assertEquals(db.prepare("SELECT v FROM t WHERE id = ?").get(3), { v: 2 });
  assertEquals(db.prepare("SELECT v FROM t WHERE id = ?").get(999), undefined);
  assertEquals(db.prepare("SELECT v FROM t WHERE id = ?").get("3"), { v: 2 });
});

Deno.test("binding: anonymous, numbered and named parameters, errors", () => {
  using db = new Database(":memory:");
  const one = db.prepare("SELECT ?, ?");
  assertEquals(one.values(1), [[1, null]]);
  assertEquals(one.values(1, "x"), [[1, "x"]]);
  assertEquals(assertThrows(() => one.values(1, 2, 3), SqliteError).code, "SQLITE_RANGE");
  assertEquals(one.values({}), [[null, null]]);
  const mixed = db.prepare("SELECT ?2, ?1, :a");
  assertEquals(mixed.values({ a: 3 }, 1, 2), [[2, 1, 3]]);
  const e = assertThrows(() => one.values(1, {} as never), SqliteError);
  assertEquals(e.code, "SQLITE_MISMATCH");
  assertEquals(e.message, "Provided value cannot be bound to SQLite parameter 2.");
});

Deno.test("length() counts stored TEXT as SQLite does, fast loop or not", () => {
  const ref = (buf: Uint8Array, start: number, end: number) => {
    let p = start;
    let n = 0;
    while (p < end && buf[p] !== 0) {
      n++;
      if (buf[p++] >= 0xc0) { while (p < end && (buf[p] & 0xc0) === 0x80) p++; }
    }
    return n;
  };
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.integer({ min: 1, max: 127 }), fc.integer({ min: 0, max: 255 })), {
        maxLength: 120,
      }),
      fc.nat(7),
      fc.nat(130),
      (bytes, off, cut) => {
        const buf = new Uint8Array(140);
        buf.set(bytes, off);
        const end = off + Math.min(bytes.length, cut);
        assertEquals(utf8CharCount(buf, off, end), ref(buf, off, end));
      },
    ),
    { seed: 5, numRuns: 5000 },
  );
  using db = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  for (const d of [db, theirs]) d.exec("CREATE TABLE s(x TEXT)");
  const texts = [
    "",
    "abc",
    "é".repeat(20),
    "a".repeat(40) + "\u{1F600}" + "b".repeat(9),
    "x".repeat(33),
  ];
  for (const t of texts) {
    db.prepare("INSERT INTO s VALUES (?)").run(t);
    theirs.prepare("INSERT INTO s VALUES (?)").run(t);
  }
  const sql = "SELECT length(x) AS n FROM s ORDER BY rowid";
  assertEquals(db.prepare(sql).all(), theirs.prepare(sql).all().map((r) => ({ ...r })));
  theirs.close();
});

Deno.test("sum() keeps exact integers across 2^53 and still overflows as SQLite", () => {
  using db = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  // Literals, not bound numbers: node:sqlite binds every JS number as REAL.
  const rows = [
    "(9007199254740000), (1000), (5)",
    "(9223372036854775807), (1)",
    "(-9007199254740991), (-1), (2.5), (1)",
    "(1), (NULL), ('7'), (2)",
    "(4503599627370496), (4503599627370496), (-3)",
  ];
  for (const [i, vals] of rows.entries()) {
    for (const d of [db, theirs]) d.exec(`CREATE TABLE s${i}(x); INSERT INTO s${i} VALUES ${vals}`);
    const sql = `SELECT sum(x) AS s, total(x) AS t, avg(x) AS a FROM s${i}`;
    const ours = outcome(() => db.prepare(sql).values());
    let expected: Outcome;
    try {
      const p = theirs.prepare(sql);
      p.setReadBigInts(true);
      (p as unknown as { setReturnArrays(v: boolean): void }).setReturnArrays(true);
      expected = (p.all() as unknown as unknown[][]).map((r) =>
        r.map((v) => typeof v === "bigint" && v >= -(2n ** 53n) && v < 2n ** 53n ? Number(v) : v)
      );
    } catch (e) {
      expected = `SQLITE_ERROR: ${(e as Error).message}`;
    }
    assertEquals(ours, expected, sql);
  }
  theirs.close();
});
