/**
 * Column default values.
 * @module
 */

import { applyAffinity } from "../record/affinity.ts";
import type { SqlValue } from "../record/value.ts";
import type { TableInfo } from "../schema/types.ts";
import { compileExpr } from "./compile_expr.ts";
import type { Env } from "./env.ts";
import { Scope } from "./scope.ts";

const EMPTY_ENV: Env = {
  params: [],
  rows: [],
  aggs: [],
  ctx: { changes: 0, totalChanges: 0, lastInsertRowid: 0 },
};

/**
 * The default value of each column, with the column's affinity applied (NULL where none).
 * Evaluated fresh on each call, so CURRENT_TIMESTAMP and random() defaults vary per row.
 */
export function tableDefaults(table: TableInfo): SqlValue[] {
  const scope = new Scope([]);
  return table.columns.map((c) => {
    if (!c.defaultExpr) return null;
    const v = compileExpr(c.defaultExpr, scope).fn(EMPTY_ENV);
    return applyAffinity(v, c.affinity);
  });
}

/** A function giving fresh default values per row (for INSERT). */
export function defaultsMaker(table: TableInfo): () => SqlValue[] {
  const scope = new Scope([]);
  const fns = table.columns.map((c) =>
    c.defaultExpr ? compileExpr(c.defaultExpr, scope) : undefined
  );
  const allConstant = fns.every((f) => !f || f.constant);
  if (allConstant) {
    const fixed = tableDefaults(table);
    return () => fixed.slice();
  }
  return () =>
    table.columns.map((c, i) => {
      const f = fns[i];
      return f ? applyAffinity(f.fn(EMPTY_ENV), c.affinity) : null;
    });
}
