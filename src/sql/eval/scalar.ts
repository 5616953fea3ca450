/**
 * SQLite's built-in scalar functions (lang_corefunc.html; func.c), evaluated on engine values,
 * and the registry the expression compiler resolves calls with.
 *
 * Text functions count characters as Unicode code points (SQLite counts UTF-8 characters,
 * which is the same for well-formed text); lengths in bytes use UTF-8. As in SQLite's C
 * code, length() and substr() stop at an embedded NUL.
 * @module
 */

import { SqliteError } from "../../errors.ts";
import { Real, real, type SqlValue } from "../../record/value.ts";
import {
  castToInteger,
  realToText,
  textToNumberForAffinity,
  toReal,
  valueToText,
} from "../../record/conversion.ts";
import { BINARY, type Collation } from "../../record/collation.ts";
import { compareValues } from "../../record/compare.ts";
import { encodeUtf8, utf8Length } from "../../record/utf8.ts";
import { glob, like } from "./like.ts";
import { sqlPrintf } from "./printf.ts";

/** Connection counters some functions report (structurally the executor's FunctionContext). */
export interface FunctionContext {
  /** Rows changed by the last INSERT/UPDATE/DELETE. */
  changes: number;
  /** Rows changed since the connection opened. */
  totalChanges: number;
  /** Rowid of the last successful INSERT. */
  lastInsertRowid: number | bigint;
}

/** The implementation of a scalar function. */
export type ScalarImpl = (
  args: SqlValue[],
  ctx: FunctionContext,
  collation?: Collation,
) => SqlValue;

/** A resolved scalar function. */
export interface ScalarFunction {
  /** Computes the result; `collation` matters only when {@link usesCollation} is set. */
  fn: ScalarImpl;
  /** False for random(), changes() and the like: calls may not be folded or shared. */
  deterministic: boolean;
  /**
   * True for min(), max() and nullif(), which compare their arguments with the collation of
   * the first argument that has one (pass it as the third parameter; BINARY otherwise).
   */
  usesCollation?: boolean;
  /**
   * True for coalesce(), ifnull(), iif()/if(): SQLite evaluates their arguments lazily (an
   * unused argument's error never happens). Calling `fn` with all arguments evaluated gives
   * the right value otherwise.
   */
  lazy?: boolean;
}

/** The version string sqlite_version() returns (that of the SQLite we match). */
export const SQLITE_VERSION = "3.53.2";

/** SQLITE_LIMIT_LENGTH's default. */
const MAX_LENGTH = 1000000000;

function err(message: string): SqliteError {
  return new SqliteError("SQLITE_ERROR", message);
}

function tooBig(): SqliteError {
  return new SqliteError("SQLITE_TOOBIG", "string or blob too big");
}

/** sqlite3_value_text: NULL stays null. */
function text(v: SqlValue): string | null {
  return typeof v === "string" ? v : valueToText(v);
}

/** sqlite3_value_int64. */
function int64(v: SqlValue): number | bigint {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return castToInteger(v) ?? 0;
}

/** The bytes of a value as sqlite3_value_blob sees them. */
function bytes(v: SqlValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v === null) return new Uint8Array(0);
  return encodeUtf8(text(v) as string);
}

function isNullish(v: SqlValue): boolean {
  return v === null;
}

/** The text up to its first NUL (what C string loops see). */
function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/** Number of code points in `s`. */
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

function charCount(s: string): number {
  // Most text has no astral characters: a native scan answers without a JS loop.
  if (!HIGH_SURROGATE.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The code-unit index of code point `n` of `s` (or s.length). */
function cpIndex(s: string, n: number): number {
  let i = 0;
  while (n > 0 && i < s.length) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
      ? 2
      : 1;
    n--;
  }
  return i;
}

const HEX = "0123456789ABCDEF";

function hexOf(b: Uint8Array): string {
  // Checked first: building a string past V8's limit (2^29 - 24) would exhaust the heap.
  if (b.length * 2 > 0x1fffffe8) throw tooBig();
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i] >> 4] + HEX[b[i] & 15];
  return s;
}

function isXDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexVal(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function asciiUpper(s: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) {
      out += s.slice(start, i) + String.fromCharCode(c - 32);
      start = i + 1;
    }
  }
  return start === 0 ? s : out + s.slice(start);
}

function asciiLower(s: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      out += s.slice(start, i) + String.fromCharCode(c + 32);
      start = i + 1;
    }
  }
  return start === 0 ? s : out + s.slice(start);
}

// ---------------------------------------------------------------- implementations

function abs(a: SqlValue): SqlValue {
  if (a === null) return null;
  if (typeof a === "bigint") {
    if (a === -9223372036854775808n) throw err("integer overflow");
    return a < 0n ? -a : a;
  }
  if (typeof a === "number" && Number.isInteger(a)) return a < 0 ? -a : a;
  const r = toReal(a);
  return real(r < 0 ? -r : r);
}

function charFn(args: SqlValue[]): SqlValue {
  let s = "";
  for (const a of args) {
    const x = int64(a);
    let c = typeof x === "bigint" || x < 0 || x > 0x10ffff ? 0xfffd : x;
    // Surrogate code points cannot be held in well-formed text.
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    s += String.fromCodePoint(c);
  }
  return s;
}

function instr(h: SqlValue, n: SqlValue): SqlValue {
  if (h === null || n === null) return null;
  if (h instanceof Uint8Array && n instanceof Uint8Array) {
    if (n.length === 0) return 1;
    outer: for (let i = 0; i + n.length <= h.length; i++) {
      for (let j = 0; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
      return i + 1;
    }
    return 0;
  }
  const hs = text(h) as string;
  const ns = text(n) as string;
  if (ns.length === 0) return 1;
  const at = hs.indexOf(ns);
  return at < 0 ? 0 : charCount(hs.slice(0, at)) + 1;
}

function length(a: SqlValue): SqlValue {
  if (a === null) return null;
  if (a instanceof Uint8Array) return a.length;
  if (typeof a === "string") return charCount(cstr(a));
  return (text(a) as string).length;
}

function octetLength(a: SqlValue): SqlValue {
  if (a === null) return null;
  if (a instanceof Uint8Array) return a.length;
  return utf8Length(text(a) as string);
}

function trim(args: SqlValue[], left: boolean, right: boolean): SqlValue {
  const a = args[0];
  if (a === null) return null;
  const s = text(a) as string;
  let set: string[];
  if (args.length === 1) {
    set = [" "];
  } else {
    if (args[1] === null) return null;
    set = [...cstr(text(args[1]) as string)];
  }
  if (set.length === 0) return s;
  let start = 0;
  let end = s.length;
  if (left) {
    outer: while (start < end) {
      for (const c of set) {
        if (c.length <= end - start && s.startsWith(c, start)) {
          start += c.length;
          continue outer;
        }
      }
      break;
    }
  }
  if (right) {
    outer: while (start < end) {
      for (const c of set) {
        if (c.length <= end - start && s.startsWith(c, end - c.length)) {
          end -= c.length;
          continue outer;
        }
      }
      break;
    }
  }
  return s.slice(start, end);
}

function minMax(args: SqlValue[], coll: Collation | undefined, max: boolean): SqlValue {
  const c = coll ?? BINARY;
  if (args[0] === null) return null;
  let best = 0;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === null) return null;
    const cmp = compareValues(args[best], args[i], c);
    if (max ? cmp < 0 : cmp >= 0) best = i;
  }
  return args[best];
}

function quoteReal(r: number): string {
  // SQLite formats with the "0" flag, which renders an infinity as a literal that overflows.
  if (r === Infinity) return "9.0e+999";
  if (r === -Infinity) return "-9.0e+999";
  return realToText(r);
}

/** quote(): the SQL literal of a value. */
export function quote(v: SqlValue): string {
  if (v === null) return "NULL";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : quoteReal(v);
  if (v instanceof Real) return quoteReal(v.value);
  if (v instanceof Uint8Array) return "X'" + hexOf(v) + "'";
  return "'" + cstr(v).replaceAll("'", "''") + "'";
}

function randomInt64(): number | bigint {
  const buf = new BigInt64Array(1);
  crypto.getRandomValues(buf);
  let r = buf[0];
  // Never -2^63, whose abs() would overflow.
  if (r < 0n) r = -(r & 0x7fffffffffffffffn);
  return r >= -9007199254740991n && r <= 9007199254740991n ? Number(r) : r;
}

function randomBlob(a: SqlValue): SqlValue {
  const x = int64(a);
  const n = x < 1 ? 1 : Number(x);
  if (n > MAX_LENGTH) throw tooBig();
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
  return b;
}

function replace(x: SqlValue, y: SqlValue, z: SqlValue): SqlValue {
  if (x === null || y === null) return null;
  const s = text(x) as string;
  const p = text(y) as string;
  if (p.length === 0) return s;
  if (z === null) return null;
  return s.replaceAll(p, text(z) as string);
}

function round(args: SqlValue[]): SqlValue {
  let n = 0;
  if (args.length === 2) {
    if (args[1] === null) return null;
    const y = int64(args[1]);
    n = y > 30 ? 30 : y < 0 ? 0 : Number(y);
  }
  if (args[0] === null) return null;
  let r = toReal(args[0]);
  if (r < -4503599627370496 || r > 4503599627370496) {
    // Too big to have a fractional part.
  } else if (n === 0) {
    r = Math.trunc(r + (r < 0 ? -0.5 : 0.5)) + 0;
  } else {
    // SQLite re-parses its own "%!.*f" text; Number() is correctly rounded as SQLite's
    // sqlite3AtoF is for up to 19 significant digits.
    r = Number(sqlPrintf(`%!.${n}f`, [real(r)]));
  }
  return real(r);
}

function sign(a: SqlValue): SqlValue {
  let x: number;
  if (typeof a === "number") x = a;
  else if (typeof a === "bigint") x = Number(a);
  else if (a instanceof Real) x = a.value;
  else if (typeof a === "string") {
    const v = textToNumberForAffinity(a);
    if (v === undefined) return null;
    x = v instanceof Real ? v.value : Number(v);
  } else return null;
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

const SOUNDEX = [0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5, 5, 0, 1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2];

function soundexCode(c: number): number {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a ? SOUNDEX[l - 0x61] : 0;
}

function soundex(a: SqlValue): SqlValue {
  const s = cstr(text(a) ?? "");
  const isAlpha = (c: number) => ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  let i = 0;
  while (i < s.length && !isAlpha(s.charCodeAt(i))) i++;
  if (i >= s.length) return "?000";
  // SQLite reads bytes; a non-ASCII character is several bytes with no code.
  const b = encodeUtf8(s.slice(i));
  let prev = soundexCode(b[0]);
  let out = String.fromCharCode(b[0] & 0xdf);
  for (let k = 0; out.length < 4 && k < b.length; k++) {
    const code = b[k] < 0x80 ? soundexCode(b[k]) : soundexCode(b[k] & 0x7f);
    if (code > 0) {
      if (code !== prev) {
        prev = code;
        out += String.fromCharCode(0x30 + code);
      }
    } else {
      prev = 0;
    }
  }
  return out.padEnd(4, "0");
}

/** substr(X, Y [, Z]) with SQLite's rules for zero, negative start and negative length. */
function substr(args: SqlValue[]): SqlValue {
  const x = args[0];
  if (x === null) return null;
  // An empty blob has no data pointer in SQLite, which then returns NULL.
  if (x instanceof Uint8Array && x.length === 0) return null;
  // int64 arithmetic, exact (the C code cannot overflow on these steps).
  let p1 = BigInt(int64(args[1]));
  const isBlob = x instanceof Uint8Array;
  const s = isBlob ? "" : cstr(text(x) as string);
  let len = 0n;
  if (isBlob) len = BigInt(x.length);
  else if (p1 < 0n) len = BigInt(charCount(s));
  let p2: bigint;
  if (args.length === 3) {
    p2 = BigInt(int64(args[2]));
    if (p2 === 0n && args[2] === null) return null;
  } else {
    p2 = BigInt(MAX_LENGTH);
  }
  if (p1 === 0n && args[1] === null) return null;
  if (p1 < 0n) {
    p1 += len;
    if (p1 < 0n) {
      p2 = p2 < 0n ? 0n : p2 + p1;
      p1 = 0n;
    }
  } else if (p1 > 0n) {
    p1--;
  } else if (p2 > 0n) {
    p2--;
  }
  if (p2 < 0n) {
    p2 = p2 < -p1 ? p1 : -p2;
    p1 -= p2;
  }
  if (p2 < 0n) p2 = 0n;
  const BIG = 1n << 40n;
  const q1 = Number(p1 > BIG ? BIG : p1);
  let q2 = Number(p2 > BIG ? BIG : p2);
  if (isBlob) {
    if (q1 >= x.length) return new Uint8Array(0);
    if (q2 > x.length - q1) q2 = x.length - q1;
    return x.slice(q1, q1 + q2);
  }
  const start = cpIndex(s, q1);
  const end = start + cpIndex(s.slice(start), q2);
  return s.slice(start, end);
}

/** sqlite3Utf8Read of the first character of raw bytes (no replacement of stray bytes). */
function utf8ReadFirst(b: Uint8Array): number {
  let c = b[0];
  if (c < 0xc0) return c;
  c = c >= 0xf0 ? c & 0x07 : c >= 0xe0 ? c & 0x0f : c & 0x1f;
  let i = 1;
  while (i < b.length && (b[i] & 0xc0) === 0x80) c = (c << 6) + (b[i++] & 0x3f);
  if (c < 0x80 || (c & 0xfffff800) === 0xd800 || (c & 0xfffffffe) === 0xfffe) c = 0xfffd;
  return c;
}

function unicode(a: SqlValue): SqlValue {
  if (a instanceof Uint8Array) return a.length === 0 || a[0] === 0 ? null : utf8ReadFirst(a);
  const s = text(a);
  if (s === null || s.length === 0 || s.charCodeAt(0) === 0) return null;
  return s.codePointAt(0) as number;
}

function unhex(args: SqlValue[]): SqlValue {
  const h = args[0];
  if (h === null) return null;
  let pass: string[] = [];
  if (args.length === 2) {
    if (args[1] === null) return null;
    pass = [...(text(args[1]) as string)];
  }
  const s = cstr(text(h) as string);
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    let c = s.charCodeAt(i);
    while (!isXDigit(c)) {
      const ch = String.fromCodePoint(s.codePointAt(i) as number);
      if (!pass.includes(ch)) return null;
      i += ch.length;
      if (i >= s.length) return new Uint8Array(out);
      c = s.charCodeAt(i);
    }
    i++;
    const d = i < s.length ? s.charCodeAt(i) : 0;
    i++;
    if (!isXDigit(d)) return null;
    out.push((hexVal(c) << 4) | hexVal(d));
  }
  return new Uint8Array(out);
}

function zeroblob(a: SqlValue): SqlValue {
  const x = int64(a);
  const n = x < 0 ? 0 : Number(x);
  if (n > MAX_LENGTH) throw tooBig();
  return new Uint8Array(n);
}

function concatValues(args: SqlValue[], sep: string): string {
  let out = "";
  let first = true;
  for (const a of args) {
    if (a === null) continue;
    if (!first) out += sep;
    out += text(a) as string;
    first = false;
  }
  return out;
}

function iif(args: SqlValue[]): SqlValue {
  let i = 0;
  for (; i + 1 < args.length; i += 2) {
    if (truth(args[i])) return args[i + 1];
  }
  return i < args.length ? args[i] : null;
}

/** WHEN-style truth: only a non-zero numeric value is true. */
function truth(v: SqlValue): boolean {
  switch (typeof v) {
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
  }
  if (v === null) return false;
  if (v instanceof Real) return v.value !== 0;
  return toReal(v) !== 0;
}

function typeOf(v: SqlValue): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "bigint":
      return "integer";
    case "number":
      return Number.isInteger(v) ? "integer" : "real";
    case "string":
      return "text";
  }
  return v instanceof Real ? "real" : "blob";
}

function isHexDigitStr(s: string, at: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = at + k < s.length ? s.charCodeAt(at + k) : 0;
    if (!isXDigit(c)) return -1;
    v = v * 16 + hexVal(c);
  }
  return v;
}

function unistr(a: SqlValue): SqlValue {
  const s = text(a);
  if (s === null) return null;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const k = s.indexOf("\\", i);
    if (k < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, k);
    i = k;
    const c = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    let v: number;
    if (c === 0x5c) {
      out += "\\";
      i += 2;
      continue;
    } else if (isXDigit(c)) {
      v = isHexDigitStr(s, i + 1, 4);
      i += 5;
    } else if (c === 0x2b) {
      v = isHexDigitStr(s, i + 2, 6);
      i += 8;
    } else if (c === 0x75) {
      v = isHexDigitStr(s, i + 2, 4);
      i += 6;
    } else if (c === 0x55) {
      v = isHexDigitStr(s, i + 2, 8);
      i += 10;
    } else {
      v = -1;
    }
    if (v < 0) throw err("invalid Unicode escape");
    out += String.fromCodePoint(v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ? 0xfffd : v);
  }
  return out;
}

// ---------------------------------------------------------------- registry

/** Arity: exact count, or [min, max] (max Infinity for variadic). */
type Arity = number | [number, number];

interface Entry {
  arity: Arity;
  def: ScalarFunction;
}

const REGISTRY = new Map<string, Entry[]>();

function reg(
  names: string | string[],
  arity: Arity,
  fn: ScalarImpl,
  opts: { deterministic?: boolean; usesCollation?: boolean; lazy?: boolean } = {},
): void {
  const def: ScalarFunction = { fn, deterministic: opts.deterministic ?? true };
  if (opts.usesCollation) def.usesCollation = true;
  if (opts.lazy) def.lazy = true;
  for (const name of Array.isArray(names) ? names : [names]) {
    const list = REGISTRY.get(name) ?? [];
    list.push({ arity, def });
    REGISTRY.set(name, list);
  }
}

const ANY = Infinity;

reg("abs", 1, (a) => abs(a[0]));
reg("changes", 0, (_a, ctx) => ctx.changes, { deterministic: false });
reg("total_changes", 0, (_a, ctx) => ctx.totalChanges, { deterministic: false });
reg("last_insert_rowid", 0, (_a, ctx) => ctx.lastInsertRowid, { deterministic: false });
reg("char", [0, ANY], charFn);
reg("coalesce", [2, ANY], (a) => a.find((v) => v !== null) ?? null, { lazy: true });
reg("ifnull", 2, (a) => (a[0] !== null ? a[0] : a[1]), { lazy: true });
reg(["iif", "if"], [2, ANY], iif, { lazy: true });
reg("instr", 2, (a) => instr(a[0], a[1]));
reg("hex", 1, (a) => hexOf(bytes(a[0])));
reg("length", 1, (a) => length(a[0]));
reg("octet_length", 1, (a) => octetLength(a[0]));
reg("like", 2, (a) => like(a[1], a[0]));
reg("like", 3, (a) => like(a[1], a[0], a[2]));
reg("glob", 2, (a) => glob(a[1], a[0]));
reg("lower", 1, (a) => (isNullish(a[0]) ? null : asciiLower(text(a[0]) as string)));
reg("upper", 1, (a) => (isNullish(a[0]) ? null : asciiUpper(text(a[0]) as string)));
reg("ltrim", [1, 2], (a) => trim(a, true, false));
reg("rtrim", [1, 2], (a) => trim(a, false, true));
reg("trim", [1, 2], (a) => trim(a, true, true));
reg("max", [2, ANY], (a, _c, coll) => minMax(a, coll, true), { usesCollation: true });
reg("min", [2, ANY], (a, _c, coll) => minMax(a, coll, false), { usesCollation: true });
reg("nullif", 2, (a, _c, coll) => (compareValues(a[0], a[1], coll ?? BINARY) !== 0 ? a[0] : null), {
  usesCollation: true,
});
reg(["printf", "format"], [0, ANY], (a) => (a.length === 0 ? null : sqlPrintf(a[0], a.slice(1))));
reg("quote", 1, (a) => quote(a[0]));
reg("random", 0, () => randomInt64(), { deterministic: false });
reg("randomblob", 1, (a) => randomBlob(a[0]), { deterministic: false });
reg("replace", 3, (a) => replace(a[0], a[1], a[2]));
reg("round", [1, 2], round);
reg("sign", 1, (a) => sign(a[0]));
reg("soundex", 1, (a) => soundex(a[0]));
reg(["substr", "substring"], [2, 3], substr);
reg("typeof", 1, (a) => typeOf(a[0]));
reg("unicode", 1, (a) => unicode(a[0]));
reg("unhex", [1, 2], unhex);
reg("unistr", 1, (a) => unistr(a[0]));
reg("zeroblob", 1, (a) => zeroblob(a[0]));
reg("concat", [1, ANY], (a) => concatValues(a, ""));
reg(
  "concat_ws",
  [2, ANY],
  (a) => (a[0] === null ? null : concatValues(a.slice(1), text(a[0]) as string)),
);
reg("sqlite_version", 0, () => SQLITE_VERSION);
reg(["likely", "unlikely"], 1, (a) => a[0]);
reg("likelihood", 2, (a) => a[0]);

function accepts(arity: Arity, n: number): boolean {
  return typeof arity === "number" ? arity === n : n >= arity[0] && n <= arity[1];
}

/**
 * Looks up a scalar function by name (case-insensitive) and argument count; undefined when
 * there is none (see {@link scalarFunctionError} for the message SQLite gives).
 */
export function getScalarFunction(name: string, argCount: number): ScalarFunction | undefined {
  const list = REGISTRY.get(name.toLowerCase());
  if (!list) return undefined;
  for (const e of list) if (accepts(e.arity, argCount)) return e.def;
  return undefined;
}

/** True when some scalar function has this name (with any number of arguments). */
export function isScalarFunctionName(name: string): boolean {
  return REGISTRY.has(name.toLowerCase());
}

/**
 * The error SQLite reports for a call no function matches: "wrong number of arguments to
 * function X()" when the name exists with another arity, else "no such function: X".
 * `knownNames` lets the caller count names it resolves elsewhere (aggregates).
 */
export function scalarFunctionError(
  name: string,
  _argCount: number,
  knownNames?: (lowerName: string) => boolean,
): SqliteError {
  const lower = name.toLowerCase();
  if (REGISTRY.has(lower) || knownNames?.(lower) || AGGREGATE_NAMES.has(lower)) {
    return err(`wrong number of arguments to function ${name}()`);
  }
  return err(`no such function: ${name}`);
}

const AGGREGATE_NAMES = new Set([
  "avg",
  "count",
  "group_concat",
  "max",
  "min",
  "string_agg",
  "sum",
  "total",
]);
