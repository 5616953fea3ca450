/**
 * tsqlite: an embedded SQL database in pure TypeScript whose files are real SQLite 3
 * database files.
 *
 * The API has the shape of node:sqlite's `DatabaseSync`, so code moves between them.
 *
 * @example
 * ```ts
 * import { Database } from "@tsqlite/tsqlite";
 * const db = new Database("app.db");
 * db.exec("CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT)");
 * const { lastInsertRowid } = db.prepare("INSERT INTO users(name) VALUES (?)").run("Ada");
 * console.log(db.prepare("SELECT * FROM users WHERE id = ?").get(lastInsertRowid));
 * db.close();
 * ```
 * @module
 */

import { SqliteError } from "./src/errors.ts";
import type { JournalMode, SynchronousLevel } from "./src/pager/types.ts";
import { Real, type SqlValue } from "./src/record/value.ts";
import { type CompiledStatement, Connection } from "./src/sql/connection.ts";
import type { RowCursor } from "./src/sql/stepper.ts";
import { MemoryVfs } from "./src/vfs/memory_vfs.ts";
import { RealVfs } from "./src/vfs/real_vfs.ts";
import type { Vfs } from "./src/vfs/vfs.ts";

export { ResultCode, type ResultCodeName, SqliteError } from "./src/errors.ts";
export type { JournalMode, SynchronousLevel } from "./src/pager/types.ts";
export { LockLevel, type OpenFlags, type Vfs, type VfsFile } from "./src/vfs/vfs.ts";
export {
  type CrashImageOptions,
  CrashSignal,
  type Fault,
  type FaultOp,
  MemoryVfs,
  type MemoryVfsOptions,
  type Operation,
  type OperationKind,
} from "./src/vfs/memory_vfs.ts";
export { LockTable } from "./src/vfs/lock_table.ts";
export { RealVfs } from "./src/vfs/real_vfs.ts";

/** A value a column can hold, as JavaScript sees it. */
export type SQLOutputValue = null | number | bigint | string | Uint8Array;
/** A value that can be bound to a parameter. */
export type SQLInputValue = null | undefined | number | bigint | string | Uint8Array;
/** A result row as an object keyed by column name. */
export type Row = Record<string, SQLOutputValue>;
/** Named parameters: keys with or without their prefix (`:`, `@`, `$`). */
export type NamedParameters = Record<string, SQLInputValue>;

/** Options for {@link Database}. */
export interface DatabaseOptions {
  /** Journal mode of a new connection (default "delete"). */
  journalMode?: JournalMode;
  /** PRAGMA synchronous level (default "full"). */
  synchronous?: SynchronousLevel;
  /** Page size for a new database (512..65536, a power of two; default 4096). */
  pageSize?: number;
  /** PRAGMA cache_size: pages when positive, KiB when negative (default -2000). */
  cacheSize?: number;
  /** Open read-only (the file must exist). */
  readOnly?: boolean;
  /** Milliseconds to wait for a lock held by another connection (default 0). */
  timeout?: number;
  /** The file system to use (default: real files; `":memory:"` uses a MemoryVfs). */
  vfs?: Vfs;
}

/** What {@link Statement.run} returns. */
export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
  /** The rowid of the last row inserted by this connection. */
  lastInsertRowid: number | bigint;
}

/** A function run in a transaction; see {@link Database.transaction}. */
export interface TransactionFunction<A extends unknown[], R> {
  /** Runs the function in a transaction (BEGIN DEFERRED, or a savepoint when nested). */
  (...args: A): R;
  /** The same, with BEGIN DEFERRED. */
  deferred: (...args: A) => R;
  /** The same, with BEGIN IMMEDIATE. */
  immediate: (...args: A) => R;
  /** The same, with BEGIN EXCLUSIVE. */
  exclusive: (...args: A) => R;
}

let savepointCounter = 0;

function isThenable(v: unknown): boolean {
  return (typeof v === "object" || typeof v === "function") && v !== null &&
    typeof (v as { then?: unknown }).then === "function";
}

/** A result column's name and origin. */
export interface ColumnDescription {
  /** The column's name in the result. */
  name: string;
  /** The table column it comes from, if it is a plain column reference. */
  column: string | null;
  /** The table it comes from. */
  table: string | null;
  /** The schema ("main") it comes from. */
  database: string | null;
  /** The declared type of the table column. */
  type: string | null;
}

function toPath(path: string | URL): string {
  if (typeof path !== "string" && !(path instanceof URL)) {
    throw new SqliteError("SQLITE_MISUSE", "The database path must be a string or a file: URL");
  }
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw new SqliteError("SQLITE_CANTOPEN", "unable to open database file");
    }
    return decodeURIComponent(path.pathname);
  }
  return path;
}

/**
 * An open database.
 *
 * @example
 * ```ts
 * using db = new Database(":memory:");
 * db.exec("CREATE TABLE kv(k TEXT PRIMARY KEY, v)");
 * db.prepare("INSERT INTO kv VALUES (?, ?)").run("a", 1);
 * db.prepare("SELECT v FROM kv WHERE k = ?").get("a"); // { v: 1 }
 * ```
 */
export class Database {
  readonly #conn: Connection;
  readonly #path: string;

  /** Opens (creating when missing, unless read-only) the database at `path`; `":memory:"` is in memory. */
  constructor(path: string | URL, options: DatabaseOptions = {}) {
    const p = toPath(path);
    const memory = p === ":memory:" || p === "";
    const vfs = options.vfs ?? (memory ? new MemoryVfs({ track: false }) : new RealVfs());
    this.#path = p;
    this.#conn = new Connection(vfs, memory ? "memory.db" : p, {
      journalMode: options.journalMode,
      synchronous: options.synchronous,
      pageSize: options.pageSize,
      cacheSize: options.cacheSize,
      readOnly: options.readOnly,
      timeout: options.timeout,
    });
  }

  /** The path the database was opened with. */
  get path(): string {
    return this.#path;
  }

  /** True until {@link close}. */
  get isOpen(): boolean {
    return this.#conn.isOpen;
  }

  /** True inside BEGIN ... COMMIT/ROLLBACK. */
  get inTransaction(): boolean {
    return this.#conn.isOpen && this.#conn.inTransaction;
  }

  /**
   * Runs one or more SQL statements, discarding any rows.
   *
   * @example
   * ```ts
   * db.exec("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2);");
   * ```
   */
  exec(sql: string): void {
    let offset = 0;
    for (;;) {
      // Compiled by run() in the statement's own read transaction (one per statement).
      const { stmt, end } = this.#conn.parse(sql, offset);
      if (!stmt) return;
      for (const _ of this.#conn.run(stmt, [])) { /* discard rows */ }
      offset = end;
    }
  }

  /**
   * Compiles the first statement of `sql`.
   *
   * @example
   * ```ts
   * const byId = db.prepare("SELECT * FROM users WHERE id = ?");
   * byId.get(1);
   * ```
   */
  prepare(sql: string): Statement {
    const { stmt } = this.#conn.prepare(sql);
    if (!stmt) throw new SqliteError("SQLITE_MISUSE", "not an error");
    return new Statement(this.#conn, stmt, sql);
  }

  /**
   * Wraps `fn` in a transaction (better-sqlite3 style): calling the result runs `fn` between
   * BEGIN and COMMIT, rolling back if it throws. Called inside another transaction it uses a
   * savepoint instead, so transactions nest. `.deferred`, `.immediate` and `.exclusive` pick
   * the BEGIN mode. `fn` must be synchronous: a function returning a promise is refused.
   *
   * @example
   * ```ts
   * const addMany = db.transaction((names: string[]) => {
   *   for (const n of names) insert.run(n);
   * });
   * addMany(["Ada", "Grace"]);
   * ```
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): TransactionFunction<A, R> {
    const make = (mode: "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE") => (...args: A): R => {
      const nested = this.inTransaction;
      const sp = `tsqlite_txn_${++savepointCounter}`;
      this.exec(nested ? `SAVEPOINT ${sp}` : `BEGIN ${mode}`);
      let result: R;
      try {
        result = fn(...args);
        if (isThenable(result)) {
          throw new SqliteError("SQLITE_MISUSE", "Transaction function cannot return a promise");
        }
      } catch (e) {
        if (this.isOpen && this.inTransaction) {
          if (nested) this.exec(`ROLLBACK TO ${sp}; RELEASE ${sp}`);
          else this.exec("ROLLBACK");
        }
        throw e;
      }
      this.exec(nested ? `RELEASE ${sp}` : "COMMIT");
      return result;
    };
    const f = make("DEFERRED") as TransactionFunction<A, R>;
    f.deferred = f;
    f.immediate = make("IMMEDIATE");
    f.exclusive = make("EXCLUSIVE");
    return f;
  }

  /** Closes the database; safe to call more than once. An open transaction is rolled back. */
  close(): void {
    this.#conn.close();
  }

  /** Closes the database (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A prepared statement. Parameters are positional (`?`, `?NNN`) or named (`:a`, `@a`,
 * `$a`, given as an object whose keys may omit the prefix).
 */
export class Statement {
  readonly #conn: Connection;
  readonly #stmt: CompiledStatement;
  /** The bound-values array of the last finished run/get/all/values, for the next one. */
  #bound: SqlValue[] | undefined;
  readonly #sql: string;

  /** @internal Use {@link Database.prepare}. */
  constructor(conn: Connection, stmt: CompiledStatement, sql: string) {
    this.#conn = conn;
    this.#stmt = stmt;
    this.#sql = sql;
  }

  /** The SQL text the statement was prepared from. */
  get sourceSQL(): string {
    return this.#sql;
  }

  /**
   * Runs the statement to completion.
   *
   * @example
   * ```ts
   * const { changes, lastInsertRowid } = db.prepare("INSERT INTO t(a) VALUES (?)").run(1);
   * ```
   */
  run(...params: (SQLInputValue | NamedParameters)[]): RunResult {
    const ctx = this.#conn.ctx;
    const before = ctx.totalChanges;
    const rows = this.#rows(params);
    try {
      while (rows.next() !== undefined) { /* discard rows */ }
    } finally {
      rows.close();
    }
    return {
      changes: ctx.totalChanges === before ? 0 : ctx.changes,
      lastInsertRowid: ctx.lastInsertRowid,
    };
  }

  /** The first result row as an object, or undefined when there is none. */
  get(...params: (SQLInputValue | NamedParameters)[]): Row | undefined {
    const rows = this.#rows(params);
    let row: SqlValue[] | undefined;
    try {
      row = rows.next();
    } finally {
      rows.close();
    }
    return row === undefined ? undefined : this.#maker()(row);
  }

  /** All result rows as objects. */
  all(...params: (SQLInputValue | NamedParameters)[]): Row[] {
    const rows = this.#rows(params);
    const out: Row[] = [];
    try {
      const make = this.#maker();
      for (let row = rows.next(); row !== undefined; row = rows.next()) out.push(make(row));
    } finally {
      rows.close();
    }
    return out;
  }

  /** All result rows as arrays (duplicate column names survive). */
  values(...params: (SQLInputValue | NamedParameters)[]): SQLOutputValue[][] {
    const rows = this.#rows(params);
    const out: SQLOutputValue[][] = [];
    try {
      for (let row = rows.next(); row !== undefined; row = rows.next()) out.push(row.map(output));
    } finally {
      rows.close();
    }
    return out;
  }

  /** Iterates over the result rows as objects; the statement's transaction lasts until the end. */
  *iterate(...params: (SQLInputValue | NamedParameters)[]): Generator<Row, void, undefined> {
    const rows = this.#rows(params, false);
    try {
      const make = this.#maker();
      for (let row = rows.next(); row !== undefined; row = rows.next()) yield make(row);
    } finally {
      rows.close();
    }
  }

  /** The result columns. */
  columns(): ColumnDescription[] {
    const exe = this.#stmt.executable();
    return exe.columns.map((name, i) => ({
      name,
      column: exe.columnInfo[i]?.column ?? null,
      table: exe.columnInfo[i]?.table ?? null,
      database: exe.columnInfo[i]?.table ? "main" : null,
      type: exe.columnInfo[i]?.type ?? null,
    }));
  }

  #makerFor: string[] | undefined;
  #make: RowMaker | undefined;

  /** The row-object builder for the current column names (rebuilt after a re-plan). */
  #maker(): RowMaker {
    const names = this.#stmt.executable().columns;
    if (names !== this.#makerFor || !this.#make) {
      this.#make = rowMaker(names);
      this.#makerFor = names;
    }
    return this.#make;
  }

  /**
   * Starts an execution. `done`: the caller closes the cursor before it returns (run, get,
   * all, values), so the bound values may go into the array the previous such call used;
   * iterate's executions may overlap and get arrays of their own.
   */
  #rows(params: (SQLInputValue | NamedParameters)[], done = true): RowCursor {
    const stmt = this.#stmt;
    const spare = done ? this.#bound : undefined;
    if (done) this.#bound = undefined;
    const bound = bind(stmt, params, spare);
    const rows = this.#conn.query(stmt, bound);
    if (done) this.#bound = bound;
    return rows;
  }
}

function output(v: SqlValue): SQLOutputValue {
  return v instanceof Real ? v.value : v;
}

type RowMaker = (row: SqlValue[]) => Row;

/**
 * Builds a function that turns a row into an object with the columns as properties. The
 * function is generated once per statement so every row object gets the same shape (fast
 * property access); a later column with a duplicate name wins, as in node:sqlite.
 */
function rowMaker(names: string[]): RowMaker {
  const props = names.map((n, i) => `[${JSON.stringify(n)}]: out(r[${i}])`).join(", ");
  // Computed keys define own properties even for "__proto__".
  const make = new Function("out", `return (r) => ({ ${props} });`);
  return make(output) as RowMaker;
}

function bindValue(v: unknown, where: string | number): SqlValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "number":
      // Integral numbers bind as INTEGER (as better-sqlite3 and most drivers do), others as REAL.
      if (Number.isSafeInteger(v)) return v === 0 ? 0 : v;
      if (Number.isNaN(v)) return null;
      return Number.isInteger(v) ? new Real(v) : v;
    case "bigint":
      if (v > 9223372036854775807n || v < -9223372036854775808n) {
        throw new SqliteError("SQLITE_TOOBIG", `BigInt value is too large to bind (${where})`);
      }
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
    case "string":
      // SQLite receives text as UTF-8, where a lone surrogate becomes U+FFFD: bound so, the
      // value compares (and is stored) as it does there.
      return v.isWellFormed() ? v : v.toWellFormed();
    default:
      if (v instanceof Uint8Array) return v;
      if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      throw new SqliteError(
        "SQLITE_MISMATCH",
        `Provided value cannot be bound to SQLite parameter ${where}.`,
      );
  }
}

function isNamed(v: unknown): v is NamedParameters {
  return typeof v === "object" && v !== null && !ArrayBuffer.isView(v);
}

function bind(stmt: CompiledStatement, params: unknown[], into?: SqlValue[]): SqlValue[] {
  const ast = stmt.ast;
  const n = ast.paramCount;
  const given = params.length;
  if (ast.paramNames.size === 0 && given <= n && !(given > 0 && isNamed(params[0]))) {
    // Only anonymous `?`: value i fills slot i + 1 (the common case, without the sets below).
    const out = into !== undefined && into.length === n + 1 ? into : new Array<SqlValue>(n + 1);
    out[0] = null;
    for (let i = 0; i < n; i++) out[i + 1] = i < given ? bindValue(params[i], i + 1) : null;
    return out;
  }
  const out = new Array<SqlValue>(n + 1).fill(null);
  let positional = params;
  if (params.length > 0 && isNamed(params[0])) {
    const named = params[0];
    positional = params.slice(1);
    const known = new Set<string>();
    for (const [name, index] of ast.paramNames) {
      const bare = name.slice(1);
      known.add(name);
      known.add(bare);
      if (Object.hasOwn(named, name)) out[index] = bindValue(named[name], name);
      else if (Object.hasOwn(named, bare)) out[index] = bindValue(named[bare], name);
    }
    for (const key of Object.keys(named)) {
      if (!known.has(key)) {
        throw new SqliteError("SQLITE_RANGE", `Unknown named parameter '${key}'`);
      }
    }
  }
  // Positional values fill the anonymous parameters (?) in order; ?NNN takes slot NNN.
  const namedSlots = new Set(ast.paramNames.values());
  let slot = 1;
  for (let i = 0; i < positional.length; i++) {
    while (slot <= n && namedSlots.has(slot) && !isNumbered(ast.paramNames, slot)) slot++;
    if (slot > n) {
      throw new SqliteError("SQLITE_RANGE", "column index out of range");
    }
    out[slot] = bindValue(positional[i], slot);
    slot++;
  }
  return out;
}

function isNumbered(names: Map<string, number>, slot: number): boolean {
  return names.get(`?${slot}`) === slot;
}
