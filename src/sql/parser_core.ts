/**
 * The parser's token stream, name classes, error reporting and parameter numbering,
 * shared by the expression, SELECT and statement parsers.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Expr } from "./ast.ts";
import { dequote, Lexer } from "./lexer.ts";
import { CONTEXT_KW, FALLBACK_ID, JOIN_KW, Tok, type Token, type TokenType } from "./tokens.ts";

/** SQLite's SQLITE_MAX_VARIABLE_NUMBER. */
export const MAX_VARIABLE_NUMBER = 32766;
/** SQLite's SQLITE_MAX_EXPR_DEPTH. */
export const MAX_EXPR_DEPTH = 1000;
/**
 * SQLite's parser stack budget: nesting is charged roughly as many units as
 * SQLite's LALR stack grows (a parenthesis 1, a function call 3, an operand 2,
 * CASE 5), so "Recursion limit" comes at about the same depth as in SQLite 3.53.
 */
export const MAX_NESTING = 2493;

/** A recursive-descent parser's state over one SQL string. */
export class Parser {
  /** The current token. */
  tok: Token;
  /** The token before the current one (for end offsets). */
  prev: Token;
  /** Tokens already scanned beyond `tok`. */
  private ahead: Token[] = [];
  private lexer: Lexer;
  /** Current nesting of parentheses / subqueries. */
  depth = 0;
  /** Largest parameter index so far in the current statement. */
  paramCount = 0;
  /** Named parameters of the current statement. */
  paramNames: Map<string, number> = new Map();
  /** Expression heights (SQLite's Expr.nHeight); leaves are absent and count as 1. */
  heights: WeakMap<Expr, number> = new WeakMap();
  /** Max expression height seen in each SELECT being parsed (innermost last). */
  selectHeights: number[] = [];

  /** Starts parsing `sql` at `offset`. */
  constructor(readonly sql: string, offset = 0) {
    this.lexer = new Lexer(sql, offset);
    this.tok = this.lexer.next();
    this.prev = { type: Tok.EOF, start: offset, end: offset, kw: "" };
    this.checkIllegal();
    if (CONTEXT_KW.has(this.tok.kw)) this.resolveContextKeyword();
  }

  /** Throws SQLite's tokenizer error when the current token is illegal. */
  private checkIllegal(): void {
    if (this.tok.type === Tok.ILLEGAL) {
      throw new SqliteError("SQLITE_ERROR", `unrecognized token: "${this.text(this.tok)}"`);
    }
  }

  /** The k-th token after the current one (k >= 1); never throws for illegal tokens. */
  peek(k = 1): Token {
    while (this.ahead.length < k) this.ahead.push(this.lexer.next());
    return this.ahead[k - 1];
  }

  /** An error to report at the end of the current trigger command. */
  triggerCmdError: string | undefined;

  /** A semantic error SQLite would raise once the current token is accepted. */
  private pending: SqliteError | undefined;
  private pendingAt: Token | undefined;

  /**
   * Records an error SQLite reports while reducing a rule: it surfaces only once
   * the lookahead token (the current one) turns out to be acceptable, so a
   * syntax error at that token still wins. Thrown by {@link advance} or
   * {@link finishStatement}.
   */
  defer(message: string): void {
    if (this.pending) return;
    this.pending = new SqliteError("SQLITE_ERROR", message);
    this.pendingAt = this.tok;
  }

  /** An error SQLite reports only once the whole statement has parsed. */
  private atEnd: string | undefined;

  /** Records an error to report when the statement turns out to be syntactically complete. */
  deferToEnd(message: string): void {
    this.atEnd ??= message;
  }

  /** Throws a deferred error at the end of a statement. */
  finishStatement(): void {
    if (this.pending) throw this.pending;
    if (this.atEnd !== undefined) throw this.error(this.atEnd);
  }

  /** Moves to the next token and returns the one moved past. */
  advance(): Token {
    const t = this.tok;
    if (this.pending && this.pendingAt === t) throw this.pending;
    this.prev = t;
    this.tok = this.ahead.length > 0 ? this.ahead.shift()! : this.lexer.next();
    this.checkIllegal();
    if (CONTEXT_KW.has(this.tok.kw)) this.resolveContextKeyword();
    return t;
  }

  /**
   * SQLite's tokenizer decides WINDOW, OVER and FILTER from the surrounding
   * tokens (analyzeWindowKeyword etc. in tokenize.c); when they are not
   * keywords they are plain identifiers.
   */
  private resolveContextKeyword(): void {
    const t = this.tok;
    let keep: boolean;
    if (t.kw === "WINDOW") {
      keep = this.idLike(this.peek(1)) && this.peek(2).kw === "AS";
    } else if (t.kw === "OVER") {
      const next = this.peek(1);
      keep = this.prev.type === Tok.RP && (next.type === Tok.LP || this.idLike(next));
    } else {
      keep = this.prev.type === Tok.RP && this.peek(1).type === Tok.LP;
    }
    if (!keep) t.kw = "";
  }

  /** What SQLite's tokenizer lookahead (getToken) counts as an identifier. */
  private idLike(t: Token): boolean {
    if (t.type === Tok.STRING) return true;
    if (t.type !== Tok.ID) return false;
    const kw = t.kw;
    return kw === "" || kw === "WINDOW" || kw === "OVER" || JOIN_KW.has(kw) || FALLBACK_ID.has(kw);
  }

  /** The source text of a token. */
  text(t: Token): string {
    return this.sql.slice(t.start, t.end);
  }

  /** The syntax error SQLite reports at token `t`. */
  syntaxError(t: Token = this.tok): SqliteError {
    if (t.type === Tok.EOF) return new SqliteError("SQLITE_ERROR", "incomplete input");
    return new SqliteError("SQLITE_ERROR", `near "${this.text(t)}": syntax error`);
  }

  /** A non-syntax SQLITE_ERROR with the given message. */
  error(message: string): SqliteError {
    return new SqliteError("SQLITE_ERROR", message);
  }

  /** True when the current token is of type `type`. */
  is(type: TokenType): boolean {
    return this.tok.type === type;
  }

  /** True when the current token is the keyword `kw`. */
  isKw(kw: string): boolean {
    return this.tok.kw === kw;
  }

  /** Consumes a token of type `type` if present. */
  eat(type: TokenType): boolean {
    if (this.tok.type !== type) return false;
    this.advance();
    return true;
  }

  /** Consumes the keyword `kw` if present. */
  eatKw(kw: string): boolean {
    if (this.tok.kw !== kw) return false;
    this.advance();
    return true;
  }

  /** Consumes a token of type `type` or throws a syntax error. */
  expect(type: TokenType): Token {
    if (this.tok.type !== type) throw this.syntaxError();
    return this.advance();
  }

  /** Consumes the keyword `kw` or throws a syntax error. */
  expectKw(kw: string): Token {
    if (this.tok.kw !== kw) throw this.syntaxError();
    return this.advance();
  }

  /** SQLite's `id` class: an identifier, a quoted identifier, a fallback keyword, INDEXED. */
  isId(t: Token = this.tok): boolean {
    return t.type === Tok.ID && (t.kw === "" || FALLBACK_ID.has(t.kw) || t.kw === "INDEXED");
  }

  /** SQLite's `ids` class: an identifier (or fallback keyword) or a string. */
  isIds(t: Token = this.tok): boolean {
    return t.type === Tok.STRING ||
      (t.type === Tok.ID && (t.kw === "" || FALLBACK_ID.has(t.kw)));
  }

  /** SQLite's `nm` class: id, string, or a join keyword. */
  isNm(t: Token = this.tok): boolean {
    return this.isId(t) || t.type === Tok.STRING || (t.type === Tok.ID && JOIN_KW.has(t.kw));
  }

  /** The dequoted name of a token. */
  nameOf(t: Token): string {
    return dequote(this.text(t));
  }

  /** Consumes an `nm` and returns its dequoted name. */
  nm(): string {
    if (!this.isNm()) throw this.syntaxError();
    return this.nameOf(this.advance());
  }

  /** Consumes an `id` and returns its dequoted name. */
  id(): string {
    if (!this.isId()) throw this.syntaxError();
    return this.nameOf(this.advance());
  }

  /** Consumes an `ids` and returns its dequoted name. */
  ids(): string {
    if (!this.isIds()) throw this.syntaxError();
    return this.nameOf(this.advance());
  }

  /** Enters a nested construct costing `units` of parser stack; throws past the budget. */
  enter(units: number): void {
    this.depth += units;
    if (this.depth > MAX_NESTING) throw this.error("Recursion limit");
  }

  /** Leaves a nested construct entered with the same `units`. */
  leave(units: number): void {
    this.depth -= units;
  }

  /** Resets per-statement state. */
  beginStatement(): void {
    this.paramCount = 0;
    this.paramNames = new Map();
  }

  /** Assigns the index of a parameter token, numbering as SQLite does. */
  paramIndex(text: string): number {
    if (text.length === 1) {
      if (this.paramCount >= MAX_VARIABLE_NUMBER) throw this.error("too many SQL variables");
      return ++this.paramCount;
    }
    if (text[0] === "?") {
      const n = /^\d+$/.test(text.slice(1)) ? Number(text.slice(1)) : 0;
      if (!(n >= 1 && n <= MAX_VARIABLE_NUMBER)) {
        throw this.error(`variable number must be between ?1 and ?${MAX_VARIABLE_NUMBER}`);
      }
      if (n > this.paramCount) this.paramCount = n;
      if (!this.paramNames.has(text)) this.paramNames.set(text, n);
      return n;
    }
    const known = this.paramNames.get(text);
    if (known !== undefined) return known;
    if (this.paramCount >= MAX_VARIABLE_NUMBER) throw this.error("too many SQL variables");
    const n = ++this.paramCount;
    this.paramNames.set(text, n);
    return n;
  }

  /** The height of an expression (1 for leaves). */
  height(e: Expr | undefined): number {
    return e === undefined ? 0 : this.heights.get(e) ?? 1;
  }

  /**
   * Records the height of a new node from its children's heights and enforces
   * SQLite's expression depth limit.
   */
  node<E extends Expr>(e: E, childHeight: number): E {
    const h = childHeight + 1;
    if (h > MAX_EXPR_DEPTH) {
      throw this.error(`Expression tree is too large (maximum depth ${MAX_EXPR_DEPTH})`);
    }
    if (h > 1) this.heights.set(e, h);
    const sh = this.selectHeights;
    if (sh.length > 0 && h > sh[sh.length - 1]) sh[sh.length - 1] = h;
    return e;
  }
}
