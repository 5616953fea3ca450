/**
 * RETURNING clauses of INSERT, UPDATE and DELETE.
 * @module
 */

import type { SqlValue } from "../record/value.ts";
import type { TableInfo } from "../schema/types.ts";
import type { ResultColumn } from "./ast.ts";
import { compileExpr, type CompileOptions } from "./compile_expr.ts";
import { ArrayRow, type Env, type Evaluator } from "./env.ts";
import { Scope } from "./scope.ts";
import { expandColumns, resultColumnInfo } from "./select.ts";
import type { Executable } from "./dml.ts";

/** A compiled RETURNING list. */
export interface Returning {
  /** Result column names. */
  columns: string[];
  /** Result column origins. */
  columnInfo: Executable["columnInfo"];
  /** Evaluates the list for a row (its values, rowid alias filled in, and rowid). */
  evaluate(env: Env, values: SqlValue[], rowid: SqlValue): SqlValue[];
}

/** Compiles RETURNING against the target table. */
export function compileReturning(
  list: ResultColumn[],
  table: TableInfo,
  alias: string | undefined,
  xo: CompileOptions,
): Returning {
  const sources = [{ name: alias ?? table.name, table }];
  const scope = new Scope(sources);
  const items = expandColumns(list, sources);
  const fns: Evaluator[] = items.map((rc) => compileExpr(rc.expr, scope, xo).fn);
  const infos = items.map((rc) => resultColumnInfo(rc, sources));
  return {
    columns: infos.map((i) => i.name),
    columnInfo: infos.map((i) => ({ table: i.table, column: i.column, type: i.type })),
    evaluate(env, values, rowid) {
      const saved = env.rows;
      env.rows = [new ArrayRow(values, rowid)];
      try {
        return fns.map((f) => f(env));
      } finally {
        env.rows = saved;
      }
    },
  };
}
