/**
 * Runs an access path: visits the candidate rows of one table, from the table B-tree or
 * through an index (reading only the index when it covers the statement), forwards or
 * backwards.
 * @module
 */

import { comparatorFactory } from "./index_keys.ts";
import type { BTreeApi, Rowid, TableCursor } from "../btree/types.ts";
import { corrupt } from "../errors.ts";
import { fromStorage } from "../record/affinity.ts";
import { builtinCollation, type Collation } from "../record/collation.ts";
import { compareRecordToKey, compareValues, keyComparator, SearchKey } from "../record/compare.ts";
import { RecordReader } from "../record/record_reader.ts";
import { Real, type SqlValue } from "../record/value.ts";
import type { IndexInfo, TableInfo } from "../schema/types.ts";
import type { Env, RowSource } from "./env.ts";
import type { Access, Bound } from "./planner.ts";
import { CursorRow } from "./row.ts";

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

/** The rowid equal to `v`, or undefined when no rowid can equal it. */
export function exactRowid(v: SqlValue): Rowid | undefined {
  if (typeof v === "bigint") return v;
  // A REAL becomes a rowid only when it is integral and within +-2^51 (sqlite3RealSameAsInt):
  // WHERE rowid = -9.2e18 finds nothing in SQLite even though -2^63 compares equal.
  if (v instanceof Real && Math.abs(v.value) >= 2251799813685248) return undefined;
  const n = typeof v === "number" ? v : v instanceof Real ? v.value : undefined;
  if (n === undefined || !Number.isInteger(n)) return undefined;
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  const b = BigInt(n);
  return b > MAX_I64 || b < MIN_I64 ? undefined : b;
}

/** The smallest rowid a lower bound admits; null when nothing can match. */
export function lowerRowid(v: SqlValue): Rowid | null | "all" {
  if (v === null || typeof v === "string" || v instanceof Uint8Array) return null;
  if (typeof v === "bigint") return v;
  const n = v instanceof Real ? v.value : v;
  if (Number.isNaN(n)) return null;
  if (n < -9.2e18) return "all";
  if (n > 9.3e18) return null;
  const f = Math.floor(n);
  return Number.isSafeInteger(f) ? f : BigInt(f);
}

/** The largest rowid an upper bound admits; null when nothing can match. */
export function upperRowid(v: SqlValue): Rowid | null | "all" {
  if (v === null) return null;
  if (typeof v === "string" || v instanceof Uint8Array) return "all"; // numbers sort below text
  if (typeof v === "bigint") return v;
  const n = v instanceof Real ? v.value : v;
  if (Number.isNaN(n)) return null;
  if (n > 9.3e18) return "all";
  if (n < -9.3e18) return null;
  const f = Math.ceil(n);
  return Number.isSafeInteger(f) ? f : BigInt(f);
}

function sortedUnique(values: SqlValue[], coll: Collation): SqlValue[] {
  const vs = values.filter((v) => v !== null).sort((a, b) => compareValues(a, b, coll));
  return vs.filter((v, i) => i === 0 || compareValues(vs[i - 1], v, coll) !== 0);
}

/** A table's current row read from an index entry (for covering-index access). */
export class IndexRow implements RowSource {
  private readonly reader = new RecordReader();
  private readonly position: number[];
  private readonly real: boolean[];

  /** A row view of `table` over entries of `index`. */
  constructor(readonly table: TableInfo, index: IndexInfo) {
    this.position = table.columns.map((_, i) => index.columns.findIndex((c) => c.column === i));
    this.real = table.columns.map((c) => c.affinity === "REAL");
  }

  /** Points the view at an index entry: `buf[start, end)`, by default all of `buf`. */
  load(buf: Uint8Array, start = 0, end: number = buf.length): void {
    this.reader.reset(buf, start, end);
  }

  /** Column `i` (it must be in the index, or be the rowid alias). */
  column(i: number): SqlValue {
    if (i === this.table.rowidAlias) return this.rowid();
    const p = this.position[i];
    if (p < 0) throw new Error(`column ${i} is not in the covering index`);
    const v = this.reader.column(p);
    return this.real[i] ? fromStorage(v, "REAL") : v;
  }

  /** The rowid (the entry's last field). */
  rowid(): SqlValue {
    return this.reader.column(this.reader.columnCount - 1);
  }

  /** True when the entry ends in an integer (its rowid), told from the serial type alone. */
  endsInInteger(): boolean {
    const t = this.reader.serialType(this.reader.columnCount - 1);
    return (t >= 1 && t <= 6) || t === 8 || t === 9;
  }
}

/** Where visited rows are loaded: a table-row view, or an index-row view when covering. */
export type RowView = CursorRow | IndexRow;

/** Makes the row view an access path loads rows into. */
export function rowViewFor(access: Access, table: TableInfo, defaults: SqlValue[]): RowView {
  return access.kind === "index" && access.covering
    ? new IndexRow(table, access.index)
    : new CursorRow(table, defaults);
}

/**
 * Visits the candidate rows of `access` in access order, loading each into `view`
 * before yielding; yields the row's rowid.
 */
export function* visitRows(
  access: Access,
  btree: BTreeApi,
  root: number,
  env: Env,
  view: RowView,
): Generator<Rowid, void, undefined> {
  const cur = btree.tableCursor(root);
  const tableView = view instanceof CursorRow ? view : undefined;
  const rev = access.reverse === true;
  try {
    switch (access.kind) {
      case "scan":
        for (let ok = rev ? cur.last() : cur.first(); ok; ok = rev ? cur.prev() : cur.next()) {
          tableView!.load(cur);
          yield cur.rowid();
        }
        return;
      case "rowidEq": {
        const keys: Rowid[] = [];
        for (const f of access.keys) {
          const k = exactRowid(f(env));
          if (k !== undefined) keys.push(k);
        }
        keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        if (rev) keys.reverse();
        for (let i = 0; i < keys.length; i++) {
          if (i > 0 && keys[i] === keys[i - 1]) continue;
          if (cur.seek(keys[i])) {
            tableView!.load(cur);
            yield keys[i];
          }
        }
        return;
      }
      case "rowidRange": {
        const lo = access.lo ? lowerRowid(access.lo.fn(env)) : "all";
        const hi = access.hi ? upperRowid(access.hi.fn(env)) : "all";
        if (lo === null || hi === null) return;
        if (!rev) {
          for (let ok = lo === "all" ? cur.first() : cur.seekGE(lo); ok; ok = cur.next()) {
            const r = cur.rowid();
            if (hi !== "all" && r > hi) return;
            tableView!.load(cur);
            yield r;
          }
        } else {
          for (let ok = hi === "all" ? cur.last() : cur.seekLE(hi); ok; ok = cur.prev()) {
            const r = cur.rowid();
            if (lo !== "all" && r < lo) return;
            tableView!.load(cur);
            yield r;
          }
        }
        return;
      }
      case "index":
        yield* visitIndex(access, btree, cur, env, view);
        return;
    }
  } finally {
    cur.close();
  }
}

function* visitIndex(
  access: Extract<Access, { kind: "index" }>,
  btree: BTreeApi,
  table: TableCursor,
  env: Env,
  view: RowView,
): Generator<Rowid, void, undefined> {
  const index = access.index;
  const colls = index.columns.map((c) => builtinCollation(c.collation)!);
  const descs = index.columns.map((c) => c.desc);
  const eq: SqlValue[] = [];
  for (const f of access.eq) {
    const v = f(env);
    if (v === null) return; // `= NULL` is never true
    eq.push(v);
  }
  const heads: (SqlValue | undefined)[] = access.inList
    ? sortedUnique(access.inList.map((f) => f(env)), colls[0])
    : [undefined];
  if (access.reverse) heads.reverse();
  const idx = btree.indexCursor(index.root, comparatorFactory(index));
  const reader = new RecordReader();
  try {
    for (const head of heads) {
      const prefix = head === undefined ? eq : [head, ...eq];
      const range = keyRange(prefix, access.lo, access.hi, descs, env);
      if (!range) continue;
      const start = range.start.length ? new SearchKey(range.start, colls, descs) : undefined;
      const end = range.end.length ? new SearchKey(range.end, colls, descs) : undefined;
      const rev = access.reverse === true;
      let ok: boolean;
      if (!rev) ok = start ? idx.seekGE(keyComparator(start, 0)) : idx.first();
      else ok = end ? idx.seekLE(keyComparator(end, 0)) : idx.last();
      for (; ok; ok = rev ? idx.prev() : idx.next()) {
        // The entry as a range of its page: no view per entry.
        const buf = idx.payloadBuffer();
        const ps = idx.payloadStart;
        const pe = idx.payloadEnd;
        if (!rev && end && compareRecordToKey(buf, end, 0, ps, pe) > 0) break;
        if (rev && start && compareRecordToKey(buf, start, 0, ps, pe) < 0) break;
        if (view instanceof IndexRow) {
          view.load(buf, ps, pe);
          // A damaged entry may end in something else; callers treat non-objects as rowids.
          if (!view.endsInInteger()) throw corrupt(`index ${index.name} entry without a rowid`);
          yield view.rowid() as Rowid;
          continue;
        }
        reader.reset(buf, ps, pe);
        const rowid = reader.column(reader.columnCount - 1);
        if (typeof rowid !== "number" && typeof rowid !== "bigint") {
          throw corrupt(`index ${index.name} entry without a rowid`);
        }
        if (table.seek(rowid)) {
          view.load(table);
          yield rowid;
        }
      }
    }
  } finally {
    idx.close();
  }
}

/** The index keys bounding a range scan, in index order; undefined when it is empty. */
export function keyRange(
  prefix: SqlValue[],
  lo: Bound | undefined,
  hi: Bound | undefined,
  descs: boolean[],
  env: Env,
): { start: SqlValue[]; end: SqlValue[] } | undefined {
  const desc = descs[prefix.length] ?? false;
  const startBound = desc ? hi : lo;
  const endBound = desc ? lo : hi;
  let start = prefix;
  let end = prefix;
  if (startBound) {
    const v = startBound.fn(env);
    if (v === null) return undefined;
    start = [...prefix, v];
  }
  if (endBound) {
    const v = endBound.fn(env);
    if (v === null) return undefined;
    end = [...prefix, v];
  }
  return { start, end };
}
