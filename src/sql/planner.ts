/**
 * Chooses how a single-table statement finds its rows: a rowid lookup or range on the
 * table B-tree, an equality/range seek on an index, or a full scan. The access path only
 * narrows the rows visited, and the WHERE clause is still evaluated on each row, so a bound
 * only has to include every row that can match; the exceptions are the terms an execution
 * decides exactly (`Bound.term` on a rowid range with integer values, `eqTerms` on an index
 * with values it compares as the terms do), which the executor may skip.
 * @module
 */

import { affinityOf, applyComparisonAffinity, comparisonAffinity } from "../record/affinity.ts";
import type { Affinity } from "../record/affinity.ts";
import type { IndexInfo, TableInfo } from "../schema/types.ts";
import type { Expr } from "./ast.ts";
import { walk } from "./walk.ts";
import { SqliteError } from "../errors.ts";
import { type Compiled, compileExpr } from "./compile_expr.ts";
import type { Evaluator } from "./env.ts";
import type { Scope } from "./scope.ts";

/** One end of a range. */
export interface Bound {
  /** The bound's value (comparison affinity already applied). */
  fn: Evaluator;
  /** `<=`/`>=` rather than `<`/`>`. */
  inclusive: boolean;
  /**
   * The WHERE term the bound comes from, when it is all of that term: on a rowid range, a
   * bound whose value is an integer decides the term exactly, so the filter can skip it.
   */
  term?: Expr;
}

/** How rows are found. `reverse` visits them in descending key order. */
export type Access =
  & { reverse?: boolean }
  & (
    | { kind: "scan" }
    | { kind: "rowidEq"; keys: Evaluator[] }
    | { kind: "rowidRange"; lo?: Bound; hi?: Bound }
    | {
      kind: "index";
      index: IndexInfo;
      /** Values for the leading equality columns (for an IN list on column 0: see `inList`). */
      eq: Evaluator[];
      /**
       * The WHERE terms (`column = value`) the `eq` values come from, one per value: an
       * execution whose values the index compares exactly as the term does (see
       * AccessStepper.exact) decides them, so the filter can skip them.
       */
      eqTerms?: Expr[];
      /** Alternatives for the first key column (`a IN (...)`), each a full eq prefix head. */
      inList?: Evaluator[];
      lo?: Bound;
      hi?: Bound;
      /** The index holds every column the statement needs: the table is not read. */
      covering?: boolean;
    }
  );

/** An ORDER BY term on a plain column of the table (-1: the rowid). */
export interface OrderColumn {
  column: number;
  desc: boolean;
  collation: string;
  /** NULLS FIRST/LAST as written, if at all. */
  nulls?: "FIRST" | "LAST";
}

/** What the statement needs beyond the WHERE clause. */
export interface PlanOptions {
  /** Table columns the statement reads ("all" when unknown). */
  needed?: Set<number> | "all";
  /** The ORDER BY, when every term is a plain column of the table. */
  order?: OrderColumn[];
  /** `NOT INDEXED`: use no index. */
  notIndexed?: boolean;
  /** `INDEXED BY name`: use exactly this index. */
  indexedBy?: string;
  /** Which FROM source to plan (default 0). */
  level?: number;
  /** Sources whose rows are known when this one is searched (outer loops; default none). */
  available?: bigint;
}

/** A term `column op value` usable by an access path. */
interface Term {
  column: number; // -1 = rowid
  op: "=" | "<" | "<=" | ">" | ">=" | "in";
  values: Evaluator[];
  collation: string;
  /** Comparison affinity between the column and the value. */
  affinity: Affinity | null;
  /** The WHERE term, when this term is all of it (`column op value`, not BETWEEN). */
  source?: Expr;
}

const FLIP: Record<string, Term["op"]> = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/**
 * True when the query's WHERE (`where`) guarantees a partial index's WHERE (`indexWhere`), by
 * SQLite's rule (whereUsablePartialIndex, sqlite3ExprImpliesExpr): every AND-term of the
 * index's WHERE is one of the query's AND-terms, or is `x IS NOT NULL` / `x NOTNULL` where a
 * query term compares `x` (=, !=, <, <=, >, >=: false for a NULL operand). Columns match by
 * name when unqualified or qualified by this source (`name`, the table or its alias).
 */
function impliesPartial(
  where: Expr | Expr[] | undefined,
  indexWhere: Expr,
  table: TableInfo,
  name: string,
): boolean {
  const have = Array.isArray(where) ? where : conjuncts(where);
  const norm = (e: Expr) => normalized(e, table, name);
  const keys = new Set(have.map(norm));
  const compared = new Set<string>();
  for (const t of have) {
    if (t.kind === "binary" && ["=", "!=", "<", "<=", ">", ">="].includes(t.op)) {
      compared.add(norm(t.left));
      compared.add(norm(t.right));
    }
  }
  return conjuncts(indexWhere).every((w) => {
    if (keys.has(norm(w))) return true;
    const operand = w.kind === "isNull" && w.not
      ? w.expr
      : w.kind === "binary" && w.op === "IS NOT" && w.right.kind === "literal" &&
          w.right.value === null
      ? w.left
      : undefined;
    return operand !== undefined && compared.has(norm(operand));
  });
}

/** A key for structural comparison: this source's columns by lower-cased name, others apart. */
function normalized(e: Expr, table: TableInfo, name: string): string {
  return JSON.stringify(e, (k, v) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return `x'${[...v].join(",")}'`;
    if (k === "" || typeof v !== "object" || v === null || v.kind !== "column") return v;
    const q = v.table?.toLowerCase();
    const mine = (q === undefined || q === name.toLowerCase() || q === table.name.toLowerCase()) &&
      v.schema === undefined;
    return mine ? { column: v.name.toLowerCase() } : { other: `${q}.${v.name}` };
  });
}

/** Splits a WHERE clause into its AND-ed terms. */
export function conjuncts(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (!e) return out;
  if (e.kind === "binary" && e.op === "AND") {
    conjuncts(e.left, out);
    conjuncts(e.right, out);
  } else {
    out.push(e);
  }
  return out;
}

function converted(c: Compiled, aff: Affinity | null): Evaluator {
  const f = c.fn;
  if (aff === null || aff === "BLOB") return f;
  return (env) => applyComparisonAffinity(f(env), aff);
}

/** The collation of `left op right`: explicit left, explicit right, then left's, right's. */
function collationOf(left: Compiled, right: Compiled): string {
  if (left.explicitCollation) return left.collation!;
  if (right.explicitCollation) return right.collation!;
  return left.collation ?? right.collation ?? "BINARY";
}

/** Reads every source (a subquery, or a name that could not be resolved). */
export const ALL_SOURCES = -1n;

/**
 * The FROM sources (bit i for source i of `scope`; a bigint, as joins may have 64 tables)
 * an expression reads. Columns of
 * enclosing queries count as constants; a subquery counts as reading every source.
 */
export function exprSources(e: Expr, scope: Scope): bigint {
  let mask = 0n;
  walk(e, (n) => {
    if (n.kind === "subquery" || n.kind === "exists" || n.kind === "inSelect") mask = ALL_SOURCES;
    if (n.kind !== "column") return;
    try {
      const r = scope.resolve(n.table, n.name);
      if (r && r.depth === 0) mask |= 1n << BigInt(r.source);
    } catch {
      mask = ALL_SOURCES;
    }
  });
  return mask;
}

/** True when a comparison with affinity `aff` leaves values of a column with `colAff` as stored. */
function indexAffinityOk(aff: Affinity | null, colAff: Affinity | null): boolean {
  if (aff === null || aff === "BLOB") return true;
  const numeric = (a: Affinity | null) => a === "INTEGER" || a === "REAL" || a === "NUMERIC";
  if (aff === "TEXT") return colAff === "TEXT";
  return numeric(colAff);
}

/**
 * Finds the terms usable by an access path into source `level` of `scope`: a column of that
 * source compared with an expression that reads only sources in `available` (the outer
 * loops of a join; none for a single table).
 */
function analyse(where: Expr[], scope: Scope, level: number, available: bigint): Term[] {
  const terms: Term[] = [];
  const usable = (e: Expr) => (exprSources(e, scope) & ~available) === 0n;
  const isCol = (c: Compiled) => c.column !== undefined && c.column.source === level;
  for (const t of where) {
    try {
      if (t.kind === "binary" && t.op in FLIP) {
        const l = compileExpr(t.left, scope);
        const r = compileExpr(t.right, scope);
        let col: Compiled, val: Compiled, op = t.op as Term["op"];
        if (isCol(l) && usable(t.right)) {
          col = l;
          val = r;
        } else if (isCol(r) && usable(t.left)) {
          col = r;
          val = l;
          op = FLIP[t.op];
        } else continue;
        const aff = comparisonAffinity(col.affinity, val.affinity);
        // The index orders the column's stored values: usable only when the comparison does
        // not convert them (sqlite3IndexAffinityOk).
        if (!indexAffinityOk(aff, col.affinity)) continue;
        terms.push({
          column: col.column!.column,
          op,
          values: [converted(val, aff)],
          collation: collationOf(l, r), // as written: the left operand's collation first
          affinity: aff,
          source: t,
        });
      } else if (t.kind === "between" && !t.not) {
        const x = compileExpr(t.expr, scope);
        if (!isCol(x) || !usable(t.low) || !usable(t.high)) continue;
        const lo = compileExpr(t.low, scope);
        const hi = compileExpr(t.high, scope);
        const column = x.column!.column;
        const la = comparisonAffinity(x.affinity, lo.affinity);
        const ha = comparisonAffinity(x.affinity, hi.affinity);
        if (!indexAffinityOk(la, x.affinity) || !indexAffinityOk(ha, x.affinity)) continue;
        terms.push({
          column,
          op: ">=",
          values: [converted(lo, la)],
          collation: collationOf(x, lo),
          affinity: la,
        });
        terms.push({
          column,
          op: "<=",
          values: [converted(hi, ha)],
          collation: collationOf(x, hi),
          affinity: ha,
        });
      } else if (t.kind === "inList" && !t.not && t.list.length > 0) {
        const x = compileExpr(t.expr, scope);
        if (!isCol(x) || !t.list.every(usable)) continue;
        // `x IN (...)` compares with x's affinity and collation only.
        const aff = x.affinity === "BLOB" ? null : x.affinity;
        terms.push({
          column: x.column!.column,
          op: "in",
          values: t.list.map((i) => converted(compileExpr(i, scope), aff)),
          collation: x.collation ?? "BINARY",
          affinity: aff,
        });
      }
    } catch {
      // A term the planner cannot use is still checked by the filter, which reports errors.
    }
  }
  return terms;
}

/** A chosen access path and its EXPLAIN QUERY PLAN wording. */
export interface Plan {
  /** How rows are found. */
  access: Access;
  /** SQLite's EXPLAIN QUERY PLAN detail, e.g. `SEARCH t USING INDEX i (a=?)`. */
  detail: string;
  /** Rows come out in the ORDER BY's order, so no sort is needed. */
  ordered: boolean;
  /**
   * A full scan to be probed through an in-memory hash of the table on `column` (rowid when
   * -1): rows whose value equals `value` under the comparison's affinity and collation.
   */
  hashKey?: { column: number; value: Evaluator; affinity: Affinity | null; collation: string };
}

/** SQLite's estimate of a column's width from its declared type (sqlite3AffinityType). */
function columnWidth(type: string): number {
  if (type === "") return 1;
  const upper = type.toUpperCase();
  const aff = affinityOf(type);
  if (aff === "NUMERIC" || aff === "INTEGER" || aff === "REAL") return 1;
  let v = 16;
  const charAt = upper.indexOf("CHAR");
  const blobAt = upper.indexOf("BLOB");
  const sized = charAt >= 0
    ? upper.slice(charAt)
    : blobAt >= 0 && upper.slice(blobAt + 4).trimStart().startsWith("(")
    ? upper.slice(blobAt)
    : undefined;
  if (sized !== undefined) {
    const m = /\d+/.exec(sized);
    v = m ? Math.min(Number(m[0]), 2 ** 31 - 1) : 0;
  }
  return Math.min(255, Math.floor(v / 4) + 1);
}

/** sqlite3LogEst: about 10 * log2(x). */
function logEst(x: number): number {
  const a = [0, 2, 3, 5, 6, 7, 8, 9];
  let y = 40;
  if (x < 8) {
    if (x < 2) return 0;
    while (x < 8) {
      y -= 10;
      x *= 2;
    }
  } else {
    while (x > 255) {
      y += 40;
      x = Math.floor(x / 16);
    }
    while (x > 15) {
      y += 10;
      x = Math.floor(x / 2);
    }
  }
  return a[x & 7] + y - 10;
}

/** True when SQLite would find the index's rows narrower than the table's (szIdxRow < szTabRow). */
function narrower(index: IndexInfo, table: TableInfo): boolean {
  let wTable = table.rowidAlias < 0 ? 1 : 0;
  for (const c of table.columns) wTable += columnWidth(c.type);
  let wIndex = 1; // the rowid
  for (const c of index.columns) wIndex += columnWidth(table.columns[c.column].type);
  return logEst(wIndex * 4) < logEst(wTable * 4);
}

function covers(index: IndexInfo, table: TableInfo, needed: Set<number> | "all"): boolean {
  if (needed === "all") return false;
  for (const c of needed) {
    if (c === table.rowidAlias) continue;
    if (!index.columns.some((ic) => ic.column === c)) return false;
  }
  return true;
}

/** Whether rows in (forward) key order `keys` satisfy `order`, and in which direction. */
function orderMatch(
  keys: { column: number; desc: boolean; collation: string }[],
  order: OrderColumn[] | undefined,
): { ok: boolean; reverse: boolean } {
  if (!order || order.length === 0) return { ok: true, reverse: false };
  if (order.length > keys.length) return { ok: false, reverse: false };
  let reverse: boolean | undefined;
  for (let i = 0; i < order.length; i++) {
    const o = order[i];
    const k = keys[i];
    if (o.column !== k.column) return { ok: false, reverse: false };
    if (o.column !== -1 && o.collation !== k.collation) return { ok: false, reverse: false };
    const rev = o.desc !== k.desc;
    if (reverse === undefined) reverse = rev;
    else if (reverse !== rev) return { ok: false, reverse: false };
    // Index order puts NULLs first in ascending order; other placements need a sort.
    if (o.nulls && (o.nulls === "FIRST") !== !o.desc) return { ok: false, reverse: false };
  }
  return { ok: true, reverse: reverse ?? false };
}

/**
 * Refuses a table this engine cannot read or write correctly (one SQLite made): rather an
 * error than wrong rows.
 * - WITHOUT ROWID: its rows are in an index-format tree, which the table cursor would call
 *   corrupt.
 * - Generated columns: their values are not computed, and a VIRTUAL one is not in the
 *   record, so every column after it would be read from the wrong place.
 */
export function requireSupported(table: TableInfo): void {
  if (table.withoutRowid) {
    throw new SqliteError("SQLITE_ERROR", "WITHOUT ROWID tables are not supported yet");
  }
  if (table.columns.some((c) => c.generated !== undefined)) {
    throw new SqliteError("SQLITE_ERROR", "generated columns are not supported yet");
  }
}

/** Chooses the access path for `table` (source 0 of `scope`) under `where`. */
export function planAccess(
  table: TableInfo,
  where: Expr | Expr[] | undefined,
  scope: Scope,
  opts: PlanOptions = {},
): Plan {
  requireSupported(table);
  const level = opts.level ?? 0;
  const name = scope.sources[level].name === table.name
    ? table.name
    : `${table.name} AS ${scope.sources[level].name}`;
  const needed = opts.needed ?? "all";
  const order = opts.order;
  let indexes = table.indexes;
  if (opts.notIndexed) indexes = [];
  if (opts.indexedBy !== undefined) {
    const want = opts.indexedBy.toLowerCase();
    indexes = table.indexes.filter((ix) => ix.name.toLowerCase() === want);
    if (indexes.length === 0) {
      throw new SqliteError("SQLITE_ERROR", `no such index: ${opts.indexedBy}`);
    }
  }
  const rowidOrder = [{ column: -1, desc: false, collation: "BINARY" }];
  const terms = analyse(
    Array.isArray(where) ? where : conjuncts(where),
    scope,
    level,
    opts.available ?? 0n,
  );
  const rowidTerms = terms.filter((t) => t.column === -1);
  const eq = rowidTerms.find((t) => t.op === "=" || t.op === "in");
  if (eq && opts.indexedBy === undefined) {
    const m = orderMatch(rowidOrder, order);
    return {
      access: { kind: "rowidEq", keys: eq.values, reverse: m.ok && m.reverse },
      detail: `SEARCH ${name} USING INTEGER PRIMARY KEY (rowid=?)`,
      ordered: m.ok || eq.op === "=",
    };
  }

  let best: { plan: Plan; score: number } | undefined;
  for (const index of indexes) {
    if (index.where) continue; // partial indexes need the WHERE to imply theirs
    const eqVals: Evaluator[] = [];
    const eqTerms: Expr[] = [];
    const parts: string[] = [];
    let inList: Evaluator[] | undefined;
    let i = 0;
    for (; i < index.columns.length; i++) {
      const ic = index.columns[i];
      const t = terms.find((t) =>
        t.column === ic.column && t.collation === ic.collation &&
        (t.op === "=" || (t.op === "in" && i === 0))
      );
      if (!t) break;
      if (t.op === "in") inList = t.values;
      else {
        eqVals.push(t.values[0]);
        if (t.source) eqTerms.push(t.source);
      }
      parts.push(`${ic.name}=?`);
    }
    let lo: Bound | undefined;
    let hi: Bound | undefined;
    if (i < index.columns.length) {
      const ic = index.columns[i];
      for (const t of terms) {
        if (t.column !== ic.column || t.collation !== ic.collation) continue;
        if ((t.op === ">" || t.op === ">=") && !lo) {
          lo = { fn: t.values[0], inclusive: t.op === ">=" };
        }
        if ((t.op === "<" || t.op === "<=") && !hi) {
          hi = { fn: t.values[0], inclusive: t.op === "<=" };
        }
      }
      if (lo) parts.push(`${ic.name}>?`);
      if (hi) parts.push(`${ic.name}<?`);
    }
    if (parts.length === 0) continue;
    const full = i === index.columns.length;
    const covering = covers(index, table, needed);
    const rest = [...index.columns.slice(i), { column: -1, desc: false, collation: "BINARY" }];
    const m = inList ? { ok: false, reverse: false } : orderMatch(rest, order);
    const score = i * 4 + (lo ? 1 : 0) + (hi ? 1 : 0) + (full && index.unique ? 8 : 0) +
      (covering ? 2 : 0) + (m.ok && order ? 1 : 0);
    if (!best || score > best.score) {
      best = {
        score,
        plan: {
          access: {
            kind: "index",
            index,
            eq: eqVals,
            eqTerms: !inList && eqTerms.length === eqVals.length ? eqTerms : undefined,
            inList,
            lo,
            hi,
            covering,
            reverse: m.reverse,
          },
          detail: `SEARCH ${name} USING ${covering ? "COVERING " : ""}INDEX ${index.name} (${
            parts.join(" AND ")
          })`,
          ordered: m.ok,
        },
      };
    }
  }

  const lo = rowidTerms.find((t) => t.op === ">" || t.op === ">=");
  const hi = rowidTerms.find((t) => t.op === "<" || t.op === "<=");
  if (best && (best.score >= 4 || (!lo && !hi) || opts.indexedBy !== undefined)) return best.plan;
  if ((lo || hi) && opts.indexedBy === undefined) {
    const parts = [lo ? "rowid>?" : "", hi ? "rowid<?" : ""].filter((p) => p);
    const m = orderMatch(rowidOrder, order);
    return {
      access: {
        kind: "rowidRange",
        lo: lo && { fn: lo.values[0], inclusive: lo.op === ">=", term: lo.source },
        hi: hi && { fn: hi.values[0], inclusive: hi.op === "<=", term: hi.source },
        reverse: m.reverse,
      },
      detail: `SEARCH ${name} USING INTEGER PRIMARY KEY (${parts.join(" AND ")})`,
      ordered: m.ok,
    };
  }

  // A full scan: of the table in rowid order, or of an index whose order is the ORDER BY's
  // (no sort) or that holds every needed column (fewer pages to read).
  const tableOrder = orderMatch(rowidOrder, order);
  if (opts.indexedBy !== undefined) {
    const index = indexes[0];
    // A partial index holds only the rows its WHERE admits: usable only when the query's
    // WHERE implies that (it is then scanned whole, the query's WHERE filtering).
    if (index.where && !impliesPartial(where, index.where, table, scope.sources[level].name)) {
      throw new SqliteError("SQLITE_ERROR", "no query solution");
    }
    const m = orderMatch([...index.columns, ...rowidOrder], order);
    const covering = covers(index, table, needed);
    return {
      access: { kind: "index", index, eq: [], covering, reverse: m.reverse },
      detail: `SCAN ${name} USING ${covering ? "COVERING " : ""}INDEX ${index.name}`,
      ordered: m.ok,
    };
  }
  if (order && order.length > 0 && !tableOrder.ok) {
    for (const index of indexes) {
      if (index.where) continue;
      const m = orderMatch([...index.columns, ...rowidOrder], order);
      if (!m.ok) continue;
      const covering = covers(index, table, needed);
      return {
        access: { kind: "index", index, eq: [], covering, reverse: m.reverse },
        detail: `SCAN ${name} USING ${covering ? "COVERING " : ""}INDEX ${index.name}`,
        ordered: true,
      };
    }
  }
  if (!order || order.length === 0 || !tableOrder.ok) {
    const coveringIndex = indexes
      .filter((ix) => !ix.where && covers(ix, table, needed) && narrower(ix, table))
      .sort((a, b) => a.columns.length - b.columns.length)[0];
    if (coveringIndex && needed !== "all") {
      const m = orderMatch([...coveringIndex.columns, ...rowidOrder], order);
      return {
        access: { kind: "index", index: coveringIndex, eq: [], covering: true, reverse: m.reverse },
        detail: `SCAN ${name} USING COVERING INDEX ${coveringIndex.name}`,
        ordered: m.ok,
      };
    }
  }
  // An inner loop of a join with an equality on an outer value and no index for it: the
  // executor builds a hash of the table's rows once (SQLite's automatic index).
  const eqTerm = level > 0 ? terms.find((t) => t.op === "=") : undefined;
  if (eqTerm) {
    const colName = eqTerm.column === -1 ? "rowid" : table.columns[eqTerm.column].name;
    return {
      access: { kind: "scan" },
      detail: `SEARCH ${name} USING AUTOMATIC INDEX (${colName}=?)`,
      ordered: false,
      hashKey: {
        column: eqTerm.column,
        value: eqTerm.values[0],
        affinity: eqTerm.affinity,
        collation: eqTerm.collation,
      },
    };
  }
  return {
    access: { kind: "scan", reverse: tableOrder.reverse },
    detail: `SCAN ${name}`,
    ordered: tableOrder.ok,
  };
}
