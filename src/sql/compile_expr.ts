/**
 * Compiles expression trees into closures over an {@link Env}. Name resolution, affinity
 * and collation are decided here, once per statement, so evaluation does no lookups.
 * @module
 */

import { SqliteError } from "../errors.ts";
import { affinityOf, applyComparisonAffinity, comparisonAffinity } from "../record/affinity.ts";
import { compareValues } from "../record/compare.ts";
import { builtinCollation } from "../record/collation.ts";
import {
  castToBlob,
  castToInteger,
  castToNumeric,
  castToReal,
  castToText,
} from "../record/conversion.ts";
import type { SqlValue } from "../record/value.ts";
import { checkCollation } from "../schema/mod.ts";
import type { Affinity } from "../schema/types.ts";
import type { BinaryExpr, Expr, FunctionExpr, Select } from "./ast.ts";
import { valueKey } from "./value_key.ts";
import type { Env, Evaluator } from "./env.ts";
import * as ops from "./eval/operators.ts";
import { compileGlob, compileLike } from "./eval/like.ts";
import { getScalarFunction, scalarFunctionError } from "./eval/scalar.ts";
import { isAggregateName } from "./eval/aggregate.ts";
import type { Scope } from "./scope.ts";

/** A compiled expression with the facts comparisons need. */
export interface Compiled {
  /** Evaluates the expression. */
  fn: Evaluator;
  /** Expression affinity (column refs and CAST have one), or null. */
  affinity: Affinity | null;
  /** Collation: explicit (`COLLATE`) or from a column; null when neither. */
  collation: string | null;
  /** True when the collation came from a COLLATE operator (it then wins). */
  explicitCollation: boolean;
  /** Set when the expression is a bare column reference. */
  column?: { source: number; column: number };
  /** Set when the value never changes during a statement (literals, parameters). */
  constant?: boolean;
}

/** Receives aggregate calls found while compiling (GROUP BY / aggregate queries). */
export interface AggregateSink {
  /** Registers an aggregate call; returns its slot in `env.aggs`. */
  add(call: FunctionExpr, args: Compiled[]): number;
}

/** A compiled subquery, as expressions use it. */
export interface SubqueryPlan {
  /** Number of result columns. */
  columnCount: number;
  /** Affinity of the first result column's expression. */
  affinity: Affinity | null;
  /** Collation of the first result column's expression. */
  collation: string | null;
  /** It refers to columns of enclosing queries (so it is re-run per outer row). */
  correlated: boolean;
  /** Runs it in a child environment of `env`. */
  rows(env: Env): Generator<SqlValue[], void, undefined>;
}

/** Options for {@link compileExpr}. */
export interface CompileOptions {
  /** Compiles a subquery in the scope of the expression (absent: subqueries are refused). */
  subquery?: (select: Select, scope: Scope) => SubqueryPlan;
  /** Where aggregate calls go; without it an aggregate call is an error. */
  aggregates?: AggregateSink;
  /** Context word for errors ("WHERE clause", ...). */
  context?: string;
}

const MAX_DEPTH = 1000;

/** Compiles `expr` against `scope`. */
export function compileExpr(expr: Expr, scope: Scope, opts: CompileOptions = {}): Compiled {
  return new ExprCompiler(scope, opts).compile(expr, 0);
}

function plain(fn: Evaluator, constant = false): Compiled {
  return { fn, affinity: null, collation: null, explicitCollation: false, constant };
}

/**
 * An explicit COLLATE anywhere in an operand carries up to the enclosing expression, the
 * first operand (in SQLite's order) that has one winning: `x = (y COLLATE NOCASE || z)`
 * compares with NOCASE (SQLite's EP_Collate propagation).
 */
function inheritCollation(result: Compiled, operands: (Compiled | undefined)[]): Compiled {
  if (result.explicitCollation) return result;
  for (const o of operands) {
    if (o?.explicitCollation) {
      return { ...result, collation: o.collation, explicitCollation: true };
    }
  }
  return result;
}

function isTrue(v: SqlValue): boolean | null {
  return ops.truthy(v);
}

/** The collation a binary comparison uses (explicit left, explicit right, column left, right). */
function comparisonCollation(l: Compiled, r: Compiled): string {
  if (l.explicitCollation) return l.collation!;
  if (r.explicitCollation) return r.collation!;
  return l.collation ?? r.collation ?? "BINARY";
}

function withAffinity(fn: Evaluator, aff: Affinity | null): Evaluator {
  if (aff === null || aff === "BLOB") return fn;
  return (env) => applyComparisonAffinity(fn(env), aff);
}

type CmpTest = (c: number) => boolean;
const CMP_TESTS: Record<string, CmpTest> = {
  "=": (c) => c === 0,
  "!=": (c) => c !== 0,
  "<": (c) => c < 0,
  "<=": (c) => c <= 0,
  ">": (c) => c > 0,
  ">=": (c) => c >= 0,
};

/** Builds `left op right` for a comparison operator, SQLite's NULL rules included. */
export function comparison(op: string, l: Compiled, r: Compiled): Evaluator {
  // One affinity, applied to both operands (sqlite3CompareAffinity, datatype3.html 4.2).
  const aff = comparisonAffinity(l.affinity, r.affinity);
  const lf = withAffinity(l.fn, aff);
  const rf = withAffinity(r.fn, aff);
  const coll = builtinCollation(comparisonCollation(l, r))!;
  if (op === "IS" || op === "IS NOT") {
    const want = op === "IS";
    return (env) => {
      const a = lf(env);
      const b = rf(env);
      if (a === null || b === null) return (a === null && b === null) === want ? 1 : 0;
      return (compareValues(a, b, coll) === 0) === want ? 1 : 0;
    };
  }
  const test = CMP_TESTS[op];
  return (env) => {
    const a = lf(env);
    if (a === null) return null;
    const b = rf(env);
    if (b === null) return null;
    return test(compareValues(a, b, coll)) ? 1 : 0;
  };
}

class ExprCompiler {
  constructor(private readonly scope: Scope, private readonly opts: CompileOptions) {}

  condition(e: Expr, depth: number): Condition {
    if (depth > MAX_DEPTH) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `Expression tree is too large (maximum depth ${MAX_DEPTH})`,
      );
    }
    const d = depth + 1;
    if (e.kind === "binary" && e.op === "AND") {
      const a = this.condition(e.left, d);
      const b = this.condition(e.right, d);
      return (env) => a(env) && b(env);
    }
    if (e.kind === "binary" && e.op === "OR") {
      const a = this.condition(e.left, d);
      const b = this.condition(e.right, d);
      return (env) => a(env) || b(env);
    }
    if (e.kind === "between" && !e.not) {
      const xc = this.compile(e.expr, d);
      const ge = comparison(">=", xc, this.compile(e.low, d));
      const le = comparison("<=", xc, this.compile(e.high, d));
      return (env) => ge(env) === 1 && le(env) === 1;
    }
    const f = this.compile(e, d).fn;
    return (env) => isTrue(f(env)) === true;
  }

  compile(e: Expr, depth: number): Compiled {
    if (depth > MAX_DEPTH) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `Expression tree is too large (maximum depth ${MAX_DEPTH})`,
      );
    }
    const d = depth + 1;
    switch (e.kind) {
      case "literal": {
        const v = e.value;
        return plain(() => v, true);
      }
      case "param": {
        const i = e.index;
        return plain((env) => env.params[i] ?? null, true);
      }
      case "column": {
        const res = this.scope.resolve(e.table, e.name);
        if (!res) {
          if (e.doubleQuoted && e.table === undefined) {
            const v = e.name;
            return plain(() => v, true);
          }
          const name = e.table !== undefined ? `${e.table}.${e.name}` : e.name;
          throw new SqliteError("SQLITE_ERROR", `no such column: ${name}`);
        }
        const { source, column, depth } = res;
        let fn: Evaluator;
        if (depth === 0) {
          fn = column === -1
            ? (env) => env.rows[source].rowid()
            : (env) => env.rows[source].column(column);
        } else {
          const outer = (env: Env): Env => {
            let e = env;
            for (let i = 0; i < depth; i++) e = e.outer!;
            return e;
          };
          fn = column === -1
            ? (env) => outer(env).rows[source].rowid()
            : (env) => outer(env).rows[source].column(column);
        }
        return {
          fn,
          affinity: res.affinity,
          collation: res.collation,
          explicitCollation: false,
          column: depth === 0 ? { source, column } : undefined,
        };
      }
      case "unary": {
        const c = this.compile(e.expr, d);
        return inheritCollation(this.unary(e.op, c), [c]);
      }
      case "binary":
        return this.binary(e, d);
      case "collate": {
        const inner = this.compile(e.expr, d);
        return { ...inner, collation: checkCollation(e.collation), explicitCollation: true };
      }
      case "isNull": {
        const c = this.compile(e.expr, d);
        const f = c.fn;
        return inheritCollation(
          e.not ? plain((env) => f(env) !== null ? 1 : 0) : plain((env) => f(env) === null ? 1 : 0),
          [c],
        );
      }
      case "between":
        return this.between(e.not, e.expr, e.low, e.high, d);
      case "inList":
        return this.inList(e.not, e.expr, e.list, d);
      case "like":
        return this.like(e.op, e.not, e.expr, e.pattern, e.escape, d);
      case "cast": {
        const inner = this.compile(e.expr, d);
        const f = inner.fn;
        const aff = affinityOf(e.type);
        const conv = aff === "INTEGER"
          ? castToInteger
          : aff === "REAL"
          ? castToReal
          : aff === "TEXT"
          ? castToText
          : aff === "NUMERIC"
          ? castToNumeric
          : castToBlob;
        return {
          fn: (env) => conv(f(env)),
          affinity: aff,
          // SQLite looks through CAST for a collation (sqlite3ExprCollSeq).
          collation: inner.collation,
          explicitCollation: inner.explicitCollation,
        };
      }
      case "case":
        return this.caseExpr(e, d);
      case "function":
        return this.func(e, d);
      case "currentTime":
        return plain(() => currentTime(e.which));
      case "row":
        throw new SqliteError("SQLITE_ERROR", "row value misused");
      case "subquery":
        return this.scalarSubquery(e.select);
      case "exists":
        return this.exists(e.select);
      case "inSelect":
        return this.inSelect(e.not, e.expr, e.select, d);
      case "inTable": {
        if (e.args) {
          throw new SqliteError("SQLITE_ERROR", "table-valued functions are not supported yet");
        }
        // `x IN t` means `x IN (SELECT * FROM t)`.
        const select: Select = {
          kind: "select",
          core: {
            kind: "core",
            distinct: false,
            columns: [{ kind: "star" }],
            from: { kind: "table", name: e.name, schema: e.schema },
          },
          compound: [],
        };
        return this.inSelect(e.not, e.expr, select, d);
      }
      case "raise":
        throw new SqliteError(
          "SQLITE_ERROR",
          "RAISE() may only be used within a trigger-program",
        );
    }
  }

  private subquery(select: Select): SubqueryPlan {
    if (!this.opts.subquery) {
      throw new SqliteError("SQLITE_ERROR", "subqueries are not supported here");
    }
    return this.opts.subquery(select, this.scope);
  }

  /** Runs a subquery's rows through `use`, once per statement when it is uncorrelated. */
  private cached<T>(plan: SubqueryPlan, compute: (env: Env) => T): (env: Env) => T {
    if (plan.correlated) return compute;
    const key = {};
    return (env) => {
      const cache = env.cache ?? (env.cache = new Map());
      if (cache.has(key)) return cache.get(key) as T;
      const v = compute(env);
      cache.set(key, v);
      return v;
    };
  }

  private scalarSubquery(select: Select): Compiled {
    const plan = this.subquery(select);
    if (plan.columnCount !== 1) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `sub-select returns ${plan.columnCount} columns - expected 1`,
      );
    }
    const value = this.cached(plan, (env) => {
      for (const row of plan.rows(env)) return row[0];
      return null;
    });
    return {
      fn: value,
      affinity: plan.affinity,
      collation: plan.collation,
      explicitCollation: false,
    };
  }

  private exists(select: Select): Compiled {
    const plan = this.subquery(select);
    const value = this.cached(plan, (env) => {
      for (const _ of plan.rows(env)) return 1;
      return 0;
    });
    return plain(value);
  }

  private inSelect(not: boolean, x: Expr, select: Select, d: number): Compiled {
    const xc = this.compile(x, d);
    const plan = this.subquery(select);
    if (plan.columnCount !== 1) {
      throw new SqliteError(
        "SQLITE_ERROR",
        `sub-select returns ${plan.columnCount} columns - expected 1`,
      );
    }
    // exprINAffinity: the comparison affinity of x and the subquery's column, on both sides.
    const aff = comparisonAffinity(xc.affinity, plan.affinity);
    const collName = xc.explicitCollation
      ? xc.collation!
      : xc.collation ?? plan.collation ?? "BINARY";
    const coll = builtinCollation(collName)!;
    const xf = withAffinity(xc.fn, aff);
    const set = this.cached(plan, (env) => {
      const keys = new Set<string>();
      let sawNull = false;
      let count = 0;
      for (const row of plan.rows(env)) {
        count++;
        const v = aff === null || aff === "BLOB" ? row[0] : applyComparisonAffinity(row[0], aff);
        if (v === null) sawNull = true;
        else keys.add(valueKey(v, coll));
      }
      return { keys, sawNull, count };
    });
    return plain((env) => {
      const s = set(env);
      if (s.count === 0) return not ? 1 : 0;
      const v = xf(env);
      if (v === null) return null;
      if (s.keys.has(valueKey(v, coll))) return not ? 0 : 1;
      if (s.sawNull) return null;
      return not ? 1 : 0;
    });
  }

  private unary(op: string, c: Compiled): Compiled {
    const f = c.fn;
    switch (op) {
      case "-":
        return plain((env) => ops.negate(f(env)), c.constant);
      case "+":
        // Unary plus keeps the value but drops column affinity, as in SQLite.
        return { ...c, affinity: null, column: undefined };
      case "~":
        return plain((env) => ops.bitNot(f(env)), c.constant);
      default:
        return plain((env) => {
          const t = isTrue(f(env));
          return t === null ? null : t ? 0 : 1;
        }, c.constant);
    }
  }

  private binary(e: BinaryExpr, d: number): Compiled {
    if (
      (e.op === "IS" || e.op === "IS NOT") && e.right.kind === "literal" &&
      (e.right as { bool?: boolean }).bool
    ) {
      // `x IS TRUE` tests x's truth value; it is not a comparison with 1.
      const f = this.compile(e.left, d).fn;
      const want = e.right.value === 1;
      const negate = e.op === "IS NOT";
      return plain((env) => ((isTrue(f(env)) === want) !== negate ? 1 : 0));
    }
    if (e.left.kind === "row" || e.right.kind === "row") {
      throw new SqliteError("SQLITE_ERROR", "row values are not supported yet");
    }
    const l = this.compile(e.left, d);
    const r = this.compile(e.right, d);
    return inheritCollation(this.binaryOf(e, l, r), [l, r]);
  }

  private binaryOf(e: BinaryExpr, l: Compiled, r: Compiled): Compiled {
    const lf = l.fn;
    const rf = r.fn;
    const constant = l.constant && r.constant;
    switch (e.op) {
      case "AND":
        return plain((env) => {
          const a = isTrue(lf(env));
          if (a === false) return 0;
          const b = isTrue(rf(env));
          if (b === false) return 0;
          return a === null || b === null ? null : 1;
        }, constant);
      case "OR":
        return plain((env) => {
          const a = isTrue(lf(env));
          if (a === true) return 1;
          const b = isTrue(rf(env));
          if (b === true) return 1;
          return a === null || b === null ? null : 0;
        }, constant);
      case "=":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
      case "IS":
      case "IS NOT":
        return plain(comparison(e.op, l, r), constant);
      case "+":
        return plain((env) => ops.add(lf(env), rf(env)), constant);
      case "-":
        return plain((env) => ops.subtract(lf(env), rf(env)), constant);
      case "*":
        return plain((env) => ops.multiply(lf(env), rf(env)), constant);
      case "/":
        return plain((env) => ops.divide(lf(env), rf(env)), constant);
      case "%":
        return plain((env) => ops.remainder(lf(env), rf(env)), constant);
      case "&":
        return plain((env) => ops.bitAnd(lf(env), rf(env)), constant);
      case "|":
        return plain((env) => ops.bitOr(lf(env), rf(env)), constant);
      case "<<":
        return plain((env) => ops.shiftLeft(lf(env), rf(env)), constant);
      case ">>":
        return plain((env) => ops.shiftRight(lf(env), rf(env)), constant);
      case "||": {
        const coll = l.explicitCollation ? l : r.explicitCollation ? r : null;
        return {
          fn: (env) => ops.concat(lf(env), rf(env)),
          affinity: null,
          collation: coll ? coll.collation : null,
          explicitCollation: coll !== null,
          constant,
        };
      }
      case "->":
      case "->>":
        throw new SqliteError("SQLITE_ERROR", `JSON operator ${e.op} is not supported yet`);
    }
  }

  private between(not: boolean, x: Expr, lo: Expr, hi: Expr, d: number): Compiled {
    const xc = this.compile(x, d);
    const loc = this.compile(lo, d);
    const hic = this.compile(hi, d);
    const ge = comparison(">=", xc, loc);
    const le = comparison("<=", xc, hic);
    return inheritCollation(this.betweenOf(not, ge, le), [xc, loc, hic]);
  }

  private betweenOf(not: boolean, ge: Evaluator, le: Evaluator): Compiled {
    return plain((env) => {
      const a = ge(env);
      if (a === 0) return not ? 1 : 0;
      const b = le(env);
      if (b === 0) return not ? 1 : 0;
      if (a === null || b === null) return null;
      return not ? 0 : 1;
    });
  }

  private inList(not: boolean, x: Expr, list: Expr[], d: number): Compiled {
    const xc = this.compile(x, d);
    if (list.length === 0) return plain(() => (not ? 1 : 0));
    // SQLite compares `x IN (list)` with x's affinity and collation only (exprINAffinity).
    const aff = xc.affinity === "BLOB" ? null : xc.affinity;
    const coll = builtinCollation(xc.collation ?? "BINARY")!;
    const xf = withAffinity(xc.fn, aff);
    const itemsC = list.map((item) => this.compile(item, d));
    const items = itemsC.map((c) => withAffinity(c.fn, aff));
    return inheritCollation(
      plain((env) => {
        const v = xf(env);
        if (v === null) return null;
        let sawNull = false;
        for (let i = 0; i < items.length; i++) {
          const w = items[i](env);
          if (w === null) sawNull = true;
          else if (compareValues(v, w, coll) === 0) return not ? 0 : 1;
        }
        if (sawNull) return null;
        return not ? 1 : 0;
      }),
      [xc, ...itemsC],
    );
  }

  private like(
    op: string,
    not: boolean,
    x: Expr,
    pattern: Expr,
    escape: Expr | undefined,
    d: number,
  ): Compiled {
    if (op !== "LIKE" && op !== "GLOB") {
      throw new SqliteError("SQLITE_ERROR", `no such function: ${op.toLowerCase()}`);
    }
    const xf = this.compile(x, d).fn;
    const pf = this.compile(pattern, d).fn;
    const ef = escape ? this.compile(escape, d).fn : undefined;
    const make = op === "LIKE" ? compileLike : compileGlob;
    let lastPattern: SqlValue | undefined;
    let lastEscape: SqlValue | undefined;
    let matcher: ((v: SqlValue) => SqlValue) | undefined;
    return plain((env) => {
      const p = pf(env);
      const esc = ef ? ef(env) : undefined;
      const v = xf(env);
      if (p === null || v === null || esc === null) return null;
      if (matcher === undefined || p !== lastPattern || esc !== lastEscape) {
        matcher = make(p, esc);
        lastPattern = p;
        lastEscape = esc;
      }
      const r = matcher(v);
      if (r === null) return null;
      return (r ? 1 : 0) ^ (not ? 1 : 0);
    });
  }

  private caseExpr(e: Extract<Expr, { kind: "case" }>, d: number): Compiled {
    const base = e.operand ? this.compile(e.operand, d) : undefined;
    const operands: (Compiled | undefined)[] = [base];
    const whens = e.whens.map((w) => {
      const wc = this.compile(w.when, d);
      let test: Condition;
      if (base) {
        const eq = comparison("=", base, wc);
        test = (env) => eq(env) === 1;
      } else {
        test = this.condition(w.when, d);
      }
      const then = this.compile(w.then, d);
      operands.push(wc, then);
      return { test, then: then.fn };
    });
    const elseC = e.else ? this.compile(e.else, d) : undefined;
    operands.push(elseC);
    const els = elseC?.fn;
    return inheritCollation(
      plain((env) => {
        for (let i = 0; i < whens.length; i++) {
          if (whens[i].test(env)) return whens[i].then(env);
        }
        return els ? els(env) : null;
      }),
      operands,
    );
  }

  private func(e: FunctionExpr, d: number): Compiled {
    const name = e.name.toLowerCase();
    if (e.over !== undefined) {
      throw new SqliteError("SQLITE_ERROR", "window functions are not supported yet");
    }
    const argc = e.star ? 0 : e.args.length;
    if (isAggregateName(name, argc)) {
      if (!this.opts.aggregates) {
        throw new SqliteError("SQLITE_ERROR", `misuse of aggregate function ${e.name}()`);
      }
      // Arguments of an aggregate are evaluated per input row: no nested aggregates.
      const inner = new ExprCompiler(this.scope, {
        context: this.opts.context,
        subquery: this.opts.subquery,
      });
      const args = e.args.map((a) => inner.compile(a, d));
      const slot = this.opts.aggregates.add(e, args);
      return plain((env) => env.aggs[slot]);
    }
    if (e.distinct || e.star || e.filter || e.orderBy) {
      throw new SqliteError("SQLITE_ERROR", `${e.name}() may not be used as an aggregate`);
    }
    const def = getScalarFunction(name, argc);
    if (!def) throw scalarFunctionError(e.name, argc);
    const args = e.args.map((a) => this.compile(a, d));
    const fns = args.map((a) => a.fn);
    const constant = def.deterministic && args.every((a) => a.constant);
    const coll = args.find((a) => a.explicitCollation);
    const collArg = coll ?? args.find((a) => a.collation !== null);
    const collation = def.usesCollation && collArg
      ? builtinCollation(collArg.collation!)
      : undefined;
    const impl = def.fn;
    let fn: Evaluator;
    if (def.lazy && (name === "coalesce" || name === "ifnull")) {
      // Arguments after the first non-NULL one are never evaluated, as in SQLite.
      fn = (env) => {
        for (let i = 0; i < fns.length; i++) {
          const v = fns[i](env);
          if (v !== null) return v;
        }
        return null;
      };
    } else if (def.lazy && fns.length === 3) {
      const [c, a, b] = fns;
      fn = (env) => isTrue(c(env)) === true ? a(env) : b(env);
    } else if (name === "length" && args[0].column && args[0].column.column >= 0) {
      // length(column): counted on the record's bytes, without decoding the text.
      const { source, column } = args[0].column;
      const f0 = fns[0];
      fn = (env) => {
        const row = env.rows[source] as { storedLength?: (i: number) => number | undefined };
        const n = row.storedLength?.(column);
        return n !== undefined ? n : impl([f0(env)], env.ctx, collation);
      };
    } else if (fns.length === 1) {
      const f0 = fns[0];
      fn = (env) => impl([f0(env)], env.ctx, collation);
    } else if (fns.length === 2) {
      const f0 = fns[0];
      const f1 = fns[1];
      fn = (env) => impl([f0(env), f1(env)], env.ctx, collation);
    } else {
      fn = (env) => {
        const vals = new Array<SqlValue>(fns.length);
        for (let i = 0; i < fns.length; i++) vals[i] = fns[i](env);
        return impl(vals, env.ctx, collation);
      };
    }
    return {
      fn,
      affinity: null,
      collation: coll ? coll.collation : null,
      explicitCollation: coll !== undefined,
      constant,
    };
  }
}

function currentTime(which: "TIME" | "DATE" | "TIMESTAMP"): string {
  const iso = new Date().toISOString(); // 2026-11-25T19:05:33.123Z
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  return which === "DATE" ? date : which === "TIME" ? time : `${date} ${time}`;
}

/** Evaluates a compiled condition as SQLite's WHERE does: only a true value passes. */
export function passes(fn: Evaluator, env: Env): boolean {
  return isTrue(fn(env)) === true;
}

/** A WHERE clause split as SQLite codes it: constant terms tested once, the rest per row. */
export interface Where {
  /** Terms that do not depend on the row (tested once, before any row is read). */
  once?: Condition;
  /** Terms tested on each row. */
  each?: Condition;
}

/** All of the conditions, in order (undefined when there are none). */
export function allOf(conds: Condition[]): Condition | undefined {
  if (conds.length === 0) return undefined;
  if (conds.length === 1) return conds[0];
  return (env) => {
    for (let i = 0; i < conds.length; i++) if (!conds[i](env)) return false;
    return true;
  };
}

/** Compiles a WHERE clause (see {@link Where}). */
export function compileWhere(
  expr: Expr | undefined,
  scope: Scope,
  opts: CompileOptions = {},
): Where {
  if (!expr) return {};
  const terms: Expr[] = [];
  const split = (e: Expr) => {
    if (e.kind === "binary" && e.op === "AND") {
      split(e.left);
      split(e.right);
    } else terms.push(e);
  };
  split(expr);
  const once: Condition[] = [];
  const each: Condition[] = [];
  for (const t of terms) {
    const c = new ExprCompiler(scope, opts);
    const constant = c.compile(t, 0).constant === true;
    (constant ? once : each).push(c.condition(t, 0));
  }
  return { once: allOf(once), each: allOf(each) };
}

/** A compiled condition: true when the row passes. */
export type Condition = (env: Env) => boolean;

/**
 * Compiles a condition the way SQLite codes WHERE, HAVING and CASE WHEN: as jumps, so
 * `a AND b` does not evaluate `b` once `a` is false or NULL, and `a OR b` stops at a true
 * `a` (sqlite3ExprIfFalse). The value is only "true" or "not true".
 */
export function compileCondition(expr: Expr, scope: Scope, opts: CompileOptions = {}): Condition {
  const c = new ExprCompiler(scope, opts);
  return c.condition(expr, 0);
}
