/**
 * SELECT on one table (or none): access path, WHERE, GROUP BY / aggregates / HAVING,
 * DISTINCT, ORDER BY, LIMIT / OFFSET.
 * @module
 */

import type { BTreeApi } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import { BINARY as BINARY_COLL, builtinCollation, type Collation } from "../record/collation.ts";
import { compareValues } from "../record/compare.ts";
import { castToInteger } from "../record/conversion.ts";
import { Real, type SqlValue } from "../record/value.ts";
import type { Catalog } from "../schema/catalog.ts";
import { foldName } from "../schema/names.ts";
import type { TableInfo } from "../schema/types.ts";
import type {
  Expr,
  FromItem,
  FunctionExpr,
  JoinSource,
  OrderingTerm,
  ResultColumn,
  Select,
  SelectCore,
  ValuesCore,
} from "./ast.ts";
import {
  type AggregateSink,
  allOf,
  compileCondition,
  type Compiled,
  compileExpr,
  type CompileOptions,
  type Condition,
  type SubqueryPlan,
} from "./compile_expr.ts";
import { ArrayRow, type Env, type Evaluator, NULL_ROW, type RowSource } from "./env.ts";
import { type AggregateState, CountStarState, makeAggregate } from "./aggregates.ts";
import {
  type Access,
  conjuncts,
  exprSources,
  type OrderColumn,
  type Plan,
  planAccess,
} from "./planner.ts";
import { rowViewFor } from "./access.ts";
import { CursorRow } from "./row.ts";
import { Scope, type Source } from "./scope.ts";
import { visitRows } from "./access.ts";
import { rowKey, valueKey } from "./value_key.ts";
import { applyComparisonAffinity } from "../record/affinity.ts";
import type { Rowid } from "../btree/types.ts";
import { walk, walkChildren } from "./walk.ts";
export { walk };
import { tableDefaults } from "./defaults.ts";
import { fastPathSwitch, SimpleSelect } from "./fast_select.ts";
import { GeneratorCursor, type RowCursor } from "./stepper.ts";

/** A compiled query: its column names and a function producing its rows. */
export interface Query {
  /** Result column names. */
  columns: string[];
  /** Declared types and origins of result columns that are plain column references. */
  columnInfo: { table: string | null; column: string | null; type: string | null }[];
  /** Produces the rows. */
  rows(env: Env): Generator<SqlValue[], void, undefined>;
  /** The same rows through a {@link RowCursor} (cheaper per row than the generator). */
  open?(env: Env): RowCursor;
  /** EXPLAIN QUERY PLAN lines. */
  plan: string[];
  /** Affinity and collation of the first result column (for subqueries). */
  first?: { affinity: Compiled["affinity"]; collation: string | null };
  /** Refers to enclosing queries. */
  correlated?: boolean;
  /** Collation of each result column (for DISTINCT and compound operators). */
  collations?: Collation[];
}

interface OutputColumn {
  name: string;
  compiled: Compiled;
  expr: Expr;
  alias?: string;
  info: Query["columnInfo"][number];
}

interface AggSpec {
  call: FunctionExpr;
  args: Compiled[];
}

/** Compiles a SELECT. */
export function compileSelect(
  sel: Select,
  catalog: Catalog,
  btree: BTreeApi,
  parent?: Scope,
): Query {
  if (sel.with) throw notSupported("WITH clauses");
  const hook = subqueryHook(catalog, btree);
  if (sel.compound.length > 0) return compileCompound(sel, catalog, btree, parent, hook);
  const core = sel.core;
  if (core.kind === "values") return compileValues(core.rows, sel, parent, hook);
  return compileCore(core, sel, catalog, btree, parent, hook);
}

/** One SELECT core (or VALUES) of a compound, with no ORDER BY or LIMIT of its own. */
function compileMember(
  core: SelectCore | ValuesCore,
  catalog: Catalog,
  btree: BTreeApi,
  parent: Scope | undefined,
  hook: CompileOptions["subquery"],
): Query {
  const sel: Select = { kind: "select", core, compound: [] };
  return core.kind === "values"
    ? compileValues(core.rows, sel, parent, hook)
    : compileCore(core, sel, catalog, btree, parent, hook);
}

/**
 * UNION [ALL], INTERSECT and EXCEPT, left to right. As in SQLite, the set operators give
 * distinct rows in ascending order (they go through a temporary index); UNION ALL keeps
 * each side's order.
 */
function compileCompound(
  sel: Select,
  catalog: Catalog,
  btree: BTreeApi,
  parent: Scope | undefined,
  hook: CompileOptions["subquery"],
): Query {
  const first = compileMember(sel.core, catalog, btree, parent, hook);
  const n = first.columns.length;
  const members = sel.compound.map((c) => {
    const q = compileMember(c.core, catalog, btree, parent, hook);
    if (q.columns.length !== n) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `SELECTs to the left and right of ${c.op} do not have the same number of result columns`,
      );
    }
    return { op: c.op, q };
  });
  const colls = first.collations ?? new Array(n).fill(BINARY_COLL);
  const compareRows = (a: SqlValue[], b: SqlValue[]) => {
    for (let i = 0; i < n; i++) {
      const c = compareValues(a[i], b[i], colls[i]);
      if (c !== 0) return c;
    }
    return 0;
  };
  // ORDER BY terms name result columns: by number, by name or alias, or as the same expression.
  const scope = new Scope([], parent);
  const sortKeys = (sel.orderBy ?? []).map((t, i) => {
    let e = t.expr;
    let explicit: string | undefined;
    if (e.kind === "collate") {
      explicit = e.collation;
      e = e.expr;
    }
    let k = -1;
    if (e.kind === "literal" && typeof e.value === "number" && Number.isInteger(e.value)) {
      k = e.value - 1;
      if (k < 0 || k >= n) {
        throw new SqliteError(
          "SQLITE_ERROR",
          `${ordinal(i + 1)} ORDER BY term out of range - should be between 1 and ${n}`,
        );
      }
    } else if (e.kind === "column" && e.table === undefined) {
      k = first.columns.findIndex((c) => foldName(c) === foldName(e.name));
    }
    if (k < 0) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `${ordinal(i + 1)} ORDER BY term does not match any column in the result set`,
      );
    }
    const desc = t.order === "DESC";
    return {
      k,
      desc,
      nullsFirst: t.nulls ? t.nulls === "FIRST" : !desc,
      coll: explicit ? builtinCollation(explicit.toUpperCase()) ?? colls[k] : colls[k],
    };
  });
  const limit = sel.limit ? compileExpr(sel.limit, scope, { subquery: hook }).fn : undefined;
  const offset = sel.offset ? compileExpr(sel.offset, scope, { subquery: hook }).fn : undefined;
  return {
    columns: first.columns,
    columnInfo: first.columnInfo,
    plan: ["COMPOUND QUERY"],
    first: first.first,
    collations: colls,
    correlated: first.correlated || members.some((m) => m.q.correlated),
    *rows(env) {
      let rows: SqlValue[][] = [...first.rows(env)];
      let distinct = false;
      for (const m of members) {
        const right = [...m.q.rows(env)];
        if (m.op === "UNION ALL") {
          rows = rows.concat(right);
          continue;
        }
        const keyOf = (r: SqlValue[]) => rowKey(r, colls);
        if (m.op === "UNION") {
          rows = rows.concat(right);
        } else {
          const other = new Set(right.map(keyOf));
          rows = rows.filter((r) => other.has(keyOf(r)) === (m.op === "INTERSECT"));
        }
        // Equal rows (under the collations) collapse to the last one, as when SQLite inserts
        // them into its temporary index.
        const byKey = new Map<string, SqlValue[]>();
        for (const r of rows) byKey.set(keyOf(r), r);
        rows = [...byKey.values()];
        rows.sort(compareRows);
        distinct = true;
      }
      void distinct;
      if (sortKeys.length > 0) {
        const ks = (r: SqlValue[]) => sortKeys.map((s) => r[s.k]);
        rows.sort((a, b) => compareSortKeys(ks(a), ks(b), sortKeys));
      }
      let lim = evalLimit(limit, env, -1);
      let off = Math.max(0, evalLimit(offset, env, 0));
      for (const r of rows) {
        if (lim === 0) return;
        if (off > 0) {
          off--;
          continue;
        }
        yield r;
        if (lim > 0) lim--;
      }
    },
  };
}

function notSupported(what: string): SqliteError {
  return new SqliteError("SQLITE_ERROR", `${what} are not supported yet`);
}

/** One table of a FROM clause, in loop order. */
export interface FromLevel {
  /** The table and the name it goes by. */
  source: Source;
  /** A LEFT JOIN: when no row matches, the loop continues with a row of NULLs. */
  left: boolean;
  /** The LEFT JOIN's ON (and USING / NATURAL) terms; inner joins add theirs to WHERE. */
  on: Expr[];
  /** INDEXED BY / NOT INDEXED. */
  hint: { indexedBy?: string; notIndexed?: boolean };
}

/** The FROM clause as nested-loop levels, plus the join terms that act like WHERE terms. */
export function flattenFrom(
  from: FromItem | undefined,
  catalog: Catalog,
): { levels: FromLevel[]; terms: Expr[] } {
  const levels: FromLevel[] = [];
  const terms: Expr[] = [];
  const col = (source: string, name: string): Expr => ({
    kind: "column",
    table: source,
    name,
    doubleQuoted: false,
  });
  const add = (item: FromItem, join?: JoinSource) => {
    if (item.kind === "join") {
      add(item.left);
      if (item.right.kind === "join") throw notSupported("parenthesised joins on the right");
      add(item.right, item);
      return;
    }
    if (item.kind === "subquery") throw notSupported("subqueries in FROM");
    if (item.kind === "function") throw notSupported("table-valued functions");
    const source: Source = {
      name: item.alias ?? item.name,
      table: lookupTable(catalog, item.name, item.schema),
    };
    for (const l of levels) {
      if (foldName(l.source.name) === foldName(source.name)) {
        throw new SqliteError("SQLITE_ERROR", `ambiguous column name: ${source.name}`);
      }
    }
    const level: FromLevel = {
      source,
      left: false,
      on: [],
      hint: { indexedBy: item.indexedBy, notIndexed: item.notIndexed },
    };
    if (join) {
      if (join.type === "right" || join.type === "full") {
        throw notSupported("RIGHT and FULL OUTER JOINs");
      }
      level.left = join.type === "left";
      const joinTerms: Expr[] = [];
      let using = join.using;
      if (join.natural) {
        // NATURAL: the columns the right table shares with the tables to its left.
        using = source.table.columns.map((c) => c.name).filter((n) =>
          levels.some((l) => l.source.table.columns.some((c) => foldName(c.name) === foldName(n)))
        );
      }
      for (const name of using ?? []) {
        const key = foldName(name);
        const leftLevel = levels.find((l) =>
          !l.source.hidden?.has(key) &&
          l.source.table.columns.some((c) => foldName(c.name) === key)
        );
        if (!leftLevel || !source.table.columns.some((c) => foldName(c.name) === key)) {
          throw new SqliteError(
            "SQLITE_ERROR",
            `cannot join using column ${name} - column not present in both tables`,
          );
        }
        joinTerms.push({
          kind: "binary",
          op: "=",
          left: col(leftLevel.source.name, name),
          right: col(source.name, name),
        });
        (source.hidden ??= new Set()).add(key);
      }
      if (join.on) joinTerms.push(...conjuncts(join.on));
      if (level.left) level.on = joinTerms;
      else terms.push(...joinTerms);
    } else if (levels.length > 0) {
      // A comma join of an item that is itself a join's left side: nothing to add.
    }
    levels.push(level);
  };
  if (from) add(from);
  return { levels, terms };
}

/** Finds a table, with SQLite's errors for what it is not. */
export function lookupTable(catalog: Catalog, name: string, schema?: string): TableInfo {
  if (schema !== undefined && foldName(schema) !== "main") {
    throw new SqliteError("SQLITE_ERROR", `unknown database ${schema}`);
  }
  const t = catalog.table(name);
  if (t) return t;
  const other = catalog.others.get(foldName(name));
  if (other?.type === "view") throw notSupported("views");
  throw new SqliteError("SQLITE_ERROR", `no such table: ${schema ? schema + "." : ""}${name}`);
}

/** The name and origin of a result column. */
export function resultColumnInfo(
  rc: Extract<ResultColumn, { kind: "expr" }>,
  sources: Source[],
): OutputColumn["info"] & { name: string } {
  const e = rc.expr;
  if (e.kind === "column") {
    for (const s of sources) {
      if (e.table !== undefined && foldName(e.table) !== foldName(s.name)) continue;
      const t = s.table;
      let ci = t.columns.findIndex((c) => foldName(c.name) === foldName(e.name));
      if (ci < 0 && ["rowid", "oid", "_rowid_"].includes(foldName(e.name))) ci = t.rowidAlias;
      if (ci >= 0) {
        const name = rc.alias ?? t.columns[ci].name;
        return {
          name,
          table: t.name,
          column: t.columns[ci].name,
          type: t.columns[ci].type || null,
        };
      }
      if (["rowid", "oid", "_rowid_"].includes(foldName(e.name))) {
        return { name: rc.alias ?? "rowid", table: t.name, column: "rowid", type: "INTEGER" };
      }
    }
  }
  const text = (rc as { text?: string }).text;
  return { name: rc.alias ?? text ?? exprText(e), table: null, column: null, type: null };
}

/** A fallback rendering of an expression (result names use the source text when known). */
function exprText(e: Expr): string {
  switch (e.kind) {
    case "column":
      return e.table ? `${e.table}.${e.name}` : e.name;
    case "literal":
      return typeof e.value === "string"
        ? `'${e.value.replaceAll("'", "''")}'`
        : String(e.value instanceof Real ? e.value.value : e.value);
    case "function":
      return `${e.name}(${e.star ? "*" : e.args.map(exprText).join(",")})`;
    default:
      return e.kind;
  }
}

/** Expands `*` and `t.*` into column references. */
export function expandColumns(
  columns: ResultColumn[],
  sources: Source[],
): Extract<ResultColumn, { kind: "expr" }>[] {
  const out: Extract<ResultColumn, { kind: "expr" }>[] = [];
  for (const rc of columns) {
    if (rc.kind === "expr") {
      out.push(rc);
      continue;
    }
    const picked = rc.kind === "star"
      ? sources
      : sources.filter((s) => foldName(s.name) === foldName(rc.table));
    if (rc.kind === "star" && sources.length === 0) {
      throw new SqliteError("SQLITE_ERROR", "no tables specified");
    }
    if (rc.kind === "tableStar" && picked.length === 0) {
      throw new SqliteError("SQLITE_ERROR", `no such table: ${rc.table}`);
    }
    for (const s of picked) {
      for (const c of s.table.columns) {
        if (rc.kind === "star" && s.hidden?.has(foldName(c.name))) continue;
        out.push({
          kind: "expr",
          expr: { kind: "column", table: s.name, name: c.name, doubleQuoted: false },
        });
      }
    }
  }
  return out;
}

function hasAggregate(e: Expr | undefined): boolean {
  if (!e) return false;
  let found = false;
  walk(e, (n) => {
    if (n.kind === "function" && !n.over && isAggregateCall(n)) found = true;
  });
  return found;
}

import { isAggregateName } from "./eval/aggregate.ts";
function isAggregateCall(f: FunctionExpr): boolean {
  return isAggregateName(f.name.toLowerCase(), f.star ? 0 : f.args.length);
}

/** Evaluates LIMIT / OFFSET: an integer, or SQLite's "datatype mismatch". */
export function evalLimit(fn: Evaluator | undefined, env: Env, dflt: number): number {
  if (!fn) return dflt;
  let v = fn(env);
  if (typeof v === "string") {
    const n = castToInteger(v);
    if (String(n) === v.trim()) v = n;
  }
  if (v instanceof Real) v = v.value;
  if (typeof v === "bigint") return v < 0n ? -1 : Number.MAX_SAFE_INTEGER;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new SqliteError("SQLITE_MISMATCH", "datatype mismatch");
  }
  return v;
}

/** The hook that lets expressions compile subqueries (in their own scope's context). */
export function subqueryHook(catalog: Catalog, btree: BTreeApi): CompileOptions["subquery"] {
  return (select: Select, scope: Scope): SubqueryPlan => {
    const q = compileSelect(select, catalog, btree, scope);
    return {
      columnCount: q.columns.length,
      affinity: q.first?.affinity ?? null,
      collation: q.first?.collation ?? null,
      correlated: q.correlated === true,
      *rows(env: Env) {
        const child: Env = {
          params: env.params,
          rows: [],
          aggs: [],
          ctx: env.ctx,
          outer: env,
          cache: env.cache,
        };
        yield* q.rows(child);
      },
    };
  };
}

function compileValues(
  rows: Expr[][],
  sel: Select,
  parent: Scope | undefined,
  hook: CompileOptions["subquery"],
): Query {
  const scope = new Scope([], parent);
  const xo = { subquery: hook };
  const compiled = rows.map((r) => r.map((e) => compileExpr(e, scope, xo).fn));
  const n = rows[0].length;
  for (const r of rows) {
    if (r.length !== n) {
      throw new SqliteError("SQLITE_ERROR", "all VALUES must have the same number of terms");
    }
  }
  if (sel.orderBy) throw notSupported("ORDER BY on VALUES");
  const limit = sel.limit ? compileExpr(sel.limit, scope, xo).fn : undefined;
  const offset = sel.offset ? compileExpr(sel.offset, scope, xo).fn : undefined;
  return {
    correlated: scope.usedOuter,
    columns: Array.from({ length: n }, (_, i) => `column${i + 1}`),
    columnInfo: Array.from({ length: n }, () => ({ table: null, column: null, type: null })),
    plan: [],
    *rows(env) {
      let lim = evalLimit(limit, env, -1);
      let off = Math.max(0, evalLimit(offset, env, 0));
      for (const r of compiled) {
        if (lim === 0) return;
        const vals = r.map((f) => f(env));
        if (off > 0) {
          off--;
          continue;
        }
        if (lim > 0) lim--;
        yield vals;
      }
    },
  };
}

interface SortKey {
  fn: Evaluator;
  desc: boolean;
  nullsFirst: boolean;
  coll: Collation;
  /** The ORDER BY term as a table column, when it is a plain column of source 0. */
  order?: OrderColumn;
}

function compileCore(
  core: SelectCore,
  sel: Select,
  catalog: Catalog,
  btree: BTreeApi,
  parent: Scope | undefined,
  hook: CompileOptions["subquery"],
): Query {
  if (core.windows) throw notSupported("window definitions");
  const flat = flattenFrom(core.from, catalog);
  const joinTerms = flat.terms;
  // `*` lists columns in FROM order, whatever order the loops run in.
  const items = expandColumns(core.columns, flat.levels.map((l) => l.source));
  const levels = orderJoin(flat.levels, [...conjuncts(core.where), ...joinTerms], parent);
  const sources = levels.map((l) => l.source);
  const n = levels.length;
  const scope = new Scope(sources, parent);
  const xo: CompileOptions = { subquery: hook };
  const tables = sources.map((s) => s.table);

  const aggregate = core.groupBy !== undefined ||
    items.some((rc) => hasAggregate(rc.expr)) || hasAggregate(core.having) ||
    (sel.orderBy ?? []).some((t) => hasAggregate(t.expr));
  if (core.having && !aggregate) {
    throw new SqliteError("SQLITE_ERROR", "a GROUP BY clause is required before HAVING");
  }

  const aggs: AggSpec[] = [];
  const sink: AggregateSink | undefined = aggregate
    ? {
      add(call, args) {
        aggs.push({ call, args });
        return aggs.length - 1;
      },
    }
    : undefined;

  if (core.where && hasAggregate(core.where)) {
    throw new SqliteError(
      "SQLITE_ERROR",
      "misuse of aggregate function " + firstAggName(core.where) + "()",
    );
  }
  const groupBy = (core.groupBy ?? []).map((e) => {
    if (hasAggregate(e)) {
      throw new SqliteError(
        "SQLITE_ERROR",
        "aggregate functions are not allowed in the GROUP BY clause",
      );
    }
    return resolveGroupTerm(e, items, scope, xo);
  });
  const outputs: OutputColumn[] = items.map((rc) => {
    const info = resultColumnInfo(rc, sources);
    return {
      name: info.name,
      compiled: compileExpr(rc.expr, scope, { ...xo, aggregates: sink }),
      expr: rc.expr,
      alias: rc.alias,
      info: { table: info.table, column: info.column, type: info.type },
    };
  });
  const having = core.having
    ? compileCondition(core.having, scope, { ...xo, aggregates: sink })
    : undefined;
  const sortKeys = (sel.orderBy ?? []).map((t, i) => orderKey(t, i, outputs, scope, sink, xo));
  const limit = sel.limit ? compileExpr(sel.limit, new Scope([], parent), xo).fn : undefined;
  const offset = sel.offset ? compileExpr(sel.offset, new Scope([], parent), xo).fn : undefined;
  const distinctColls = core.distinct
    ? outputs.map((o) => builtinCollation(o.compiled.collation ?? "BINARY")!)
    : undefined;

  const orderCols = !aggregate && n === 1 && sortKeys.every((k) => k.order)
    ? sortKeys.map((k) => k.order!)
    : undefined;

  // Each WHERE (and inner-join ON) term is tested at the innermost loop it needs: constant
  // terms once before any row, the others as soon as the tables they read are positioned.
  const allTerms = [...conjuncts(core.where), ...joinTerms];
  const onceConds: Condition[] = [];
  const whereAt: Condition[][] = Array.from({ length: n + 1 }, () => []);
  const termsAt: Expr[][] = Array.from({ length: n + 1 }, () => []);
  for (const t of allTerms) {
    const mask = exprSources(t, scope);
    const cond = compileCondition(t, scope, { ...xo, context: "WHERE clause" });
    // Without a FROM clause there is no loop: even a correlated term is tested once per run.
    if (n === 0 || (mask === 0n && compileExpr(t, scope, xo).constant)) onceConds.push(cond);
    else {
      const top = mask === 0n ? 0 : mask < 0n ? n - 1 : mask.toString(2).length - 1;
      whereAt[Math.min(n - 1, top)].push(cond);
      termsAt[Math.min(n - 1, top)].push(t);
    }
  }
  /**
   * For one table on a rowid range: the filter without the terms the range's bounds came
   * from (used when their values are integers, which the range then applies exactly); on an
   * index, without the equality terms its key came from (used when the index compares the
   * key's values as the terms would); null when the access path decides no whole term.
   */
  const residualWhere = (access: Access): Condition | undefined | null => {
    const decided = access.kind === "rowidRange"
      ? [access.lo?.term, access.hi?.term].filter((t) => t !== undefined)
      : access.kind === "index"
      ? access.eqTerms ?? []
      : [];
    if (decided.length === 0) return null;
    return allOf(whereAt[0].filter((_, i) => !decided.includes(termsAt[0][i])));
  };
  const onAt = levels.map((l) =>
    allOf(l.on.map((t) => compileCondition(t, scope, { ...xo, context: "ON clause" })))
  );
  const whereFns = whereAt.map(allOf);
  const once = allOf(onceConds);

  const neededAll = neededBySource(scope, n, [
    ...items.map((i) => i.expr),
    core.where,
    ...joinTerms,
    ...levels.flatMap((l) => l.on),
    ...(core.groupBy ?? []),
    core.having,
    ...(sel.orderBy ?? []).map((o) => o.expr),
  ]);
  const plans: Plan[] = levels.map((l, k) =>
    planAccess(l.source.table, [...allTerms, ...l.on], scope, {
      level: k,
      available: (1n << BigInt(k)) - 1n,
      needed: neededAll[k],
      order: k === 0 ? orderCols : undefined,
      notIndexed: l.hint.notIndexed === true,
      indexedBy: l.hint.indexedBy,
    })
  );
  const plan: Plan | undefined = plans[0];
  const sorted = sortKeys.length > 0 && !(n === 1 && plan?.ordered && orderCols);
  const planLines = plans.map((p) => p.detail);
  if (aggregate && groupBy.length > 0) planLines.push("USE TEMP B-TREE FOR GROUP BY");
  if (sorted) planLines.push("USE TEMP B-TREE FOR ORDER BY");
  if (core.distinct) {
    planLines.splice(
      planLines.length - (sortKeys.length > 0 ? 1 : 0),
      0,
      "USE TEMP B-TREE FOR DISTINCT",
    );
  }

  const defaults = tables.map((t) => tableDefaults(t));
  // Bare columns of aggregate queries are copied per group: only those read after
  // grouping, outside aggregate calls (whose arguments are consumed row by row).
  const needed = neededBySource(scope, n, [
    ...items.map((i) => i.expr),
    core.having,
    ...(sel.orderBy ?? []).map((o) => o.expr),
  ], true);
  // Any column (the rowid too) read after grouping means groups keep a copy of a row.
  let bareColumns = needed.some((x) => x === "all" || x.size > 0);
  for (
    const e of [
      ...items.map((i) => i.expr),
      core.having,
      ...(sel.orderBy ?? []).map((o) => o.expr),
    ]
  ) {
    if (!e || bareColumns) continue;
    walkOutsideAggregates(e, (x) => {
      if (x.kind !== "column") return;
      try {
        if (scope.resolve(x.table, x.name)?.depth === 0) bareColumns = true;
      } catch {
        bareColumns = true;
      }
    });
  }
  const outFns = outputs.map((o) => o.compiled.fn);
  const nOut = outFns.length;
  // One table: the pull-based executor reads it (no generator per row); when the rows go
  // straight to the result, it runs the whole query.
  const single = n === 1 && !onAt[0] && !whereFns[1]
    ? new SimpleSelect(
      plans[0].access,
      btree,
      tables[0],
      defaults[0],
      whereFns[0],
      once,
      outFns,
      residualWhere(plans[0].access),
    )
    : undefined;
  const simple = !aggregate && !distinctColls && !sorted ? single : undefined;

  // inputRows for one table: the stepper, one generator level instead of three.
  function* singleRows(env: Env, single: SimpleSelect): Generator<void, void, undefined> {
    const s = single.input(env);
    if (!s) return;
    const where = single.filter(s);
    try {
      while (s.step()) {
        if (where === undefined || where(env)) yield;
      }
    } finally {
      single.release(s);
    }
  }

  // Produces each input row (after WHERE) with env.rows positioned on every table.
  function* inputRows(env: Env): Generator<void, void, undefined> {
    if (single && !fastPathSwitch.disabled) {
      yield* singleRows(env, single);
      return;
    }
    env.rows = new Array<RowSource>(n).fill(NULL_ROW);
    if (once && !once(env)) return;
    const views = levels.map((_, k) => rowViewFor(plans[k].access, tables[k], defaults[k]));
    yield* loop(env, views, [], 0);
  }

  /**
   * An inner table scanned in full is read once per execution and kept in memory, hashed
   * on its join column when the plan has one.
   */
  function materialised(env: Env, k: number, cache: Materialised[]): Iterable<RowSource> {
    let m = cache[k];
    if (!m) {
      const rows: ArrayRow[] = [];
      const view = new CursorRow(tables[k], defaults[k]);
      for (const rowid of visitRows(plans[k].access, btree, tables[k].root, env, view)) {
        rows.push(new ArrayRow(view.values(), rowid));
      }
      m = { rows };
      const hk = plans[k].hashKey;
      if (hk) {
        const coll = builtinCollation(hk.collation);
        m.hash = new Map();
        for (const r of rows) {
          let v = hk.column === -1 ? r.rowid() : r.column(hk.column);
          if (hk.affinity !== null && hk.affinity !== "BLOB") {
            v = applyComparisonAffinity(v, hk.affinity);
          }
          if (v === null) continue;
          const key = valueKey(v, coll);
          const list = m.hash.get(key);
          if (list) list.push(r);
          else m.hash.set(key, [r]);
        }
      }
      cache[k] = m;
    }
    if (!m.hash) return m.rows;
    const w = plans[k].hashKey!.value(env);
    if (w === null) return [];
    return m.hash.get(valueKey(w, builtinCollation(plans[k].hashKey!.collation))) ?? [];
  }

  function* loop(
    env: Env,
    views: RowSource[],
    cache: Materialised[],
    k: number,
  ): Generator<void, void, undefined> {
    const here = whereFns[k];
    if (k === n) {
      if (!here || here(env)) yield;
      return;
    }
    const view = views[k] as ReturnType<typeof rowViewFor>;
    const on = onAt[k];
    let matched = false;
    const source = k > 0 && plans[k].access.kind === "scan"
      ? materialised(env, k, cache)
      : visitRows(plans[k].access, btree, tables[k].root, env, view);
    // The innermost level yields directly: a nested generator per row costs more than the
    // row itself on a scan.
    const last = k + 1 === n;
    const final = whereFns[n];
    for (const r of source as Iterable<RowSource | Rowid>) {
      env.rows[k] = typeof r === "object" ? r : view;
      if (on && !on(env)) continue;
      matched = true;
      if (here && !here(env)) continue;
      if (last) {
        if (!final || final(env)) yield;
      } else {
        yield* loop(env, views, cache, k + 1);
      }
    }
    if (!matched && levels[k].left) {
      env.rows[k] = NULL_ROW;
      if (!here || here(env)) yield* loop(env, views, cache, k + 1);
    }
    env.rows[k] = view;
  }

  function project(env: Env): SqlValue[] {
    const vals = new Array<SqlValue>(nOut);
    for (let i = 0; i < nOut; i++) vals[i] = outFns[i](env);
    return vals;
  }

  function* groupedRows(env: Env): Generator<void, void, undefined> {
    // One aggregate min()/max() makes bare columns come from the row it picked (without bare
    // columns there is nothing to pick, and the loop need not evaluate its argument twice).
    const special = bareColumns && aggs.length === 1 &&
        ["min", "max"].includes(aggs[0].call.name.toLowerCase())
      ? (aggs[0].call.name.toLowerCase() === "min" ? -1 : 1)
      : 0;
    const allCountStar = aggs.every((a) =>
      a.call.name.toLowerCase() === "count" && a.call.star && !a.call.distinct && !a.call.filter
    );
    const specialColl = special
      ? builtinCollation(aggs[0].args[0]?.collation ?? "BINARY")!
      : undefined;
    interface Group {
      keys: SqlValue[];
      states: AggregateState[];
      rows: RowSource[] | undefined;
      best: SqlValue;
    }
    const groups = new Map<string, Group>();
    const order: Group[] = [];
    const groupColls = groupBy.map((g) => builtinCollation(g.collation ?? "BINARY")!);
    const nAggs = aggs.length;
    // Without GROUP BY all rows are one group: no key per row.
    let only: Group | undefined;
    const addRow = () => {
      let g: Group | undefined;
      let keys: SqlValue[] = [];
      let key = "";
      if (groupBy.length === 0) {
        g = only;
      } else {
        keys = groupBy.map((g) => g.fn(env));
        key = groupKey(keys, groupColls);
        g = groups.get(key);
      }
      if (!g) {
        g = {
          keys,
          states: aggs.map((a) => makeAggregate(a.call, a.args)),
          rows: undefined,
          best: null,
        };
        if (groupBy.length === 0) only = g;
        else groups.set(key, g);
        order.push(g);
      }
      let takeRow = true;
      const states = g.states;
      for (let i = 0; i < nAggs; i++) states[i].step(env);
      if (special && aggs[0].args.length === 1) {
        const v = aggs[0].args[0].fn(env);
        if (v === null) takeRow = g.rows === undefined;
        else if (g.best === null || compareValues(v, g.best, specialColl) * special > 0) g.best = v;
        else takeRow = false;
      }
      if (takeRow && bareColumns) {
        g.rows = env.rows.map((r, i) =>
          r === NULL_ROW ? NULL_ROW : snapshot(r, tables[i], needed[i])
        );
      }
    };
    if (single && !fastPathSwitch.disabled) {
      const s = single.input(env);
      if (s) {
        const where = single.filter(s);
        try {
          if (groupBy.length === 0 && !special && !bareColumns) {
            // One group, nothing kept per row: only the aggregates step (count(*) and
            // sum() over a scan spend their time here). count(*) is the number of rows,
            // counted here rather than stepped.
            let stepped: AggregateState[] = [];
            let nStepped = 0;
            let counted = 0;
            // Only count(*) and no filter: the rows are counted page by page, not stepped.
            const pageCount = where === undefined && allCountStar ? s.countAll() : undefined;
            if (pageCount !== undefined && pageCount > 0) {
              only = {
                keys: [],
                states: aggs.map((a) => makeAggregate(a.call, a.args)),
                rows: undefined,
                best: null,
              };
              order.push(only);
              counted = pageCount;
            }
            while (pageCount === undefined && s.step()) {
              if (where !== undefined && !where(env)) continue;
              if (only === undefined) {
                const states = aggs.map((a) => makeAggregate(a.call, a.args));
                only = { keys: [], states, rows: undefined, best: null };
                order.push(only);
                stepped = states.filter((st) => !(st instanceof CountStarState));
                nStepped = stepped.length;
              }
              counted++;
              for (let i = 0; i < nStepped; i++) stepped[i].step(env);
            }
            if (only !== undefined) {
              for (const st of only.states) if (st instanceof CountStarState) st.n += counted;
            }
          } else {
            while (s.step()) {
              if (where === undefined || where(env)) addRow();
            }
          }
        } finally {
          single.release(s);
        }
      }
    } else {
      for (const _ of inputRows(env)) addRow();
    }
    if (groupBy.length === 0 && order.length === 0) {
      order.push({
        keys: [],
        states: aggs.map((a) => makeAggregate(a.call, a.args)),
        rows: undefined,
        best: null,
      });
    }
    if (groupBy.length > 0) {
      order.sort((a, b) => {
        for (let i = 0; i < groupBy.length; i++) {
          const c = compareValues(a.keys[i], b.keys[i], groupColls[i]);
          if (c !== 0) return c;
        }
        return 0;
      });
    }
    for (const g of order) {
      env.rows = g.rows ?? tables.map(() => NULL_ROW);
      env.aggs = g.states.map((s) => s.final());
      if (having && !having(env)) continue;
      yield;
    }
  }

  return {
    columns: outputs.map((o) => o.name),
    collations: outputs.map((o) => builtinCollation(o.compiled.collation ?? "BINARY")!),
    first: outputs[0] && {
      affinity: outputs[0].compiled.affinity,
      collation: outputs[0].compiled.collation,
    },
    correlated: scope.usedOuter,
    columnInfo: outputs.map((o) => o.info),
    plan: planLines,
    open(env) {
      if (!simple || fastPathSwitch.disabled) return new GeneratorCursor(this.rows(env));
      const lim = evalLimit(limit, env, -1);
      const off = Math.max(0, evalLimit(offset, env, 0));
      return simple.open(env, lim, off);
    },
    *rows(env) {
      let lim = evalLimit(limit, env, -1);
      let off = Math.max(0, evalLimit(offset, env, 0));
      if (lim === 0) return;
      const seen = distinctColls ? new Set<string>() : undefined;
      const source = aggregate ? groupedRows(env) : inputRows(env);
      if (!sorted) {
        for (const _ of source) {
          const vals = project(env);
          if (seen) {
            const k = groupKey(vals, distinctColls!);
            if (seen.has(k)) continue;
            seen.add(k);
          }
          if (off > 0) {
            off--;
            continue;
          }
          yield vals;
          if (lim > 0 && --lim === 0) return;
        }
        return;
      }
      const buffered: { keys: SqlValue[]; vals: SqlValue[] }[] = [];
      for (const _ of source) {
        const vals = project(env);
        if (seen) {
          const k = groupKey(vals, distinctColls!);
          if (seen.has(k)) continue;
          seen.add(k);
        }
        buffered.push({ keys: sortKeys.map((s) => s.fn(env)), vals });
      }
      buffered.sort((a, b) => compareSortKeys(a.keys, b.keys, sortKeys));
      for (const r of buffered) {
        if (off > 0) {
          off--;
          continue;
        }
        yield r.vals;
        if (lim > 0 && --lim === 0) return;
      }
    },
  };
}

function firstAggName(e: Expr): string {
  let name = "";
  walk(e, (n) => {
    if (!name && n.kind === "function" && isAggregateCall(n)) name = n.name;
  });
  return name;
}

/** Per FROM source, the table columns expressions refer to ("all" when unsure). */
export function neededBySource(
  scope: Scope,
  n: number,
  exprs: (Expr | undefined)[],
  outsideAggregates = false,
): (Set<number> | "all")[] {
  const out: (Set<number> | "all")[] = Array.from({ length: n }, () => new Set<number>());
  const all = () => out.fill("all");
  for (const e of exprs) {
    if (!e) continue;
    const visit = outsideAggregates ? walkOutsideAggregates : walk;
    visit(e, (x) => {
      if (x.kind === "inSelect" || x.kind === "exists" || x.kind === "subquery") all();
      if (x.kind !== "column") return;
      try {
        const r = scope.resolve(x.table, x.name);
        const set = r && r.depth === 0 ? out[r.source] : undefined;
        if (r && r.column >= 0 && set && set !== "all") set.add(r.column);
      } catch {
        all();
      }
    });
  }
  return out;
}

/**
 * Chooses the loop order of an inner join, greedily: next comes the table that an equality
 * ties to the tables already placed (best when an index or the rowid serves it), else the
 * one with the most filters of its own. LEFT JOINs keep their written order.
 */
function orderJoin(levels: FromLevel[], terms: Expr[], parent: Scope | undefined): FromLevel[] {
  const n = levels.length;
  if (n < 2 || levels.some((l) => l.left)) return levels;
  const scope = new Scope(levels.map((l) => l.source), parent);
  const info = terms.map((t) => {
    const mask = exprSources(t, scope);
    // For `col = expr` (either way round): the column's source and column, and what the
    // other side reads.
    const eqs: { source: number; column: number; other: bigint }[] = [];
    if (t.kind === "binary" && t.op === "=") {
      for (const [a, b] of [[t.left, t.right], [t.right, t.left]]) {
        if (a.kind !== "column") continue;
        try {
          const r = scope.resolve(a.table, a.name);
          if (r && r.depth === 0) {
            eqs.push({ source: r.source, column: r.column, other: exprSources(b, scope) });
          }
        } catch {
          // unresolved names are reported when the statement compiles
        }
      }
    }
    return { mask, eqs };
  });
  const indexed = (source: number, column: number) => {
    const t = levels[source].source.table;
    return column === -1 || column === t.rowidAlias ||
      t.indexes.some((ix) => !ix.where && ix.columns[0]?.column === column);
  };
  const order: number[] = [];
  let placed = 0n;
  while (order.length < n) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const bit = 1n << BigInt(i);
      if (placed & bit) continue;
      let score = 0;
      for (const t of info) {
        const eq = t.eqs.find((e) => e.source === i && (e.other & ~placed) === 0n);
        if (eq) score += indexed(i, eq.column) ? 1000 : 400;
        else if (t.mask === bit) score += 10;
      }
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    order.push(best);
    placed |= 1n << BigInt(best);
  }
  return order.map((i) => levels[i]);
}

/** An inner join table held in memory for one execution. */
interface Materialised {
  rows: ArrayRow[];
  hash?: Map<string, ArrayRow[]>;
}

/** Like {@link walk}, but does not descend into aggregate function calls. */
function walkOutsideAggregates(e: Expr, fn: (e: Expr) => void): void {
  if (e.kind === "function" && !e.over && isAggregateCall(e)) return;
  fn(e);
  walkChildren(e, (c) => walkOutsideAggregates(c, fn));
}

/** A copy of the current row's needed columns (for bare columns of aggregate queries). */
function snapshot(row: RowSource, table: TableInfo, needed: Set<number> | "all"): ArrayRow {
  const n = table.columns.length;
  const vals = new Array<SqlValue>(n).fill(null);
  for (let i = 0; i < n; i++) {
    if (needed === "all" || needed.has(i)) vals[i] = row.column(i);
  }
  return new ArrayRow(vals, row.rowid());
}

/** Orders two rows' ORDER BY keys: collation, direction and NULLS FIRST/LAST per term. */
function compareSortKeys(
  a: SqlValue[],
  b: SqlValue[],
  terms: readonly { desc: boolean; nullsFirst: boolean; coll: Collation }[],
): number {
  for (let i = 0; i < terms.length; i++) {
    const s = terms[i];
    const x = a[i];
    const y = b[i];
    if (x === null || y === null) {
      if (x === y) continue;
      return (x === null) === s.nullsFirst ? -1 : 1;
    }
    const c = compareValues(x, y, s.coll);
    if (c !== 0) return s.desc ? -c : c;
  }
  return 0;
}

/** GROUP BY terms: an integer K names the K-th result column, as does a result alias. */
function resolveGroupTerm(
  e: Expr,
  items: Extract<ResultColumn, { kind: "expr" }>[],
  scope: Scope,
  xo: CompileOptions,
): Compiled {
  if (e.kind === "literal" && typeof e.value === "number" && Number.isInteger(e.value)) {
    const k = e.value;
    if (k < 1 || k > items.length) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `${ordinal(1)} GROUP BY term out of range - should be between 1 and ${items.length}`,
      );
    }
    return compileExpr(items[k - 1].expr, scope, xo);
  }
  if (e.kind === "column" && e.table === undefined) {
    // A name that is not a column of the table but is a result alias refers to that result.
    if (!scope.resolve(undefined, e.name)) {
      const hit = items.find((i) =>
        i.alias !== undefined && foldName(i.alias) === foldName(e.name)
      );
      if (hit) return compileExpr(hit.expr, scope, xo);
    }
  }
  return compileExpr(e, scope, xo);
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] ?? "th";
  return `${n}${s}`;
}

function orderKey(
  t: OrderingTerm,
  i: number,
  outputs: OutputColumn[],
  scope: Scope,
  sink: AggregateSink | undefined,
  xo: CompileOptions,
): SortKey {
  let e = t.expr;
  let explicitColl: string | undefined;
  if (e.kind === "collate") {
    explicitColl = e.collation;
    e = e.expr;
  }
  let compiled: Compiled | undefined;
  if (e.kind === "literal" && typeof e.value === "number" && Number.isInteger(e.value)) {
    const k = e.value;
    if (k < 1 || k > outputs.length) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `${ordinal(i + 1)} ORDER BY term out of range - should be between 1 and ${outputs.length}`,
      );
    }
    compiled = outputs[k - 1].compiled;
  } else if (e.kind === "column" && e.table === undefined) {
    const hit = outputs.find((o) =>
      o.alias !== undefined && foldName(o.alias) === foldName(e.name)
    );
    if (hit) compiled = hit.compiled;
  }
  if (!compiled) compiled = compileExpr(e, scope, { ...xo, aggregates: sink });
  const desc = t.order === "DESC";
  const collName = explicitColl ?? compiled.collation ?? "BINARY";
  const coll = builtinCollation(collName);
  if (!coll) throw new SqliteError("SQLITE_ERROR", `no such collation sequence: ${collName}`);
  const col = compiled.column && compiled.column.source === 0 ? compiled.column.column : undefined;
  return {
    fn: compiled.fn,
    desc,
    nullsFirst: t.nulls ? t.nulls === "FIRST" : !desc,
    coll,
    order: col === undefined
      ? undefined
      : { column: col, desc, collation: collName, nulls: t.nulls },
  };
}

/** A string identifying a row of values under per-column collations (for DISTINCT/GROUP BY). */
export function groupKey(vals: SqlValue[], colls: Collation[]): string {
  return rowKey(vals, colls);
}
