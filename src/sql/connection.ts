/**
 * A database connection: the pager, B-tree and catalog of one open file, the transaction
 * state, and the compilation and execution of statements.
 *
 * Transactions: outside BEGIN each statement runs in its own transaction, committed when
 * it finishes (autocommit). Inside a transaction every writing statement runs in a pager
 * savepoint, so a statement that fails undoes only its own changes (statement atomicity).
 * @module
 */

import { BTree, Meta } from "../btree/mod.ts";
import { SqliteError } from "../errors.ts";
import { PagerImpl, type PagerOptions } from "../pager/pager.ts";
import type { SqlValue } from "../record/value.ts";
import { Catalog } from "../schema/catalog.ts";
import { foldName } from "../schema/names.ts";
import type { Vfs } from "../vfs/vfs.ts";
import type { Statement } from "./ast.ts";
import { parseOne } from "./parser.ts";
import { compileAlter, compileCreateIndex, compileCreateTable, compileDrop } from "./ddl.ts";
import { compileDelete, compileInsert, compileUpdate, type Executable } from "./dml.ts";
import type { Env, FunctionContext, RowSource } from "./env.ts";
import { compilePragma } from "./pragma.ts";
import { compileSelect } from "./select.ts";
import { ConstraintError } from "./table_writer.ts";
import { GeneratorCursor, type RowCursor } from "./stepper.ts";

/** Options for opening a connection. */
export interface ConnectionOptions extends PagerOptions {
  /** How long to wait for a lock, in milliseconds (0: fail at once with SQLITE_BUSY). */
  timeout?: number;
}

interface UserSavepoint {
  name: string;
  /** The pager savepoint; -1 while no write transaction has begun since (nothing to undo). */
  depth: number;
  /** This savepoint opened the transaction (RELEASE of it commits). */
  startedTxn: boolean;
}

/** A compiled statement bound to its connection; re-compiled when the schema changes. */
export class CompiledStatement {
  private exe: Executable | undefined;
  private generation = -1;

  /** Wraps a parsed statement. */
  constructor(private readonly conn: Connection, readonly ast: Statement) {}

  /** The executable for the current schema (compiling it if needed). */
  executable(): Executable {
    if (!this.exe || this.generation !== this.conn.catalog.generation) {
      this.exe = this.conn.compile(this.ast);
      this.generation = this.conn.catalog.generation;
    }
    return this.exe;
  }

  /** Number of parameters the statement takes. */
  get paramCount(): number {
    return this.ast.paramCount;
  }
}

/** One open database file. */
export class Connection {
  /** The pager. */
  readonly pager: PagerImpl;
  /** The B-tree layer. */
  readonly btree: BTree;
  /** The schema catalog. */
  readonly catalog: Catalog;
  /** Counters for changes() and last_insert_rowid(). */
  readonly ctx: FunctionContext = { changes: 0, totalChanges: 0, lastInsertRowid: 0 };
  private explicit = false;
  private readonly savepoints: UserSavepoint[] = [];
  private active = 0;
  /** Running statements that write (SQLite's nVdbeWrite): a RETURNING iterated half-way. */
  private writers = 0;
  /** Bumped by COMMIT, ROLLBACK and ROLLBACK TO: a running statement's savepoint is gone. */
  private undoSerial = 0;
  /** The schema cookie when the write transaction began. */
  private txnCookie = 0;
  /** A ROLLBACK TO undid a schema change (SQLite's DBFLAG_SchemaChange stays set). */
  private schemaTouched = false;
  /** @internal Bumped when a rollback of a schema change aborts the statements still reading. */
  abortEpoch = 0;
  /** The cursors open at that rollback: a statement still holding one is aborted. */
  private tripped: { slot: number }[] = [];
  private closed = false;

  /** Opens `path` on `vfs`. */
  constructor(vfs: Vfs, path: string, options: ConnectionOptions = {}) {
    this.pager = PagerImpl.open(vfs, path, options);
    this.btree = new BTree(this.pager);
    this.catalog = new Catalog(this.btree, (sql) => {
      const { stmt } = parseOne(sql);
      if (!stmt) throw new SqliteError("SQLITE_CORRUPT", "malformed database schema");
      return stmt;
    });
  }

  /** True while BEGIN ... COMMIT is open. */
  get inTransaction(): boolean {
    return this.explicit;
  }

  /** True until close(). */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** Closes the files; an open transaction is rolled back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pager.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new SqliteError("SQLITE_MISUSE", "database is not open");
  }

  /** Starts a read transaction if none is open, and brings the catalog up to date. */
  private enterRead(): void {
    if (!this.pager.inReadTransaction()) {
      this.pager.beginRead();
      try {
        this.refreshCatalog();
      } catch (e) {
        this.pager.endRead();
        throw e;
      }
    } else if (this.catalog.cookie === -1) {
      // A ROLLBACK while a statement kept the read transaction open: reload what it undid.
      this.refreshCatalog();
    }
  }

  /**
   * For a writing statement from no transaction: the write transaction first, when the
   * writer lock is free at once (Pager.tryBeginWriteFirst; it saves the commit a look at
   * the shared wal-index), then the catalog. False when not taken: the caller reads first.
   */
  private enterWriteFirst(): boolean {
    const pager = this.pager;
    if (pager.tryBeginWriteFirst === undefined || !pager.tryBeginWriteFirst()) return false;
    try {
      this.refreshCatalog();
      this.txnCookie = this.schemaCookie();
      this.schemaTouched = false;
    } catch (e) {
      pager.endRead();
      throw e;
    }
    return true;
  }

  /**
   * Starts the write transaction (if not yet), noting the schema cookie it starts from.
   * `fresh`: the read transaction was opened by the statement that now writes (see
   * Pager.beginWrite: only then is the writer lock waited for).
   */
  private beginWrite(fresh = false): void {
    const pager = this.pager;
    if (pager.inWriteTransaction()) return;
    pager.beginWrite(fresh);
    if (fresh) {
      // Waiting for the writer lock may have moved the transaction to a newer snapshot: a
      // schema changed meanwhile is read again (and the statement recompiled against it, as
      // SQLite re-prepares after SQLITE_SCHEMA).
      if (this.schemaCookie() !== this.catalog.cookie) {
        try {
          this.refreshCatalog();
        } catch (e) {
          pager.endRead();
          throw e;
        }
      }
    }
    // SAVEPOINTs set before any write get their pager savepoints now, in order (below any
    // statement savepoint the writing statement takes).
    for (const sp of this.savepoints) if (sp.depth < 0) sp.depth = pager.savepoint();
    this.txnCookie = this.schemaCookie();
    this.schemaTouched = false;
  }

  /** The schema cookie of the current snapshot (0 for a database with no pages yet). */
  private schemaCookie(): number {
    return this.pager.pageCount() === 0 ? 0 : this.btree.getMeta(Meta.SCHEMA_COOKIE);
  }

  /** Whether the write transaction changed the schema (SQLite's DBFLAG_SchemaChange). */
  private schemaChanged(): boolean {
    return this.schemaTouched || this.schemaCookie() !== this.txnCookie;
  }

  /**
   * Before a rollback undoes pages under the cursors of running statements (SQLite's
   * sqlite3BtreeTripAllCursors): each cursor saves its key and finds its place again in the
   * restored tree, so a pending read goes on. After a schema change the statements still
   * reading are aborted instead (their next step fails with SQLITE_ABORT_ROLLBACK).
   */
  private beforeUndo(schemaChanged: boolean): void {
    // BTree keeps its open cursors private; this layer needs them only here.
    const cursors = (this.btree as unknown as { cursors: { slot: number; savePosition(): void }[] })
      .cursors;
    if (cursors.length === 0) return;
    if (!schemaChanged) {
      try {
        for (const c of cursors) c.savePosition();
        return;
      } catch {
        // A key that cannot be read (I/O error): the statements are aborted instead.
      }
    }
    this.tripped = cursors.slice();
    this.btree.resetCursors();
    this.abortEpoch++;
  }

  /** @internal Whether a statement is still reading through a cursor a rollback aborted. */
  holdsTrippedCursor(): boolean {
    for (const c of this.tripped) if (c.slot >= 0) return true;
    this.tripped = [];
    return false;
  }

  private refreshCatalog(): void {
    if (this.pager.pageCount() === 0) {
      this.catalog.clear();
    } else {
      this.catalog.refresh();
    }
  }

  /**
   * After compiling in a read transaction that `fresh` says the caller opened: ends it even
   * inside BEGIN ... COMMIT, where SQLite compiles without one (its transaction starts when
   * a statement first runs), so a later statement reads the latest commit.
   */
  private leaveCompileRead(fresh: boolean): void {
    if (fresh && this.active === 0 && !this.pager.inWriteTransaction()) {
      this.pager.endRead();
    } else {
      this.leaveRead();
    }
  }

  /** Ends the read transaction when nothing needs it any more. */
  private leaveRead(): void {
    if (!this.explicit && this.active === 0 && !this.pager.inWriteTransaction()) {
      this.pager.endRead();
    }
  }

  /**
   * Parses the first statement of `sql` at `offset` and compiles it; returns null when only
   * whitespace and comments remain. `end` is where the next statement starts.
   */
  prepare(sql: string, offset = 0): { stmt: CompiledStatement | null; end: number } {
    this.checkOpen();
    const { stmt, end } = parseOne(sql, offset);
    if (!stmt) return { stmt: null, end };
    const compiled = new CompiledStatement(this, stmt);
    const fresh = !this.pager.inReadTransaction();
    this.enterRead();
    try {
      compiled.executable();
    } finally {
      this.leaveCompileRead(fresh);
    }
    return { stmt: compiled, end };
  }

  /**
   * Parses the first statement of `sql` at `offset` without compiling it (run() compiles
   * it); for running a script statement by statement.
   */
  parse(sql: string, offset = 0): { stmt: CompiledStatement | null; end: number } {
    this.checkOpen();
    const { stmt, end } = parseOne(sql, offset);
    return { stmt: stmt ? new CompiledStatement(this, stmt) : null, end };
  }

  /** Compiles a statement against the current schema. */
  compile(ast: Statement): Executable {
    switch (ast.kind) {
      case "select":
        return { ...compileSelect(ast, this.catalog, this.btree), writes: false };
      case "insert":
        return compileInsert(ast, this.catalog, this.btree);
      case "update":
        return compileUpdate(ast, this.catalog, this.btree);
      case "delete":
        return compileDelete(ast, this.catalog, this.btree);
      case "createTable":
        return compileCreateTable(ast, this.catalog);
      case "createIndex":
        return compileCreateIndex(ast, this.catalog, this.btree);
      case "drop":
        return compileDrop(ast, this.catalog);
      case "alterTable":
        return compileAlter(ast, this.catalog);
      case "pragma":
        return compilePragma(ast, this);
      case "explain": {
        if (!ast.queryPlan) {
          throw new SqliteError(
            "SQLITE_ERROR",
            "EXPLAIN (bytecode) is not supported; use EXPLAIN QUERY PLAN",
          );
        }
        const inner = this.compile(ast.stmt);
        const rows: SqlValue[][] = inner.plan.map((detail, i) => [i + 2, 0, 0, detail]);
        return {
          columns: ["id", "parent", "notused", "detail"],
          columnInfo: [0, 1, 2, 3].map(() => ({ table: null, column: null, type: null })),
          plan: [],
          writes: false,
          *rows() {
            yield* rows;
          },
        };
      }
      case "begin":
      case "commit":
      case "rollback":
      case "savepoint":
      case "release":
        return this.control(ast);
      default:
        throw new SqliteError("SQLITE_ERROR", `${describe(ast)} is not supported yet`);
    }
  }

  /** Transaction-control statements run outside the per-statement transaction logic. */
  private control(ast: Statement): Executable {
    const run = () => this.transactionControl(ast);
    return {
      columns: [],
      columnInfo: [],
      plan: [],
      writes: false,
      // deno-lint-ignore require-yield
      *rows() {
        run();
      },
      control: true,
    } as Executable & { control: true };
  }

  private transactionControl(ast: Statement): void {
    const pager = this.pager;
    switch (ast.kind) {
      case "begin":
        if (this.explicit) {
          throw new SqliteError("SQLITE_ERROR", "cannot start a transaction within a transaction");
        }
        if (ast.mode === "IMMEDIATE" || ast.mode === "EXCLUSIVE") {
          const fresh = !this.pager.inReadTransaction();
          this.enterRead();
          try {
            this.beginWrite(fresh);
          } catch (e) {
            this.leaveRead();
            throw e;
          }
        }
        this.explicit = true;
        return;
      case "commit":
        if (!this.explicit) {
          throw new SqliteError("SQLITE_ERROR", "cannot commit - no transaction is active");
        }
        if (this.writers > 0) {
          // SQLite's OP_AutoCommit; pending reads do not stop a COMMIT, and go on.
          throw new SqliteError(
            "SQLITE_BUSY",
            "cannot commit transaction - SQL statements in progress",
          );
        }
        this.commitOrRollBack();
        this.explicit = false;
        this.savepoints.length = 0;
        this.leaveRead();
        return;
      case "rollback":
        if (ast.savepoint !== undefined) {
          const i = this.findSavepoint(ast.savepoint);
          const sp = this.savepoints[i];
          this.savepoints.length = i + 1;
          // Nothing was written since it was set (no write transaction began).
          if (sp.depth < 0) return;
          const schema = this.schemaChanged();
          this.undoSerial++;
          this.beforeUndo(schema);
          try {
            pager.rollbackToSavepoint(sp.depth);
          } catch (e) {
            // Some pages may be put back, others not (a statement journal read failed): the
            // transaction cannot go on, as in SQLite.
            this.rollbackAll();
            throw e;
          }
          if (schema) this.schemaTouched = true;
          this.refreshCatalog();
          return;
        }
        if (!this.explicit) {
          throw new SqliteError("SQLITE_ERROR", "cannot rollback - no transaction is active");
        }
        this.rollbackAll();
        return;
      case "savepoint": {
        if (this.writers > 0) {
          throw new SqliteError(
            "SQLITE_BUSY",
            "cannot open savepoint - SQL statements in progress",
          );
        }
        // As in SQLite, a SAVEPOINT outside a transaction begins a deferred one: no lock yet.
        // Its pager savepoint waits for the write transaction (see beginWrite).
        const startedTxn = !this.explicit;
        this.explicit = true;
        const depth = pager.inWriteTransaction() ? pager.savepoint() : -1;
        this.savepoints.push({ name: ast.name, depth, startedTxn });
        return;
      }
      case "release": {
        const i = this.findSavepoint(ast.name);
        if (this.writers > 0) {
          throw new SqliteError(
            "SQLITE_BUSY",
            "cannot release savepoint - SQL statements in progress",
          );
        }
        const sp = this.savepoints[i];
        this.savepoints.length = i;
        if (sp.startedTxn) {
          this.commitOrRollBack();
          this.explicit = false;
          this.leaveRead();
        } else if (sp.depth >= 0) {
          pager.releaseSavepoint(sp.depth);
        }
        return;
      }
      default:
        return;
    }
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) {
      if (foldName(this.savepoints[i].name) === foldName(name)) return i;
    }
    throw new SqliteError("SQLITE_ERROR", `no such savepoint: ${name}`);
  }

  /**
   * COMMIT (or RELEASE of the outermost savepoint). As in SQLite's vdbeHalt, a commit that
   * fails for any reason but SQLITE_BUSY (which may be retried) rolls the transaction back.
   */
  private commitOrRollBack(): void {
    this.undoSerial++; // the statement savepoints of running statements end with it
    try {
      this.pager.commit();
    } catch (e) {
      if (!(e instanceof SqliteError && e.code.startsWith("SQLITE_BUSY"))) this.rollbackAll(true);
      throw e;
    }
  }

  /**
   * Rolls the transaction back. `failedCommit`: a commit just failed, and the pager may have
   * undone the pages already, where the running statements' cursors could not see it coming.
   */
  private rollbackAll(failedCommit = false): void {
    this.undoSerial++;
    if (this.pager.inWriteTransaction()) {
      // Reading the schema cookie may fail too (page 1 evicted, the I/O error that brought
      // us here): the rollback must happen anyway, or the transaction stays open with its
      // locks (EXCLUSIVE after a spill) and a later COMMIT keeps a failed statement's work.
      let schema = true;
      try {
        schema = this.schemaChanged();
      } catch {
        // treated as changed: the running statements are aborted
      }
      this.beforeUndo(schema);
    } else if (failedCommit) this.beforeUndo(true);
    this.pager.rollback();
    this.explicit = false;
    this.savepoints.length = 0;
    this.catalog.invalidate();
    this.leaveRead();
  }

  /**
   * Runs a compiled statement with bound parameters, yielding its rows. The statement's
   * transaction ends when the generator finishes or is closed early.
   */
  *run(stmt: CompiledStatement, params: SqlValue[]): Generator<SqlValue[], void, undefined> {
    this.checkOpen();
    let exe: Executable;
    if (CONTROL.has(stmt.ast.kind)) {
      exe = stmt.executable();
      yield* exe.rows(this.env(params));
      return;
    }
    // Compiled inside the statement's read transaction: the schema it sees is current, and
    // a statement from parse() (Database.exec) costs one read transaction, not two.
    const fresh = !this.pager.inReadTransaction();
    // Only in autocommit: there a statement that fails to compile releases the lock with
    // its transaction; in BEGIN ... it would keep holding it, where SQLite took none.
    try {
      if (!(fresh && !this.explicit && WRITING.has(stmt.ast.kind) && this.enterWriteFirst())) {
        this.enterRead();
      }
    } catch (e) {
      // Beginning the transaction failed (an I/O error reading the header, say): in BEGIN
      // ... that ends the transaction as any I/O error does.
      const err = tooBigError(e);
      this.failStatement(err, -1);
      throw err;
    }
    this.active++;
    let depth = -1;
    let serial = 0;
    let writing = false;
    let settled = false;
    // The statement began running (SQLite's OP_Transaction succeeded); before that, a
    // failure leaves no transaction the statement opened (see leaveCompileRead).
    let began = false;
    try {
      exe = stmt.executable(); // the schema may have changed since prepare()
      const ast = stmt.ast;
      if (
        ast.kind === "drop" && this.active > 1 &&
        (ast.objectType === "table" || ast.objectType === "index")
      ) {
        // Freeing a b-tree another running statement may be reading (SQLite's OP_Destroy).
        throw new SqliteError("SQLITE_LOCKED", "database table is locked");
      }
      if (exe.writes) {
        this.beginWrite(fresh);
        exe = stmt.executable(); // recompiled if the wait for the lock met a new schema
        this.btree.initialize();
        writing = true;
        this.writers++;
        // A statement journal is only needed when the transaction holds more than this
        // statement and the statement could fail after it started writing (SQLite's rule).
        if ((this.explicit || this.active > 1) && exe.statementJournal !== false) {
          depth = this.pager.savepoint();
          serial = this.undoSerial;
        }
      }
      began = true;
      yield* exe.rows(this.env(params));
    } catch (e) {
      settled = true;
      this.active--;
      if (writing) this.writers--;
      const err = tooBigError(e);
      // A ROLLBACK (TO) or COMMIT while the statement was pending already ended its savepoint.
      this.failStatement(err, serial === this.undoSerial ? depth : -1);
      if (began) this.leaveRead();
      else this.leaveCompileRead(fresh);
      throw err;
    } finally {
      if (!settled) {
        // Finished, or closed early by the consumer: keep what the statement did.
        settled = true;
        this.active--;
        if (writing) this.writers--;
        this.finishStatement(serial === this.undoSerial ? depth : -1);
      }
    }
  }

  /**
   * Runs a compiled statement like {@link run}, returning its rows through a cursor. A
   * SELECT gets the executor's own cursor (no generator per row); other statements go
   * through {@link run}. The statement's transaction ends when the cursor reaches the end,
   * fails or is closed.
   */
  query(stmt: CompiledStatement, params: SqlValue[]): RowCursor {
    if (stmt.ast.kind !== "select") return new GeneratorCursor(this.run(stmt, params));
    this.checkOpen();
    const fresh = !this.pager.inReadTransaction();
    let exe: Executable & { open?(env: Env): RowCursor };
    try {
      this.enterRead();
    } catch (e) {
      const err = tooBigError(e);
      this.failStatement(err, -1);
      throw err;
    }
    try {
      exe = stmt.executable();
    } catch (e) {
      const err = tooBigError(e);
      this.failStatement(err, -1);
      this.leaveCompileRead(fresh);
      throw err;
    }
    this.active++;
    let inner: RowCursor;
    try {
      inner = exe.open
        ? exe.open(this.env(params))
        : new GeneratorCursor(exe.rows(this.env(params)));
    } catch (e) {
      this.active--;
      const err = tooBigError(e);
      this.failStatement(err, -1);
      this.leaveRead();
      throw err;
    }
    return new StatementCursor(this, inner);
  }

  /** @internal The end of a statement run through {@link query}. */
  endQuery(failure: unknown, failed: boolean): unknown {
    this.active--;
    if (!failed) {
      this.finishStatement(-1);
      return undefined;
    }
    const err = tooBigError(failure);
    this.failStatement(err, -1);
    this.leaveRead();
    return err;
  }

  /**
   * Ends a statement that succeeded: releases its savepoint and commits in autocommit mode
   * once no other writing statement is running. As in SQLite's vdbeHalt, pending reads do
   * not hold the commit back (they go on over the committed data).
   */
  private finishStatement(depth: number): void {
    if (depth >= 0 && this.pager.inWriteTransaction()) this.pager.releaseSavepoint(depth);
    if (!this.explicit && this.writers === 0 && this.pager.inWriteTransaction()) {
      try {
        this.pager.commit();
      } catch (e) {
        this.rollbackAll(true);
        throw e;
      }
    }
    this.leaveRead();
  }

  private failStatement(e: unknown, depth: number): void {
    const action = e instanceof ConstraintError ? e.action : "ABORT";
    if (
      this.explicit && e instanceof SqliteError &&
      (e.code.startsWith("SQLITE_IOERR") || e.code === "SQLITE_NOMEM")
    ) {
      // SQLite's vdbeHalt: after an I/O error the whole transaction is rolled back, even
      // for a read, since what the pager holds can no longer be trusted.
      this.rollbackAll();
      return;
    }
    if (!this.pager.inWriteTransaction()) return;
    // In autocommit mode with no other writing statement running, the transaction holds
    // only this statement's changes.
    if (action === "ROLLBACK" || (!this.explicit && this.writers === 0)) {
      if (action === "FAIL" && !this.explicit) {
        // FAIL keeps the rows changed before the failing one.
        if (depth >= 0) this.pager.releaseSavepoint(depth);
        try {
          this.pager.commit();
        } catch {
          this.rollbackAll(true);
        }
        return;
      }
      this.rollbackAll();
      return;
    }
    if (depth >= 0) {
      if (action !== "FAIL") {
        // Only this statement's changes are undone: pending reads keep their place.
        this.beforeUndo(false);
        try {
          this.pager.rollbackToSavepoint(depth);
        } catch (undo) {
          // Half undone (a statement journal read failed): SQLite's vdbeHalt rolls the
          // whole transaction back and reports the I/O error instead.
          this.rollbackAll();
          throw undo;
        }
        this.refreshCatalog();
      }
      this.pager.releaseSavepoint(depth);
    } else if (e instanceof SqliteError && /^SQLITE_(IOERR|FULL|CORRUPT|NOMEM)/.test(e.code)) {
      // Without a statement journal, a failure after writing began cannot be undone
      // alone: the transaction is rolled back, as SQLite does after an I/O error.
      this.rollbackAll();
    }
  }

  private env(params: SqlValue[]): Env {
    // Executors assign rows and aggs rather than fill these (frozen, so one that tried
    // would fail loudly): two arrays fewer per execution.
    return { params, rows: NO_ROWS, aggs: NO_AGGS, ctx: this.ctx };
  }
}

const NO_ROWS: RowSource[] = Object.freeze([]) as unknown as RowSource[];
const NO_AGGS: SqlValue[] = Object.freeze([]) as unknown as SqlValue[];

/** Statements that always write (see Connection.enterWriteFirst). */
const WRITING = new Set<Statement["kind"]>(["insert", "update", "delete"]);

/** Transaction-control statements: they run outside the per-statement transaction. */
const CONTROL = new Set<Statement["kind"]>(["begin", "commit", "rollback", "savepoint", "release"]);

/** A SELECT's rows, ending the statement (as {@link Connection.run} does) when they end. */
class StatementCursor implements RowCursor {
  #inner: RowCursor | undefined;
  readonly #conn: Connection;
  #epoch: number;

  constructor(conn: Connection, inner: RowCursor) {
    this.#conn = conn;
    this.#inner = inner;
    this.#epoch = conn.abortEpoch;
  }

  next(): SqlValue[] | undefined {
    const inner = this.#inner;
    if (!inner) return undefined;
    if (!this.#conn.isOpen) {
      // The database was closed under this iterator: it ends, as node:sqlite's does (its
      // cursor's page buffers belong to a closed pager).
      this.#inner = undefined;
      return undefined;
    }
    let row: SqlValue[] | undefined;
    try {
      if (this.#epoch !== this.#conn.abortEpoch) {
        this.#epoch = this.#conn.abortEpoch;
        // A ROLLBACK undid a schema change under this statement. Rows it already gathered
        // (a sort, a GROUP BY) are still returned; reading on from the database is not.
        if (this.#conn.holdsTrippedCursor()) {
          throw new SqliteError("SQLITE_ABORT_ROLLBACK", "abort due to ROLLBACK");
        }
      }
      row = inner.next();
    } catch (e) {
      this.#inner = undefined;
      try {
        inner.close();
      } catch {
        // the first failure is the one reported
      }
      throw this.#conn.endQuery(e, true);
    }
    if (row === undefined) {
      this.#inner = undefined;
      this.#conn.endQuery(undefined, false);
    }
    return row;
  }

  close(): void {
    const inner = this.#inner;
    if (!inner) return;
    this.#inner = undefined;
    try {
      inner.close();
    } finally {
      this.#conn.endQuery(undefined, false);
    }
  }
}

/**
 * A string past V8's length limit (2^29 - 24, below SQLITE_MAX_LENGTH) surfaces as a
 * RangeError from wherever it was built (||, replace(), group_concat(), ...); it is SQLite's
 * "string or blob too big".
 */
function tooBigError(e: unknown): unknown {
  if (e instanceof RangeError && e.message === "Invalid string length") {
    return new SqliteError("SQLITE_TOOBIG", "string or blob too big", { cause: e });
  }
  return e;
}

function describe(ast: Statement): string {
  switch (ast.kind) {
    case "createView":
      return "CREATE VIEW";
    case "createTrigger":
      return "CREATE TRIGGER";
    case "createVirtualTable":
      return "CREATE VIRTUAL TABLE";
    case "alterTable":
      return "ALTER TABLE";
    case "unsupported":
      return ast.name;
    default:
      return ast.kind.toUpperCase();
  }
}
