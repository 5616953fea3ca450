/**
 * LIKE and GLOB matching exactly as SQLite's patternCompare (func.c): LIKE folds case for
 * ASCII letters only and knows `%`, `_` and an optional ESCAPE character; GLOB is
 * case-sensitive with `*`, `?` and `[...]` sets (ranges, `^` negation, `]` first to include
 * it). Characters are Unicode code points; text stops at a NUL as C strings do.
 * @module
 */

import { SqliteError } from "../../errors.ts";
import type { SqlValue } from "../../record/value.ts";
import { valueToText } from "../../record/conversion.ts";
import { utf8Length } from "../../record/utf8.ts";

const MATCH = 0;
const NOMATCH = 1;
const NOWILDCARDMATCH = 2;

/** SQLITE_LIMIT_LIKE_PATTERN_LENGTH's default. */
const MAX_PATTERN_BYTES = 50000;

interface Info {
  matchAll: number;
  matchOne: number;
  /** '[' for GLOB, 0 for LIKE. */
  matchSet: number;
  noCase: boolean;
}

const GLOB_INFO: Info = { matchAll: 0x2a, matchOne: 0x3f, matchSet: 0x5b, noCase: false };
const LIKE_INFO: Info = { matchAll: 0x25, matchOne: 0x5f, matchSet: 0, noCase: true };

/** A compiled pattern: returns 1 or 0 for a value, or null when the value is NULL. */
export type Matcher = (value: SqlValue) => SqlValue;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

function upper(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 32 : c;
}

function cstr(s: string): string {
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

/** The code point at `i` of `s`, 0 past the end. */
function cpAt(s: string, i: number): number {
  return i < s.length ? (s.codePointAt(i) as number) : 0;
}

function width(c: number): number {
  return c > 0xffff ? 2 : 1;
}

function patternCompare(
  pat: string,
  pi: number,
  str: string,
  si: number,
  info: Info,
  matchOther: number,
): number {
  const matchOne = info.matchOne;
  const matchAll = info.matchAll;
  const noCase = info.noCase;
  let escaped = -1;
  let c: number;
  while ((c = cpAt(pat, pi)) !== 0) {
    pi += width(c);
    if (c === matchAll) {
      // Skip further "*" and "?" (each "?" consumes one input character).
      while (((c = cpAt(pat, pi)) === matchAll || (c === matchOne && matchOne !== 0)) && c !== 0) {
        pi += width(c);
        if (c === matchOne) {
          const c2 = cpAt(str, si);
          if (c2 === 0) return NOWILDCARDMATCH;
          si += width(c2);
        }
      }
      if (c === 0) return MATCH;
      pi += width(c);
      if (c === matchOther) {
        if (info.matchSet === 0) {
          c = cpAt(pat, pi);
          if (c === 0) return NOWILDCARDMATCH;
          pi += width(c);
        } else {
          // "[...]" right after "*": try every position (slow, but rare).
          while (si < str.length) {
            const r = patternCompare(pat, pi - 1, str, si, info, matchOther);
            if (r !== NOMATCH) return r;
            si += width(cpAt(str, si));
          }
          return NOWILDCARDMATCH;
        }
      }
      if (c < 0x80) {
        const a = noCase ? upper(c) : c;
        const b = noCase ? lower(c) : c;
        while (si < str.length) {
          const c2 = str.charCodeAt(si++);
          if (c2 !== a && c2 !== b) continue;
          const r = patternCompare(pat, pi, str, si, info, matchOther);
          if (r !== NOMATCH) return r;
        }
      } else {
        let c2: number;
        while ((c2 = cpAt(str, si)) !== 0) {
          si += width(c2);
          if (c2 !== c) continue;
          const r = patternCompare(pat, pi, str, si, info, matchOther);
          if (r !== NOMATCH) return r;
        }
      }
      return NOWILDCARDMATCH;
    }
    if (c === matchOther) {
      if (info.matchSet === 0) {
        c = cpAt(pat, pi);
        if (c === 0) return NOMATCH;
        pi += width(c);
        escaped = pi;
      } else {
        let prior = 0;
        let seen = false;
        let invert = false;
        const ch = cpAt(str, si);
        if (ch === 0) return NOMATCH;
        si += width(ch);
        let c2 = cpAt(pat, pi);
        pi += width(c2);
        if (c2 === 0x5e) {
          invert = true;
          c2 = cpAt(pat, pi);
          pi += width(c2);
        }
        if (c2 === 0x5d) {
          if (ch === 0x5d) seen = true;
          c2 = cpAt(pat, pi);
          pi += width(c2);
        }
        while (c2 !== 0 && c2 !== 0x5d) {
          const next = cpAt(pat, pi);
          if (c2 === 0x2d && next !== 0x5d && next !== 0 && prior > 0) {
            c2 = next;
            pi += width(c2);
            if (ch >= prior && ch <= c2) seen = true;
            prior = 0;
          } else {
            if (ch === c2) seen = true;
            prior = c2;
          }
          c2 = cpAt(pat, pi);
          pi += width(c2);
        }
        if (c2 === 0 || seen === invert) return NOMATCH;
        continue;
      }
    }
    const c2 = cpAt(str, si);
    si += width(c2);
    if (c === c2) continue;
    if (noCase && c < 0x80 && c2 < 0x80 && lower(c) === lower(c2)) continue;
    if (c === matchOne && pi !== escaped && c2 !== 0) continue;
    return NOMATCH;
  }
  return si >= str.length ? MATCH : NOMATCH;
}

/**
 * patternCompare recurses once per "*" or "%" it backtracks over; SQLite's C stack takes
 * tens of thousands of them, V8's does not. A stack overflow becomes SQLite's error for a
 * pattern it refuses, instead of a RangeError.
 */
function compare(p: string, s: string, info: Info, matchOther: number): number {
  try {
    return patternCompare(p, 0, s, 0, info, matchOther) === MATCH ? 1 : 0;
  } catch (e) {
    if (e instanceof RangeError) {
      throw new SqliteError("SQLITE_ERROR", "LIKE or GLOB pattern too complex");
    }
    throw e;
  }
}

function checkPattern(p: string): void {
  if (p.length > MAX_PATTERN_BYTES / 4 && utf8Length(p) > MAX_PATTERN_BYTES) {
    throw new SqliteError("SQLITE_ERROR", "LIKE or GLOB pattern too complex");
  }
}

/**
 * Compiles `pattern LIKE ... ESCAPE escape` into a matcher (call it with the left operand).
 * A NULL pattern or escape gives a matcher that always returns NULL. Throws
 * "ESCAPE expression must be a single character" for a bad escape.
 */
export function compileLike(pattern: SqlValue, escape?: SqlValue): Matcher {
  if (pattern === null || escape === null) return () => null;
  let info = LIKE_INFO;
  let esc = 0;
  if (escape !== undefined) {
    const e = valueToText(escape) as string;
    const c = e.length === 0 ? 0 : (e.codePointAt(0) as number);
    if (e.length === 0 || e.length !== width(c)) {
      throw new SqliteError("SQLITE_ERROR", "ESCAPE expression must be a single character");
    }
    esc = c;
    if (esc === info.matchAll || esc === info.matchOne) {
      info = {
        ...info,
        matchAll: esc === info.matchAll ? 0 : info.matchAll,
        matchOne: esc === info.matchOne ? 0 : info.matchOne,
      };
    }
  }
  const raw = valueToText(pattern) as string;
  checkPattern(raw);
  const p = cstr(raw);
  const i = info;
  return (value) => {
    if (value === null) return null;
    const s = cstr(valueToText(value) as string);
    return compare(p, s, i, esc);
  };
}

/** Compiles a GLOB pattern into a matcher (call it with the left operand). */
export function compileGlob(pattern: SqlValue, _escape?: SqlValue): Matcher {
  if (pattern === null) return () => null;
  const raw = valueToText(pattern) as string;
  checkPattern(raw);
  const p = cstr(raw);
  return (value) => {
    if (value === null) return null;
    const s = cstr(valueToText(value) as string);
    return compare(p, s, GLOB_INFO, 0x5b);
  };
}

/**
 * `value LIKE pattern [ESCAPE escape]` in one shot: 1, 0 or NULL. As in SQLite, a bad escape
 * is an error even when the value or the pattern is NULL.
 */
export function like(value: SqlValue, pattern: SqlValue, escape?: SqlValue): SqlValue {
  if (escape === null) return null;
  const m = compileLike(pattern === null ? "" : pattern, escape);
  return pattern === null ? null : m(value);
}

/** `value GLOB pattern` in one shot: 1, 0 or NULL. */
export function glob(value: SqlValue, pattern: SqlValue): SqlValue {
  return compileGlob(pattern)(value);
}
