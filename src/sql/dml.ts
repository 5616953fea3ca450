/**
 * INSERT, UPDATE and DELETE on rowid tables.
 * @module
 */

import type { BTreeApi, Rowid } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import type { SqlValue } from "../record/value.ts";
import type { Catalog } from "../schema/catalog.ts";
import { foldName } from "../schema/names.ts";
import type { IndexInfo, TableInfo } from "../schema/types.ts";
import type { DeleteStmt, InsertStmt, UpdateStmt } from "./ast.ts";
import {
  compileCondition,
  compileExpr,
  type CompileOptions,
  compileWhere,
  type Condition,
} from "./compile_expr.ts";
import { defaultsMaker, tableDefaults } from "./defaults.ts";
import type { Env, Evaluator } from "./env.ts";
import { type Access, planAccess, requireSupported } from "./planner.ts";
import { CursorRow } from "./row.ts";
import { Scope } from "./scope.ts";
import { compileSelect, lookupTable, subqueryHook } from "./select.ts";
import { ConstraintError, TableWriter, WriterPlan } from "./table_writer.ts";
import { compileReturning, type Returning } from "./returning.ts";
import { ArrayRow } from "./env.ts";
import { visitRows } from "./access.ts";

/** A compiled statement: result columns (empty for plain DML) and a run function. */
export interface Executable {
  /** Result column names. */
  columns: string[];
  /** Column origins, for Statement.columns(). */
  columnInfo: { table: string | null; column: string | null; type: string | null }[];
  /** EXPLAIN QUERY PLAN lines. */
  plan: string[];
  /** True when running it modifies the database. */
  writes: boolean;
  /** Runs it, yielding result rows. */
  rows(env: Env): Generator<SqlValue[], void, undefined>;
  /**
   * False when the statement cannot fail once it has started writing (bar I/O errors), so
   * it needs no statement journal inside a transaction. Default true.
   */
  statementJournal?: boolean;
}

function writableTable(catalog: Catalog, name: string, schema?: string): TableInfo {
  const t = lookupTable(catalog, name, schema);
  if (t.root === 1) throw new SqliteError("SQLITE_ERROR", `table ${t.name} may not be modified`);
  requireSupported(t);
  return t;
}

function unsupported(what: string): SqliteError {
  return new SqliteError("SQLITE_ERROR", `${what} is not supported yet`);
}

/** An ON CONFLICT clause, resolved against the table. */
interface UpsertPlan {
  /** The constraint it handles: "rowid", an index, or "any" (no target written). */
  target: "rowid" | "any" | IndexInfo;
  /** DO UPDATE: assignments over [existing row, excluded row]; undefined for DO NOTHING. */
  sets?: { column: number; fn: Evaluator }[];
  where?: Condition;
}

function resolveUpsert(
  u: InsertStmt["upsert"][number],
  table: TableInfo,
  alias: string | undefined,
  xo: CompileOptions,
): UpsertPlan {
  let target: UpsertPlan["target"] = "any";
  if (u.target) {
    if (u.target.where) throw unsupported("a partial-index ON CONFLICT target");
    const cols = u.target.columns.map((ic) => {
      const name = ic.name ?? (ic.expr.kind === "column" ? ic.expr.name : undefined);
      const i = name === undefined
        ? -2
        : table.columns.findIndex((c) => foldName(c.name) === foldName(name));
      if (i < 0) {
        throw new SqliteError(
          "SQLITE_ERROR",
          "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
        );
      }
      return i;
    });
    if (cols.length === 1 && cols[0] === table.rowidAlias) {
      target = "rowid";
    } else {
      const ix = table.indexes.find((ix) =>
        ix.unique && !ix.where && ix.columns.length === cols.length &&
        ix.columns.every((c) => cols.includes(c.column))
      );
      if (!ix) {
        throw new SqliteError(
          "SQLITE_ERROR",
          "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
        );
      }
      target = ix;
    }
  }
  if (u.action.kind === "nothing") return { target };
  const scope = new Scope([
    { name: alias ?? table.name, table },
    { name: "excluded", table },
  ]);
  const sets = u.action.set.flatMap((s) => {
    if (s.columns.length !== 1) throw unsupported("row-value assignment");
    return [{ column: columnIndex(table, s.columns[0]), fn: compileExpr(s.expr, scope, xo).fn }];
  });
  const where = u.action.where ? compileCondition(u.action.where, scope, xo) : undefined;
  return { target, sets, where };
}

function columnIndex(table: TableInfo, name: string): number {
  const i = table.columns.findIndex((c) => foldName(c.name) === foldName(name));
  if (i >= 0) return i === table.rowidAlias ? -1 : i;
  if (["rowid", "oid", "_rowid_"].includes(foldName(name))) return -1;
  throw new SqliteError("SQLITE_ERROR", `no such column: ${name}`);
}

/** Compiles an INSERT. */
export function compileInsert(stmt: InsertStmt, catalog: Catalog, btree: BTreeApi): Executable {
  const xo: CompileOptions = { subquery: subqueryHook(catalog, btree) };
  if (stmt.with) throw unsupported("WITH");
  const table = writableTable(catalog, stmt.table, stmt.schema);
  // Target slot per supplied value: column index, or -1 for an explicit rowid.
  let targets: number[];
  if (stmt.columns) {
    targets = stmt.columns.map((c) => {
      const i = table.columns.findIndex((col) => foldName(col.name) === foldName(c));
      if (i >= 0) return i === table.rowidAlias ? -1 : i;
      if (["rowid", "oid", "_rowid_"].includes(foldName(c))) return -1;
      throw new SqliteError("SQLITE_ERROR", `table ${table.name} has no column named ${c}`);
    });
  } else {
    targets = table.columns.map((_, i) => (i === table.rowidAlias ? -1 : i));
  }
  const nvals = targets.length;
  // A VALUES list is evaluated straight into each row (no per-row arrays or generator: a
  // prepared INSERT run once per row spends its time here); other sources yield arrays.
  let valueRows: Evaluator[][] | undefined;
  let source: (env: Env) => Iterable<SqlValue[]> = () => [];
  if (stmt.select === null) {
    valueRows = [[]];
    targets = [];
  } else if (
    stmt.select.core.kind === "values" && stmt.select.compound.length === 0 &&
    !stmt.select.orderBy && !stmt.select.limit
  ) {
    const scope = new Scope([]);
    valueRows = stmt.select.core.rows.map((r) => r.map((e) => compileExpr(e, scope, xo).fn));
    for (const r of valueRows) checkCount(table, r.length, nvals, !!stmt.columns);
  } else {
    const q = compileSelect(stmt.select, catalog, btree);
    checkCount(table, q.columns.length, nvals, !!stmt.columns);
    // Materialise first: the SELECT may read the table being written.
    source = (env) => [...q.rows(env)];
  }
  const upserts = stmt.upsert.map((u) => resolveUpsert(u, table, stmt.alias, xo));
  const returning = stmt.returning
    ? compileReturning(stmt.returning, table, stmt.alias, xo)
    : undefined;
  const makeDefaults = defaultsMaker(table);
  const plan = new WriterPlan(table);
  const action = stmt.orAction;
  // One row, checked in full before anything is written, and no REPLACE deleting rows
  // first: nothing can fail half-way.
  const singleRow = stmt.select !== null && stmt.select.core.kind === "values" &&
    stmt.select.compound.length === 0 && stmt.select.core.rows.length === 1;
  const replaces = action === "REPLACE" || table.pkConflict === "REPLACE" ||
    table.indexes.some((ix) => ix.onConflict === "REPLACE") ||
    table.columns.some((c) => c.notNullConflict === "REPLACE");
  // The rows are written by a plain function, the generator only hands out RETURNING rows:
  // V8 optimizes the per-row loop better outside a generator.
  const execute = (env: Env, out: SqlValue[][]): void => {
    const w = TableWriter.open(btree, env, plan);
    let changes = 0;
    let failure: unknown;
    let seq: number | bigint = table.autoincrement ? catalog.getSequence(table.name) : 0;
    const seq0 = seq;
    let supplied: Iterator<SqlValue[]> | undefined;
    try {
      if (!valueRows) supplied = source(env)[Symbol.iterator]();
      for (let r = 0;; r++) {
        let values: SqlValue[];
        let rowidValue: SqlValue = null;
        if (valueRows) {
          if (r === valueRows.length) break;
          const fns = valueRows[r];
          values = makeDefaults();
          for (let i = 0; i < targets.length; i++) {
            const t = targets[i];
            const v = fns[i](env);
            if (t === -1) rowidValue = v;
            else values[t] = v;
          }
        } else {
          const next = supplied!.next();
          if (next.done) break;
          const row = next.value;
          values = makeDefaults();
          for (let i = 0; i < targets.length; i++) {
            const t = targets[i];
            if (t === -1) rowidValue = row[i];
            else values[t] = row[i];
          }
        }
        let rowid: Rowid;
        if (rowidValue !== null) rowid = w.rowidFrom(rowidValue);
        else if (table.autoincrement) {
          // SQLite counts an AUTOINCREMENT rowid as used even when the row is then skipped.
          rowid = w.newAutoincrementRowid(seq);
          seq = rowid;
        } else rowid = w.newRowid();
        if (table.rowidAlias >= 0) values[table.rowidAlias] = rowid;
        if (!w.prepareRow(values, action, makeDefaults)) continue;
        if (upserts.length > 0) {
          const done = applyUpsert(w, upserts, rowid, values, env, action, table, out, returning);
          if (done !== "insert") {
            if (done === "updated") changes++;
            continue;
          }
        }
        if (!w.checkUnique(rowid, values, action, undefined, table.pkConflict, true)) continue;
        w.insert(rowid, values);
        changes++;
        env.ctx.lastInsertRowid = rowid;
        if (table.autoincrement && rowid > seq) seq = rowid;
        if (returning) out.push(returning.evaluate(env, values, rowid));
      }
      if (table.autoincrement && seq !== seq0) catalog.setSequence(table.name, seq);
    } catch (e) {
      failure = e;
      throw e;
    } finally {
      w.close();
      recordChanges(env, changes, failure);
    }
  };
  return {
    statementJournal: !(singleRow && !replaces && upserts.length === 0),
    columns: returning?.columns ?? [],
    columnInfo: returning?.columnInfo ?? [],
    plan: [],
    writes: true,
    *rows(env) {
      const out: SqlValue[][] = [];
      execute(env, out);
      if (out.length > 0) yield* out;
    },
  };
}

/** Applies the first ON CONFLICT clause whose constraint the row violates. */
function applyUpsert(
  w: TableWriter,
  upserts: UpsertPlan[],
  rowid: Rowid,
  values: SqlValue[],
  env: Env,
  action: InsertStmt["orAction"],
  table: TableInfo,
  out: SqlValue[][],
  returning: Returning | undefined,
): "insert" | "skipped" | "updated" {
  for (const u of upserts) {
    const other = w.findConflict(u.target, rowid, values);
    if (other === undefined) continue;
    if (!u.sets) return "skipped";
    const existing = w.read(other)!;
    const saved = env.rows;
    env.rows = [new ArrayRow(existing, other), new ArrayRow(values, rowid)];
    try {
      if (u.where && !u.where(env)) return "skipped";
      const updated = existing.slice();
      let newRowid = other;
      for (const s of u.sets) {
        const v = s.fn(env);
        if (s.column === -1) newRowid = w.rowidFrom(v);
        else updated[s.column] = v;
      }
      if (table.rowidAlias >= 0) updated[table.rowidAlias] = newRowid;
      if (!w.prepareRow(updated, action)) return "skipped";
      if (!w.checkUnique(newRowid, updated, action, other, table.pkConflict)) return "skipped";
      w.deleteRow(other);
      w.insert(newRowid, updated);
      if (returning) out.push(returning.evaluate(env, updated, newRowid));
      return "updated";
    } finally {
      env.rows = saved;
    }
  }
  return "insert";
}

/**
 * Sets changes() / total_changes() after a statement. The rows of a failed statement count
 * only when they stay (ON CONFLICT FAIL).
 */
function recordChanges(env: Env, changes: number, failure: unknown): void {
  const stays = failure === undefined ||
    (failure instanceof ConstraintError && failure.action === "FAIL");
  const n = stays ? changes : 0;
  env.ctx.changes = n;
  env.ctx.totalChanges += n;
}

function checkCount(table: TableInfo, got: number, want: number, explicit: boolean): void {
  if (got === want) return;
  if (explicit) throw new SqliteError("SQLITE_ERROR", `${got} values for ${want} columns`);
  throw new SqliteError(
    "SQLITE_ERROR",
    `table ${table.name} has ${want} columns but ${got} values were supplied`,
  );
}

/** The rowids (and values) of the rows a WHERE selects, collected before any change. */
function collectRows(
  table: TableInfo,
  alias: string | undefined,
  where: DeleteStmt["where"],
  btree: BTreeApi,
  hint: { notIndexed?: boolean; indexedBy?: string },
  xo: CompileOptions,
  rowidOrder: (access: Access) => boolean = () => false,
): { scope: Scope; plan: string[]; collect: (env: Env) => Rowid[] } {
  const scope = new Scope([{ name: alias ?? table.name, table }]);
  const filter = compileWhere(where, scope, xo);
  const plan = planAccess(table, where, scope, hint);
  const defaults = tableDefaults(table);
  // SQLite visits the targets in rowid order (its RowSet / ephemeral table) unless it can
  // change each row as the scan meets it (one-pass): the order decides which row a REPLACE
  // removes or an IGNORE / FAIL skips, and the order of RETURNING rows.
  const sort = rowidOrder(plan.access);
  return {
    scope,
    plan: [plan.detail],
    collect(env) {
      const row = new CursorRow(table, defaults);
      env.rows = [row];
      // Rowids only, as SQLite's RowSet: the rows are read again one at a time as they are
      // changed, so a statement over a large table does not hold all its rows at once.
      const out: Rowid[] = [];
      if (filter.once && !filter.once(env)) return out;
      const each = filter.each;
      for (const rowid of visitRows(plan.access, btree, table.root, env, row)) {
        if (each && !each(env)) continue;
        out.push(rowid);
      }
      if (sort) out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return out;
    },
  };
}

/** Compiles a DELETE. */
export function compileDelete(stmt: DeleteStmt, catalog: Catalog, btree: BTreeApi): Executable {
  const xo: CompileOptions = { subquery: subqueryHook(catalog, btree) };
  if (stmt.with) throw unsupported("WITH");
  if (stmt.orderBy || stmt.limit) throw unsupported("DELETE ... LIMIT");
  const table = writableTable(catalog, stmt.table, stmt.schema);
  const { plan, collect } = collectRows(
    table,
    stmt.alias,
    stmt.where,
    btree,
    stmt,
    xo,
    () => stmt.returning !== undefined,
  );
  const writerPlan = new WriterPlan(table);
  const returning = stmt.returning
    ? compileReturning(stmt.returning, table, stmt.alias, xo)
    : undefined;
  return {
    columns: returning?.columns ?? [],
    columnInfo: returning?.columnInfo ?? [],
    plan,
    writes: true,
    *rows(env) {
      const victims = collect(env);
      const w = TableWriter.open(btree, env, writerPlan);
      const out: SqlValue[][] = [];
      let changes = 0;
      let failure: unknown;
      try {
        for (const rowid of victims) {
          const values = w.read(rowid);
          // Gone already: a row can only leave by this statement (nothing else runs).
          if (values === undefined) continue;
          if (returning) out.push(returning.evaluate(env, values, rowid));
          if (w.deleteRow(rowid, values)) changes++;
        }
      } catch (e) {
        failure = e;
        throw e;
      } finally {
        w.close();
        recordChanges(env, changes, failure);
      }
      yield* out;
    },
  };
}

/** Any subquery in `e` (an AST subtree). */
function hasSubquery(e: unknown): boolean {
  if (e === null || typeof e !== "object") return false;
  if (Array.isArray(e)) return e.some(hasSubquery);
  const kind = (e as { kind?: unknown }).kind;
  if (kind === "subquery" || kind === "exists" || kind === "inSelect") return true;
  return Object.values(e).some(hasSubquery);
}

/**
 * SQLite's conditions for a one-pass UPDATE (update.c): no RETURNING, the rowid not set, no
 * REPLACE that could remove another row, no subquery in WHERE, and the index scanned not
 * among those the UPDATE changes. Otherwise the targets are visited in rowid order.
 */
function onePass(
  table: TableInfo,
  stmt: UpdateStmt,
  changed: Set<number>,
  access: Access,
): boolean {
  if (stmt.returning !== undefined) return false;
  if (changed.has(-1) || (table.rowidAlias >= 0 && changed.has(table.rowidAlias))) return false;
  if (hasSubquery(stmt.where)) return false;
  const touches = (ix: IndexInfo) => ix.columns.some((c) => changed.has(c.column));
  if (stmt.orAction === "REPLACE") return false;
  if (
    stmt.orAction === undefined &&
    table.indexes.some((ix) => ix.onConflict === "REPLACE" && touches(ix))
  ) return false;
  if (access.kind === "index" && touches(access.index)) return false;
  return true;
}

/** Compiles an UPDATE. */
export function compileUpdate(stmt: UpdateStmt, catalog: Catalog, btree: BTreeApi): Executable {
  const xo: CompileOptions = { subquery: subqueryHook(catalog, btree) };
  if (stmt.with) throw unsupported("WITH");
  if (stmt.from) throw unsupported("UPDATE ... FROM");
  if (stmt.orderBy || stmt.limit) throw unsupported("UPDATE ... LIMIT");
  const table = writableTable(catalog, stmt.table, stmt.schema);
  const changed = new Set<number>();
  for (const s of stmt.set) for (const c of s.columns) changed.add(columnIndex(table, c));
  const { scope, plan, collect } = collectRows(
    table,
    stmt.alias,
    stmt.where,
    btree,
    stmt,
    xo,
    (access) => !onePass(table, stmt, changed, access),
  );
  const writerPlan = new WriterPlan(table);
  const sets: { column: number; fn: Evaluator }[] = [];
  for (const s of stmt.set) {
    if (s.columns.length !== 1) throw unsupported("row-value assignment");
    sets.push({ column: columnIndex(table, s.columns[0]), fn: compileExpr(s.expr, scope, xo).fn });
  }
  const action = stmt.orAction;
  const returning = stmt.returning
    ? compileReturning(stmt.returning, table, stmt.alias, xo)
    : undefined;
  return {
    columns: returning?.columns ?? [],
    columnInfo: returning?.columnInfo ?? [],
    plan,
    writes: true,
    *rows(env) {
      const targets = collect(env);
      const w = TableWriter.open(btree, env, writerPlan);
      const out: SqlValue[][] = [];
      let changes = 0;
      let failure: unknown;
      try {
        const row = { values: [] as SqlValue[], id: null as SqlValue };
        env.rows = [{ column: (i) => row.values[i], rowid: () => row.id }];
        for (const target of targets) {
          const old = w.read(target);
          // Deleted by an earlier row's REPLACE: SQLite skips it too (OP_NotExists).
          if (old === undefined) continue;
          row.values = old;
          row.id = target;
          const values = old.slice();
          let rowid = target;
          for (const s of sets) {
            const v = s.fn(env);
            if (s.column === -1) rowid = w.rowidFrom(v);
            else values[s.column] = v;
          }
          if (table.rowidAlias >= 0) values[table.rowidAlias] = rowid;
          if (!w.prepareRow(values, action)) continue;
          if (!w.checkUnique(rowid, values, action, target, table.pkConflict)) continue;
          w.deleteRow(target, old);
          w.insert(rowid, values);
          changes++;
          if (returning) out.push(returning.evaluate(env, values, rowid));
        }
      } catch (e) {
        failure = e;
        throw e;
      } finally {
        w.close();
        recordChanges(env, changes, failure);
      }
      yield* out;
    },
  };
}
