/**
 * CREATE TABLE / CREATE INDEX / DROP.
 * @module
 */

import type { BTreeApi } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import type { Catalog } from "../schema/catalog.ts";
import { foldName } from "../schema/names.ts";
import type { CreateIndexStmt, CreateTableStmt, DropStmt } from "./ast.ts";
import type { Executable } from "./dml.ts";
import { lookupTable } from "./select.ts";
import { TableWriter } from "./table_writer.ts";

function ddl(run: () => void): Executable {
  return {
    columns: [],
    columnInfo: [],
    plan: [],
    writes: true,
    // deno-lint-ignore require-yield
    *rows() {
      run();
    },
  };
}

function checkName(catalog: Catalog, name: string, what: "table" | "index"): boolean {
  const key = foldName(name);
  if (key.startsWith("sqlite_")) {
    throw new SqliteError("SQLITE_ERROR", `object name reserved for internal use: ${name}`);
  }
  if (catalog.tables.has(key) || catalog.others.has(key)) {
    const kind = catalog.others.get(key)?.type ?? "table";
    if (what === "table") return false;
    throw new SqliteError("SQLITE_ERROR", `there is already a ${kind} named ${name}`);
  }
  if (catalog.indexes.has(key)) {
    if (what === "index") return false;
    throw new SqliteError("SQLITE_ERROR", `there is already an index named ${name}`);
  }
  return true;
}

/** Compiles CREATE TABLE. */
export function compileCreateTable(stmt: CreateTableStmt, catalog: Catalog): Executable {
  if (stmt.temp) throw new SqliteError("SQLITE_ERROR", "TEMP tables are not supported yet");
  if (stmt.asSelect) {
    throw new SqliteError("SQLITE_ERROR", "CREATE TABLE ... AS SELECT is not supported yet");
  }
  if (stmt.schema !== undefined && foldName(stmt.schema) !== "main") {
    throw new SqliteError("SQLITE_ERROR", `unknown database ${stmt.schema}`);
  }
  return ddl(() => {
    if (!checkName(catalog, stmt.name, "table")) {
      if (stmt.ifNotExists) return;
      throw new SqliteError("SQLITE_ERROR", `table ${stmt.name} already exists`);
    }
    catalog.createTable(stmt);
  });
}

/** Compiles CREATE INDEX (and fills the index from the table's rows). */
export function compileCreateIndex(
  stmt: CreateIndexStmt,
  catalog: Catalog,
  btree: BTreeApi,
): Executable {
  if (stmt.where) throw new SqliteError("SQLITE_ERROR", "partial indexes are not supported yet");
  return ddl(() => {
    if (!checkName(catalog, stmt.name, "index")) {
      if (stmt.ifNotExists) return;
      throw new SqliteError("SQLITE_ERROR", `index ${stmt.name} already exists`);
    }
    const table = lookupTable(catalog, stmt.table, stmt.schema);
    if (table.root === 1) {
      throw new SqliteError("SQLITE_ERROR", `table ${table.name} may not be indexed`);
    }
    const index = catalog.createIndex(stmt, table);
    const env = {
      params: [],
      rows: [],
      aggs: [],
      ctx: { changes: 0, totalChanges: 0, lastInsertRowid: 0 },
    };
    const w = new TableWriter(btree, table, env);
    try {
      w.fillIndex(index);
    } finally {
      w.close();
    }
  });
}

/** Compiles DROP TABLE / DROP INDEX. */
export function compileDrop(stmt: DropStmt, catalog: Catalog): Executable {
  if (stmt.objectType === "view" || stmt.objectType === "trigger") {
    return ddl(() => {
      const other = catalog.others.get(foldName(stmt.name));
      if (!other || other.type !== stmt.objectType) {
        if (stmt.ifExists) return;
        throw new SqliteError("SQLITE_ERROR", `no such ${stmt.objectType}: ${stmt.name}`);
      }
      throw new SqliteError("SQLITE_ERROR", `${stmt.objectType}s are not supported yet`);
    });
  }
  return ddl(() => {
    if (stmt.objectType === "table") {
      const table = catalog.tables.get(foldName(stmt.name));
      if (!table) {
        if (stmt.ifExists) return;
        if (foldName(stmt.name).startsWith("sqlite_")) {
          throw new SqliteError("SQLITE_ERROR", `table ${stmt.name} may not be dropped`);
        }
        throw new SqliteError("SQLITE_ERROR", `no such table: ${stmt.name}`);
      }
      catalog.dropTable(table);
    } else {
      const index = catalog.index(stmt.name);
      if (!index) {
        if (stmt.ifExists) return;
        throw new SqliteError("SQLITE_ERROR", `no such index: ${stmt.name}`);
      }
      if (index.sql === null) {
        throw new SqliteError(
          "SQLITE_ERROR",
          "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped",
        );
      }
      catalog.dropIndex(index);
    }
  });
}
