/**
 * Runs an access path: positions a table cursor on each candidate row in turn.
 * @module
 */

import { corrupt } from "../errors.ts";
import type { BTreeApi, IndexCursor, Rowid, TableCursor } from "../btree/types.ts";
import { builtinCollation, type Collation } from "../record/collation.ts";
import { compareRecordToKey, compareValues, keyComparator, SearchKey } from "../record/compare.ts";
import { RecordReader } from "../record/record_reader.ts";
import { Real, type SqlValue } from "../record/value.ts";
import type { IndexInfo } from "../schema/types.ts";
import type { Env } from "./env.ts";
import type { Access, Bound } from "./planner.ts";

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

/** The rowid equal to `v`, or undefined when no rowid can equal it. */
export function exactRowid(v: SqlValue): Rowid | undefined {
  if (typeof v === "bigint") return v;
  const n = typeof v === "number" ? v : v instanceof Real ? v.value : undefined;
  if (n === undefined || !Number.isInteger(n)) return undefined;
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  const b = BigInt(n);
  return b > MAX_I64 || b < MIN_I64 ? undefined : b;
}

/** The smallest rowid a lower bound admits ("start here"); null when nothing can match. */
function lowerRowid(v: SqlValue): Rowid | null | "all" {
  if (v === null || typeof v === "string" || v instanceof Uint8Array) return null;
  if (typeof v === "bigint") return v;
  const n = v instanceof Real ? v.value : v;
  if (Number.isNaN(n)) return null;
  if (n < -9.2e18) return "all";
  if (n > 9.3e18) return null;
  const f = Math.floor(n);
  return Number.isSafeInteger(f) ? f : BigInt(f);
}

/** True when `rowid` is past an upper bound. */
function beyond(rowid: Rowid, hi: SqlValue): boolean {
  if (typeof hi === "string" || hi instanceof Uint8Array) return false; // numbers sort below text
  const h = hi instanceof Real ? hi.value : hi as number | bigint;
  return rowid > h;
}

function sortedUnique(values: SqlValue[], coll: Collation): SqlValue[] {
  const vs = values.filter((v) => v !== null).sort((a, b) => compareValues(a, b, coll));
  return vs.filter((v, i) => i === 0 || compareValues(vs[i - 1], v, coll) !== 0);
}

/** Yields the table cursor on each candidate row of `access`, in access-path order. */
export function* visitRows(
  access: Access,
  btree: BTreeApi,
  root: number,
  env: Env,
): Generator<TableCursor, void, undefined> {
  const cur = btree.tableCursor(root);
  try {
    switch (access.kind) {
      case "scan":
        for (let ok = cur.first(); ok; ok = cur.next()) yield cur;
        return;
      case "rowidEq": {
        const keys: Rowid[] = [];
        for (const f of access.keys) {
          const k = exactRowid(f(env));
          if (k !== undefined) keys.push(k);
        }
        keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (let i = 0; i < keys.length; i++) {
          if (i > 0 && keys[i] === keys[i - 1]) continue;
          if (cur.seek(keys[i])) yield cur;
        }
        return;
      }
      case "rowidRange": {
        const lo = access.lo ? lowerRowid(access.lo.fn(env)) : "all";
        if (lo === null) return;
        const hi = access.hi ? access.hi.fn(env) : undefined;
        if (hi === null) return;
        let ok = lo === "all" ? cur.first() : cur.seekGE(lo);
        for (; ok; ok = cur.next()) {
          if (hi !== undefined && beyond(cur.rowid(), hi)) return;
          yield cur;
        }
        return;
      }
      case "index":
        yield* visitIndex(access, btree, cur, env);
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
): Generator<TableCursor, void, undefined> {
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
  const idx = btree.indexCursor(index.root);
  const reader = new RecordReader();
  try {
    for (const head of heads) {
      const prefix = head === undefined ? eq : [head, ...eq];
      yield* rangeScan(index, idx, table, reader, prefix, access.lo, access.hi, colls, descs, env);
    }
  } finally {
    idx.close();
  }
}

function* rangeScan(
  index: IndexInfo,
  idx: IndexCursor,
  table: TableCursor,
  reader: RecordReader,
  prefix: SqlValue[],
  lo: Bound | undefined,
  hi: Bound | undefined,
  colls: Collation[],
  descs: boolean[],
  env: Env,
): Generator<TableCursor, void, undefined> {
  const desc = descs[prefix.length] ?? false;
  const startBound = desc ? hi : lo;
  const endBound = desc ? lo : hi;
  let startKey = prefix;
  let endKey = prefix;
  if (startBound) {
    const v = startBound.fn(env);
    if (v === null) return;
    startKey = [...prefix, v];
  }
  if (endBound) {
    const v = endBound.fn(env);
    if (v === null) return;
    endKey = [...prefix, v];
  }
  let ok = startKey.length === 0
    ? idx.first()
    : idx.seekGE(keyComparator(new SearchKey(startKey, colls, descs), 0));
  const end = endKey.length === 0 ? undefined : new SearchKey(endKey, colls, descs);
  for (; ok; ok = idx.next()) {
    const payload = idx.payload();
    if (end && compareRecordToKey(payload, end, 0) > 0) return;
    reader.reset(payload);
    const rowid = reader.column(reader.columnCount - 1);
    if (typeof rowid !== "number" && typeof rowid !== "bigint") {
      throw corrupt(`index ${index.name} entry without a rowid`);
    }
    if (table.seek(rowid)) yield table;
  }
}
