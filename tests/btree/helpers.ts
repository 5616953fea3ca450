/**
 * Test helpers: SQLite records for test rows, an index-key comparator, writing schema rows
 * so node:sqlite can open dumped databases, and running sqlite's integrity_check.
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { BTree } from "../../src/btree/mod.ts";
import type { KeyComparator } from "../../src/btree/types.ts";
import { MemPager } from "./mem_pager.ts";

/** A value in a test record. */
export type TestValue = null | number | string | Uint8Array;

const enc = new TextEncoder();
const dec = new TextDecoder();

function varint(v: number): number[] {
  // Test values stay below 2^53 and are non-negative here.
  const bytes: number[] = [];
  if (v < 0x80) return [v];
  let x = v;
  const tmp: number[] = [];
  while (x > 0) {
    tmp.unshift(x % 128);
    x = Math.floor(x / 128);
  }
  for (let i = 0; i < tmp.length; i++) bytes.push(tmp[i] | (i < tmp.length - 1 ? 0x80 : 0));
  return bytes;
}

function intType(v: number): [number, number] {
  if (v === 0) return [8, 0];
  if (v === 1) return [9, 0];
  if (v >= -128 && v < 128) return [1, 1];
  if (v >= -32768 && v < 32768) return [2, 2];
  if (v >= -8388608 && v < 8388608) return [3, 3];
  if (v >= -2147483648 && v < 2147483648) return [4, 4];
  if (v >= -140737488355328 && v < 140737488355328) return [5, 6];
  return [6, 8];
}

/** Encodes a SQLite record (header-size varint, serial types, body). */
export function encodeRecord(values: TestValue[]): Uint8Array {
  const types: number[] = [];
  const bodies: Uint8Array[] = [];
  for (const v of values) {
    if (v === null) {
      types.push(0);
      bodies.push(new Uint8Array(0));
    } else if (typeof v === "number") {
      const [t, n] = intType(v);
      types.push(t);
      const b = new Uint8Array(n);
      let x = BigInt(v);
      for (let i = n - 1; i >= 0; i--) {
        b[i] = Number(x & 0xffn);
        x >>= 8n;
      }
      bodies.push(b);
    } else if (typeof v === "string") {
      const b = enc.encode(v);
      types.push(b.length * 2 + 13);
      bodies.push(b);
    } else {
      types.push(v.length * 2 + 12);
      bodies.push(v);
    }
  }
  const typeBytes = types.flatMap(varint);
  let hdrLen = typeBytes.length + 1;
  if (varint(hdrLen).length > 1) hdrLen = typeBytes.length + varint(typeBytes.length + 2).length;
  const head = [...varint(hdrLen), ...typeBytes];
  const total = head.length + bodies.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(total);
  out.set(head, 0);
  let p = head.length;
  for (const b of bodies) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

function readVar(buf: Uint8Array, off: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    const b = buf[off + i];
    if (i === 8) return [v * 256 + b, 9];
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return [v, i + 1];
  }
  return [v, 9];
}

/** Decodes a record made by {@link encodeRecord} (integers, text, blobs, null). */
export function decodeRecord(rec: Uint8Array): TestValue[] {
  const [hdrLen, n0] = readVar(rec, 0);
  let hp = n0;
  let bp = hdrLen;
  const out: TestValue[] = [];
  while (hp < hdrLen) {
    const [t, n] = readVar(rec, hp);
    hp += n;
    if (t === 0) out.push(null);
    else if (t === 8) out.push(0);
    else if (t === 9) out.push(1);
    else if (t >= 1 && t <= 6) {
      const len = [0, 1, 2, 3, 4, 6, 8][t];
      let x = 0n;
      for (let i = 0; i < len; i++) x = (x << 8n) | BigInt(rec[bp + i]);
      x = BigInt.asIntN(len * 8, x);
      out.push(Number(x));
      bp += len;
    } else if (t >= 12) {
      const len = (t - 12) >> 1;
      const body = rec.subarray(bp, bp + len);
      out.push(t % 2 === 1 ? dec.decode(body) : body.slice());
      bp += len;
    }
  }
  return out;
}

/** Splits a (text, integer) record into its text bytes and the integer, without decoding text. */
function splitKey(rec: Uint8Array): [Uint8Array, number] {
  const [hdrLen, n0] = readVar(rec, 0);
  const [t1, n1] = readVar(rec, n0);
  const [t2] = readVar(rec, n0 + n1);
  const tlen = (t1 - 13) >> 1;
  const text = rec.subarray(hdrLen, hdrLen + tlen);
  let r = 0;
  if (t2 === 9) r = 1;
  else if (t2 >= 1 && t2 <= 6) {
    const len = [0, 1, 2, 3, 4, 6, 8][t2];
    let x = 0n;
    for (let i = 0; i < len; i++) x = (x << 8n) | BigInt(rec[hdrLen + tlen + i]);
    r = Number(BigInt.asIntN(len * 8, x));
  }
  return [text, r];
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Compares (text, rowid) index keys: text by bytes (BINARY collation), then rowid. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const [ta, ra] = splitKey(a);
  const [tb, rb] = splitKey(b);
  return compareBytes(ta, tb) || ra - rb;
}

/** A comparator for stored keys against `key` (stored minus search key). */
export function comparatorFor(key: Uint8Array): KeyComparator {
  const [t, r] = splitKey(key);
  return (stored) => {
    const [ts, rs] = splitKey(stored);
    return compareBytes(ts, t) || rs - r;
  };
}

/** One object in sqlite_schema. */
export interface SchemaEntry {
  type: "table" | "index";
  name: string;
  tbl: string;
  root: number;
  sql: string;
}

/** Writes schema rows (rowids 1..n) into sqlite_schema on page 1 and bumps the schema cookie. */
export function writeSchema(bt: BTree, entries: SchemaEntry[]): void {
  const c = bt.tableCursor(1);
  entries.forEach((e, i) => c.insert(i + 1, encodeRecord([e.type, e.name, e.tbl, e.root, e.sql])));
  c.close();
  bt.setMeta(40, bt.getMeta(40) + 1);
}

/** Dumps the pager to a temp file, opens it with node:sqlite, returns integrity_check rows. */
export function sqliteIntegrity(pager: MemPager, dir: string): string[] {
  const path = `${dir}/check_${Math.random().toString(36).slice(2)}.db`;
  pager.dumpToFile(path);
  const db = new DatabaseSync(path);
  try {
    return db.prepare("PRAGMA integrity_check").all().map((r) =>
      String((r as Record<string, unknown>).integrity_check)
    );
  } finally {
    db.close();
    Deno.removeSync(path);
  }
}

/** A fresh initialized BTree over a MemPager, with a write transaction open. */
export function freshTree(pageSize: number): { pager: MemPager; bt: BTree } {
  const pager = new MemPager(pageSize);
  pager.beginRead();
  pager.beginWrite();
  const bt = new BTree(pager);
  bt.initialize();
  return { pager, bt };
}

/** Deterministic bytes for payloads. */
export function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Fast byte-array equality (assertEquals on large arrays is slow). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
