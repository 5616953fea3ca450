/**
 * CREATE TABLE / CREATE INDEX / DROP.
 * @module
 */

import type { BTreeApi } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import type { Catalog } from "../schema/catalog.ts";
import { foldName } from "../schema/names.ts";
import type { AlterTableStmt, CreateIndexStmt, CreateTableStmt, DropStmt, Expr } from "./ast.ts";
import { tokenize } from "./lexer.ts";
import { Tok } from "./tokens.ts";
import type { Executable } from "./dml.ts";
import { lookupTable } from "./select.ts";
import { requireSupported } from "./planner.ts";
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
  if (stmt.columns.some((c) => c.constraints.some((k) => k.kind === "generated"))) {
    throw new SqliteError("SQLITE_ERROR", "generated columns are not supported yet");
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
    requireSupported(table);
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

/** `"name"` with embedded quotes doubled, as SQLite writes renamed identifiers. */
function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Replaces the identifier token that follows the keyword sequence `after` in `sql`. */
function replaceNameAfter(sql: string, after: string[], newName: string): string {
  const toks = tokenize(sql);
  for (let i = 0; i + after.length < toks.length; i++) {
    if (!after.every((kw, j) => toks[i + j].kw === kw)) continue;
    let k = i + after.length;
    while (["IF", "NOT", "EXISTS"].includes(toks[k].kw)) k++;
    // A schema-qualified name: skip `schema .`
    if (toks[k + 1] && sql.slice(toks[k + 1].start, toks[k + 1].end) === ".") k += 2;
    return sql.slice(0, toks[k].start) + quoteId(newName) + sql.slice(toks[k].end);
  }
  return sql;
}

/** Compiles ALTER TABLE (RENAME TO and ADD COLUMN). */
export function compileAlter(stmt: AlterTableStmt, catalog: Catalog): Executable {
  const action = stmt.action;
  return ddl(() => {
    const table = lookupTable(catalog, stmt.table, stmt.schema);
    if (table.root === 1 || foldName(table.name).startsWith("sqlite_")) {
      throw new SqliteError("SQLITE_ERROR", `table ${table.name} may not be altered`);
    }
    if (action.kind === "renameTable") {
      const newName = action.newName;
      if (
        catalog.table(newName) || catalog.index(newName) || catalog.others.has(foldName(newName))
      ) {
        throw new SqliteError(
          "SQLITE_ERROR",
          `there is already another table or index with this name: ${newName}`,
        );
      }
      if (foldName(newName).startsWith("sqlite_")) {
        throw new SqliteError("SQLITE_ERROR", `object name reserved for internal use: ${newName}`);
      }
      const old = foldName(table.name);
      catalog.rewriteRows((row) => {
        const [type, name, tbl, root, sql] = row;
        if (typeof tbl !== "string" || foldName(tbl) !== old) return undefined;
        if (type === "table") {
          return [type, newName, newName, root, replaceNameAfter(String(sql), ["TABLE"], newName)];
        }
        if (type === "index") {
          const auto = `sqlite_autoindex_${table.name}_`;
          const newIdx = typeof name === "string" && sql === null && name.startsWith(auto)
            ? `sqlite_autoindex_${newName}_${name.slice(auto.length)}`
            : name;
          const newSql = sql === null ? null : replaceNameAfter(String(sql), ["ON"], newName);
          return [type, newIdx, newName, root, newSql];
        }
        return undefined;
      });
      return;
    }
    if (action.kind === "addColumn") {
      const def = action.column;
      if (table.columns.some((c) => foldName(c.name) === foldName(def.name))) {
        throw new SqliteError("SQLITE_ERROR", `duplicate column name: ${def.name}`);
      }
      for (const c of def.constraints) {
        if (c.kind === "generated") {
          throw new SqliteError("SQLITE_ERROR", "generated columns are not supported yet");
        }
        if (c.kind === "primaryKey") {
          throw new SqliteError("SQLITE_ERROR", "Cannot add a PRIMARY KEY column");
        }
        if (c.kind === "unique") {
          throw new SqliteError("SQLITE_ERROR", "Cannot add a UNIQUE column");
        }
      }
      const dflt = def.constraints.find((c) => c.kind === "default");
      const notNull = def.constraints.some((c) => c.kind === "notNull");
      if (dflt && dflt.kind === "default" && !isConstantDefault(dflt.expr)) {
        throw new SqliteError("SQLITE_ERROR", "Cannot add a column with non-constant default");
      }
      if (
        notNull &&
        (!dflt ||
          (dflt.kind === "default" && dflt.expr.kind === "literal" && dflt.expr.value === null))
      ) {
        throw new SqliteError(
          "SQLITE_ERROR",
          "Cannot add a NOT NULL column with default value NULL",
        );
      }
      const name = foldName(table.name);
      catalog.rewriteRows((row) => {
        const [type, , tbl, , sql] = row;
        if (type !== "table" || typeof tbl !== "string" || foldName(tbl) !== name) return undefined;
        const text = String(sql);
        const toks = tokenize(text).filter((t) => t.type === Tok.RP);
        const close = toks[toks.length - 1];
        const out = text.slice(0, close.start) + ", " + action.text + text.slice(close.start);
        return [row[0], row[1], row[2], row[3], out];
      });
      return;
    }
    throw new SqliteError(
      "SQLITE_ERROR",
      `ALTER TABLE ${
        action.kind === "renameColumn" ? "RENAME COLUMN" : "DROP COLUMN"
      } is not supported yet`,
    );
  });
}

function isConstantDefault(e: Expr): boolean {
  if (e.kind === "literal") return true;
  if (e.kind === "unary") return isConstantDefault(e.expr);
  return false;
}
