/**
 * SELECT parsing: WITH, compound selects, result columns, FROM with joins,
 * GROUP BY / HAVING / WINDOW, ORDER BY and LIMIT, VALUES.
 * @module
 */

import type {
  CompoundOp,
  Cte,
  Expr,
  FromItem,
  JoinSource,
  JoinType,
  OrderingTerm,
  ResultColumn,
  Select,
  SelectCore,
  ValuesCore,
  WindowSpec,
  WithClause,
} from "./ast.ts";
import type { Parser } from "./parser_core.ts";
import { parseExpr, parseExprList, parseSubselect, parseWindowSpec } from "./parse_expr.ts";
import { Tok } from "./tokens.ts";

/** True when the current token starts a SELECT (SELECT, VALUES or WITH). */
export function startsSelect(p: Parser): boolean {
  const kw = p.tok.kw;
  return kw === "SELECT" || kw === "VALUES" || kw === "WITH";
}

/** Parses a full SELECT: `[WITH ...] core [compound-op core]... [ORDER BY] [LIMIT]`. */
export function parseSelect(p: Parser): Select {
  const w = p.isKw("WITH") ? parseWith(p) : undefined;
  return parseSelectNoWith(p, w);
}

/** Parses a SELECT whose WITH clause (if any) was already parsed. */
export function parseSelectNoWith(p: Parser, w: WithClause | undefined): Select {
  // In SQLite's grammar ORDER BY and LIMIT belong to each SELECT core (never to
  // VALUES); only the last core may have them, and they then apply to the whole.
  const tails: Tail[] = [];
  const core = parseCore(p, tails);
  const compound: { op: CompoundOp; core: SelectCore | ValuesCore }[] = [];
  for (;;) {
    let op: CompoundOp;
    const kw = p.tok.kw;
    if (kw === "UNION") {
      p.advance();
      op = p.eatKw("ALL") ? "UNION ALL" : "UNION";
    } else if (kw === "INTERSECT" || kw === "EXCEPT") {
      p.advance();
      op = kw;
    } else {
      break;
    }
    compound.push({ op, core: parseCore(p, tails) });
  }
  for (let i = tails.length - 2; i >= 0; i--) {
    const t = tails[i];
    if (t.orderBy || t.limit) {
      p.defer(
        `${t.orderBy ? "ORDER BY" : "LIMIT"} clause should come after ${compound[i].op} not before`,
      );
    }
  }
  if (
    compound.length >= MAX_COMPOUND_SELECT && !(core.kind === "values" && compound.length === 0)
  ) {
    p.defer("too many terms in compound SELECT");
  }
  const select: Select = { kind: "select", core, compound };
  if (w) select.with = w;
  const last = tails[tails.length - 1];
  if (last.orderBy) select.orderBy = last.orderBy;
  if (last.limit) select.limit = last.limit;
  if (last.offset) select.offset = last.offset;
  return select;
}

/** SQLite's SQLITE_MAX_COMPOUND_SELECT. */
const MAX_COMPOUND_SELECT = 500;

/** The ORDER BY / LIMIT written after one select core. */
interface Tail {
  orderBy?: OrderingTerm[];
  limit?: Expr;
  offset?: Expr;
}

/** Parses `LIMIT a [OFFSET b | , b]` into `target.limit` / `target.offset`. */
export function parseLimit(p: Parser, target: { limit?: Expr; offset?: Expr }): void {
  p.expectKw("LIMIT");
  const first = parseExpr(p);
  if (p.eatKw("OFFSET")) {
    target.limit = first;
    target.offset = parseExpr(p);
  } else if (p.eat(Tok.COMMA)) {
    // LIMIT m, n means OFFSET m LIMIT n.
    target.offset = first;
    target.limit = parseExpr(p);
  } else {
    target.limit = first;
  }
}

/** Parses `ORDER BY term, ...` (the current token is ORDER). */
export function parseOrderBy(p: Parser): OrderingTerm[] {
  p.expectKw("ORDER");
  p.expectKw("BY");
  return parseSortList(p);
}

/** Parses `expr [ASC|DESC] [NULLS FIRST|LAST], ...`. */
export function parseSortList(p: Parser): OrderingTerm[] {
  const terms: OrderingTerm[] = [];
  do {
    const term: OrderingTerm = { expr: parseExpr(p) };
    if (p.isKw("ASC") || p.isKw("DESC")) term.order = p.advance().kw as "ASC" | "DESC";
    if (p.isKw("NULLS")) {
      p.advance();
      if (p.isKw("FIRST") || p.isKw("LAST")) {
        term.nulls = p.advance().kw as "FIRST" | "LAST";
      } else {
        throw p.syntaxError();
      }
    }
    terms.push(term);
  } while (p.eat(Tok.COMMA));
  return terms;
}

/** Parses `WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (select), ...`. */
export function parseWith(p: Parser): WithClause {
  p.expectKw("WITH");
  const recursive = p.eatKw("RECURSIVE");
  const ctes: Cte[] = [];
  do {
    const cte: Cte = { name: p.nm(), select: undefined as unknown as Select };
    if (p.is(Tok.LP)) {
      p.advance();
      cte.columns = parseEidList(p);
      p.expect(Tok.RP);
    }
    p.expectKw("AS");
    if (p.eatKw("MATERIALIZED")) {
      cte.materialized = true;
    } else if (p.isKw("NOT")) {
      p.advance();
      p.expectKw("MATERIALIZED");
      cte.materialized = false;
    }
    p.expect(Tok.LP);
    p.enter(2);
    cte.select = parseSubselect(p).select;
    p.leave(2);
    p.expect(Tok.RP);
    ctes.push(cte);
  } while (p.eat(Tok.COMMA));
  return { recursive, ctes };
}

/** SQLite's `eidlist`: `nm [COLLATE c] [ASC|DESC], ...`; returns the names. */
export function parseEidList(p: Parser): string[] {
  const names: string[] = [];
  do {
    names.push(p.nm());
    if (p.eatKw("COLLATE")) p.ids();
    if (p.isKw("ASC") || p.isKw("DESC")) p.advance();
  } while (p.eat(Tok.COMMA));
  return names;
}

/** SQLite's `idlist`: `nm, ...`. */
export function parseIdList(p: Parser): string[] {
  const names = [p.nm()];
  while (p.eat(Tok.COMMA)) names.push(p.nm());
  return names;
}

function parseCore(p: Parser, tails: Tail[]): SelectCore | ValuesCore {
  if (p.isKw("VALUES")) {
    tails.push({});
    return parseValues(p);
  }
  p.expectKw("SELECT");
  const core: SelectCore = { kind: "core", distinct: false, columns: [] };
  if (p.eatKw("DISTINCT")) core.distinct = true;
  else p.eatKw("ALL");
  core.columns = parseResultColumns(p);
  if (p.eatKw("FROM")) core.from = parseFrom(p);
  if (p.eatKw("WHERE")) core.where = parseExpr(p);
  if (p.isKw("GROUP")) {
    p.advance();
    p.expectKw("BY");
    core.groupBy = parseExprList(p);
  }
  if (p.eatKw("HAVING")) core.having = parseExpr(p);
  if (p.isKw("WINDOW")) {
    p.advance();
    core.windows = [];
    do {
      const name = p.nm();
      p.expectKw("AS");
      p.expect(Tok.LP);
      const spec: WindowSpec = parseWindowSpec(p);
      p.expect(Tok.RP);
      core.windows.push({ name, spec });
    } while (p.eat(Tok.COMMA));
  }
  const tail: Tail = {};
  if (p.isKw("ORDER")) tail.orderBy = parseOrderBy(p);
  if (p.isKw("LIMIT")) parseLimit(p, tail);
  tails.push(tail);
  return core;
}

/** An expression of literals and operators only (no columns, calls or subqueries). */
function isSimple(e: Expr): boolean {
  switch (e.kind) {
    case "literal":
    case "param":
    case "currentTime":
      return true;
    case "unary":
    case "collate":
    case "isNull":
      return isSimple(e.expr);
    case "binary":
      return isSimple(e.left) && isSimple(e.right);
    default:
      return false;
  }
}

function parseValues(p: Parser): ValuesCore {
  p.expectKw("VALUES");
  const rows: Expr[][] = [];
  do {
    p.expect(Tok.LP);
    const row = parseExprList(p);
    p.expect(Tok.RP);
    if (rows.length > 0 && row.length !== rows[0].length) {
      // SQLite checks at once when it can code the rows as constants, else at the end.
      const msg = "all VALUES must have the same number of terms";
      if (row.every(isSimple) && rows.every((r) => r.every(isSimple))) p.defer(msg);
      else p.deferToEnd(msg);
    }
    rows.push(row);
  } while (p.eat(Tok.COMMA));
  return { kind: "values", rows };
}

/** Parses a result-column list (also used by RETURNING). */
export function parseResultColumns(p: Parser): ResultColumn[] {
  const cols: ResultColumn[] = [];
  do {
    if (p.is(Tok.STAR)) {
      p.advance();
      cols.push({ kind: "star" });
      continue;
    }
    const kw = p.tok.kw;
    if (
      p.isNm() && p.peek().type === Tok.DOT && p.peek(2).type === Tok.STAR &&
      // These start an expression here, so they are keywords, not names.
      kw !== "CAST" && kw !== "RAISE" && !kw.startsWith("CURRENT_")
    ) {
      const table = p.nm();
      p.advance();
      p.advance();
      cols.push({ kind: "tableStar", table });
      continue;
    }
    const start = p.tok.start;
    const expr = parseExpr(p);
    const text = p.sql.slice(start, p.prev.end);
    const alias = parseAlias(p);
    cols.push(
      alias === undefined ? { kind: "expr", expr, text } : { kind: "expr", expr, alias, text },
    );
  } while (p.eat(Tok.COMMA));
  return cols;
}

/** SQLite's `as`: `AS nm` or a bare `ids`; undefined when absent. */
export function parseAlias(p: Parser): string | undefined {
  if (p.eatKw("AS")) return p.nm();
  if (p.isIds()) return p.ids();
  return undefined;
}

const JOIN_BITS: Record<string, number> = {
  NATURAL: 0x01,
  LEFT: 0x02 | 0x20,
  OUTER: 0x20,
  RIGHT: 0x04 | 0x20,
  FULL: 0x02 | 0x04 | 0x20,
  INNER: 0x08,
  CROSS: 0x08 | 0x10,
};

/** Parses a FROM clause into a left-deep join tree. */
export function parseFrom(p: Parser): FromItem {
  let left = parseFromItem(p);
  if (p.isKw("ON") || p.isKw("USING")) {
    // SQLite parses the constraint before it complains about it.
    const kw = p.tok.kw;
    parseOnUsing(p, { kind: "join", type: "inner", natural: false, left, right: left });
    p.defer(`a JOIN clause is required before ${kw}`);
  }
  for (;;) {
    let type: JoinType;
    let natural = false;
    if (p.is(Tok.COMMA)) {
      p.advance();
      type = "comma";
    } else if (p.isKw("JOIN")) {
      p.advance();
      type = "inner";
    } else if (p.tok.type === Tok.ID && JOIN_BITS[p.tok.kw] !== undefined) {
      const words = [p.advance()];
      while (!p.isKw("JOIN")) {
        if (words.length === 3 || !p.isNm()) throw p.syntaxError();
        words.push(p.advance());
      }
      p.advance();
      let bits = 0;
      for (const w of words) {
        const b = JOIN_BITS[p.text(w).toUpperCase()];
        bits |= b === undefined ? 0x40 : b;
      }
      if (
        (bits & 0x28) === 0x28 || (bits & 0x40) !== 0 || (bits & (0x20 | 0x02 | 0x04)) === 0x20
      ) {
        p.defer(`unknown join type: ${words.map((w) => p.text(w)).join(" ")}`);
      }
      natural = (bits & 0x01) !== 0;
      type = (bits & 0x06) === 0x06
        ? "full"
        : bits & 0x02
        ? "left"
        : bits & 0x04
        ? "right"
        : bits & 0x10
        ? "cross"
        : "inner";
    } else {
      return left;
    }
    const right = parseFromItem(p);
    const join: JoinSource = { kind: "join", type, natural, left, right };
    parseOnUsing(p, join);
    left = join;
  }
}

function parseOnUsing(p: Parser, join: JoinSource): void {
  if (p.eatKw("ON")) {
    join.on = parseExpr(p);
  } else if (p.eatKw("USING")) {
    p.expect(Tok.LP);
    join.using = parseIdList(p);
    p.expect(Tok.RP);
  }
}

function parseFromItem(p: Parser): FromItem {
  if (p.is(Tok.LP)) {
    p.advance();
    p.enter(2);
    let item: FromItem;
    if (startsSelect(p)) {
      const select = parseSubselect(p).select;
      p.expect(Tok.RP);
      item = { kind: "subquery", select };
      const alias = parseAlias(p);
      if (alias !== undefined) item.alias = alias;
    } else {
      const inner = parseFrom(p);
      p.expect(Tok.RP);
      const alias = parseAlias(p);
      if (inner.kind !== "join") {
        item = inner;
        if (alias !== undefined) item.alias = alias;
      } else if (alias !== undefined) {
        // SQLite turns an aliased join list into `(SELECT * FROM list) AS alias`.
        item = {
          kind: "subquery",
          select: {
            kind: "select",
            core: { kind: "core", distinct: false, columns: [{ kind: "star" }], from: inner },
            compound: [],
          },
          alias,
        };
      } else {
        item = inner;
      }
    }
    p.leave(2);
    return item;
  }
  let schema: string | undefined;
  let name = p.nm();
  if (p.eat(Tok.DOT)) {
    schema = name;
    name = p.nm();
  }
  if (p.is(Tok.LP)) {
    p.advance();
    const args = p.is(Tok.RP) ? [] : parseExprList(p);
    p.expect(Tok.RP);
    const item: FromItem = { kind: "function", name, args };
    if (schema !== undefined) item.schema = schema;
    const alias = parseAlias(p);
    if (alias !== undefined) item.alias = alias;
    return item;
  }
  const item: FromItem = { kind: "table", name };
  if (schema !== undefined) item.schema = schema;
  const alias = parseAlias(p);
  if (alias !== undefined) item.alias = alias;
  if (p.isKw("INDEXED")) {
    p.advance();
    p.expectKw("BY");
    item.indexedBy = p.nm();
  } else if (p.isKw("NOT")) {
    p.advance();
    p.expectKw("INDEXED");
    item.notIndexed = true;
  }
  return item;
}
