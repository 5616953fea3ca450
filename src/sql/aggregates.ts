/**
 * Aggregate calls in a query: argument evaluation per input row, DISTINCT and FILTER,
 * around the aggregate functions of eval/aggregate.ts.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { SqlValue } from "../record/value.ts";
import type { FunctionExpr } from "./ast.ts";
import type { Compiled } from "./compile_expr.ts";
import type { Env } from "./env.ts";
import { getAggregate } from "./eval/aggregate.ts";
import { builtinCollation } from "../record/collation.ts";

/** The running state of one aggregate call for one group. */
export interface AggregateState {
  /** Feeds the current input row. */
  step(env: Env): void;
  /** The aggregate's value for the group. */
  final(): SqlValue;
}

/**
 * count(*) without DISTINCT: its value is the number of input rows, which a scan loop may
 * count itself and add to {@link n} rather than calling {@link step} per row.
 */
export class CountStarState implements AggregateState {
  /** Rows counted so far. */
  n = 0;

  /** Counts one row. */
  step(_env: Env): void {
    this.n++;
  }

  /** The count. */
  final(): SqlValue {
    return this.n;
  }
}

/** Makes the state of aggregate call `call` for a new group. */
export function makeAggregate(call: FunctionExpr, args: Compiled[]): AggregateState {
  const name = call.name.toLowerCase();
  const argc = call.star ? 0 : args.length;
  if (call.filter) throw new SqliteError("SQLITE_ERROR", "FILTER clauses are not supported yet");
  if (call.orderBy) {
    throw new SqliteError("SQLITE_ERROR", "ORDER BY in aggregates is not supported yet");
  }
  if (call.distinct && argc !== 1) {
    throw new SqliteError(
      "SQLITE_ERROR",
      `DISTINCT aggregates must have exactly one argument`,
    );
  }
  const factory = getAggregate(name, argc);
  if (!factory) {
    throw new SqliteError("SQLITE_ERROR", `wrong number of arguments to function ${call.name}()`);
  }
  if (name === "count" && argc === 0 && !call.distinct) return new CountStarState();
  const agg = factory({
    distinct: call.distinct,
    collation: builtinCollation(args[0]?.collation ?? "BINARY"),
  });
  const fns = args.map((a) => a.fn);
  const n = fns.length;
  // One argument array per group, refilled per row: aggregators read it during step() and
  // keep values, never the array.
  const vals = new Array<SqlValue>(n).fill(null);
  const step1 = agg.step1;
  if (n === 1 && step1 !== undefined) {
    // No argument array per row.
    const f0 = fns[0];
    return { step: (env) => step1(f0(env)), final: () => agg.final() };
  }
  if (n <= 1) {
    const f0 = fns[0];
    return {
      step: n === 0 ? () => agg.step(vals) : (env) => {
        vals[0] = f0(env);
        agg.step(vals);
      },
      final: () => agg.final(),
    };
  }
  return {
    step(env) {
      for (let i = 0; i < n; i++) vals[i] = fns[i](env);
      agg.step(vals);
    },
    final() {
      return agg.final();
    },
  };
}
