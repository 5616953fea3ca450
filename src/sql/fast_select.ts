/**
 * The executor of simple SELECTs: one table, no aggregate, no DISTINCT, no sort (or one the
 * access path gives). Rows come from an {@link AccessStepper} through a plain object with a
 * `next()` method, so a point lookup or a scan pays no generator per level and per row. The
 * general executor in select.ts gives the same rows; tests/sql/fast_path_test.ts checks it.
 * @module
 */

import type { BTreeApi } from "../btree/types.ts";
import type { SqlValue } from "../record/value.ts";
import type { TableInfo } from "../schema/types.ts";
import type { Condition } from "./compile_expr.ts";
import { type Env, type Evaluator, NULL_ROW, type RowSource } from "./env.ts";
import type { Access } from "./planner.ts";
import { AccessStepper, type RowCursor } from "./stepper.ts";

/** Set to true (tests only) to send every SELECT through the general executor. */
export const fastPathSwitch = { disabled: false };

/**
 * A compiled single-table SELECT: {@link open} runs it when the rows go straight to the
 * result; {@link input} feeds the rows to GROUP BY, DISTINCT or a sort otherwise.
 */
export class SimpleSelect {
  /** A stepper from an execution that finished, reused by the next one. */
  #spare: AccessStepper | undefined;

  /** The plan's parts: where rows come from, the filter and the result columns. */
  constructor(
    readonly access: Access,
    readonly btree: BTreeApi,
    readonly table: TableInfo,
    readonly defaults: SqlValue[],
    /** WHERE terms tested per row (undefined: none). */
    readonly where: Condition | undefined,
    /** Constant WHERE terms, tested once before any row. */
    readonly once: Condition | undefined,
    readonly outs: Evaluator[],
    /**
     * The WHERE terms other than those the access path's bounds came from (undefined: none),
     * or null when the bounds decide no term (always test {@link where}).
     */
    readonly residual: Condition | undefined | null,
  ) {}

  /** The per-row filter for an execution of stepper `s`. */
  filter(s: AccessStepper): Condition | undefined {
    return this.residual !== null && s.exact ? this.residual : this.where;
  }

  /**
   * Starts an execution on `env` with LIMIT `lim` (-1: none) and OFFSET `off` already
   * evaluated; returns its rows.
   */
  open(env: Env, lim: number, off: number): RowCursor {
    if (lim === 0) {
      env.rows = NO_ROW;
      return EMPTY;
    }
    const s = this.input(env);
    return s ? new SimpleCursor(this, env, s, lim, off) : EMPTY;
  }

  /**
   * Starts reading the table's candidate rows for an executor that does its own row loop:
   * returns the opened stepper (its view is `env.rows[0]`; test {@link filter} on each row,
   * give it back with {@link release}), or undefined when a constant WHERE term is false.
   */
  input(env: Env): AccessStepper | undefined {
    env.rows = NO_ROW;
    if (this.once && !this.once(env)) return undefined;
    let s = this.#spare;
    if (s) this.#spare = undefined;
    else s = new AccessStepper(this.access, this.btree, this.table, this.defaults);
    // The stepper's own one-row array: an execution has the stepper to itself.
    const rows = s.rows;
    rows[0] = NULL_ROW;
    env.rows = rows;
    try {
      s.open(env);
    } catch (e) {
      this.release(s);
      throw e;
    }
    rows[0] = s.view;
    return s;
  }

  /** Takes back a stepper after an execution (closing it). */
  release(s: AccessStepper): void {
    try {
      s.close();
    } finally {
      this.#spare = s;
    }
  }
}

const EMPTY: RowCursor = { next: () => undefined, close: () => {} };

/** The rows of an execution that reads none (frozen: shared by every such execution). */
const NO_ROW: RowSource[] = Object.freeze([NULL_ROW]) as RowSource[];

class SimpleCursor implements RowCursor {
  #s: AccessStepper | undefined;
  readonly #owner: SimpleSelect;
  readonly #env: Env;
  #lim: number;
  #off: number;
  #vals: SqlValue[] | undefined;

  constructor(owner: SimpleSelect, env: Env, s: AccessStepper, lim: number, off: number) {
    this.#owner = owner;
    this.#env = env;
    this.#s = s;
    this.#lim = lim;
    this.#off = off;
  }

  next(): SqlValue[] | undefined {
    const s = this.#s;
    if (!s) return undefined;
    const env = this.#env;
    const where = this.#owner.filter(s);
    try {
      while (s.step()) {
        if (where !== undefined && !where(env)) continue;
        if (this.#off > 0) {
          this.#off--;
          continue;
        }
        const outs = this.#owner.outs;
        const n = outs.length;
        // One array per execution, refilled per row (see RowCursor.next).
        const vals = this.#vals ??= new Array<SqlValue>(n);
        for (let i = 0; i < n; i++) vals[i] = outs[i](env);
        if (this.#lim > 0 && --this.#lim === 0) this.close();
        return vals;
      }
    } catch (e) {
      this.close();
      throw e;
    }
    this.close();
    return undefined;
  }

  close(): void {
    const s = this.#s;
    if (s) {
      this.#s = undefined;
      this.#owner.release(s);
    }
  }
}
