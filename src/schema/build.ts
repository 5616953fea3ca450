/**
 * Turns CREATE TABLE / CREATE INDEX statements into catalog entries, following the
 * rules SQLite's build.c applies (rowid aliases, automatic indexes and their names).
 * @module
 */

import type { CreateIndexStmt, CreateTableStmt, IndexedColumn } from "../sql/ast.ts";
import { SqliteError } from "../errors.ts";
import { affinityOf } from "../record/affinity.ts";
import { foldName } from "./names.ts";
import type { ColumnInfo, IndexColumn, IndexInfo, TableInfo } from "./types.ts";

/** An automatic index a CREATE TABLE asks for, before it has a root page. */
export interface AutoIndexSpec {
  /** `sqlite_autoindex_<table>_<N>`. */
  name: string;
  /** "u" for UNIQUE, "pk" for PRIMARY KEY. */
  origin: "u" | "pk";
  /** Key columns. */
  columns: IndexColumn[];
  /** Conflict clause. */
  onConflict?: IndexInfo["onConflict"];
}

/** The table described by a CREATE TABLE, plus the automatic indexes it needs. */
export interface TableDefinition {
  /** The table (with `indexes` empty and `root` 0 until pages are assigned). */
  table: TableInfo;
  /** Automatic indexes, in the order SQLite creates (and numbers) them. */
  autoIndexes: AutoIndexSpec[];
}

/** Builds the catalog entry of a table from its CREATE TABLE statement. */
export function defineTable(stmt: CreateTableStmt, root: number, sql: string): TableDefinition {
  const columns: ColumnInfo[] = [];
  const seen = new Set<string>();
  for (const def of stmt.columns) {
    const key = foldName(def.name);
    if (seen.has(key)) {
      throw new SqliteError("SQLITE_ERROR", `duplicate column name: ${def.name}`);
    }
    seen.add(key);
    const type = def.type ?? "";
    const col: ColumnInfo = {
      name: def.name,
      type,
      affinity: affinityOf(type),
      notNull: false,
      collation: "BINARY",
      pk: 0,
    };
    for (const c of def.constraints) {
      if (c.kind === "notNull") {
        col.notNull = true;
        col.notNullConflict = c.onConflict;
      } else if (c.kind === "default") {
        col.defaultExpr = c.expr;
        col.defaultText = c.text;
      } else if (c.kind === "collate") {
        col.collation = checkCollation(c.collation);
      } else if (c.kind === "generated") {
        col.generated = { expr: c.expr, stored: c.stored };
      }
    }
    columns.push(col);
  }
  if (columns.length > 2000) {
    throw new SqliteError("SQLITE_ERROR", "too many columns on " + stmt.name);
  }

  const table: TableInfo = {
    name: stmt.name,
    root,
    sql,
    columns,
    rowidAlias: -1,
    primaryKey: [],
    autoincrement: false,
    withoutRowid: stmt.withoutRowid,
    checks: [],
    indexes: [],
  };
  const autoIndexes: AutoIndexSpec[] = [];
  const addAuto = (
    origin: "u" | "pk",
    keyCols: IndexColumn[],
    onConflict: IndexInfo["onConflict"],
  ) => {
    // SQLite folds a constraint into an existing automatic index on the same key.
    const same = autoIndexes.find((a) =>
      a.columns.length === keyCols.length &&
      a.columns.every((c, i) =>
        c.column === keyCols[i].column && c.collation === keyCols[i].collation
      )
    );
    if (same) {
      if (origin === "pk") same.origin = "pk";
      return;
    }
    autoIndexes.push({
      name: `sqlite_autoindex_${stmt.name}_${autoIndexes.length + 1}`,
      origin,
      columns: keyCols,
      onConflict,
    });
  };
  const setPrimaryKey = (
    keyCols: IndexColumn[],
    columnDesc: boolean,
    autoincrement: boolean,
    onConflict: IndexInfo["onConflict"],
  ) => {
    if (table.primaryKey.length > 0) {
      throw new SqliteError("SQLITE_ERROR", `table "${stmt.name}" has more than one primary key`);
    }
    table.primaryKey = keyCols.map((k) => k.column);
    table.pkConflict = onConflict;
    keyCols.forEach((k, i) => columns[k.column].pk = i + 1);
    const only = keyCols.length === 1 ? columns[keyCols[0].column] : undefined;
    if (only && only.type.toUpperCase() === "INTEGER" && !columnDesc) {
      table.rowidAlias = keyCols[0].column;
      table.autoincrement = autoincrement;
      return;
    }
    if (autoincrement) {
      throw new SqliteError(
        "SQLITE_ERROR",
        "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY",
      );
    }
    addAuto("pk", keyCols, onConflict);
  };

  // Constraints are applied in source order: column constraints, then table constraints,
  // which is the order SQLite numbers automatic indexes in.
  stmt.columns.forEach((def, ci) => {
    for (const c of def.constraints) {
      if (c.kind === "primaryKey") {
        const desc = c.order === "DESC";
        const key = [{ column: ci, name: def.name, collation: columns[ci].collation, desc }];
        setPrimaryKey(key, desc, c.autoincrement, c.onConflict);
      } else if (c.kind === "unique") {
        const key = [{ column: ci, name: def.name, collation: columns[ci].collation, desc: false }];
        addAuto("u", key, c.onConflict);
      } else if (c.kind === "check") {
        table.checks.push(c.expr);
      }
    }
  });
  for (const c of stmt.constraints) {
    if (c.kind === "primaryKey") {
      setPrimaryKey(
        indexColumns(table, c.columns, true),
        false,
        c.autoincrement,
        c.onConflict,
      );
    } else if (c.kind === "unique") {
      addAuto("u", indexColumns(table, c.columns, true), c.onConflict);
    } else if (c.kind === "check") {
      table.checks.push(c.expr);
    }
  }
  return { table, autoIndexes };
}

/** Builds the catalog entry of an index from its CREATE INDEX statement. */
export function defineIndex(
  stmt: CreateIndexStmt,
  table: TableInfo,
  root: number,
  sql: string | null,
): IndexInfo {
  return {
    name: stmt.name,
    table: table.name,
    root,
    sql,
    unique: stmt.unique,
    origin: "c",
    columns: indexColumns(table, stmt.columns, true),
    where: stmt.where,
  };
}

/** Resolves indexed columns against a table. */
function indexColumns(
  table: TableInfo,
  cols: IndexedColumn[],
  allowDesc: boolean,
): IndexColumn[] {
  return cols.map((ic) => {
    const name = ic.name ??
      (ic.expr.kind === "column" && !ic.expr.table ? ic.expr.name : undefined);
    if (name === undefined) {
      throw new SqliteError("SQLITE_ERROR", "indexes on expressions are not supported");
    }
    const key = foldName(name);
    const column = table.columns.findIndex((c) => foldName(c.name) === key);
    if (column < 0) {
      if (key === "rowid" || key === "oid" || key === "_rowid_") {
        throw new SqliteError("SQLITE_ERROR", "indexes on the rowid are not supported");
      }
      throw new SqliteError("SQLITE_ERROR", `no such column: ${name}`);
    }
    return {
      column,
      name: table.columns[column].name,
      collation: ic.collation ? checkCollation(ic.collation) : table.columns[column].collation,
      desc: allowDesc && ic.order === "DESC",
    };
  });
}

const COLLATIONS = new Set(["BINARY", "NOCASE", "RTRIM"]);

/** Upper-cases a collation name, refusing unknown ones as SQLite does. */
export function checkCollation(name: string): string {
  const upper = name.toUpperCase();
  if (!COLLATIONS.has(upper)) {
    throw new SqliteError("SQLITE_ERROR", `no such collation sequence: ${name}`);
  }
  return upper;
}
