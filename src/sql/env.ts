/**
 * What compiled expressions read at run time: the bound parameters, the current row of
 * each FROM source and, in aggregate queries, the current group's aggregate values.
 * @module
 */

import type { SqlValue } from "../record/value.ts";

/** The current row of one FROM source. */
export interface RowSource {
  /** Column `i` of the current row (affinity on read and defaults applied). */
  column(i: number): SqlValue;
  /** The current row's rowid. */
  rowid(): SqlValue;
}

/** Counters some functions report (changes(), last_insert_rowid()). */
export interface FunctionContext {
  /** Rows changed by the last INSERT/UPDATE/DELETE. */
  changes: number;
  /** Rows changed since the connection opened. */
  totalChanges: number;
  /** Rowid of the last successful INSERT. */
  lastInsertRowid: number | bigint;
}

/** The run-time environment of one statement execution. */
export interface Env {
  /** Bound parameters; index = parameter number (1-based), missing ones are NULL. */
  params: SqlValue[];
  /** Current row per FROM source, in FROM order. */
  rows: RowSource[];
  /** Aggregate results of the current group (aggregate queries only). */
  aggs: SqlValue[];
  /** Connection counters. */
  ctx: FunctionContext;
  /** The enclosing query's environment (inside a subquery). */
  outer?: Env;
  /** Results of uncorrelated subqueries, computed once per execution. */
  cache?: Map<unknown, unknown>;
}

/** A compiled expression. */
export type Evaluator = (env: Env) => SqlValue;

/** A RowSource over an array of values (materialised rows, e.g. in GROUP BY). */
export class ArrayRow implements RowSource {
  /** Wraps the values (columns) and a rowid. */
  constructor(public values: SqlValue[], public id: SqlValue = null) {}
  /** Column `i`. */
  column(i: number): SqlValue {
    return this.values[i] ?? null;
  }
  /** The rowid. */
  rowid(): SqlValue {
    return this.id;
  }
}

/** A RowSource that is always NULL (e.g. before the first row). */
export const NULL_ROW: RowSource = { column: () => null, rowid: () => null };
