/**
 * Row-level writes to a table and its indexes, with SQLite's constraint checks and
 * conflict resolution (lang_conflict.html): NOT NULL, CHECK, UNIQUE / PRIMARY KEY.
 * @module
 */

import { comparatorFactory, EncodedKeyComparator, keyOrder } from "./index_keys.ts";
import type { BTreeApi, IndexCursor, Rowid, TableCursor } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import { applyAffinity, storageValue } from "../record/affinity.ts";
import { builtinCollation, type Collation } from "../record/collation.ts";
import { compareRecordToKey, keyComparator, SearchKey } from "../record/compare.ts";
import { encodeRecord, RecordEncoder } from "../record/record.ts";
import { RecordReader } from "../record/record_reader.ts";
import { Real, type SqlValue } from "../record/value.ts";
import type { IndexInfo, TableInfo } from "../schema/types.ts";
import type { ConflictAction } from "./ast.ts";
import { type Compiled, compileExpr, passes } from "./compile_expr.ts";
import { ArrayRow, type Env } from "./env.ts";
import { Scope } from "./scope.ts";
import { exactRowid } from "./access.ts";
import { tableDefaults } from "./defaults.ts";

const MAX_ROWID = 9223372036854775807n;

/** A constraint failure, tagged with how the statement must react (lang_conflict.html). */
export class ConstraintError extends SqliteError {
  /** The conflict resolution in force: ABORT, FAIL or ROLLBACK. */
  action: ConflictAction = "ABORT";
}

function fail(
  code: ConstructorParameters<typeof SqliteError>[0],
  message: string,
  action: ConflictAction,
): ConstraintError {
  const e = new ConstraintError(code, message);
  e.action = action;
  return e;
}

/** What writing to one index needs, derived from the schema once (see {@link WriterPlan}). */
interface IndexPlan {
  info: IndexInfo;
  /** Collations of the key columns (the rowid's not included). */
  colls: Collation[];
  /** DESC flags of the key columns (the rowid's not included). */
  descs: boolean[];
  comparatorFor: (key: Uint8Array) => import("../btree/types.ts").KeyComparator;
  /**
   * Orders stored entries against the entry being inserted. Shared by every execution: it is
   * set right before each cursor insert, and no user code runs until that insert returns.
   */
  insertCmp: EncodedKeyComparator;
}

/**
 * What a {@link TableWriter} derives from the table's schema: index collations, comparator
 * factories and compiled CHECK constraints. A compiled statement builds it once and hands it
 * to the writer of every execution, so a prepared INSERT run per row does not recompile them
 * per row. Valid while the schema is unchanged (statements are recompiled when it changes).
 */
export class WriterPlan {
  /** Per index, in {@link TableInfo.indexes} order. */
  readonly indexes: IndexPlan[];
  /** Compiled CHECK constraints. */
  readonly checks: { fn: Compiled; name: string }[];
  /** Some index is UNIQUE. */
  readonly hasUnique: boolean;
  /** A closed writer for the next execution to reuse (see {@link TableWriter.open}). */
  idle: TableWriter | undefined;

  /** Derives the plan for `info`. */
  constructor(readonly info: TableInfo) {
    this.indexes = info.indexes.map((ix) => {
      const order = keyOrder(ix);
      return {
        info: ix,
        colls: ix.columns.map((c) => builtinCollation(c.collation)!),
        descs: ix.columns.map((c) => c.desc),
        comparatorFor: comparatorFactory(ix),
        insertCmp: new EncodedKeyComparator(order.colls, order.descs),
      };
    });
    this.hasUnique = info.indexes.some((ix) => ix.unique);
    const scope = new Scope([{ name: info.name, table: info }]);
    this.checks = info.checks.map((e) => ({ fn: compileExpr(e, scope), name: checkName(e) }));
  }
}

interface PreparedIndex {
  info: IndexInfo;
  colls: Collation[];
  descs: boolean[];
  cursor: IndexCursor;
  plan: IndexPlan;
  /** The entry being inserted, as values (reused: it is encoded at once). */
  key: SqlValue[];
}

// Records are encoded here and consumed (copied into pages) before the next encoding; no
// user code runs in between, so one buffer serves every writer.
const encoder = new RecordEncoder();

/** Writes rows of one table during one statement. */
export class TableWriter {
  private readonly table: TableCursor;
  private readonly indexes: PreparedIndex[];
  private readonly checks: { fn: Compiled; name: string }[];
  private readonly reader = new RecordReader();
  private env: Env;
  #open = true;
  #defaults: SqlValue[] | undefined;
  /** Set by {@link checkUnique} when the rowid conflict check is left to {@link insert}. */
  #rowidCheck: ConflictAction | undefined;
  private readonly plan: WriterPlan;
  /** The row as stored, reused per insert (storage values, NULL for the rowid alias). */
  #rec: SqlValue[] = [];

  /**
   * Opens cursors on `info` and its indexes. `plan` (built for the same `info`) saves
   * deriving it again; statements executed many times pass one.
   */
  constructor(
    private readonly btree: BTreeApi,
    readonly info: TableInfo,
    env: Env,
    plan: WriterPlan = new WriterPlan(info),
  ) {
    this.env = env;
    this.table = btree.tableCursor(info.root);
    this.indexes = plan.indexes.map((p) => ({
      info: p.info,
      colls: p.colls,
      descs: p.descs,
      cursor: btree.indexCursor(p.info.root, p.comparatorFor),
      plan: p,
      key: [],
    }));
    this.checks = plan.checks;
    this.plan = plan;
  }

  /** Column defaults for rows written before ALTER TABLE ADD COLUMN (computed on first use). */
  get defaults(): SqlValue[] {
    return this.#defaults ??= tableDefaults(this.info);
  }

  /**
   * A writer for one execution of a statement compiled with `plan`: the plan's idle writer,
   * its cursors reopened, when it has one (a prepared INSERT run once per row then allocates
   * nothing for it), else a new writer.
   */
  static open(btree: BTreeApi, env: Env, plan: WriterPlan): TableWriter {
    const w = plan.idle;
    if (w === undefined || w.btree !== btree) return new TableWriter(btree, plan.info, env, plan);
    plan.idle = undefined;
    w.env = env;
    w.#open = true;
    w.#rowidCheck = undefined;
    w.#defaults = undefined;
    w.table.reopen();
    for (const ix of w.indexes) ix.cursor.reopen();
    return w;
  }

  /** Releases the cursors; the writer then waits in its plan for the next execution. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.table.close();
    for (const ix of this.indexes) ix.cursor.close();
    this.plan.idle ??= this;
  }

  /** A new rowid: one more than the largest, or an unused one when that is taken. */
  newRowid(): Rowid {
    if (!this.table.last()) return 1;
    const max = this.table.rowid();
    if (typeof max === "number") {
      return max + 1 <= Number.MAX_SAFE_INTEGER ? max + 1 : BigInt(max) + 1n;
    }
    if (max < MAX_ROWID) return max + 1n;
    for (let i = 0; i < 100; i++) {
      const r = BigInt.asIntN(64, BigInt(Math.floor(Math.random() * 2 ** 53)) << 10n);
      const cand = r <= 0n ? -r + 1n : r;
      const k = cand <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cand) : cand;
      if (!this.table.seek(k)) return k;
    }
    throw new SqliteError("SQLITE_FULL", "database or disk is full");
  }

  /** A new AUTOINCREMENT rowid: above both the largest rowid and the largest ever used. */
  newAutoincrementRowid(seq: Rowid): Rowid {
    const max = this.table.last() ? this.table.rowid() : 0;
    const top = max > seq ? max : seq;
    if (top === MAX_ROWID) throw new SqliteError("SQLITE_FULL", "database or disk is full");
    if (typeof top === "number") {
      return top + 1 <= Number.MAX_SAFE_INTEGER ? top + 1 : BigInt(top) + 1n;
    }
    return top + 1n;
  }

  /**
   * The rowid of an existing row that `values` (to be stored at `rowid`) would conflict
   * with on `target`: the rowid, one unique index, or any uniqueness constraint.
   */
  findConflict(
    target: "rowid" | "any" | IndexInfo,
    rowid: Rowid,
    values: SqlValue[],
  ): Rowid | undefined {
    if (target === "rowid" || target === "any") {
      if (this.table.seek(rowid)) return rowid;
      if (target === "rowid") return undefined;
    }
    for (const ix of this.indexes) {
      if (!ix.info.unique || (target !== "any" && ix.info !== target)) continue;
      const key = this.indexKey(ix.info, values, undefined);
      if (key.some((v) => v === null)) continue;
      const other = this.findKey(ix, key);
      if (other !== undefined) return other;
    }
    return undefined;
  }

  /** Converts a value given for the rowid (or its alias) to a rowid. */
  rowidFrom(v: SqlValue): Rowid {
    const conv = applyAffinity(v, "INTEGER");
    const r = exactRowid(
      conv instanceof Real || typeof conv === "number" || typeof conv === "bigint" ? conv : null,
    );
    if (r === undefined || (typeof conv === "number" && !Number.isInteger(conv))) {
      throw new SqliteError("SQLITE_MISMATCH", "datatype mismatch");
    }
    return r;
  }

  /**
   * Applies affinity and NOT NULL / CHECK constraints to a full row of column values (the
   * rowid alias column is ignored). Returns false when the row is to be skipped (IGNORE).
   */
  prepareRow(
    values: SqlValue[],
    action: ConflictAction | undefined,
    defaults?: () => SqlValue[],
  ): boolean {
    const cols = this.info.columns;
    for (let i = 0; i < cols.length; i++) {
      if (i === this.info.rowidAlias) continue;
      let v = applyAffinity(values[i], cols[i].affinity);
      if (v === null && cols[i].notNull) {
        const act = action ?? cols[i].notNullConflict ?? "ABORT";
        if (act === "IGNORE") return false;
        if (act === "REPLACE" && defaults && cols[i].defaultExpr) {
          v = applyAffinity(defaults()[i], cols[i].affinity);
        }
        if (v === null) {
          throw fail(
            "SQLITE_CONSTRAINT_NOTNULL",
            `NOT NULL constraint failed: ${this.info.name}.${cols[i].name}`,
            act === "REPLACE" ? "ABORT" : act,
          );
        }
      }
      values[i] = v;
    }
    if (this.checks.length > 0) {
      const saved = this.env.rows;
      this.env.rows = [new ArrayRow(values, null)];
      try {
        for (const c of this.checks) {
          const r = c.fn.fn(this.env);
          if (r !== null && !passes(c.fn.fn, this.env)) {
            const act = action ?? "ABORT";
            if (act === "IGNORE") return false;
            throw fail(
              "SQLITE_CONSTRAINT_CHECK",
              `CHECK constraint failed: ${c.name}`,
              act === "REPLACE" ? "ABORT" : act,
            );
          }
        }
      } finally {
        this.env.rows = saved;
      }
    }
    return true;
  }

  /**
   * Checks uniqueness of `values` at `rowid` (ignoring the row `self`, for UPDATE).
   * Returns false when the row is to be skipped (IGNORE); with REPLACE deletes the
   * conflicting rows.
   */
  checkUnique(
    rowid: Rowid,
    values: SqlValue[],
    action: ConflictAction | undefined,
    self: Rowid | undefined,
    pkAction: ConflictAction | undefined,
    deferRowid = false,
  ): boolean {
    this.#rowidCheck = undefined;
    if (rowid !== self) {
      const act = action ?? pkAction ?? "ABORT";
      if (
        deferRowid && !this.plan.hasUnique && act !== "IGNORE" && act !== "REPLACE"
      ) {
        // Nothing below can write or fail, so the table insert itself can find the
        // conflict (one descent of the table instead of two per row).
        this.#rowidCheck = act;
        return true;
      }
      if (this.table.seek(rowid)) {
        if (act === "IGNORE") return false;
        if (act === "REPLACE") this.deleteRow(rowid);
        else throw this.rowidConflict(act);
      }
    }
    for (const ix of this.indexes) {
      if (!ix.info.unique) continue;
      const key = this.indexKey(ix.info, values, undefined);
      if (key.some((v) => v === null)) continue;
      for (;;) {
        const other = this.findKey(ix, key);
        if (other === undefined || other === self) break;
        const act = action ?? ix.info.onConflict ?? "ABORT";
        if (act === "IGNORE") return false;
        if (act === "REPLACE") {
          this.deleteRow(other);
          continue;
        }
        const cols = ix.info.columns.map((c) => `${this.info.name}.${c.name}`).join(", ");
        throw fail(
          ix.info.origin === "pk" ? "SQLITE_CONSTRAINT_PRIMARYKEY" : "SQLITE_CONSTRAINT_UNIQUE",
          `UNIQUE constraint failed: ${cols}`,
          act,
        );
      }
    }
    return true;
  }

  /** Adds every row of the table to `index` (a new, empty index), checking uniqueness. */
  fillIndex(index: IndexInfo): void {
    const ix = this.indexes.find((i) => i.info === index);
    if (!ix) throw new SqliteError("SQLITE_INTERNAL", "index not open");
    const entries: Uint8Array[] = [];
    const keys: SearchKey[] = [];
    for (let ok = this.table.first(); ok; ok = this.table.next()) {
      const rowid = this.table.rowid();
      const values = this.readCurrent(rowid);
      const key = this.indexKey(index, values, rowid);
      entries.push(encodeRecord(key));
      keys.push(new SearchKey(key, ix.colls, ix.descs));
    }
    for (let i = 0; i < entries.length; i++) {
      if (index.unique) {
        const prefix = keys[i].values.slice(0, index.columns.length);
        if (!prefix.some((v) => v === null) && this.findKey(ix, prefix) !== undefined) {
          const cols = index.columns.map((c) => `${this.info.name}.${c.name}`).join(", ");
          throw fail("SQLITE_CONSTRAINT_UNIQUE", `UNIQUE constraint failed: ${cols}`, "ABORT");
        }
      }
      ix.cursor.insert(entries[i], keyComparator(keys[i], 0));
    }
  }

  /** The rowid of an index entry with this key (other than `self`), if any. */
  private findKey(ix: PreparedIndex, key: SqlValue[]): Rowid | undefined {
    const sk = new SearchKey(key, ix.colls, ix.descs);
    const cur = ix.cursor;
    if (!cur.seekGE(keyComparator(sk, 0))) return undefined;
    const payload = cur.payload();
    if (compareRecordToKey(payload, sk, 0) !== 0) return undefined;
    this.reader.reset(payload);
    return this.reader.column(this.reader.columnCount - 1) as Rowid;
  }

  private indexKey(
    ix: IndexInfo,
    values: SqlValue[],
    rowid: Rowid | undefined,
    key: SqlValue[] = [],
  ): SqlValue[] {
    const cols = ix.columns;
    const n = cols.length;
    for (let j = 0; j < n; j++) {
      const c = cols[j].column;
      const v = c === this.info.rowidAlias ? (rowid ?? values[c]) : values[c];
      key[j] = storageValue(v, this.info.columns[c].affinity);
    }
    if (rowid !== undefined) key[n] = rowid;
    // Truncating a reused array is slow in V8 even when its length does not change.
    const len = rowid !== undefined ? n + 1 : n;
    if (key.length !== len) key.length = len;
    return key;
  }

  private rowidConflict(act: ConflictAction): ConstraintError {
    const alias = this.info.rowidAlias;
    const name = alias >= 0 ? this.info.columns[alias].name : "rowid";
    return fail(
      "SQLITE_CONSTRAINT_PRIMARYKEY",
      `UNIQUE constraint failed: ${this.info.name}.${name}`,
      act,
    );
  }

  /**
   * Writes the row and its index entries (constraints already checked, but for a rowid check
   * {@link checkUnique} left to this insert: that conflict throws before anything is written).
   */
  insert(rowid: Rowid, values: SqlValue[]): void {
    const cols = this.info.columns;
    const alias = this.info.rowidAlias;
    const rec = this.#rec;
    if (rec.length !== values.length) rec.length = values.length;
    for (let i = 0; i < values.length; i++) {
      rec[i] = i === alias ? null : storageValue(values[i], cols[i].affinity);
    }
    const check = this.#rowidCheck;
    if (check !== undefined) {
      this.#rowidCheck = undefined;
      if (!this.table.insertNew(rowid, encoder.encode(rec))) throw this.rowidConflict(check);
    } else {
      this.table.insert(rowid, encoder.encode(rec));
    }
    for (const ix of this.indexes) {
      const entry = encoder.encode(this.indexKey(ix.info, values, rowid, ix.key));
      const cmp = ix.plan.insertCmp;
      cmp.set(entry);
      ix.cursor.insert(entry, cmp.cmp);
    }
  }

  /** The current values of row `rowid` (rowid alias filled in), or undefined. */
  read(rowid: Rowid): SqlValue[] | undefined {
    if (!this.table.seek(rowid)) return undefined;
    return this.readCurrent(rowid);
  }

  /** The values of the row the table cursor is on. */
  private readCurrent(rowid: Rowid): SqlValue[] {
    const defaults = this.defaults;
    this.reader.reset(this.table.payload());
    const cols = this.info.columns;
    const out = new Array<SqlValue>(cols.length);
    for (let i = 0; i < cols.length; i++) {
      if (i === this.info.rowidAlias) out[i] = rowid;
      else if (i >= this.reader.columnCount) out[i] = defaults[i] ?? null;
      else {
        const v = this.reader.column(i);
        out[i] = cols[i].affinity === "REAL" ? applyAffinity(v, "REAL") : v;
      }
    }
    return out;
  }

  /**
   * Deletes row `rowid` and its index entries; false when there is no such row. `known`:
   * its current values, when the caller has just read them.
   */
  deleteRow(rowid: Rowid, known?: SqlValue[]): boolean {
    const values = known ?? this.read(rowid);
    if (!values) return false;
    for (const ix of this.indexes) {
      const key = this.indexKey(ix.info, values, rowid);
      const sk = new SearchKey(key, ix.colls, ix.descs);
      if (
        ix.cursor.seekGE(keyComparator(sk, 0)) &&
        compareRecordToKey(ix.cursor.payload(), sk, 0) === 0
      ) {
        ix.cursor.delete();
      }
    }
    if (this.table.seek(rowid)) this.table.delete();
    return true;
  }
}

function checkName(e: import("./ast.ts").Expr): string {
  return (e as { text?: string }).text ?? "CHECK";
}
