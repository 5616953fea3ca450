/**
 * The catalog's view of tables and indexes, derived from sqlite_schema rows and their
 * CREATE statements.
 * @module
 */

import type { ConflictAction, Expr } from "../sql/ast.ts";

import type { Affinity } from "../record/affinity.ts";
export type { Affinity };

/** One column of a table. */
export interface ColumnInfo {
  /** Column name as declared. */
  name: string;
  /** Declared type text ("" when none). */
  type: string;
  /** Affinity derived from the declared type. */
  affinity: Affinity;
  /** NOT NULL was declared. */
  notNull: boolean;
  /** The NOT NULL constraint's conflict clause. */
  notNullConflict?: ConflictAction;
  /** DEFAULT expression, if any. */
  defaultExpr?: Expr;
  /** DEFAULT source text as PRAGMA table_info reports it. */
  defaultText?: string;
  /** Collation name (upper case), "BINARY" unless declared. */
  collation: string;
  /** 1-based position in the PRIMARY KEY, 0 when not part of it. */
  pk: number;
  /** A generated column (not stored as an ordinary value). */
  generated?: { expr: Expr; stored: boolean };
}

/** One column of an index key. `column` is the table column index, -1 for the rowid. */
export interface IndexColumn {
  /** Table column index, or -1 for the rowid. */
  column: number;
  /** Column name ("rowid" for -1). */
  name: string;
  /** Collation name (upper case). */
  collation: string;
  /** Descending order. */
  desc: boolean;
}

/** An index (declared with CREATE INDEX or made for a UNIQUE / PRIMARY KEY constraint). */
export interface IndexInfo {
  /** Index name. */
  name: string;
  /** The indexed table's name. */
  table: string;
  /** Root page. */
  root: number;
  /** CREATE INDEX text, null for automatic indexes. */
  sql: string | null;
  /** Keys must be unique (NULLs excepted). */
  unique: boolean;
  /** How it was made: CREATE INDEX ("c"), a UNIQUE constraint ("u"), a PRIMARY KEY ("pk"). */
  origin: "c" | "u" | "pk";
  /** Key columns, in order (the rowid follows them in every entry). */
  columns: IndexColumn[];
  /** Partial-index condition. */
  where?: Expr;
  /** Conflict clause of the constraint that made it. */
  onConflict?: ConflictAction;
}

/** A rowid table. */
export interface TableInfo {
  /** Table name as declared. */
  name: string;
  /** Root page of its B-tree. */
  root: number;
  /** CREATE TABLE text as stored in sqlite_schema. */
  sql: string;
  /** Columns in declaration order. */
  columns: ColumnInfo[];
  /** Index of the INTEGER PRIMARY KEY column (the rowid alias), or -1. */
  rowidAlias: number;
  /** Column indexes of the PRIMARY KEY, in key order (empty when none). */
  primaryKey: number[];
  /** The PRIMARY KEY's conflict clause. */
  pkConflict?: ConflictAction;
  /** AUTOINCREMENT on the rowid alias. */
  autoincrement: boolean;
  /** WITHOUT ROWID table (not supported for writing yet). */
  withoutRowid: boolean;
  /** CHECK constraints. */
  checks: Expr[];
  /** Indexes on the table, automatic ones first in constraint order, then by creation. */
  indexes: IndexInfo[];
}
