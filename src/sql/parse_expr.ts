/**
 * Expression parsing: precedence climbing with SQLite's operator precedence
 * (parse.y), literals, column references, parameters, function calls and
 * window specifications.
 * @module
 */

import type {
  BinaryOp,
  Expr,
  FrameBound,
  FunctionExpr,
  OrderingTerm,
  WindowFrame,
  WindowSpec,
} from "./ast.ts";
import { integer, real } from "../record/value.ts";
import type { Parser } from "./parser_core.ts";
import { parseOrderBy, parseSelect, startsSelect } from "./parse_select.ts";
import { Tok, type Token } from "./tokens.ts";

// Binding strength, lowest first (parse.y's %left/%right order).
const P_OR = 1;
const P_AND = 2;
const P_NOT = 3;
const P_EQ = 4;
const P_CMP = 5;
const P_BIT = 7;
const P_ADD = 8;
const P_MUL = 9;
const P_CONCAT = 10;
const P_COLLATE = 11;

const MAX_I64 = 9223372036854775807n;

/** Literals from an integer token that overflowed to exactly 2^63 (so `-` can fold them). */
const twoTo63 = new WeakSet<Expr>();

/** Parses an expression whose operators bind at least as tightly as `minPrec`. */
export function parseExpr(p: Parser, minPrec = P_OR): Expr {
  let left = parsePrefix(p);
  for (;;) {
    const t = p.tok;
    let prec: number;
    let op: BinaryOp | undefined;
    switch (t.type) {
      case Tok.EQ:
        prec = P_EQ, op = "=";
        break;
      case Tok.NE:
        prec = P_EQ, op = "!=";
        break;
      case Tok.LT:
        prec = P_CMP, op = "<";
        break;
      case Tok.LE:
        prec = P_CMP, op = "<=";
        break;
      case Tok.GT:
        prec = P_CMP, op = ">";
        break;
      case Tok.GE:
        prec = P_CMP, op = ">=";
        break;
      case Tok.BITAND:
        prec = P_BIT, op = "&";
        break;
      case Tok.BITOR:
        prec = P_BIT, op = "|";
        break;
      case Tok.LSHIFT:
        prec = P_BIT, op = "<<";
        break;
      case Tok.RSHIFT:
        prec = P_BIT, op = ">>";
        break;
      case Tok.PLUS:
        prec = P_ADD, op = "+";
        break;
      case Tok.MINUS:
        prec = P_ADD, op = "-";
        break;
      case Tok.STAR:
        prec = P_MUL, op = "*";
        break;
      case Tok.SLASH:
        prec = P_MUL, op = "/";
        break;
      case Tok.REM:
        prec = P_MUL, op = "%";
        break;
      case Tok.CONCAT:
        prec = P_CONCAT, op = "||";
        break;
      case Tok.PTR:
        prec = P_CONCAT, op = t.end - t.start === 3 ? "->>" : "->";
        break;
      case Tok.ID:
        switch (t.kw) {
          case "OR":
            prec = P_OR, op = "OR";
            break;
          case "AND":
            prec = P_AND, op = "AND";
            break;
          case "COLLATE":
            prec = P_COLLATE;
            break;
          case "IS":
          case "ISNULL":
          case "NOTNULL":
          case "IN":
          case "LIKE":
          case "GLOB":
          case "REGEXP":
          case "MATCH":
          case "BETWEEN":
          case "NOT":
            prec = P_EQ;
            break;
          default:
            return left;
        }
        break;
      default:
        return left;
    }
    if (prec < minPrec) return left;
    p.advance();
    // SQLite's parser stack holds the left operand and the operator meanwhile.
    p.enter(2);
    if (op !== undefined) {
      const right = parseExpr(p, prec + 1);
      p.leave(2);
      left = p.node(
        { kind: "binary", op, left, right },
        Math.max(p.height(left), p.height(right)),
      );
      continue;
    }
    left = parseSpecialOperator(p, t, left);
    p.leave(2);
  }
}

/** The keyword operators: COLLATE, IS, ISNULL/NOTNULL, [NOT] IN/LIKE/BETWEEN/NULL. */
function parseSpecialOperator(p: Parser, t: Token, left: Expr): Expr {
  let kw = t.kw;
  if (kw === "COLLATE") {
    const collation = p.ids();
    return p.node({ kind: "collate", expr: left, collation }, p.height(left));
  }
  if (kw === "IS") {
    let not = p.eatKw("NOT");
    if (p.isKw("DISTINCT")) {
      p.advance();
      p.expectKw("FROM");
      not = !not;
    }
    const right = parseExpr(p, P_EQ + 1);
    return p.node(
      { kind: "binary", op: not ? "IS NOT" : "IS", left, right },
      Math.max(p.height(left), p.height(right)),
    );
  }
  if (kw === "ISNULL" || kw === "NOTNULL") {
    return p.node({ kind: "isNull", not: kw === "NOTNULL", expr: left }, p.height(left));
  }
  let not = false;
  if (kw === "NOT") {
    not = true;
    kw = p.tok.kw;
    if (kw === "NULL") {
      p.advance();
      return p.node({ kind: "isNull", not: true, expr: left }, p.height(left));
    }
    if (
      kw !== "IN" && kw !== "LIKE" && kw !== "GLOB" && kw !== "REGEXP" && kw !== "MATCH" &&
      kw !== "BETWEEN"
    ) {
      throw p.syntaxError();
    }
    p.advance();
  }
  if (kw === "BETWEEN") {
    // The lower bound stops at AND; the upper bound binds like a comparison operand.
    const low = parseExpr(p, P_NOT);
    // SQLite's grammar lets OR into the lower bound, where it swallows every
    // later AND; the statement then fails at whatever follows.
    while (p.isKw("OR")) {
      p.advance();
      parseExpr(p, P_AND);
    }
    p.expectKw("AND");
    const high = parseExpr(p, P_EQ + 1);
    return p.node(
      { kind: "between", not, expr: left, low, high },
      Math.max(p.height(left), p.height(low), p.height(high)),
    );
  }
  if (kw === "IN") return parseIn(p, left, not);
  const pattern = parseExpr(p, P_EQ + 1);
  let escape: Expr | undefined;
  if (p.isKw("ESCAPE")) {
    p.advance();
    escape = parseExpr(p, P_EQ + 1);
  }
  return p.node(
    {
      kind: "like",
      op: kw as "LIKE" | "GLOB" | "REGEXP" | "MATCH",
      not,
      expr: left,
      pattern,
      escape,
    },
    Math.max(p.height(left), p.height(pattern), p.height(escape)),
  );
}

function parseIn(p: Parser, left: Expr, not: boolean): Expr {
  if (p.is(Tok.LP)) {
    p.advance();
    p.enter(3);
    let e: Expr;
    let mismatch: string | undefined;
    if (p.is(Tok.RP)) {
      e = p.node({ kind: "inList", not, expr: left, list: [] }, p.height(left));
    } else if (startsSelect(p)) {
      const { select, height } = parseSubselect(p);
      e = p.node({ kind: "inSelect", not, expr: left, select }, Math.max(p.height(left), height));
    } else {
      const list = parseExprList(p);
      if (left.kind === "row" && !(list.length === 1 && list[0].kind === "subquery")) {
        // SQLite turns a vector IN list into VALUES and checks the widths as it parses.
        const want = left.items.length;
        for (const item of list) {
          const n = item.kind === "row" ? item.items.length : 1;
          if (n !== want) {
            mismatch = `IN(...) element has ${n} term${n === 1 ? "" : "s"} - expected ${want}`;
            break;
          }
        }
      }
      e = p.node(
        { kind: "inList", not, expr: left, list },
        Math.max(p.height(left), maxHeight(p, list)),
      );
    }
    p.expect(Tok.RP);
    p.leave(3);
    if (mismatch) p.defer(mismatch);
    return e;
  }
  let schema: string | undefined;
  let name = p.nm();
  if (p.eat(Tok.DOT)) {
    schema = name;
    name = p.nm();
  }
  let args: Expr[] | undefined;
  if (p.is(Tok.LP)) {
    p.advance();
    args = p.is(Tok.RP) ? [] : parseExprList(p);
    p.expect(Tok.RP);
  }
  return p.node({ kind: "inTable", not, expr: left, schema, name, args }, p.height(left));
}

/** Parses a SELECT inside parentheses (already consumed) and reports its expression height. */
export function parseSubselect(
  p: Parser,
): { select: ReturnType<typeof parseSelect>; height: number } {
  p.selectHeights.push(0);
  p.enter(4);
  const select = parseSelect(p);
  p.leave(4);
  const height = p.selectHeights.pop()!;
  return { select, height };
}

function maxHeight(p: Parser, list: Expr[]): number {
  let h = 0;
  for (const e of list) h = Math.max(h, p.height(e));
  return h;
}

/** Prefix operators: NOT binds loosely (its operand stops at AND/OR); - + ~ bind tightest. */
function parsePrefix(p: Parser): Expr {
  const t = p.tok;
  if (t.type === Tok.LP) return parseParenthesized(p);
  if (t.type === Tok.MINUS || t.type === Tok.PLUS || t.type === Tok.BITNOT) {
    p.advance();
    p.enter(1);
    const operand = parsePrefix(p);
    p.leave(1);
    if (t.type === Tok.MINUS) return negate(p, operand);
    const op = t.type === Tok.PLUS ? "+" : "~";
    const e = p.node({ kind: "unary", op, expr: operand }, p.height(operand));
    // SQLite still folds -+9223372036854775808 to the integer minimum.
    if (op === "+" && twoTo63.has(operand)) twoTo63.add(e);
    return e;
  }
  if (t.kw === "NOT") {
    p.advance();
    p.enter(1);
    const operand = parseExpr(p, P_EQ);
    p.leave(1);
    return p.node({ kind: "unary", op: "NOT", expr: operand }, p.height(operand));
  }
  return parsePrimary(p);
}

/**
 * Unary minus; `-9223372036854775808` folds to the INTEGER minimum, as in SQLite
 * (the literal alone overflows to REAL).
 */
export function negate(p: Parser, operand: Expr): Expr {
  if (twoTo63.has(operand)) return { kind: "literal", value: -9223372036854775808n };
  return p.node({ kind: "unary", op: "-", expr: operand }, p.height(operand));
}

/** Parses an integer token's text into an INTEGER value, or a REAL when it overflows. */
export function integerLiteral(p: Parser, t: Token): Expr {
  const raw = p.text(t);
  const text = raw.includes("_") ? raw.replaceAll("_", "") : raw;
  if (text.length > 2 && (text[1] === "x" || text[1] === "X")) {
    const digits = text.slice(2).replace(/^0+/, "");
    if (digits.length > 16) throw p.error(`hex literal too big: ${raw}`);
    return { kind: "literal", value: integer(BigInt.asIntN(64, BigInt("0x" + (digits || "0")))) };
  }
  if (text.length < 16) return { kind: "literal", value: Number(text) };
  const big = BigInt(text);
  if (big <= MAX_I64) return { kind: "literal", value: integer(big) };
  const e: Expr = { kind: "literal", value: real(Number(text)) };
  if (big === MAX_I64 + 1n) twoTo63.add(e);
  return e;
}

/** Decodes a blob token `x'..'` (already validated by the lexer). */
function blobLiteral(p: Parser, t: Token): Uint8Array {
  const hex = p.sql.slice(t.start + 2, t.end - 1);
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** A literal term (SQLite's `term`): NULL, number, string, blob or CURRENT_*; undefined if not one. */
export function parseTerm(p: Parser): Expr | undefined {
  const t = p.tok;
  switch (t.type) {
    case Tok.INTEGER:
      p.advance();
      return integerLiteral(p, t);
    case Tok.FLOAT: {
      p.advance();
      const raw = p.text(t);
      return {
        kind: "literal",
        value: real(parseFloat(raw.includes("_") ? raw.replaceAll("_", "") : raw)),
      };
    }
    case Tok.STRING:
      p.advance();
      return { kind: "literal", value: p.nameOf(t) };
    case Tok.BLOB:
      p.advance();
      return { kind: "literal", value: blobLiteral(p, t) };
    case Tok.ID:
      if (t.kw === "NULL") {
        p.advance();
        return { kind: "literal", value: null };
      }
      if (t.kw === "CURRENT_TIME" || t.kw === "CURRENT_DATE" || t.kw === "CURRENT_TIMESTAMP") {
        p.advance();
        return { kind: "currentTime", which: t.kw.slice(8) as "TIME" | "DATE" | "TIMESTAMP" };
      }
  }
  return undefined;
}

function parsePrimary(p: Parser): Expr {
  const t = p.tok;
  if (t.type === Tok.STRING && p.peek().type === Tok.DOT) return parseColumnRef(p);
  const term = parseTerm(p);
  if (term) return term;
  switch (t.type) {
    case Tok.VARIABLE: {
      const text = p.text(t);
      if (text[0] === "#" && text.charCodeAt(1) >= 0x30 && text.charCodeAt(1) <= 0x39) {
        throw p.syntaxError();
      }
      p.advance();
      const index = p.paramIndex(text);
      return text === "?" ? { kind: "param", index } : { kind: "param", index, name: text };
    }
    case Tok.LP:
      return parseParenthesized(p);
    case Tok.ID:
      break;
    default:
      throw p.syntaxError();
  }
  switch (t.kw) {
    case "CAST": {
      p.advance();
      p.expect(Tok.LP);
      p.enter(2);
      const expr = parseExpr(p);
      p.expectKw("AS");
      const type = parseTypeName(p) ?? "";
      p.expect(Tok.RP);
      p.leave(2);
      return p.node({ kind: "cast", expr, type }, p.height(expr));
    }
    case "CASE":
      return parseCase(p);
    case "EXISTS": {
      p.advance();
      p.expect(Tok.LP);
      p.enter(2);
      const { select, height } = parseSubselect(p);
      p.expect(Tok.RP);
      p.leave(2);
      return p.node({ kind: "exists", select }, height);
    }
    case "RAISE":
      return parseRaise(p);
  }
  const next = p.peek();
  if (next.type === Tok.LP && (p.isId() || p.isNm() && t.type === Tok.ID)) {
    return parseFunction(p);
  }
  if (next.type === Tok.DOT && p.isNm()) return parseColumnRef(p);
  if (p.isId() || p.isNm() && t.type === Tok.ID) {
    p.advance();
    const text = p.text(t);
    if (t.kw === "" && text.length <= 5) {
      const lower = text.toLowerCase();
      if (lower === "true") return { kind: "literal", value: 1, bool: true };
      if (lower === "false") return { kind: "literal", value: 0, bool: true };
    }
    return { kind: "column", name: p.nameOf(t), doubleQuoted: text[0] === '"' };
  }
  throw p.syntaxError();
}

/** `nm.nm` or `nm.nm.nm` (the current token is an nm followed by a dot). */
function parseColumnRef(p: Parser): Expr {
  const first = p.nameOf(p.advance());
  p.expect(Tok.DOT);
  const second = p.nm();
  if (p.is(Tok.DOT)) {
    p.advance();
    const third = p.nm();
    return { kind: "column", schema: first, table: second, name: third, doubleQuoted: false };
  }
  return { kind: "column", table: first, name: second, doubleQuoted: false };
}

function parseParenthesized(p: Parser): Expr {
  p.advance();
  p.enter(1);
  let e: Expr;
  if (startsSelect(p)) {
    const { select, height } = parseSubselect(p);
    e = p.node({ kind: "subquery", select }, height);
  } else {
    // Not parseExprList: deep parentheses should cost as few JS frames as possible.
    e = parseExpr(p);
    if (p.is(Tok.COMMA)) {
      const items = [e];
      while (p.eat(Tok.COMMA)) items.push(parseExpr(p));
      e = p.node({ kind: "row", items }, maxHeight(p, items));
    }
  }
  p.expect(Tok.RP);
  p.leave(1);
  return e;
}

function parseCase(p: Parser): Expr {
  p.advance();
  p.enter(5);
  const operand = p.isKw("WHEN") ? undefined : parseExpr(p);
  const whens: { when: Expr; then: Expr }[] = [];
  let h = p.height(operand);
  do {
    p.expectKw("WHEN");
    const when = parseExpr(p);
    p.expectKw("THEN");
    const then = parseExpr(p);
    whens.push({ when, then });
    h = Math.max(h, p.height(when), p.height(then));
  } while (p.isKw("WHEN"));
  let otherwise: Expr | undefined;
  if (p.eatKw("ELSE")) {
    otherwise = parseExpr(p);
    h = Math.max(h, p.height(otherwise));
  }
  p.expectKw("END");
  p.leave(5);
  return p.node({ kind: "case", operand, whens, else: otherwise }, h);
}

function parseRaise(p: Parser): Expr {
  p.advance();
  p.expect(Tok.LP);
  const kw = p.tok.kw;
  let e: Expr;
  if (kw === "IGNORE") {
    p.advance();
    e = { kind: "raise", action: "IGNORE" };
  } else if (kw === "ROLLBACK" || kw === "ABORT" || kw === "FAIL") {
    p.advance();
    p.expect(Tok.COMMA);
    const message = parseExpr(p);
    e = p.node({ kind: "raise", action: kw, message }, p.height(message));
  } else {
    throw p.syntaxError();
  }
  p.expect(Tok.RP);
  return e;
}

function parseFunction(p: Parser): Expr {
  const name = p.nameOf(p.advance());
  p.expect(Tok.LP);
  p.enter(3);
  const f: FunctionExpr = { kind: "function", name, args: [], star: false, distinct: false };
  let h = 0;
  if (p.is(Tok.STAR)) {
    p.advance();
    f.star = true;
  } else {
    if (p.isKw("DISTINCT")) {
      p.advance();
      f.distinct = true;
    } else {
      p.eatKw("ALL");
    }
    if (!p.is(Tok.RP)) {
      if (!p.isKw("ORDER")) {
        f.args = parseExprList(p);
        h = maxHeight(p, f.args);
      }
      if (p.isKw("ORDER")) {
        const orderBy = parseOrderBy(p);
        // SQLite ignores ORDER BY on a zero-argument aggregate.
        if (f.args.length > 0) {
          f.orderBy = orderBy;
          for (const o of orderBy) h = Math.max(h, p.height(o.expr));
        }
      }
    }
  }
  p.expect(Tok.RP);
  p.leave(3);
  if (p.isKw("FILTER")) {
    p.advance();
    p.advance();
    p.expectKw("WHERE");
    f.filter = parseExpr(p);
    h = Math.max(h, p.height(f.filter));
    p.expect(Tok.RP);
  }
  if (p.isKw("OVER")) {
    p.advance();
    if (p.eat(Tok.LP)) {
      f.over = parseWindowSpec(p);
      p.expect(Tok.RP);
    } else {
      f.over = p.nm();
    }
    // SQLite checks these as it reduces the function call.
    if (f.distinct) p.defer("DISTINCT is not supported for window functions");
    if (f.orderBy) p.defer(`ORDER BY may not be used with non-aggregate ${f.name}()`);
  }
  return p.node(f, h);
}

/** Parses a comma-separated list of one or more expressions. */
export function parseExprList(p: Parser): Expr[] {
  const list = [parseExpr(p)];
  while (p.eat(Tok.COMMA)) list.push(parseExpr(p));
  return list;
}

/** Parses the inside of a window definition's parentheses. */
export function parseWindowSpec(p: Parser): WindowSpec {
  const spec: WindowSpec = {};
  const kw = p.tok.kw;
  if (
    p.isNm() && kw !== "PARTITION" && kw !== "ORDER" && kw !== "RANGE" && kw !== "ROWS" &&
    kw !== "GROUPS"
  ) {
    spec.base = p.nm();
  }
  if (p.isKw("PARTITION")) {
    p.advance();
    p.expectKw("BY");
    spec.partitionBy = parseExprList(p);
  }
  if (p.isKw("ORDER")) spec.orderBy = parseOrderBy(p) as OrderingTerm[];
  const units = p.tok.kw;
  if (units === "RANGE" || units === "ROWS" || units === "GROUPS") {
    p.advance();
    let frame: WindowFrame;
    if (p.eatKw("BETWEEN")) {
      const start = parseFrameBound(p, true);
      p.expectKw("AND");
      const end = parseFrameBound(p, false);
      frame = { units, start, end };
    } else {
      frame = { units, start: parseFrameBound(p, true) };
    }
    if (p.eatKw("EXCLUDE")) {
      if (p.eatKw("NO")) {
        p.expectKw("OTHERS");
        frame.exclude = "NO OTHERS";
      } else if (p.eatKw("CURRENT")) {
        p.expectKw("ROW");
        frame.exclude = "CURRENT ROW";
      } else if (p.isKw("GROUP") || p.isKw("TIES")) {
        frame.exclude = p.advance().kw as "GROUP" | "TIES";
      } else {
        throw p.syntaxError();
      }
    }
    spec.frame = frame;
  }
  return spec;
}

function parseFrameBound(p: Parser, isStart: boolean): FrameBound {
  if (p.isKw("UNBOUNDED")) {
    p.advance();
    if (isStart) {
      p.expectKw("PRECEDING");
      return { type: "UNBOUNDED PRECEDING" };
    }
    p.expectKw("FOLLOWING");
    return { type: "UNBOUNDED FOLLOWING" };
  }
  if (p.isKw("CURRENT")) {
    p.advance();
    p.expectKw("ROW");
    return { type: "CURRENT ROW" };
  }
  const expr = parseExpr(p);
  if (p.eatKw("PRECEDING")) return { type: "PRECEDING", expr };
  p.expectKw("FOLLOWING");
  return { type: "FOLLOWING", expr };
}

/**
 * Parses an optional type name (`typetoken`): words, optionally `(n)` or `(n, m)`.
 * Returns the declared type as SQLite records it, or undefined when there is none.
 */
export function parseTypeName(p: Parser): string | undefined {
  if (!p.isIds()) return undefined;
  const start = p.tok.start;
  while (p.isIds()) p.advance();
  if (p.is(Tok.LP)) {
    p.advance();
    parseSigned(p);
    if (p.eat(Tok.COMMA)) parseSigned(p);
    p.expect(Tok.RP);
  }
  return declaredType(p.sql.slice(start, p.prev.end));
}

function parseSigned(p: Parser): void {
  if (p.is(Tok.PLUS) || p.is(Tok.MINUS)) p.advance();
  if (!p.is(Tok.INTEGER) && !p.is(Tok.FLOAT)) throw p.syntaxError();
  p.advance();
}

const STD_TYPES = ["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"];

function isQuote(c: string): boolean {
  return c === '"' || c === "'" || c === "[" || c === "`";
}

/** SQLite's sqlite3Dequote: strips the quotes, undoubles, stops at the closing quote. */
function sqliteDequote(z: string): string {
  if (z.length === 0 || !isQuote(z[0])) return z;
  const q = z[0] === "[" ? "]" : z[0];
  let out = "";
  for (let i = 1; i < z.length; i++) {
    if (z[i] === q) {
      if (z[i + 1] === q) {
        out += q;
        i++;
      } else {
        break;
      }
    } else {
      out += z[i];
    }
  }
  return out;
}

/** Derives the declared type text SQLite stores for a column (sqlite3AddColumn). */
export function declaredType(raw: string): string | undefined {
  let s = raw;
  // The type name swallows GENERATED ALWAYS (both are fallback identifiers); SQLite trims them.
  if (s.length >= 16 && s.slice(-6).toLowerCase() === "always") {
    s = s.slice(0, -6).trimEnd();
    if (s.length >= 9 && s.slice(-9).toLowerCase() === "generated") s = s.slice(0, -9).trimEnd();
  }
  if (s.length >= 3) {
    let t = s;
    if (isQuote(t[0])) {
      let inner = true;
      for (let i = 1; i < t.length - 1; i++) if (isQuote(t[i])) inner = false;
      if (inner) t = t.slice(1, -1);
    }
    const upper = t.toUpperCase();
    if (STD_TYPES.includes(upper)) return upper;
  }
  if (s.length === 0) return undefined;
  return sqliteDequote(s);
}
