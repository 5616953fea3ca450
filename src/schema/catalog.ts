/**
 * The sqlite_schema catalog: reads the schema table (the B-tree rooted at page 1), keeps
 * the tables and indexes it describes, and writes entries for new and dropped objects.
 * Every change bumps the schema cookie so other connections and prepared statements
 * notice it.
 * @module
 */

import type { BTreeApi } from "../btree/types.ts";
import { Meta } from "../btree/types.ts";
import { SqliteError } from "../errors.ts";
import { encodeRecord } from "../record/record.ts";
import { decodeRecord } from "../record/record_reader.ts";
import type { SqlValue } from "../record/value.ts";
import type { CreateIndexStmt, CreateTableStmt, Statement } from "../sql/ast.ts";
import { defineIndex, defineTable } from "./build.ts";
import { foldName } from "./names.ts";
import type { IndexInfo, TableInfo } from "./types.ts";

/** Parses one CREATE statement's text (injected: the parser lives in the SQL layer). */
export type ParseCreate = (sql: string) => Statement;

/** The built-in description of sqlite_schema itself. */
export const SCHEMA_TABLE: TableInfo = {
  name: "sqlite_schema",
  root: 1,
  sql: "CREATE TABLE sqlite_schema(type text,name text,tbl_name text,rootpage int,sql text)",
  columns: ["type", "name", "tbl_name", "rootpage", "sql"].map((name) => ({
    name,
    type: name === "rootpage" ? "int" : "text",
    affinity: name === "rootpage" ? "INTEGER" : "TEXT",
    notNull: false,
    collation: "BINARY",
    pk: 0,
  })),
  rowidAlias: -1,
  primaryKey: [],
  autoincrement: false,
  withoutRowid: false,
  checks: [],
  indexes: [],
};

/** Other objects in sqlite_schema the engine keeps but does not run (views, triggers). */
export interface OtherObject {
  /** "view" or "trigger". */
  type: string;
  /** Object name. */
  name: string;
  /** Its table. */
  tblName: string;
}

/** The in-memory catalog of one database connection. */
export class Catalog {
  /** Tables by folded name. */
  readonly tables: Map<string, TableInfo> = new Map();
  /** Indexes by folded name. */
  readonly indexes: Map<string, IndexInfo> = new Map();
  /** Views and triggers by folded name. */
  readonly others: Map<string, OtherObject> = new Map();
  /** The schema cookie the catalog was read at; -1 before the first load. */
  cookie = -1;
  /** Bumped on every reload or change, so plans can tell they are stale. */
  generation = 0;

  /** Makes a catalog over a B-tree; `parse` turns stored CREATE text into statements. */
  constructor(private readonly btree: BTreeApi, private readonly parse: ParseCreate) {}

  /** Reloads the catalog when the schema cookie moved (inside a read transaction). */
  refresh(): void {
    const cookie = this.btree.getMeta(Meta.SCHEMA_COOKIE);
    if (cookie !== this.cookie) this.load(cookie);
  }

  /** Forgets everything (the database is empty). */
  clear(): void {
    if (this.cookie === 0 && this.tables.size === 0) return;
    this.tables.clear();
    this.indexes.clear();
    this.others.clear();
    this.cookie = 0;
    this.generation++;
  }

  /** Forces a reload at the next refresh (after a rollback). */
  invalidate(): void {
    this.cookie = -1;
  }

  /** Finds a table by name (ASCII case-insensitive); sqlite_schema/sqlite_master included. */
  table(name: string): TableInfo | undefined {
    const key = foldName(name);
    if (key === "sqlite_schema" || key === "sqlite_master") return SCHEMA_TABLE;
    return this.tables.get(key);
  }

  /** Finds an index by name. */
  index(name: string): IndexInfo | undefined {
    return this.indexes.get(foldName(name));
  }

  private load(cookie: number): void {
    this.tables.clear();
    this.indexes.clear();
    this.others.clear();
    const pending: { name: string; tbl: string; root: number; sql: string | null }[] = [];
    const cur = this.btree.tableCursor(1);
    try {
      for (let ok = cur.first(); ok; ok = cur.next()) {
        const row = decodeRecord(cur.payload());
        const type = String(row[0] ?? "");
        const name = String(row[1] ?? "");
        const tbl = String(row[2] ?? "");
        const root = Number(row[3] ?? 0);
        const sql = row[4] === null || row[4] === undefined ? null : String(row[4]);
        if (type === "table") {
          if (sql === null) throw this.malformed(name);
          const stmt = this.parseAs(sql, "createTable", name) as CreateTableStmt;
          const { table } = defineTable(stmt, root, sql);
          this.tables.set(foldName(name), table);
        } else if (type === "index") {
          pending.push({ name, tbl, root, sql });
        } else {
          this.others.set(foldName(name), { type, name, tblName: tbl });
        }
      }
    } finally {
      cur.close();
    }
    // Automatic indexes first, in constraint order, then the rest in schema order.
    for (const p of pending) {
      const table = this.tables.get(foldName(p.tbl));
      if (!table) throw this.malformed(p.name);
      let index: IndexInfo;
      if (p.sql === null) {
        const def = defineTable(
          this.parseAs(table.sql, "createTable", table.name) as CreateTableStmt,
          table.root,
          table.sql,
        );
        const spec = def.autoIndexes.find((a) => foldName(a.name) === foldName(p.name));
        if (!spec) throw this.malformed(p.name);
        index = {
          name: p.name,
          table: table.name,
          root: p.root,
          sql: null,
          unique: true,
          origin: spec.origin,
          columns: spec.columns,
          onConflict: spec.onConflict,
        };
      } else {
        const stmt = this.parseAs(p.sql, "createIndex", p.name) as CreateIndexStmt;
        index = defineIndex(stmt, table, p.root, p.sql);
      }
      table.indexes.push(index);
      this.indexes.set(foldName(p.name), index);
    }
    for (const t of this.tables.values()) {
      t.indexes.sort((a, b) => (a.sql === null ? 0 : 1) - (b.sql === null ? 0 : 1));
    }
    this.cookie = cookie;
    this.generation++;
  }

  private parseAs(sql: string, kind: string, name: string): Statement {
    let stmt: Statement;
    try {
      stmt = this.parse(sql);
    } catch {
      throw this.malformed(name);
    }
    if (stmt.kind !== kind) throw this.malformed(name);
    return stmt;
  }

  private malformed(name: string): SqliteError {
    return new SqliteError("SQLITE_CORRUPT", `malformed database schema (${name})`);
  }

  /**
   * Adds a table (and its automatic indexes) to the file and the catalog. Needs a write
   * transaction. Returns the new table; its automatic indexes are empty.
   */
  createTable(stmt: CreateTableStmt): TableInfo {
    const def = defineTable(stmt, 0, stmt.schemaSql);
    const table = def.table;
    table.root = this.btree.createTree("table");
    this.insertRow(["table", table.name, table.name, table.root, table.sql]);
    for (const spec of def.autoIndexes) {
      const root = this.btree.createTree("index");
      const index: IndexInfo = {
        name: spec.name,
        table: table.name,
        root,
        sql: null,
        unique: true,
        origin: spec.origin,
        columns: spec.columns,
        onConflict: spec.onConflict,
      };
      this.insertRow(["index", spec.name, table.name, root, null]);
      table.indexes.push(index);
      this.indexes.set(foldName(spec.name), index);
    }
    this.tables.set(foldName(table.name), table);
    if (table.autoincrement && !this.tables.has("sqlite_sequence")) {
      // SQLite keeps AUTOINCREMENT counters in this table, made with the first such table.
      this.createTable(
        this.parse("CREATE TABLE sqlite_sequence(name,seq)") as CreateTableStmt,
      );
    }
    this.bumpCookie();
    return table;
  }

  /** Adds an (empty) index to the file and the catalog; the caller fills it. */
  createIndex(stmt: CreateIndexStmt, table: TableInfo): IndexInfo {
    const root = this.btree.createTree("index");
    const index = defineIndex(stmt, table, root, stmt.schemaSql);
    this.insertRow(["index", index.name, table.name, root, index.sql]);
    table.indexes.push(index);
    this.indexes.set(foldName(index.name), index);
    this.bumpCookie();
    return index;
  }

  /** Removes a table, its indexes and their pages. */
  dropTable(table: TableInfo): void {
    for (const index of table.indexes) {
      this.btree.dropTree(index.root);
      this.indexes.delete(foldName(index.name));
    }
    this.btree.dropTree(table.root);
    const seq = this.tables.get("sqlite_sequence");
    if (seq && table.autoincrement) this.setSequence(table.name, null);
    this.deleteRows((type, name, tbl) =>
      foldName(tbl) === foldName(table.name) && (type === "table" || type === "index") ||
      foldName(name) === foldName(table.name)
    );
    this.tables.delete(foldName(table.name));
    this.bumpCookie();
  }

  /** Removes an index and its pages. */
  dropIndex(index: IndexInfo): void {
    this.btree.dropTree(index.root);
    this.deleteRows((type, name) => type === "index" && foldName(name) === foldName(index.name));
    this.indexes.delete(foldName(index.name));
    const table = this.tables.get(foldName(index.table));
    if (table) table.indexes = table.indexes.filter((i) => i !== index);
    this.bumpCookie();
  }

  /**
   * Rewrites sqlite_schema rows in place: `fn` gets each row (type, name, tbl_name,
   * rootpage, sql) and returns the new row, or undefined to leave it. Bumps the cookie and
   * reloads the catalog from the rewritten rows.
   */
  rewriteRows(fn: (row: SqlValue[]) => SqlValue[] | undefined): void {
    const cur = this.btree.tableCursor(1);
    const changed: { rowid: number | bigint; row: SqlValue[] }[] = [];
    try {
      for (let ok = cur.first(); ok; ok = cur.next()) {
        const row = fn(decodeRecord(cur.payload()));
        if (row) changed.push({ rowid: cur.rowid(), row });
      }
      for (const c of changed) cur.insert(c.rowid, encodeRecord(c.row));
    } finally {
      cur.close();
    }
    this.bumpCookie();
    this.load(this.cookie);
  }

  /** The AUTOINCREMENT counter of a table (0 when it has none yet). */
  getSequence(table: string): number | bigint {
    const seq = this.tables.get("sqlite_sequence");
    if (!seq) return 0;
    const cur = this.btree.tableCursor(seq.root);
    try {
      for (let ok = cur.first(); ok; ok = cur.next()) {
        const row = decodeRecord(cur.payload());
        if (typeof row[0] === "string" && foldName(row[0]) === foldName(table)) {
          const v = row[1];
          return typeof v === "number" || typeof v === "bigint" ? v : 0;
        }
      }
    } finally {
      cur.close();
    }
    return 0;
  }

  /** Sets (or with null removes) the AUTOINCREMENT counter of a table. */
  setSequence(table: string, value: number | bigint | null): void {
    const seq = this.tables.get("sqlite_sequence");
    if (!seq) return;
    const cur = this.btree.tableCursor(seq.root);
    try {
      for (let ok = cur.first(); ok; ok = cur.next()) {
        const row = decodeRecord(cur.payload());
        if (typeof row[0] === "string" && foldName(row[0]) === foldName(table)) {
          if (value === null) cur.delete();
          else cur.insert(cur.rowid(), encodeRecord([row[0], value]));
          return;
        }
      }
      if (value === null) return;
      const last = cur.last() ? cur.rowid() : 0;
      cur.insert(typeof last === "bigint" ? last + 1n : last + 1, encodeRecord([table, value]));
    } finally {
      cur.close();
    }
  }

  private insertRow(values: SqlValue[]): void {
    const cur = this.btree.tableCursor(1);
    try {
      const last = cur.last() ? cur.rowid() : 0;
      cur.insert(Number(last) + 1, encodeRecord(values));
    } finally {
      cur.close();
    }
  }

  private deleteRows(match: (type: string, name: string, tbl: string) => boolean): void {
    const cur = this.btree.tableCursor(1);
    try {
      let ok = cur.first();
      while (ok) {
        const row = decodeRecord(cur.payload());
        if (match(String(row[0]), String(row[1]), String(row[2]))) {
          cur.delete();
          ok = cur.next();
        } else {
          ok = cur.next();
        }
      }
    } finally {
      cur.close();
    }
  }

  private bumpCookie(): void {
    const cookie = (this.btree.getMeta(Meta.SCHEMA_COOKIE) + 1) >>> 0;
    this.btree.setMeta(Meta.SCHEMA_COOKIE, cookie);
    if (this.btree.getMeta(Meta.SCHEMA_FORMAT) === 0) this.btree.setMeta(Meta.SCHEMA_FORMAT, 4);
    this.cookie = cookie;
    this.generation++;
  }
}
