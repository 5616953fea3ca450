/**
 * The shell's open database. It drives the SQL layer's Connection directly rather than
 * mod.ts's Database, because the shell must tell REAL 2.0 from INTEGER 2 (the public API
 * unboxes both to the number 2) and must know whether a statement failed while being
 * prepared ("Parse error") or while running ("Runtime error").
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { SqlValue } from "../record/value.ts";
import { type CompiledStatement, Connection } from "../sql/connection.ts";
import { MemoryVfs } from "../vfs/memory_vfs.ts";
import { RealVfs } from "../vfs/real_vfs.ts";

/** A prepared statement of a script: its columns and where the next statement starts. */
export interface PreparedStep {
  /** The compiled statement. */
  stmt: CompiledStatement;
  /** Result column names. */
  columns: string[];
  /** Offset just past the statement in the script. */
  end: number;
}

/** One open database (a file, or ":memory:"). */
export class Session {
  /** The connection. */
  readonly conn: Connection;
  /** The file name as given ("" or ":memory:" for an in-memory database). */
  readonly path: string;
  /** Opened read-only. */
  readonly readOnly: boolean;

  /** Opens `path` (created when missing unless read-only). */
  constructor(path: string, readOnly = false) {
    this.path = path;
    this.readOnly = readOnly;
    const memory = path === "" || path === ":memory:";
    const vfs = memory ? new MemoryVfs({ track: false }) : new RealVfs();
    this.conn = new Connection(vfs, memory ? "memory.db" : path, { readOnly });
  }

  /** True for an in-memory database (no file for the inspectors). */
  get inMemory(): boolean {
    return this.path === "" || this.path === ":memory:";
  }

  /**
   * Prepares the statement of `sql` starting at `offset`; null when only white space and
   * comments remain. Throws (a "Parse error") when the statement does not compile.
   */
  prepare(sql: string, offset: number): PreparedStep | null {
    const { stmt, end } = this.conn.prepare(sql, offset);
    if (!stmt) return null;
    return { stmt, columns: stmt.executable().columns, end };
  }

  /**
   * Runs a prepared statement with `values` bound to ?1, ?2, ...; unbound parameters are
   * NULL, as in sqlite3.
   */
  run(stmt: CompiledStatement, values: SqlValue[] = []): Generator<SqlValue[], void, undefined> {
    const params: SqlValue[] = new Array(stmt.paramCount + 1).fill(null);
    for (let i = 0; i < values.length && i < stmt.paramCount; i++) params[i + 1] = values[i];
    return this.conn.run(stmt, params);
  }

  /** Runs every statement of `sql`, returning the rows of the last one that has columns. */
  query(sql: string): SqlValue[][] {
    let offset = 0;
    let rows: SqlValue[][] = [];
    for (;;) {
      const step = this.prepare(sql, offset);
      if (!step) return rows;
      const got = [...this.run(step.stmt)];
      if (step.columns.length > 0) rows = got;
      offset = step.end;
    }
  }

  /** sqlite3_changes(): rows changed by the last INSERT, UPDATE or DELETE. */
  get changes(): number {
    return this.conn.ctx.changes;
  }

  /** sqlite3_total_changes(). */
  get totalChanges(): number {
    return this.conn.ctx.totalChanges;
  }

  /** Closes the database. */
  close(): void {
    this.conn.close();
  }
}

/** SQLite's primary result code of an error (1 for anything that is not a SqliteError). */
export function primaryCode(e: unknown): number {
  return e instanceof SqliteError ? e.errcode & 0xff : 1;
}

/** An error's message as sqlite3_errmsg() would give it. */
export function errorMessage(e: unknown): string {
  if (e instanceof SqliteError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
