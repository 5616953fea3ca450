/**
 * The database-engine interface the sqllogictest runner drives, and its adapters: tsqlite
 * (the engine under test) and node:sqlite (the oracle, which proves the runner).
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import type { Cell } from "./render.ts";

/** What a query returns: its column count and its rows. */
export interface QueryResult {
  /** Number of result columns of the prepared statement. */
  columnCount: number;
  /** The rows, each with `columnCount` cells (those before `error`, if any). */
  rows: Cell[][];
  /**
   * An error raised while stepping through the rows, after the statement was prepared.
   * The reference runner stops at it and judges the rows it got, as {@link runRecords} does.
   */
  error?: unknown;
}

/** One open database of an engine under test. */
export interface SltEngine {
  /** The name `skipif`/`onlyif` compare against ("sqlite" for both adapters here). */
  readonly name: string;
  /** Runs one or more statements; throws on any error. */
  statement(sql: string): void;
  /** Runs the first statement of `sql` and returns its rows; throws on any error. */
  query(sql: string): QueryResult;
  /** Releases the database. */
  close(): void;
}

/** Opens a fresh, empty database for one script. */
export type EngineFactory = () => SltEngine;

/**
 * The public API hands out INTEGER and REAL alike as JS numbers; tsqlite returns an INTEGER
 * outside the safe range as a bigint, so a safe integral number is read as INTEGER and any
 * other number as REAL. (A REAL with an integral value, such as 2.0, reads as INTEGER: it
 * renders as `2` instead of `2.0` in a `T` column, which no query in the corpus depends on.)
 */
function tsqliteCell(v: unknown): Cell {
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : v;
  return v as Cell;
}

/** tsqlite on an in-memory database. */
export function tsqliteEngine(): SltEngine {
  const db = new Database(":memory:");
  return {
    name: "sqlite",
    statement(sql) {
      db.exec(sql);
    },
    query(sql) {
      // prepare() parses and compiles, so its errors are what sqlite3_prepare_v2 reports.
      const stmt = db.prepare(sql);
      const columnCount = stmt.columns().length;
      try {
        return { columnCount, rows: stmt.values().map((r) => r.map(tsqliteCell)) };
      } catch (error) {
        // values() yields nothing when it throws; rows before the error are rare.
        return { columnCount, rows: [], error };
      }
    },
    close() {
      db.close();
    },
  };
}

/** SQLite itself, through node:sqlite, on an in-memory database. */
export function nodeSqliteEngine(): SltEngine {
  const db = new DatabaseSync(":memory:");
  return {
    name: "sqlite",
    statement(sql) {
      db.exec(sql);
    },
    query(sql) {
      const stmt = db.prepare(sql);
      // BigInts keep INTEGER apart from REAL; arrays keep duplicate column names.
      stmt.setReadBigInts(true);
      // setReturnArrays exists at run time but not yet in Deno's node:sqlite types.
      (stmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      const columnCount = stmt.columns().length;
      try {
        return { columnCount, rows: stmt.all() as unknown as Cell[][] };
      } catch (error) {
        // Not iterate(): it ends quietly on an error (seen with sum() overflowing).
        return { columnCount, rows: [], error };
      }
    },
    close() {
      db.close();
    },
  };
}

/** The adapters by name, for the CLI's `--engine`. */
export const ENGINES: Record<string, EngineFactory> = {
  tsqlite: tsqliteEngine,
  "node:sqlite": nodeSqliteEngine,
};
