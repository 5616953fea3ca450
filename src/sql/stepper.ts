/**
 * Pull-based execution of one table's access path, and the row-cursor interface statements
 * return rows through. This is the fast path beside {@link visitRows}: a generator per level
 * and per row (resume, result object) cost more than a point lookup's own work, so simple
 * single-table plans step an explicit state machine instead. Both visit the same rows in the
 * same order; tests/sql/fast_path_test.ts compares them.
 * @module
 */

import type { BTreeApi, IndexCursor, KeyComparator, Rowid, TableCursor } from "../btree/types.ts";
import { corrupt } from "../errors.ts";
import { builtinCollation, type Collation } from "../record/collation.ts";
import { compareRecordToKey, SearchKey } from "../record/compare.ts";
import { RecordReader } from "../record/record_reader.ts";
import type { SqlValue } from "../record/value.ts";
import type { TableInfo } from "../schema/types.ts";
import {
  exactRowid,
  IndexRow,
  keyRange,
  lowerRowid,
  type RowView,
  rowViewFor,
  upperRowid,
  visitRows,
} from "./access.ts";
import { type Env, NULL_ROW, type RowSource } from "./env.ts";
import { comparatorFactory } from "./index_keys.ts";
import type { Access } from "./planner.ts";
import { CursorRow } from "./row.ts";

/** Result rows pulled one at a time (a cheaper iterator than a generator). */
export interface RowCursor {
  /**
   * The next row, or undefined when there are no more (the cursor is then closed). The
   * array may be the one the previous call returned, refilled: use or copy it before the
   * next call.
   */
  next(): SqlValue[] | undefined;
  /** Stops early, releasing what the cursor holds; safe to call more than once. */
  close(): void;
}

/** A {@link RowCursor} over a generator (the general executor). */
export class GeneratorCursor implements RowCursor {
  #gen: Generator<SqlValue[], void, undefined> | undefined;

  /** Wraps `gen`; it is not started until the first {@link next}. */
  constructor(gen: Generator<SqlValue[], void, undefined>) {
    this.#gen = gen;
  }

  /** The generator's next row. */
  next(): SqlValue[] | undefined {
    const gen = this.#gen;
    if (!gen) return undefined;
    let r: IteratorResult<SqlValue[], void>;
    try {
      r = gen.next();
    } catch (e) {
      this.#gen = undefined;
      throw e;
    }
    if (r.done) {
      this.#gen = undefined;
      return undefined;
    }
    return r.value;
  }

  /** Runs the generator's `finally` blocks. */
  close(): void {
    const gen = this.#gen;
    if (gen) {
      this.#gen = undefined;
      gen.return();
    }
  }
}

/** `v` as a canonical rowid when it is an INTEGER value, else undefined. */
function integerValue(v: SqlValue): Rowid | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) ? (v === 0 ? 0 : v) : undefined;
  if (typeof v !== "bigint") return undefined;
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

const enum Mode {
  Done,
  Scan,
  RowidKeys,
  RowidRange,
  Index,
  Generator,
}

/**
 * Steps through the candidate rows of one access path, loading each into {@link view}:
 * the same rows, in the same order, as {@link visitRows} (which remains the path for IN
 * lists on an index). Reusable: `open` again after `close`.
 */
export class AccessStepper {
  /** The row the access path loads each visited row into. */
  readonly view: RowView;
  readonly #tableView: CursorRow | undefined;
  readonly #access: Access;
  readonly #btree: BTreeApi;
  readonly #root: number;
  readonly #rev: boolean;
  #mode = Mode.Done;
  #first = true;
  #cur: TableCursor | undefined;
  // rowidEq
  #keys: Rowid[] = [];
  #ki = 0;
  // rowidRange
  #lo: Rowid | "all" = "all";
  #hi: Rowid | "all" = "all";
  /** The bound is exclusive (`>`/`<`) and exact: a row equal to it is not in the range. */
  #loSkip = false;
  #hiSkip = false;
  #exact = false;
  // index
  #idx: IndexCursor | undefined;
  #start: SearchKey | undefined;
  #end: SearchKey | undefined;
  /** The lookup is an equality on every column of a UNIQUE index: at most one entry matches. */
  #one = false;
  #startKey: SearchKey | undefined;
  #endKey: SearchKey | undefined;
  readonly #eq: SqlValue[] = [];
  readonly #colls: Collation[] = [];
  readonly #descs: boolean[] = [];
  readonly #reader = new RecordReader();
  /** `env.rows` of the execution using this stepper (see SimpleSelect.input). */
  readonly rows: RowSource[] = [NULL_ROW];
  /** The index's comparator factory, made once rather than per execution. */
  #factory: ((key: Uint8Array) => KeyComparator) | undefined;
  #gen: Generator<Rowid, void, undefined> | undefined;
  /**
   * The cursors of the last execution, closed: the next one reopens them (as TableWriter
   * does) rather than allocating and registering new cursors per lookup.
   */
  #spareCur: TableCursor | undefined;
  #spareIdx: IndexCursor | undefined;

  /** A stepper for `access` over `table` (whose b-tree is rooted at `root`). */
  constructor(access: Access, btree: BTreeApi, table: TableInfo, defaults: SqlValue[]) {
    this.#access = access;
    this.#btree = btree;
    this.#root = table.root;
    this.#rev = access.reverse === true;
    this.view = rowViewFor(access, table, defaults);
    this.#tableView = this.view instanceof CursorRow ? this.view : undefined;
    if (access.kind === "index") {
      for (const c of access.index.columns) {
        this.#colls.push(builtinCollation(c.collation)!);
        this.#descs.push(c.desc);
      }
    }
  }

  /**
   * True when this execution's access path decides exactly the WHERE terms its bounds came
   * from (a rowid range whose term-bound values are all integers; an index whose equality
   * values are not TEXT, or TEXT compared by BINARY): the caller may then test only the other
   * terms.
   */
  get exact(): boolean {
    return this.#exact;
  }

  /** Positions before the first row for this execution (evaluating keys and bounds). */
  open(env: Env): void {
    this.close();
    this.#first = true;
    this.#exact = false;
    const access = this.#access;
    switch (access.kind) {
      case "scan":
        this.#cur = this.#tableCursor();
        this.#mode = Mode.Scan;
        return;
      case "rowidEq": {
        // Refilled in place: `length = 0` would drop the array's storage, and the next push
        // allocate it again, for every lookup.
        const keys = this.#keys;
        let n = 0;
        for (const f of access.keys) {
          const k = exactRowid(f(env));
          if (k === undefined) continue;
          if (n < keys.length) keys[n] = k;
          else keys.push(k);
          n++;
        }
        if (keys.length !== n) keys.length = n;
        if (keys.length > 1) {
          keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          if (this.#rev) keys.reverse();
        }
        this.#ki = 0;
        this.#cur = this.#tableCursor();
        this.#mode = Mode.RowidKeys;
        return;
      }
      case "rowidRange": {
        // An integer bound is applied exactly (`<` and `>` too): the WHERE term it came
        // from then need not be tested per row (see `exact`). Other bounds are widened to
        // rowids (lowerRowid/upperRowid) and the filter decides.
        let exact = true;
        let lo: Rowid | null | "all" = "all";
        let hi: Rowid | null | "all" = "all";
        this.#loSkip = false;
        this.#hiSkip = false;
        if (access.lo) {
          const v = access.lo.fn(env);
          const k = integerValue(v);
          if (k !== undefined) {
            lo = k;
            this.#loSkip = !access.lo.inclusive;
          } else {
            lo = lowerRowid(v);
            if (access.lo.term) exact = false;
          }
        }
        if (access.hi) {
          const v = access.hi.fn(env);
          const k = integerValue(v);
          if (k !== undefined) {
            hi = k;
            this.#hiSkip = !access.hi.inclusive;
          } else {
            hi = upperRowid(v);
            if (access.hi.term) exact = false;
          }
        }
        if (lo === null || hi === null) return;
        this.#exact = exact;
        this.#lo = lo;
        this.#hi = hi;
        this.#cur = this.#tableCursor();
        this.#mode = Mode.RowidRange;
        return;
      }
      case "index": {
        if (access.inList) {
          this.#gen = visitRows(access, this.#btree, this.#root, env, this.view);
          this.#mode = Mode.Generator;
          return;
        }
        // The key arrays and SearchKeys are this stepper's own, reused by every execution
        // (close() has released the previous one): a lookup allocates no key.
        const eq = this.#eq;
        let n = 0;
        for (const f of access.eq) {
          const v = f(env);
          if (v === null) return; // `= NULL` is never true
          if (n < eq.length) eq[n] = v;
          else eq.push(v);
          n++;
        }
        if (eq.length !== n) eq.length = n;
        let start: SqlValue[] = eq;
        let end: SqlValue[] = eq;
        if (access.lo || access.hi) {
          const range = keyRange(eq, access.lo, access.hi, this.#descs, env);
          if (!range) return;
          start = range.start;
          end = range.end;
        }
        this.#start = start.length
          ? (this.#startKey ??= new SearchKey([], this.#colls, this.#descs)).reset(start)
          : undefined;
        // An equality lookup starts and ends at the same key: one SearchKey (and one UTF-8
        // encoding of a TEXT key) serves both.
        this.#end = end === start
          ? this.#start
          : end.length
          ? (this.#endKey ??= new SearchKey([], this.#colls, this.#descs)).reset(end)
          : undefined;
        // visitRows opens the table cursor before the index cursor; the same order here.
        this.#cur = this.#tableCursor();
        this.#factory ??= comparatorFactory(access.index);
        const spare = this.#spareIdx;
        if (spare) {
          this.#spareIdx = undefined;
          spare.reopen();
          this.#idx = spare;
        } else {
          this.#idx = this.#btree.indexCursor(access.index.root, this.#factory);
        }
        this.#mode = Mode.Index;
        // As SQLite (WHERE_ONEROW): the entry after the match is not even looked at.
        this.#one = access.index.unique && !access.lo && !access.hi &&
          eq.length === access.index.columns.length;
        // The start key holds the equality values: TEXT among them must compare by BINARY,
        // without surrogates (SearchKey.textExact), for the index to decide `column = value`.
        this.#exact = access.eqTerms !== undefined && this.#start !== undefined &&
          this.#start.textExact;
        return;
      }
    }
  }

  /**
   * The number of rows this execution would visit, counted page by page without stepping
   * (`SELECT count(*) FROM t`, as SQLite's OP_Count), when it is a whole-tree walk that has
   * not started: a full table scan, or a full scan of an index on every row (not partial).
   * The execution is then over. Undefined (nothing done) for any other execution.
   */
  countAll(): number | undefined {
    if (!this.#first) return undefined;
    let n: number;
    if (this.#mode === Mode.Scan) {
      n = this.#cur!.count();
    } else if (
      this.#mode === Mode.Index && this.#start === undefined && this.#end === undefined &&
      this.#access.kind === "index" && this.#access.index.where === undefined
    ) {
      n = this.#idx!.count();
    } else {
      return undefined;
    }
    this.close();
    return n;
  }

  /** Moves to the next row and loads it into {@link view}; false (and closed) at the end. */
  step(): boolean {
    switch (this.#mode) {
      case Mode.Done:
        return false;
      case Mode.Scan: {
        const cur = this.#cur!;
        const ok = this.#first
          ? (this.#rev ? cur.last() : cur.first())
          : (this.#rev ? cur.prev() : cur.next());
        this.#first = false;
        if (!ok) break;
        this.#tableView!.load(cur);
        return true;
      }
      case Mode.RowidKeys: {
        const keys = this.#keys;
        const cur = this.#cur!;
        while (this.#ki < keys.length) {
          const i = this.#ki++;
          if (i > 0 && keys[i] === keys[i - 1]) continue;
          if (cur.seek(keys[i])) {
            this.#tableView!.load(cur);
            return true;
          }
        }
        break;
      }
      case Mode.RowidRange: {
        const cur = this.#cur!;
        const lo = this.#lo;
        const hi = this.#hi;
        let ok: boolean;
        if (!this.#rev) {
          ok = this.#first ? (lo === "all" ? cur.first() : cur.seekGE(lo)) : cur.next();
          // `rowid > lo`: the first row found may be lo itself.
          if (ok && this.#first && this.#loSkip && cur.rowid() === lo) ok = cur.next();
          this.#first = false;
          if (!ok) break;
          const r = cur.rowid();
          if (hi !== "all" && (r > hi || (this.#hiSkip && r === hi))) break;
        } else {
          ok = this.#first ? (hi === "all" ? cur.last() : cur.seekLE(hi)) : cur.prev();
          if (ok && this.#first && this.#hiSkip && cur.rowid() === hi) ok = cur.prev();
          this.#first = false;
          if (!ok) break;
          const r = cur.rowid();
          if (lo !== "all" && (r < lo || (this.#loSkip && r === lo))) break;
        }
        this.#tableView!.load(cur);
        return true;
      }
      case Mode.Index:
        if (this.#stepIndex()) return true;
        break;
      case Mode.Generator: {
        const r = this.#gen!.next();
        if (!r.done) return true;
        break;
      }
    }
    this.close();
    return false;
  }

  #stepIndex(): boolean {
    const idx = this.#idx!;
    const start = this.#start;
    const end = this.#end;
    const rev = this.#rev;
    let ok: boolean;
    if (this.#first) {
      this.#first = false;
      if (!rev) ok = start ? idx.seekGE(start.seekGEComparator()) : idx.first();
      else ok = end ? idx.seekLE(end.comparator()) : idx.last();
    } else {
      if (this.#one) return false;
      ok = rev ? idx.prev() : idx.next();
    }
    const view = this.view;
    for (; ok; ok = rev ? idx.prev() : idx.next()) {
      // The entry as a range of its page: no view per entry.
      const buf = idx.payloadBuffer();
      const ps = idx.payloadStart;
      const pe = idx.payloadEnd;
      if (!rev && end && compareRecordToKey(buf, end, 0, ps, pe) > 0) return false;
      if (rev && start && compareRecordToKey(buf, start, 0, ps, pe) < 0) return false;
      if (view instanceof IndexRow) {
        view.load(buf, ps, pe);
        // A damaged entry may end in something else; callers treat non-objects as rowids.
        if (!view.endsInInteger()) {
          throw corrupt(`index ${this.#indexName()} entry without a rowid`);
        }
        return true;
      }
      const reader = this.#reader.reset(buf, ps, pe);
      const rowid = reader.column(reader.columnCount - 1);
      if (typeof rowid !== "number" && typeof rowid !== "bigint") {
        throw corrupt(`index ${this.#indexName()} entry without a rowid`);
      }
      const table = this.#cur!;
      if (table.seek(rowid)) {
        view.load(table);
        return true;
      }
    }
    return false;
  }

  #indexName(): string {
    return this.#access.kind === "index" ? this.#access.index.name : "";
  }

  /** Releases the cursors; the stepper then reports no more rows until opened again. */
  close(): void {
    this.#mode = Mode.Done;
    const gen = this.#gen;
    const idx = this.#idx;
    const cur = this.#cur;
    this.#gen = undefined;
    this.#idx = undefined;
    this.#cur = undefined;
    this.#start = undefined;
    this.#end = undefined;
    try {
      gen?.return();
    } finally {
      try {
        if (idx) {
          idx.close();
          this.#spareIdx = idx;
        }
      } finally {
        if (cur) {
          cur.close();
          this.#spareCur = cur;
        }
      }
    }
  }

  /** A table cursor for this execution: the last one, reopened, else a new one. */
  #tableCursor(): TableCursor {
    const spare = this.#spareCur;
    if (spare === undefined) return this.#btree.tableCursor(this.#root);
    this.#spareCur = undefined;
    spare.reopen();
    return spare;
  }
}
