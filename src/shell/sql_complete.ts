/**
 * When is typed input a whole statement? Ports of `sqlite3_complete()` (complete.c) and of
 * the sqlite3 shell's per-line `quickscan()`, so that the shell asks for more input exactly
 * when the `sqlite3` program does (strings, comments and CREATE TRIGGER ... END included).
 * @module
 */

const SEMI = 0;
const WS = 1;
const OTHER = 2;
const EXPLAIN = 3;
const CREATE = 4;
const TEMP = 5;
const TRIGGER = 6;
const END = 7;

// complete.c's transition table: trans[state][token].
const TRANS: readonly (readonly number[])[] = [
  [1, 0, 2, 3, 4, 2, 2, 2],
  [1, 1, 2, 3, 4, 2, 2, 2],
  [1, 2, 2, 2, 2, 2, 2, 2],
  [1, 3, 3, 2, 4, 2, 2, 2],
  [1, 4, 2, 2, 2, 4, 5, 2],
  [6, 5, 5, 5, 5, 5, 5, 5],
  [6, 6, 5, 5, 5, 5, 5, 7],
  [1, 7, 5, 5, 5, 5, 5, 5],
];

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** SQLite's IdChar: letters, digits, `_`, `$` and every non-ASCII character. */
export function isIdChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x5f || c === 0x24 || c >= 0x80;
}

function keywordToken(word: string): number {
  switch (word.toLowerCase()) {
    case "create":
      return CREATE;
    case "trigger":
      return TRIGGER;
    case "temp":
    case "temporary":
      return TEMP;
    case "end":
      return END;
    case "explain":
      return EXPLAIN;
    default:
      return OTHER;
  }
}

/**
 * True when `sql` ends with a complete statement (`sqlite3_complete`): a `;` outside any
 * string, identifier quote or comment, and for CREATE TRIGGER the `;` after its END.
 */
export function isComplete(sql: string): boolean {
  let state = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    let token: number;
    if (c === 0x3b) {
      token = SEMI;
    } else if (isSpace(c)) {
      token = WS;
    } else if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
      const close = sql.indexOf("*/", i + 2);
      if (close < 0) return false;
      i = close + 1;
      token = WS;
    } else if (c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
      const nl = sql.indexOf("\n", i + 2);
      if (nl < 0) return state === 1;
      i = nl;
      token = WS;
    } else if (c === 0x5b) {
      const close = sql.indexOf("]", i + 1);
      if (close < 0) return false;
      i = close;
      token = OTHER;
    } else if (c === 0x60 || c === 0x22 || c === 0x27) {
      const close = sql.indexOf(sql[i], i + 1);
      if (close < 0) return false;
      i = close;
      token = OTHER;
    } else if (isIdChar(c)) {
      let j = i + 1;
      while (j < n && isIdChar(sql.charCodeAt(j))) j++;
      token = keywordToken(sql.slice(i, j));
      i = j - 1;
    } else {
      token = OTHER;
    }
    state = TRANS[state][token];
    i++;
  }
  return state === 1;
}

/** Scan state carried from line to line: a pending close character, and flags. */
export const Qss = {
  START: 0,
  HAS_DARK: 1 << 8,
  ENDING_SEMI: 2 << 8,
  CHAR_MASK: 0xff,
  SCAN_MASK: 3 << 8,
} as const;

/** The state is outside any string or comment. */
export function qssInPlain(q: number): boolean {
  return (q & Qss.CHAR_MASK) === 0;
}

/** Outside strings and comments, and nothing but white space (and `;`) seen. */
export function qssPlainWhite(q: number): boolean {
  return (q & ~Qss.ENDING_SEMI) === 0;
}

/** The last thing seen outside strings and comments was a `;`. */
export function qssSemiTerm(q: number): boolean {
  return (q & ~Qss.HAS_DARK) === Qss.ENDING_SEMI;
}

/** The shell's quickscan(): advances the line-to-line scan state over `line`. */
export function quickscan(line: string, qss: number): number {
  let wait = qss & Qss.CHAR_MASK;
  let i = 0;
  const n = line.length;
  while (i < n) {
    if (wait === 0) {
      const c = line.charCodeAt(i++);
      if (isSpace(c)) continue;
      if (c === 0x2d && line.charCodeAt(i) === 0x2d) {
        const nl = line.indexOf("\n", i);
        if (nl < 0) return qss;
        i = nl + 1;
        continue;
      }
      if (c === 0x3b) {
        qss |= Qss.ENDING_SEMI;
        continue;
      }
      if (c === 0x2f && line.charCodeAt(i) === 0x2a) {
        i++;
        wait = 0x2a;
        qss = wait | (qss & Qss.SCAN_MASK);
        continue;
      }
      if (c === 0x5b || c === 0x60 || c === 0x27 || c === 0x22) {
        wait = c === 0x5b ? 0x5d : c;
        qss = Qss.HAS_DARK | wait;
        continue;
      }
      qss = (qss & ~Qss.ENDING_SEMI) | Qss.HAS_DARK;
    } else {
      const c = line.charCodeAt(i++);
      if (c !== wait) continue;
      if (wait === 0x2a) {
        if (line.charCodeAt(i) !== 0x2f) continue;
        i++;
      } else if (wait !== 0x5d && line.charCodeAt(i) === wait) {
        i++; // a doubled closing quote stands for itself
        continue;
      }
      wait = 0;
      qss = qss & Qss.SCAN_MASK;
    }
  }
  return qss;
}

/** A line that is just `go` or `/` ends the statement (the shell treats it as `;`). */
export function isCommandTerminator(line: string): boolean {
  const t = line.trim();
  return t === "/" || t.toLowerCase() === "go";
}
