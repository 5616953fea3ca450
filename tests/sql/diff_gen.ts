/**
 * Random schemas and statements for the differential tests (seeded, deterministic).
 * Only SQL that tsqlite supports is generated: single-table statements.
 */

/** A small deterministic PRNG (mulberry32). */
export class Rng {
  private s: number;
  /** Seeds the generator. */
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** A float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** One of the items. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** A generated column. */
export interface GenColumn {
  name: string;
  type: string;
  nocase: boolean;
  notNull: boolean;
  /** Part of a UNIQUE or PRIMARY KEY constraint or a unique index. */
  unique?: boolean;
}

/** A generated table. */
export interface GenTable {
  name: string;
  columns: GenColumn[];
  /** Has an INTEGER PRIMARY KEY named id. */
  rowidAlias: boolean;
}

/** A generated schema. */
export interface GenSchema {
  tables: GenTable[];
  ddl: string[];
}

/** A generated statement with its parameters. */
export interface GenStatement {
  sql: string;
  params: (null | number | string | Uint8Array)[];
  /** The result order is fully determined (compare in order). */
  ordered: boolean;
}

const TYPES = ["INTEGER", "INT", "TEXT", "REAL", "BLOB", "", "NUMERIC", "VARCHAR(10)", "DOUBLE"];

/** Makes 2-3 tables with random columns, keys, constraints and indexes. */
export function generateSchema(rng: Rng): GenSchema {
  const tables: GenTable[] = [];
  const ddl: string[] = [];
  const n = 2 + rng.int(2);
  for (let t = 0; t < n; t++) {
    const name = `t${t}`;
    const cols: GenColumn[] = [];
    const defs: string[] = [];
    const rowidAlias = rng.chance(0.5);
    if (rowidAlias) defs.push("id INTEGER PRIMARY KEY");
    const ncols = 2 + rng.int(4);
    for (let c = 0; c < ncols; c++) {
      const type = rng.pick(TYPES);
      const nocase = rng.chance(0.15);
      const notNull = rng.chance(0.15);
      let def = `c${c}${type ? " " + type : ""}`;
      if (notNull) def += ` NOT NULL DEFAULT ${rng.pick(["0", "''", "1.5", "'x'"])}`;
      else if (rng.chance(0.2)) def += ` DEFAULT ${rng.pick(["7", "'d'", "NULL", "-2.5"])}`;
      if (nocase) def += " COLLATE NOCASE";
      const unique = rng.chance(0.1);
      if (unique) def += " UNIQUE";
      defs.push(def);
      cols.push({ name: `c${c}`, type, nocase, notNull, unique });
    }
    if (!rowidAlias && rng.chance(0.4)) {
      const k = rng.int(Math.min(2, ncols)) + 1;
      defs.push(`PRIMARY KEY(${cols.slice(0, k).map((c) => c.name).join(", ")})`);
      cols.slice(0, k).forEach((c) => c.unique = true);
    }
    ddl.push(`CREATE TABLE ${name}(${defs.join(", ")})`);
    const nidx = rng.int(3);
    for (let i = 0; i < nidx; i++) {
      const a = rng.pick(cols);
      const b = rng.chance(0.4) ? rng.pick(cols) : undefined;
      const parts = [a, b].filter((x): x is GenColumn => x !== undefined && (x === a || x !== a))
        .filter((x, j, arr) => arr.indexOf(x) === j)
        .map((x) =>
          `${x.name}${rng.chance(0.1) ? " COLLATE NOCASE" : ""}${rng.chance(0.3) ? " DESC" : ""}`
        );
      const unique = rng.chance(0.2) ? "UNIQUE " : "";
      if (unique) [a, b].forEach((c) => c && (c.unique = true));
      ddl.push(`CREATE ${unique}INDEX ${name}_i${i} ON ${name}(${parts.join(", ")})`);
    }
    tables.push({ name, columns: cols, rowidAlias });
  }
  return { tables, ddl };
}

class ExprGen {
  params: GenStatement["params"] = [];
  constructor(
    private rng: Rng,
    private table: GenTable | undefined,
    /** For joins: the FROM items by alias (columns are then qualified). */
    private joined?: { alias: string; table: GenTable }[],
  ) {}

  literal(): string {
    const r = this.rng;
    switch (r.int(12)) {
      case 0:
        return "NULL";
      case 1:
        return String(r.int(10) - 3);
      case 2:
        return String(r.int(1000000) - 500000);
      case 3:
        // Below 2^51: once a rowid is 2^63-1 the next one is random (SQLite's choice and ours
        // differ), and SQLite's rowid seeks refuse REALs from 2^51 up although they compare
        // equal, so results would depend on the join order. (Extremes: tests/eval.)
        return r.pick([
          "1125899906842624",
          "-1125899906842623",
          "4294967296",
          "281474976710656",
        ]);
      case 4:
        return r.pick(["0.5", "-1.25", "3.0", "1e3", "2.5e-3", "100.0"]);
      case 5:
        return `'${
          r.pick(["a", "B", "abc", "ABC", "", " x ", "10", "2.5", "-7", "1e2", "0x10", "xyz"])
        }'`;
      case 6:
        // Valid UTF-8 only: JS strings cannot hold the invalid text CAST(x'ff' AS TEXT) makes.
        return r.pick(["x''", "x'00'", "x'41'", "x'6162'"]);
      case 7:
      case 8:
        return this.param();
      default:
        return String(r.int(6));
    }
  }

  param(): string {
    const r = this.rng;
    const v = r.pick<GenStatement["params"][number]>([
      null,
      r.int(10),
      r.int(2000) - 1000,
      (r.int(1000) - 500) / 8 + 0.0625,
      r.pick(["a", "A", "b", "12", "3.5", "", "zz"]),
      new Uint8Array([r.int(128)]),
    ]);
    this.params.push(v);
    return "?";
  }

  column(): string {
    if (this.joined) {
      const j = this.rng.pick(this.joined);
      const c = j.table.rowidAlias && this.rng.chance(0.15)
        ? "id"
        : this.rng.pick(j.table.columns).name;
      return `${j.alias}.${c}`;
    }
    const t = this.table!;
    if (t.rowidAlias && this.rng.chance(0.15)) return "id";
    if (this.rng.chance(0.05)) return "rowid";
    return this.rng.pick(t.columns).name;
  }

  expr(depth: number): string {
    const r = this.rng;
    if (depth <= 0 || r.chance(0.3)) {
      return this.table && r.chance(0.6) ? this.column() : this.literal();
    }
    const e = () => this.expr(depth - 1);
    switch (r.int(16)) {
      case 0:
      case 1:
        return `(${e()} ${r.pick(["+", "-", "*", "/", "%", "||", "&", "|", "<<", ">>"])} ${e()})`;
      case 2:
      case 3:
        return `(${e()} ${r.pick(["=", "!=", "<", "<=", ">", ">=", "IS", "IS NOT", "=="])} ${e()})`;
      case 4:
        return `(${e()} ${r.pick(["AND", "OR"])} ${e()})`;
      case 5:
        return `(${r.pick(["-", "NOT ", "+", "~"])}${e()})`;
      case 6:
        return `${
          // No abs(): abs(-2^63) raises an error, and whether a row reaches it depends on
          // the order rows are visited in (SQLite's min/max optimisation stops early).
          r.pick([
            "sign",
            "length",
            "upper",
            "lower",
            "typeof",
            "hex",
            "quote",
            "unicode",
            "round",
          ])}(${e()})`;
      case 7:
        return `${r.pick(["coalesce", "ifnull", "nullif", "max", "min", "instr"])}(${e()}, ${e()})`;
      case 8:
        return `substr(${e()}, ${e()}${r.chance(0.5) ? ", " + e() : ""})`;
      case 9:
        return `CASE ${r.chance(0.5) ? e() + " " : ""}WHEN ${e()} THEN ${e()} ${
          r.chance(0.5) ? "ELSE " + e() + " " : ""
        }END`;
      case 10:
        return `(${e()} ${r.chance(0.2) ? "NOT " : ""}BETWEEN ${e()} AND ${e()})`;
      case 11:
        return `(${e()} ${r.chance(0.2) ? "NOT " : ""}IN (${
          Array.from({ length: 1 + r.int(3) }, e).join(", ")
        }))`;
      case 12:
        return `(${e()} ${r.chance(0.2) ? "NOT " : ""}${r.pick(["LIKE", "GLOB"])} ${
          r.pick(["'a%'", "'%b%'", "'_'", "'A*'", "'1%'", e()])
        })`;
      case 13:
        return `CAST(${e()} AS ${r.pick(["INTEGER", "TEXT", "REAL", "NUMERIC", "BLOB"])})`;
      case 14:
        return `(${e()} COLLATE ${r.pick(["NOCASE", "BINARY", "RTRIM"])} = ${e()})`;
      default:
        return `(${e()} IS ${r.chance(0.5) ? "NOT " : ""}NULL)`;
    }
  }

  /** A WHERE condition that often uses indexable shapes. */
  condition(): string {
    const r = this.rng;
    if (r.chance(0.5)) {
      const col = this.column();
      switch (r.int(5)) {
        case 0:
          return `${col} = ${this.literal()}`;
        case 1:
          return `${col} ${r.pick([">", ">=", "<", "<="])} ${this.literal()}`;
        case 2:
          return `${col} BETWEEN ${this.literal()} AND ${this.literal()}`;
        case 3:
          return `${col} IN (${this.literal()}, ${this.literal()})`;
        default:
          return `${col} = ${this.literal()} AND ${this.column()} > ${this.literal()}`;
      }
    }
    return this.expr(3);
  }
}

/** One random statement on a random table of the schema. */
export function generateStatement(rng: Rng, schema: GenSchema): GenStatement {
  const t = rng.pick(schema.tables);
  const g = new ExprGen(rng, t);
  const kind = rng.int(20);
  if (kind < 7) {
    const or = rng.pick(["", "", "OR IGNORE ", "OR REPLACE "]);
    const cols = t.columns.filter(() => rng.chance(0.7));
    const use = cols.length ? cols : [t.columns[0]];
    const lit = new ExprGen(rng, undefined);
    const rows = Array.from(
      { length: 1 + rng.int(3) },
      () => `(${use.map(() => rng.chance(0.2) ? lit.expr(2) : lit.literal()).join(", ")})`,
    );
    return {
      sql: `INSERT ${or}INTO ${t.name}(${use.map((c) => c.name).join(", ")}) VALUES ${
        rows.join(", ")
      }`,
      params: lit.params,
      ordered: true,
    };
  }
  const updatable = t.columns.filter((c) => !c.unique);
  if (kind < 9 && updatable.length > 0) {
    // Not a unique column: whether an UPDATE hits a conflict midway depends on row order.
    const col = rng.pick(updatable).name;
    // No OR IGNORE/REPLACE: which conflicting row wins depends on the visiting order.
    const set = `${col} = ${g.expr(2)}`;
    return {
      sql: `UPDATE ${t.name} SET ${set} WHERE ${g.condition()}`,
      params: g.params,
      ordered: true,
    };
  }
  if (kind < 10) {
    return { sql: `DELETE FROM ${t.name} WHERE ${g.condition()}`, params: g.params, ordered: true };
  }
  if (kind < 13) {
    const col = g.column();
    const agg = rng.pick([
      "count(*)",
      `count(${col})`,
      `sum(${col})`,
      `total(${col})`,
      `min(${col})`,
      `max(${col})`,
      `avg(${col})`,
      `count(DISTINCT ${col})`,
    ]);
    const grouped = rng.chance(0.5);
    const where = rng.chance(0.5) ? ` WHERE ${g.condition()}` : "";
    if (grouped) {
      // Not a NOCASE column: which member of a group of 'a' and 'A' is shown is arbitrary.
      const plainCols = t.columns.filter((c) => !c.nocase);
      const key = plainCols.length ? rng.pick(plainCols).name : "rowid";
      const having = rng.chance(0.3) ? ` HAVING count(*) > ${rng.int(3)}` : "";
      return {
        sql: `SELECT ${key}, ${agg} FROM ${t.name}${where} GROUP BY ${key}${having}`,
        params: g.params,
        ordered: false,
      };
    }
    return { sql: `SELECT ${agg} FROM ${t.name}${where}`, params: g.params, ordered: true };
  }
  if (kind < 15) {
    // A join of two tables (possibly the same one twice), sometimes LEFT, sometimes with a
    // correlated subquery in the result.
    const a = rng.pick(schema.tables);
    const b = rng.pick(schema.tables);
    const jg = new ExprGen(rng, undefined, [{ alias: "a", table: a }, { alias: "b", table: b }]);
    const exprs = Array.from(
      { length: 1 + rng.int(3) },
      () => rng.chance(0.7) ? jg.column() : jg.expr(2),
    );
    if (rng.chance(0.25)) {
      const s = rng.pick(schema.tables);
      exprs.push(
        `(SELECT count(*) FROM ${s.name} AS s WHERE s.${
          rng.pick(s.columns).name
        } = ${jg.column()})`,
      );
    }
    const on = rng.chance(0.7) ? `${jg.column()} = ${jg.column()}` : jg.condition();
    const join = rng.pick(["JOIN", "LEFT JOIN", "CROSS JOIN", ","]);
    const onClause = join === "," || join === "CROSS JOIN" ? "" : ` ON ${on}`;
    const where = rng.chance(0.6) ? ` WHERE ${jg.condition()}` : join === "," ? ` WHERE ${on}` : "";
    const order = ` ORDER BY ${exprs.map((_, i) => `${i + 1} COLLATE BINARY`).join(", ")}`;
    return {
      sql: `SELECT ${
        exprs.join(", ")
      } FROM ${a.name} AS a ${join} ${b.name} AS b${onClause}${where}${order}`,
      params: jg.params,
      ordered: true,
    };
  }
  // A plain SELECT.
  const n = 1 + rng.int(3);
  const exprs = Array.from({ length: n }, () => rng.chance(0.6) ? g.column() : g.expr(3));
  const distinct = rng.chance(0.15) ? "DISTINCT " : "";
  const where = rng.chance(0.8) ? ` WHERE ${g.condition()}` : "";
  const ordered = rng.chance(0.5);
  let tail = "";
  if (ordered) {
    // Every output column, BINARY: the order is total up to identical rows.
    tail = ` ORDER BY ${
      exprs.map((_, i) => `${i + 1} COLLATE BINARY${rng.chance(0.3) ? " DESC" : ""}`).join(", ")
    }`;
    if (rng.chance(0.3)) {
      tail += ` LIMIT ${rng.int(5)}${rng.chance(0.5) ? " OFFSET " + rng.int(3) : ""}`;
    }
  }
  return {
    sql: `SELECT ${distinct}${exprs.join(", ")} FROM ${t.name}${where}${tail}`,
    params: g.params,
    ordered,
  };
}
