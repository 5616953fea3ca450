/**
 * Row-level writes to a table and its indexes, with SQLite's constraint checks and
 * conflict resolution (lang_conflict.html): NOT NULL, CHECK, UNIQUE / PRIMARY KEY.
 * @module
 */

import { comparatorFactory } from "./index_keys.ts";
import type { BTreeApi, IndexCursor, Rowid, TableCursor } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import { applyAffinity, storageValue } from "../record/affinity.ts";
import { builtinCollation, type Collation } from "../record/collation.ts";
import { compareRecordToKey, keyComparator, SearchKey } from "../record/compare.ts";
import { encodeRecord } from "../record/record.ts";
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

interface PreparedIndex {
  info: IndexInfo;
  colls: Collation[];
  descs: boolean[];
  cursor: IndexCursor;
}

/** Writes rows of one table during one statement. */
export class TableWriter {
  private readonly table: TableCursor;
  private readonly indexes: PreparedIndex[];
  private readonly checks: { fn: Compiled; name: string }[];
  private readonly reader = new RecordReader();
  private readonly env: Env;
  /** Column defaults for rows written before ALTER TABLE ADD COLUMN. */
  readonly defaults: SqlValue[];

  /** Opens cursors on `info` and its indexes. */
  constructor(private readonly btree: BTreeApi, readonly info: TableInfo, env: Env) {
    this.env = env;
    this.defaults = tableDefaults(info);
    this.table = btree.tableCursor(info.root);
    this.indexes = info.indexes.map((ix) => ({
      info: ix,
      colls: ix.columns.map((c) => builtinCollation(c.collation)!),
      descs: ix.columns.map((c) => c.desc),
      cursor: btree.indexCursor(ix.root, comparatorFactory(ix)),
    }));
    const scope = new Scope([{ name: info.name, table: info }]);
    this.checks = info.checks.map((e) => ({ fn: compileExpr(e, scope), name: checkName(e) }));
  }

  /** Releases the cursors. */
  close(): void {
    this.table.close();
    for (const ix of this.indexes) ix.cursor.close();
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
  ): boolean {
    if (rowid !== self && this.table.seek(rowid)) {
      const act = action ?? pkAction ?? "ABORT";
      if (act === "IGNORE") return false;
      if (act === "REPLACE") {
        this.deleteRow(rowid);
      } else {
        const alias = this.info.rowidAlias;
        const name = alias >= 0 ? this.info.columns[alias].name : "rowid";
        throw fail(
          "SQLITE_CONSTRAINT_PRIMARYKEY",
          `UNIQUE constraint failed: ${this.info.name}.${name}`,
          act,
        );
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

  private indexKey(ix: IndexInfo, values: SqlValue[], rowid: Rowid | undefined): SqlValue[] {
    const key: SqlValue[] = [];
    for (const c of ix.columns) {
      const v = c.column === this.info.rowidAlias ? (rowid ?? values[c.column]) : values[c.column];
      key.push(storageValue(v, this.info.columns[c.column].affinity));
    }
    if (rowid !== undefined) key.push(rowid);
    return key;
  }

  /** Writes the row and its index entries (constraints already checked). */
  insert(rowid: Rowid, values: SqlValue[]): void {
    const rec = values.map((v, i) =>
      i === this.info.rowidAlias ? null : storageValue(v, this.info.columns[i].affinity)
    );
    this.table.insert(rowid, encodeRecord(rec));
    for (const ix of this.indexes) {
      const key = this.indexKey(ix.info, values, rowid);
      const sk = new SearchKey(key, ix.colls, ix.descs);
      ix.cursor.insert(encodeRecord(key), keyComparator(sk, 0));
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

  /** Deletes row `rowid` and its index entries; false when there is no such row. */
  deleteRow(rowid: Rowid): boolean {
    const values = this.read(rowid);
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
