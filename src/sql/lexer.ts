/**
 * The SQL tokenizer, following SQLite's tokenize.c: same token boundaries, same
 * treatment of comments, quotes, numbers (with `_` digit separators), blobs and
 * parameters, and any character >= U+0080 counts as an identifier character.
 * @module
 */

import { KEYWORDS, Tok, type Token, type TokenType } from "./tokens.ts";

/** True when `c` (a UTF-16 code unit) can continue an identifier. */
export function isIdChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x5f || c === 0x24 || c >= 0x80;
}

/** True when `c` can start a bare identifier. */
function isIdStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** SQLite's whitespace: space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * A pull tokenizer over one SQL string. `next()` skips whitespace and comments
 * and returns the next token; at the end it returns EOF tokens forever.
 */
export class Lexer {
  /** Where the next scan starts. */
  pos: number;
  /** The SQL text, up to its first NUL character. */
  readonly sql: string;

  /**
   * Creates a lexer over `sql` starting at offset `pos`. As in SQLite, whose SQL text is a C
   * string, the text ends at the first NUL character.
   */
  constructor(sql: string, pos = 0) {
    const nul = sql.indexOf("\0");
    this.sql = nul < 0 ? sql : sql.slice(0, nul);
    this.pos = pos;
  }

  /** Returns the next token (never whitespace or a comment). */
  next(): Token {
    const sql = this.sql;
    const n = sql.length;
    let i = this.pos;
    // Skip whitespace and comments; an unterminated /* comment runs to the end, as in SQLite.
    for (;;) {
      if (i >= n) break;
      const c = sql.charCodeAt(i);
      if (isSpace(c)) {
        i++;
      } else if (c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
        i += 2;
        while (i < n && sql.charCodeAt(i) !== 0x0a) i++;
      } else if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
        const close = sql.indexOf("*/", i + 2);
        i = close < 0 ? n : close + 2;
      } else {
        break;
      }
    }
    if (i >= n) {
      this.pos = n;
      return { type: Tok.EOF, start: n, end: n, kw: "" };
    }
    const end = this.scan(i);
    const type = this.scannedType;
    this.pos = end;
    let kw = "";
    if (type === Tok.ID && end - i <= 17 && isIdStart(sql.charCodeAt(i))) {
      const word = sql.slice(i, end).toUpperCase();
      if (KEYWORDS.has(word)) kw = word === "TEMPORARY" ? "TEMP" : word;
    }
    return { type, start: i, end, kw };
  }

  /** The type of the token the last {@link scan} found. */
  private scannedType: TokenType = Tok.EOF;

  /** Scans one token starting at `i` (not whitespace); sets scannedType, returns its end. */
  private scan(i: number): number {
    const sql = this.sql;
    const n = sql.length;
    const c = sql.charCodeAt(i);
    const c1 = i + 1 < n ? sql.charCodeAt(i + 1) : 0;
    switch (c) {
      case 0x3b: // ;
        return this.found(Tok.SEMI, i + 1);
      case 0x28: // (
        return this.found(Tok.LP, i + 1);
      case 0x29: // )
        return this.found(Tok.RP, i + 1);
      case 0x2c: // ,
        return this.found(Tok.COMMA, i + 1);
      case 0x2b: // +
        return this.found(Tok.PLUS, i + 1);
      case 0x2a: // *
        return this.found(Tok.STAR, i + 1);
      case 0x2f: // /
        return this.found(Tok.SLASH, i + 1);
      case 0x25: // %
        return this.found(Tok.REM, i + 1);
      case 0x26: // &
        return this.found(Tok.BITAND, i + 1);
      case 0x7e: // ~
        return this.found(Tok.BITNOT, i + 1);
      case 0x2d: // -
        if (c1 === 0x3e) {
          this.scannedType = Tok.PTR;
          return sql.charCodeAt(i + 2) === 0x3e ? i + 3 : i + 2;
        }
        return this.found(Tok.MINUS, i + 1);
      case 0x3d: // = ==
        return c1 === 0x3d ? this.found(Tok.EQ, i + 2) : this.found(Tok.EQ, i + 1);
      case 0x3c: // < <= <> <<
        if (c1 === 0x3d) return this.found(Tok.LE, i + 2);
        if (c1 === 0x3e) return this.found(Tok.NE, i + 2);
        if (c1 === 0x3c) return this.found(Tok.LSHIFT, i + 2);
        return this.found(Tok.LT, i + 1);
      case 0x3e: // > >= >>
        if (c1 === 0x3d) return this.found(Tok.GE, i + 2);
        if (c1 === 0x3e) return this.found(Tok.RSHIFT, i + 2);
        return this.found(Tok.GT, i + 1);
      case 0x21: // !=
        return c1 === 0x3d ? this.found(Tok.NE, i + 2) : this.found(Tok.ILLEGAL, i + 1);
      case 0x7c: // | ||
        return c1 === 0x7c ? this.found(Tok.CONCAT, i + 2) : this.found(Tok.BITOR, i + 1);
      case 0x27: // '
      case 0x22: // "
      case 0x60: // `
        return this.scanQuoted(i, c, c === 0x27 ? Tok.STRING : Tok.ID);
      case 0x5b: { // [
        const close = sql.indexOf("]", i + 1);
        if (close < 0) {
          this.scannedType = Tok.ILLEGAL;
          return n;
        }
        this.scannedType = Tok.ID;
        return close + 1;
      }
      case 0x2e: // .
        if (isDigit(c1)) return this.scanNumber(i);
        return this.found(Tok.DOT, i + 1);
      case 0x3f: { // ?
        let j = i + 1;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
        this.scannedType = Tok.VARIABLE;
        return j;
      }
      case 0x24: // $
      case 0x40: // @
      case 0x3a: // :
      case 0x23: // #
        return this.scanNamedVariable(i);
      case 0x78: // x
      case 0x58: // X
        if (c1 === 0x27) return this.scanBlob(i);
        break;
    }
    if (isDigit(c)) return this.scanNumber(i);
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdChar(sql.charCodeAt(j))) j++;
      this.scannedType = Tok.ID;
      return j;
    }
    return this.found(Tok.ILLEGAL, i + 1);
  }

  /** Records the scanned token's type and returns its end. */
  private found(type: TokenType, end: number): number {
    this.scannedType = type;
    return end;
  }

  private scanQuoted(i: number, q: number, type: TokenType): number {
    const sql = this.sql;
    const n = sql.length;
    let j = i + 1;
    for (;;) {
      if (j >= n) {
        this.scannedType = Tok.ILLEGAL;
        return n;
      }
      if (sql.charCodeAt(j) === q) {
        if (sql.charCodeAt(j + 1) === q) {
          j += 2;
          continue;
        }
        this.scannedType = type;
        return j + 1;
      }
      j++;
    }
  }

  private scanBlob(i: number): number {
    const sql = this.sql;
    const n = sql.length;
    let j = i + 2;
    while (j < n && isHexDigit(sql.charCodeAt(j))) j++;
    this.scannedType = Tok.BLOB;
    if (j >= n || sql.charCodeAt(j) !== 0x27 || (j - i) % 2 !== 0) {
      this.scannedType = Tok.ILLEGAL;
      while (j < n && sql.charCodeAt(j) !== 0x27) j++;
    }
    return j < n ? j + 1 : n;
  }

  private scanNamedVariable(i: number): number {
    const sql = this.sql;
    const n = sql.length;
    let count = 0;
    let j = i + 1;
    this.scannedType = Tok.VARIABLE;
    for (; j < n; j++) {
      const c = sql.charCodeAt(j);
      if (isIdChar(c)) {
        count++;
      } else if (c === 0x28 && count > 0) {
        // TCL-style $name(suffix)
        do j++; while (j < n && !isSpace(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 0x29);
        if (j < n && sql.charCodeAt(j) === 0x29) {
          j++;
        } else {
          this.scannedType = Tok.ILLEGAL;
        }
        break;
      } else if (c === 0x3a && sql.charCodeAt(j + 1) === 0x3a) {
        j++;
      } else {
        break;
      }
    }
    if (count === 0) this.scannedType = Tok.ILLEGAL;
    return j;
  }

  /** Scans a number; `_` separators are accepted only between digits (else ILLEGAL). */
  private scanNumber(i: number): number {
    const sql = this.sql;
    const n = sql.length;
    let j = i;
    let type: TokenType = Tok.INTEGER;
    let badSeparator = false;
    const digits = (hex: boolean): void => {
      for (; j < n; j++) {
        const c = sql.charCodeAt(j);
        if (hex ? isHexDigit(c) : isDigit(c)) continue;
        if (c !== 0x5f) break;
        const prev = sql.charCodeAt(j - 1);
        const next = j + 1 < n ? sql.charCodeAt(j + 1) : 0;
        if (!(hex ? isHexDigit(prev) && isHexDigit(next) : isDigit(prev) && isDigit(next))) {
          badSeparator = true;
        }
      }
    };
    const c1 = sql.charCodeAt(i + 1);
    if (
      sql.charCodeAt(i) === 0x30 && (c1 === 0x78 || c1 === 0x58) &&
      isHexDigit(sql.charCodeAt(i + 2))
    ) {
      j = i + 3;
      digits(true);
    } else {
      digits(false);
      if (j < n && sql.charCodeAt(j) === 0x2e) {
        type = Tok.FLOAT;
        j++;
        digits(false);
      }
      const e = j < n ? sql.charCodeAt(j) : 0;
      if (e === 0x65 || e === 0x45) {
        const s = sql.charCodeAt(j + 1);
        if (isDigit(s) || ((s === 0x2b || s === 0x2d) && isDigit(sql.charCodeAt(j + 2)))) {
          type = Tok.FLOAT;
          j += 2;
          digits(false);
        }
      }
    }
    while (j < n && isIdChar(sql.charCodeAt(j))) {
      type = Tok.ILLEGAL;
      j++;
    }
    this.scannedType = badSeparator ? Tok.ILLEGAL : type;
    return j;
  }
}

/** Tokenizes a whole string (up to EOF, including `;` tokens); mainly for tests and tools. */
export function tokenize(sql: string): Token[] {
  const lexer = new Lexer(sql);
  const out: Token[] = [];
  for (;;) {
    const t = lexer.next();
    if (t.type === Tok.EOF) return out;
    out.push(t);
  }
}

/**
 * The value of a quoted identifier or string token's text: strips the quotes
 * and undoubles embedded quote characters. Unquoted text is returned as is.
 */
export function dequote(text: string): string {
  const q = text.charCodeAt(0);
  if (q === 0x5b) return text.slice(1, -1);
  if (q !== 0x27 && q !== 0x22 && q !== 0x60) return text;
  const inner = text.slice(1, -1);
  const quote = text[0];
  return inner.includes(quote) ? inner.replaceAll(quote + quote, quote) : inner;
}
