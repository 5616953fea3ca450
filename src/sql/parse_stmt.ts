/**
 * Statement parsing: DML, DDL, transactions, PRAGMA and the utility statements.
 * @module
 */

import type {
  AlterTableStmt,
  ColumnConstraint,
  ColumnDef,
  ConflictAction,
  CreateIndexStmt,
  CreateTableStmt,
  CreateTriggerStmt,
  CreateViewStmt,
  CreateVirtualTableStmt,
  DeleteStmt,
  Expr,
  FkAction,
  ForeignKeyClause,
  IndexedColumn,
  InsertStmt,
  ResultColumn,
  SetClause,
  Statement,
  StmtBase,
  TableConstraint,
  UpdateStmt,
  Upsert,
  WithClause,
} from "./ast.ts";
import type { Parser } from "./parser_core.ts";
import { negate, parseExpr, parseTerm, parseTypeName } from "./parse_expr.ts";
import {
  parseEidList,
  parseFrom,
  parseIdList,
  parseLimit,
  parseOrderBy,
  parseResultColumns,
  parseSelect,
  parseSelectNoWith,
  parseSortList,
  parseWith,
  startsSelect,
} from "./parse_select.ts";
import { Tok, type Token } from "./tokens.ts";

/**
 * Whether UPDATE/DELETE accept ORDER BY and LIMIT (SQLITE_ENABLE_UPDATE_DELETE_LIMIT).
 * Off, like the SQLite builds we are compared against.
 */
export const UPDATE_DELETE_LIMIT = false;

/** Distributes Omit over a union, so each statement kind keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A statement node before the StmtBase fields are filled in. */
type Body = DistributiveOmit<Statement, keyof StmtBase>;

/** Parses one statement starting at the current token (which is not `;` or EOF). */
export function parseStatement(p: Parser): Statement {
  p.beginStatement();
  const first = p.tok;
  const body = parseStatementBody(p, first, false);
  return finish(p, body, first);
}

/** Adds the source slice and parameter facts to a parsed statement body. */
function finish(p: Parser, body: Body, first: Token): Statement {
  const stmt = body as Statement;
  stmt.start = first.start;
  stmt.end = p.prev.end;
  stmt.sql = p.sql.slice(stmt.start, stmt.end);
  stmt.paramCount = p.paramCount;
  stmt.paramNames = p.paramNames;
  return stmt;
}

function parseStatementBody(p: Parser, first: Token, inExplain: boolean): Body {
  switch (first.kw) {
    case "EXPLAIN": {
      if (inExplain) break;
      p.advance();
      let queryPlan = false;
      if (p.isKw("QUERY")) {
        p.advance();
        p.expectKw("PLAN");
        queryPlan = true;
      }
      const innerFirst = p.tok;
      const inner = finish(p, parseStatementBody(p, innerFirst, true), innerFirst);
      return { kind: "explain", queryPlan, stmt: inner };
    }
    case "SELECT":
    case "VALUES":
      return parseSelect(p);
    case "WITH":
      return parseWithStatement(p);
    case "INSERT":
    case "REPLACE":
      return parseInsert(p, undefined, false);
    case "UPDATE":
      return parseUpdate(p, undefined, false);
    case "DELETE":
      return parseDelete(p, undefined, false);
    case "CREATE":
      return parseCreate(p);
    case "DROP":
      return parseDrop(p);
    case "ALTER":
      return parseAlter(p);
    case "BEGIN": {
      p.advance();
      let mode: "DEFERRED" | "IMMEDIATE" | "EXCLUSIVE" | undefined;
      const kw = p.tok.kw;
      if (kw === "DEFERRED" || kw === "IMMEDIATE" || kw === "EXCLUSIVE") {
        p.advance();
        mode = kw;
      }
      parseTransOpt(p);
      return mode ? { kind: "begin", mode } : { kind: "begin" };
    }
    case "COMMIT":
    case "END":
      p.advance();
      parseTransOpt(p);
      return { kind: "commit" };
    case "ROLLBACK": {
      p.advance();
      parseTransOpt(p);
      if (p.eatKw("TO")) {
        p.eatKw("SAVEPOINT");
        return { kind: "rollback", savepoint: p.nm() };
      }
      return { kind: "rollback" };
    }
    case "SAVEPOINT":
      p.advance();
      return { kind: "savepoint", name: p.nm() };
    case "RELEASE":
      p.advance();
      p.eatKw("SAVEPOINT");
      return { kind: "release", name: p.nm() };
    case "PRAGMA":
      return parsePragma(p);
    case "VACUUM": {
      p.advance();
      const out: Body = { kind: "vacuum" };
      if (p.isNm() && !p.isKw("INTO")) out.schema = p.nm();
      if (p.eatKw("INTO")) out.into = parseExpr(p);
      return out;
    }
    case "ANALYZE":
    case "REINDEX": {
      p.advance();
      const out: { kind: "analyze" | "reindex"; schema?: string; name?: string } = {
        kind: first.kw === "ANALYZE" ? "analyze" : "reindex",
      };
      if (p.isNm()) {
        const a = p.nm();
        if (p.eat(Tok.DOT)) {
          out.schema = a;
          out.name = p.nm();
        } else {
          out.name = a;
        }
      }
      return out as Body;
    }
    case "ATTACH": {
      p.advance();
      p.eatKw("DATABASE");
      const file = parseExpr(p);
      p.expectKw("AS");
      const schema = parseExpr(p);
      if (p.eatKw("KEY")) return { kind: "attach", file, schema, key: parseExpr(p) };
      return { kind: "attach", file, schema };
    }
    case "DETACH":
      p.advance();
      p.eatKw("DATABASE");
      return { kind: "detach", schema: parseExpr(p) };
  }
  throw p.syntaxError();
}

/** A statement starting with a WITH clause: SELECT, INSERT, UPDATE or DELETE. */
function parseWithStatement(p: Parser): Body {
  const w = parseWith(p);
  switch (p.tok.kw) {
    case "INSERT":
    case "REPLACE":
      return parseInsert(p, w, false);
    case "UPDATE":
      return parseUpdate(p, w, false);
    case "DELETE":
      return parseDelete(p, w, false);
    default:
      return parseSelectNoWith(p, w);
  }
}

/** `[TRANSACTION [name]]` after BEGIN/COMMIT/END/ROLLBACK. */
function parseTransOpt(p: Parser): void {
  if (p.eatKw("TRANSACTION") && p.isNm()) p.advance();
}

function parsePragma(p: Parser): Body {
  p.advance();
  let schema: string | undefined;
  let name = p.nm();
  if (p.eat(Tok.DOT)) {
    schema = name;
    name = p.nm();
  }
  const out: Body = { kind: "pragma", name };
  if (schema !== undefined) out.schema = schema;
  let close = false;
  if (p.eat(Tok.EQ)) {
    // value follows
  } else if (p.eat(Tok.LP)) {
    close = true;
  } else {
    return out;
  }
  const t = p.tok;
  if (t.type === Tok.MINUS || t.type === Tok.PLUS) {
    p.advance();
    if (!p.is(Tok.INTEGER) && !p.is(Tok.FLOAT)) throw p.syntaxError();
    out.value = (t.type === Tok.MINUS ? "-" : "") + p.text(p.advance());
  } else if (t.type === Tok.INTEGER || t.type === Tok.FLOAT) {
    out.value = p.text(p.advance());
  } else if (p.isNm() || t.kw === "ON" || t.kw === "DELETE" || t.kw === "DEFAULT") {
    out.value = p.nameOf(p.advance());
  } else {
    throw p.syntaxError();
  }
  if (close) p.expect(Tok.RP);
  return out;
}

function parseConflictAction(p: Parser): ConflictAction {
  const kw = p.tok.kw;
  if (kw === "ROLLBACK" || kw === "ABORT" || kw === "FAIL" || kw === "IGNORE" || kw === "REPLACE") {
    p.advance();
    return kw;
  }
  throw p.syntaxError();
}

/** `[ON CONFLICT action]` */
function parseOnConf(p: Parser): ConflictAction | undefined {
  if (!p.isKw("ON")) return undefined;
  p.advance();
  p.expectKw("CONFLICT");
  return parseConflictAction(p);
}

/** `[OR action]` after INSERT / UPDATE. */
function parseOrConf(p: Parser): ConflictAction | undefined {
  if (!p.eatKw("OR")) return undefined;
  return parseConflictAction(p);
}

/** `nm [. nm]` → schema and name, plus the token of the object name. */
function parseFullName(p: Parser): { schema?: string; name: string; nameTok: Token } {
  let nameTok = p.tok;
  const a = p.nm();
  if (p.eat(Tok.DOT)) {
    nameTok = p.tok;
    return { schema: a, name: p.nm(), nameTok };
  }
  return { name: a, nameTok };
}

/** Target table of INSERT/UPDATE/DELETE (`xfullname`, or `trnm` inside a trigger). */
function parseTarget(
  p: Parser,
  inTrigger: boolean,
): { schema?: string; table: string; alias?: string } {
  const { schema, name } = parseFullName(p);
  // Inside a trigger a qualified name is an error SQLite reports once the command is parsed.
  if (inTrigger && schema !== undefined) p.triggerCmdError ??= QUALIFIED_IN_TRIGGER;
  const out: { schema?: string; table: string; alias?: string } = { table: name };
  if (schema !== undefined) out.schema = schema;
  if (p.eatKw("AS")) out.alias = p.nm();
  return out;
}

const QUALIFIED_IN_TRIGGER =
  "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements within triggers";

function parseIndexedBy(
  p: Parser,
  inTrigger: boolean,
): { indexedBy?: string; notIndexed?: boolean } {
  let out: { indexedBy?: string; notIndexed?: boolean } = {};
  if (p.isKw("INDEXED")) {
    p.advance();
    p.expectKw("BY");
    out = { indexedBy: p.nm() };
  } else if (p.isKw("NOT")) {
    p.advance();
    p.expectKw("INDEXED");
    out = { notIndexed: true };
  } else {
    return out;
  }
  if (inTrigger) {
    p.triggerCmdError ??=
      "the INDEXED BY clause is not allowed on UPDATE or DELETE statements within triggers";
  }
  return out;
}

function parseReturning(p: Parser): ResultColumn[] | undefined {
  if (!p.eatKw("RETURNING")) return undefined;
  return parseResultColumns(p);
}

function parseInsert(p: Parser, w: WithClause | undefined, inTrigger: boolean): Body {
  let orAction: ConflictAction | undefined;
  if (p.eatKw("REPLACE")) {
    orAction = "REPLACE";
  } else {
    p.expectKw("INSERT");
    orAction = parseOrConf(p);
  }
  p.expectKw("INTO");
  const target = parseTarget(p, inTrigger);
  const out: Omit<InsertStmt, keyof StmtBase> = {
    kind: "insert",
    ...target,
    select: null,
    upsert: [],
  };
  if (w) out.with = w;
  if (orAction) out.orAction = orAction;
  if (p.is(Tok.LP)) {
    p.advance();
    out.columns = parseIdList(p);
    p.expect(Tok.RP);
  }
  if (!inTrigger && p.isKw("DEFAULT")) {
    p.advance();
    p.expectKw("VALUES");
    const returning = parseReturning(p);
    if (returning) out.returning = returning;
    return out;
  }
  if (!startsSelect(p)) throw p.syntaxError();
  out.select = parseSelect(p);
  while (p.isKw("ON")) {
    p.advance();
    p.expectKw("CONFLICT");
    const upsert: Upsert = { action: { kind: "nothing" } };
    let hasTarget = false;
    if (p.is(Tok.LP)) {
      p.advance();
      const columns = parseIndexedColumns(p);
      p.expect(Tok.RP);
      upsert.target = { columns };
      if (p.eatKw("WHERE")) upsert.target.where = parseExpr(p);
      hasTarget = true;
    }
    p.expectKw("DO");
    if (p.eatKw("NOTHING")) {
      upsert.action = { kind: "nothing" };
    } else {
      p.expectKw("UPDATE");
      p.expectKw("SET");
      const set = parseSetList(p);
      upsert.action = { kind: "update", set };
      if (p.eatKw("WHERE")) upsert.action.where = parseExpr(p);
    }
    out.upsert.push(upsert);
    if (!hasTarget) break;
  }
  const returning = parseReturning(p);
  if (returning) out.returning = returning;
  return out;
}

function parseSetList(p: Parser): SetClause[] {
  const set: SetClause[] = [];
  do {
    let columns: string[];
    const vector = p.is(Tok.LP);
    if (vector) {
      p.advance();
      columns = parseIdList(p);
      p.expect(Tok.RP);
    } else {
      columns = [p.nm()];
    }
    p.expect(Tok.EQ);
    const expr = parseExpr(p);
    if (vector && expr.kind !== "subquery") {
      const n = expr.kind === "row" ? expr.items.length : 1;
      if (n !== columns.length) p.defer(`${columns.length} columns assigned ${n} values`);
    }
    set.push({ columns, expr });
  } while (p.eat(Tok.COMMA));
  return set;
}

function parseUpdate(p: Parser, w: WithClause | undefined, inTrigger: boolean): Body {
  p.expectKw("UPDATE");
  const orAction = parseOrConf(p);
  const target = parseTarget(p, inTrigger);
  const idx = parseIndexedBy(p, inTrigger);
  p.expectKw("SET");
  const out: Omit<UpdateStmt, keyof StmtBase> = {
    kind: "update",
    ...target,
    ...idx,
    set: parseSetList(p),
  };
  if (w) out.with = w;
  if (orAction) out.orAction = orAction;
  if (p.eatKw("FROM")) out.from = parseFrom(p);
  if (p.eatKw("WHERE")) out.where = parseExpr(p);
  if (!inTrigger) {
    const returning = parseReturning(p);
    if (returning) out.returning = returning;
    if (UPDATE_DELETE_LIMIT) {
      if (p.isKw("ORDER")) out.orderBy = parseOrderBy(p);
      if (p.isKw("LIMIT")) parseLimit(p, out);
    }
  }
  return out;
}

function parseDelete(p: Parser, w: WithClause | undefined, inTrigger: boolean): Body {
  p.expectKw("DELETE");
  p.expectKw("FROM");
  const target = parseTarget(p, inTrigger);
  const out: Omit<DeleteStmt, keyof StmtBase> = {
    kind: "delete",
    ...target,
    ...parseIndexedBy(p, inTrigger),
  };
  if (w) out.with = w;
  if (p.eatKw("WHERE")) out.where = parseExpr(p);
  if (!inTrigger) {
    const returning = parseReturning(p);
    if (returning) out.returning = returning;
    if (UPDATE_DELETE_LIMIT) {
      if (p.isKw("ORDER")) out.orderBy = parseOrderBy(p);
      if (p.isKw("LIMIT")) parseLimit(p, out);
    }
  }
  return out;
}

/** `IF NOT EXISTS` → true when present. */
function parseIfNotExists(p: Parser): boolean {
  if (!p.isKw("IF")) return false;
  p.advance();
  p.expectKw("NOT");
  p.expectKw("EXISTS");
  return true;
}

function parseCreate(p: Parser): Body {
  p.advance();
  if (p.isKw("VIRTUAL")) return parseCreateVirtual(p);
  let unique = false;
  let temp = false;
  if (p.eatKw("TEMP")) {
    temp = true;
  } else if (p.eatKw("UNIQUE")) {
    unique = true;
  }
  const what = p.tok.kw;
  if (what === "TABLE" && !unique) return parseCreateTable(p, temp);
  if (what === "INDEX" && !temp) return parseCreateIndex(p, unique);
  if (what === "VIEW" && !unique) return parseCreateView(p, temp);
  if (what === "TRIGGER" && !unique) return parseCreateTrigger(p, temp);
  throw p.syntaxError();
}

function schemaText(p: Parser, prefix: string, nameTok: Token): string {
  return prefix + p.sql.slice(nameTok.start, p.prev.end);
}

function parseCreateTable(p: Parser, temp: boolean): Body {
  p.expectKw("TABLE");
  const ifNotExists = parseIfNotExists(p);
  const { schema, name, nameTok } = parseFullName(p);
  const out: Omit<CreateTableStmt, keyof StmtBase> = {
    kind: "createTable",
    temp,
    ifNotExists,
    name,
    columns: [],
    constraints: [],
    withoutRowid: false,
    strict: false,
    schemaSql: "",
  };
  if (schema !== undefined) out.schema = schema;
  if (p.eatKw("AS")) {
    out.asSelect = parseSelect(p);
    out.schemaSql = schemaText(p, "CREATE TABLE ", nameTok);
    return out;
  }
  p.expect(Tok.LP);
  const check = new TableChecks(p, name);
  let sawConstraint = false;
  do {
    if (out.columns.length > 0 && isTableConstraintStart(p)) {
      sawConstraint = true;
      break;
    }
    out.columns.push(parseColumnDef(p, check));
  } while (p.eat(Tok.COMMA));
  if (sawConstraint) {
    // Table constraints, separated by optional commas.
    for (;;) {
      const before = out.constraints.length;
      parseTableConstraint(p, out.constraints);
      const c = out.constraints[out.constraints.length - 1];
      if (out.constraints.length > before && c.kind === "primaryKey") {
        check.tablePrimaryKey(c.columns, c.autoincrement, out.columns);
      }
      if (p.is(Tok.RP)) break;
      p.eat(Tok.COMMA);
    }
  }
  p.expect(Tok.RP);
  // The option list may start with an empty option: `CREATE TABLE t(x), STRICT` is valid.
  if (p.isNm() || p.isKw("WITHOUT") || p.is(Tok.COMMA)) {
    if (p.is(Tok.COMMA)) p.advance();
    do {
      const without = p.eatKw("WITHOUT");
      const t = p.tok;
      const opt = p.nm().toLowerCase();
      // SQLite checks the option when it reduces it, after seeing a valid next token.
      if (without && opt === "rowid") out.withoutRowid = true;
      else if (!without && opt === "strict") out.strict = true;
      else p.defer(`unknown table option: ${p.text(t)}`);
    } while (p.eat(Tok.COMMA));
  }
  out.schemaSql = schemaText(p, "CREATE TABLE ", nameTok);
  return out;
}

/** The checks SQLite makes while it parses a column list (build.c). */
class TableChecks {
  private names = new Set<string>();
  private hasPrimaryKey = false;

  constructor(private p: Parser, private table: string) {}

  /** Duplicate column names (checked once the name and type are parsed). */
  column(col: ColumnDef): void {
    const key = asciiLower(col.name);
    if (this.names.has(key)) this.p.defer(`duplicate column name: ${col.name}`);
    this.names.add(key);
  }

  /** A column PRIMARY KEY constraint. */
  columnPrimaryKey(col: ColumnDef, order: string | undefined, autoincrement: boolean): void {
    this.primaryKey();
    if (col.constraints.some((k) => k.kind === "generated")) {
      this.p.defer("generated columns cannot be part of the PRIMARY KEY");
    }
    const ipk = col.type === "INTEGER" && order !== "DESC";
    if (autoincrement && !ipk) {
      this.p.defer("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
    }
  }

  /** A table-constraint PRIMARY KEY. */
  tablePrimaryKey(cols: IndexedColumn[], autoincrement: boolean, defs: ColumnDef[]): void {
    this.primaryKey();
    for (const c of cols) {
      const def = c.name === undefined
        ? undefined
        : defs.find((d) => asciiLower(d.name) === asciiLower(c.name!));
      if (def && def.constraints.some((k) => k.kind === "generated")) {
        this.p.defer("generated columns cannot be part of the PRIMARY KEY");
      }
    }
    if (!autoincrement) return;
    const name = cols.length === 1 ? cols[0].name : undefined;
    const def = name === undefined
      ? undefined
      : defs.find((d) => asciiLower(d.name) === asciiLower(name));
    if (def?.type !== "INTEGER") {
      this.p.defer("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
    }
  }

  private primaryKey(): void {
    if (this.hasPrimaryKey) {
      this.p.defer(`table "${this.table}" has more than one primary key`);
    }
    this.hasPrimaryKey = true;
  }
}

/** SQLite compares identifiers case-insensitively for ASCII letters only. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function isTableConstraintStart(p: Parser): boolean {
  const kw = p.tok.kw;
  return kw === "CONSTRAINT" || kw === "PRIMARY" || kw === "UNIQUE" || kw === "CHECK" ||
    kw === "FOREIGN";
}

/** Parses `name [type] [constraints]`. */
function parseColumnDef(p: Parser, check?: TableChecks): ColumnDef {
  const name = p.nm();
  const col: ColumnDef = { name, constraints: [] };
  const type = parseTypeName(p);
  if (type !== undefined) col.type = type;
  check?.column(col);
  let pendingName: string | undefined;
  const add = (c: ColumnConstraint): void => {
    if (pendingName !== undefined) {
      c.name = pendingName;
      pendingName = undefined;
    }
    col.constraints.push(c);
  };
  for (;;) {
    const kw = p.tok.kw;
    if (kw === "CONSTRAINT") {
      p.advance();
      pendingName = p.nm();
    } else if (kw === "PRIMARY") {
      p.advance();
      p.expectKw("KEY");
      let order: "ASC" | "DESC" | undefined;
      if (p.isKw("ASC") || p.isKw("DESC")) order = p.advance().kw as "ASC" | "DESC";
      const onConflict = parseOnConf(p);
      const autoincrement = p.eatKw("AUTOINCREMENT");
      check?.columnPrimaryKey(col, order, autoincrement);
      const c: ColumnConstraint = { kind: "primaryKey", autoincrement };
      if (order) c.order = order;
      if (onConflict) c.onConflict = onConflict;
      add(c);
    } else if (kw === "NOT" && p.peek().kw !== "DEFERRABLE") {
      p.advance();
      p.expectKw("NULL");
      const onConflict = parseOnConf(p);
      add(onConflict ? { kind: "notNull", onConflict } : { kind: "notNull" });
    } else if (kw === "NULL") {
      p.advance();
      parseOnConf(p);
      add({ kind: "null" });
    } else if (kw === "UNIQUE") {
      p.advance();
      const onConflict = parseOnConf(p);
      add(onConflict ? { kind: "unique", onConflict } : { kind: "unique" });
    } else if (kw === "CHECK") {
      p.advance();
      p.expect(Tok.LP);
      const expr = parseExpr(p);
      p.expect(Tok.RP);
      add({ kind: "check", expr });
    } else if (kw === "DEFAULT") {
      p.advance();
      const d = parseDefault(p);
      if (col.constraints.some((k) => k.kind === "generated")) {
        p.defer("cannot use DEFAULT on a generated column");
      }
      add(d);
    } else if (kw === "COLLATE") {
      p.advance();
      add({ kind: "collate", collation: p.ids() });
    } else if (kw === "REFERENCES") {
      add({ kind: "references", fk: parseReferences(p) });
    } else if (kw === "DEFERRABLE" || (kw === "NOT" && p.peek().kw === "DEFERRABLE")) {
      const d = parseDeferrable(p);
      const last = col.constraints[col.constraints.length - 1];
      if (last && last.kind === "references") last.fk.deferrable = d;
    } else if (kw === "GENERATED" || kw === "AS") {
      if (kw === "GENERATED") {
        p.advance();
        p.expectKw("ALWAYS");
      }
      p.expectKw("AS");
      p.expect(Tok.LP);
      const expr = parseExpr(p);
      p.expect(Tok.RP);
      let stored = false;
      // SQLite keeps the generating expression where the default goes, so a
      // DEFAULT, a second GENERATED, or an earlier PRIMARY KEY is an error.
      let bad = col.constraints.some((c) =>
        c.kind === "primaryKey" || c.kind === "default" || c.kind === "generated"
      );
      if (p.isId() && !p.isKw("INDEXED")) {
        // Any identifier may follow; SQLite complains about it once the rule is reduced.
        const word = p.text(p.advance()).toLowerCase();
        if (word === "stored") stored = true;
        else if (word !== "virtual") bad = true;
      }
      if (bad) p.defer(`error in generated column "${col.name}"`);
      add({ kind: "generated", expr, stored });
    } else {
      return col;
    }
  }
}

/** The value after DEFAULT, with the source text SQLite keeps for it. */
function parseDefault(p: Parser): ColumnConstraint {
  const t = p.tok;
  if (t.type === Tok.LP) {
    p.advance();
    const expr = parseExpr(p);
    const close = p.expect(Tok.RP);
    return { kind: "default", expr, text: p.sql.slice(t.end, close.start).trim() };
  }
  if (t.type === Tok.PLUS || t.type === Tok.MINUS) {
    p.advance();
    const term = parseTerm(p);
    if (!term) throw p.syntaxError();
    const text = p.sql.slice(t.start, p.prev.end);
    if (t.type === Tok.PLUS) return { kind: "default", expr: term, text };
    return { kind: "default", expr: negate(p, term), text };
  }
  const term = parseTerm(p);
  if (term) return { kind: "default", expr: term, text: p.text(t) };
  if (p.isId()) {
    p.advance();
    const raw = p.text(t);
    let expr: Expr = { kind: "literal", value: p.nameOf(t) };
    if (t.kw === "" && (raw.toLowerCase() === "true" || raw.toLowerCase() === "false")) {
      expr = { kind: "literal", value: raw.toLowerCase() === "true" ? 1 : 0, bool: true };
    }
    return { kind: "default", expr, text: raw };
  }
  throw p.syntaxError();
}

function parseDeferrable(p: Parser): { not: boolean; initially?: "DEFERRED" | "IMMEDIATE" } {
  const not = p.eatKw("NOT");
  p.expectKw("DEFERRABLE");
  if (p.eatKw("INITIALLY")) {
    if (p.isKw("DEFERRED") || p.isKw("IMMEDIATE")) {
      return { not, initially: p.advance().kw as "DEFERRED" | "IMMEDIATE" };
    }
    throw p.syntaxError();
  }
  return { not };
}

/** `REFERENCES table [(cols)] refargs`. */
function parseReferences(p: Parser): ForeignKeyClause {
  p.expectKw("REFERENCES");
  const fk: ForeignKeyClause = { table: p.nm() };
  if (p.is(Tok.LP)) {
    p.advance();
    fk.columns = parseEidList(p);
    p.expect(Tok.RP);
  }
  for (;;) {
    if (p.eatKw("MATCH")) {
      fk.match = p.nm();
    } else if (p.isKw("ON")) {
      p.advance();
      const which = p.tok.kw;
      if (which !== "DELETE" && which !== "UPDATE" && which !== "INSERT") throw p.syntaxError();
      p.advance();
      const action = parseFkAction(p);
      if (which === "DELETE") fk.onDelete = action;
      else if (which === "UPDATE") fk.onUpdate = action;
    } else {
      return fk;
    }
  }
}

function parseFkAction(p: Parser): FkAction {
  const kw = p.tok.kw;
  if (kw === "SET") {
    p.advance();
    if (p.eatKw("NULL")) return "SET NULL";
    p.expectKw("DEFAULT");
    return "SET DEFAULT";
  }
  if (kw === "CASCADE" || kw === "RESTRICT") {
    p.advance();
    return kw;
  }
  if (kw === "NO") {
    p.advance();
    p.expectKw("ACTION");
    return "NO ACTION";
  }
  throw p.syntaxError();
}

/** Parses `expr [COLLATE c] [ASC|DESC], ...` into indexed columns. */
export function parseIndexedColumns(p: Parser): IndexedColumn[] {
  return parseSortList(p).map((term) => {
    let expr = term.expr;
    const col: IndexedColumn = { expr };
    if (expr.kind === "collate") {
      // The outermost COLLATE applies; SQLite skips any others to find the column.
      col.collation = expr.collation;
      while (expr.kind === "collate") expr = expr.expr;
      col.expr = expr;
    }
    if (expr.kind === "column" && expr.table === undefined) col.name = expr.name;
    // SQLite reads a string here as a column name, for backwards compatibility.
    if (expr.kind === "literal" && typeof expr.value === "string") col.name = expr.value;
    if (term.order) col.order = term.order;
    return col;
  });
}

/** PRIMARY KEY(...) and UNIQUE(...) take column names only. */
function checkConstraintColumns(p: Parser, columns: IndexedColumn[]): void {
  if (columns.some((c) => c.name === undefined)) {
    p.defer("expressions prohibited in PRIMARY KEY and UNIQUE constraints");
  }
}

function parseTableConstraint(p: Parser, out: TableConstraint[]): void {
  let name: string | undefined;
  if (p.eatKw("CONSTRAINT")) {
    name = p.nm();
    if (!isTableConstraintStart(p) || p.isKw("CONSTRAINT")) return;
  }
  const kw = p.tok.kw;
  let c: TableConstraint;
  if (kw === "PRIMARY") {
    p.advance();
    p.expectKw("KEY");
    p.expect(Tok.LP);
    const columns = parseIndexedColumns(p);
    const autoincrement = p.eatKw("AUTOINCREMENT");
    p.expect(Tok.RP);
    const onConflict = parseOnConf(p);
    checkConstraintColumns(p, columns);
    c = { kind: "primaryKey", columns, autoincrement };
    if (onConflict) c.onConflict = onConflict;
  } else if (kw === "UNIQUE") {
    p.advance();
    p.expect(Tok.LP);
    const columns = parseIndexedColumns(p);
    p.expect(Tok.RP);
    const onConflict = parseOnConf(p);
    checkConstraintColumns(p, columns);
    c = onConflict ? { kind: "unique", columns, onConflict } : { kind: "unique", columns };
  } else if (kw === "CHECK") {
    p.advance();
    p.expect(Tok.LP);
    const expr = parseExpr(p);
    p.expect(Tok.RP);
    parseOnConf(p);
    c = { kind: "check", expr };
  } else if (kw === "FOREIGN") {
    p.advance();
    p.expectKw("KEY");
    p.expect(Tok.LP);
    const columns = parseEidList(p);
    p.expect(Tok.RP);
    const fk = parseReferences(p);
    if (p.isKw("DEFERRABLE") || p.isKw("NOT")) {
      fk.deferrable = parseDeferrable(p);
    }
    c = { kind: "foreignKey", columns, fk };
  } else {
    throw p.syntaxError();
  }
  if (name !== undefined) c.name = name;
  out.push(c);
}

function parseCreateIndex(p: Parser, unique: boolean): Body {
  p.expectKw("INDEX");
  const ifNotExists = parseIfNotExists(p);
  const { schema, name, nameTok } = parseFullName(p);
  p.expectKw("ON");
  const table = p.nm();
  p.expect(Tok.LP);
  const columns = parseIndexedColumns(p);
  p.expect(Tok.RP);
  const out: Omit<CreateIndexStmt, keyof StmtBase> = {
    kind: "createIndex",
    unique,
    ifNotExists,
    name,
    table,
    columns,
    schemaSql: "",
  };
  if (schema !== undefined) out.schema = schema;
  if (p.eatKw("WHERE")) out.where = parseExpr(p);
  out.schemaSql = schemaText(p, unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ", nameTok);
  return out;
}

function parseCreateView(p: Parser, temp: boolean): Body {
  p.expectKw("VIEW");
  const ifNotExists = parseIfNotExists(p);
  const { schema, name, nameTok } = parseFullName(p);
  let columns: string[] | undefined;
  if (p.is(Tok.LP)) {
    p.advance();
    columns = parseEidList(p);
    p.expect(Tok.RP);
  }
  p.expectKw("AS");
  const select = parseSelect(p);
  const out: Omit<CreateViewStmt, keyof StmtBase> = {
    kind: "createView",
    temp,
    ifNotExists,
    name,
    select,
    schemaSql: schemaText(p, "CREATE VIEW ", nameTok),
  };
  if (schema !== undefined) out.schema = schema;
  if (columns) out.columns = columns;
  return out;
}

function parseCreateTrigger(p: Parser, temp: boolean): Body {
  p.expectKw("TRIGGER");
  const ifNotExists = parseIfNotExists(p);
  const { schema, name, nameTok } = parseFullName(p);
  let timing: "BEFORE" | "AFTER" | "INSTEAD OF" = "BEFORE";
  if (p.isKw("BEFORE") || p.isKw("AFTER")) {
    timing = p.advance().kw as "BEFORE" | "AFTER";
  } else if (p.isKw("INSTEAD")) {
    p.advance();
    p.expectKw("OF");
    timing = "INSTEAD OF";
  }
  const ev = p.tok.kw;
  if (ev !== "DELETE" && ev !== "INSERT" && ev !== "UPDATE") throw p.syntaxError();
  p.advance();
  let updateColumns: string[] | undefined;
  if (ev === "UPDATE" && p.eatKw("OF")) updateColumns = parseIdList(p);
  p.expectKw("ON");
  const tableName = parseFullName(p);
  let forEachRow = false;
  if (p.eatKw("FOR")) {
    p.expectKw("EACH");
    p.expectKw("ROW");
    forEachRow = true;
  }
  let when: Expr | undefined;
  if (p.eatKw("WHEN")) when = parseExpr(p);
  p.expectKw("BEGIN");
  const body: CreateTriggerStmt["body"] = [];
  do {
    const first = p.tok;
    let stmt: Body;
    switch (first.kw) {
      case "UPDATE":
        stmt = parseUpdate(p, undefined, true);
        break;
      case "INSERT":
      case "REPLACE":
        stmt = parseInsert(p, undefined, true);
        break;
      case "DELETE":
        stmt = parseDelete(p, undefined, true);
        break;
      default:
        if (!startsSelect(p)) throw p.syntaxError();
        stmt = parseSelect(p);
    }
    body.push(finish(p, stmt, first) as CreateTriggerStmt["body"][number]);
    if (p.triggerCmdError !== undefined) {
      p.defer(p.triggerCmdError);
      p.triggerCmdError = undefined;
    }
    p.expect(Tok.SEMI);
  } while (!p.isKw("END"));
  p.advance();
  const out: Omit<CreateTriggerStmt, keyof StmtBase> = {
    kind: "createTrigger",
    temp,
    ifNotExists,
    name,
    timing,
    event: ev,
    table: tableName.name,
    forEachRow,
    body,
    schemaSql: schemaText(p, "CREATE TRIGGER ", nameTok),
  };
  if (schema !== undefined) out.schema = schema;
  if (updateColumns) out.updateColumns = updateColumns;
  if (when) out.when = when;
  return out;
}

function parseCreateVirtual(p: Parser): Body {
  p.expectKw("VIRTUAL");
  p.expectKw("TABLE");
  const ifNotExists = parseIfNotExists(p);
  const { schema, name, nameTok } = parseFullName(p);
  p.expectKw("USING");
  const module = p.nm();
  const args: string[] = [];
  if (p.is(Tok.LP)) {
    p.advance();
    let depth = 0;
    let argStart = p.tok.start;
    for (;;) {
      const t = p.tok;
      if (t.type === Tok.EOF) throw p.syntaxError();
      if (t.type === Tok.LP) depth++;
      if (t.type === Tok.RP) {
        if (depth === 0) break;
        depth--;
      }
      if (t.type === Tok.COMMA && depth === 0) {
        args.push(p.sql.slice(argStart, t.start).trim());
        p.advance();
        argStart = p.tok.start;
        continue;
      }
      p.advance();
    }
    const last = p.sql.slice(argStart, p.tok.start).trim();
    if (last !== "" || args.length > 0) args.push(last);
    p.expect(Tok.RP);
  }
  const out: Omit<CreateVirtualTableStmt, keyof StmtBase> = {
    kind: "createVirtualTable",
    ifNotExists,
    name,
    module,
    args,
    schemaSql: schemaText(p, "CREATE VIRTUAL TABLE ", nameTok),
  };
  if (schema !== undefined) out.schema = schema;
  return out;
}

function parseDrop(p: Parser): Body {
  p.advance();
  const kw = p.tok.kw;
  if (kw !== "TABLE" && kw !== "INDEX" && kw !== "VIEW" && kw !== "TRIGGER") throw p.syntaxError();
  p.advance();
  let ifExists = false;
  if (p.isKw("IF")) {
    p.advance();
    p.expectKw("EXISTS");
    ifExists = true;
  }
  const { schema, name } = parseFullName(p);
  const out: Body = {
    kind: "drop",
    objectType: kw.toLowerCase() as "table" | "index" | "view" | "trigger",
    ifExists,
    name,
  };
  if (schema !== undefined) out.schema = schema;
  return out;
}

function parseAlter(p: Parser): Body {
  p.advance();
  p.expectKw("TABLE");
  const { schema, name } = parseFullName(p);
  let action: AlterTableStmt["action"];
  if (p.eatKw("RENAME")) {
    if (p.eatKw("TO")) {
      action = { kind: "renameTable", newName: p.nm() };
    } else {
      p.eatKw("COLUMN");
      const column = p.nm();
      p.expectKw("TO");
      action = { kind: "renameColumn", column, newName: p.nm() };
    }
  } else if (p.isKw("ADD") && (p.peek().kw === "CHECK" || p.peek().kw === "CONSTRAINT")) {
    p.advance();
    const start = p.tok.start;
    let name: string | undefined;
    if (p.eatKw("CONSTRAINT")) name = p.nm();
    p.expectKw("CHECK");
    p.expect(Tok.LP);
    const expr = parseExpr(p);
    p.expect(Tok.RP);
    const onConflict = parseOnConf(p);
    action = { kind: "addCheck", expr, text: p.sql.slice(start, p.prev.end) };
    if (name !== undefined) action.name = name;
    if (onConflict) action.onConflict = onConflict;
  } else if (p.eatKw("ALTER")) {
    p.eatKw("COLUMN");
    const column = p.nm();
    if (p.eatKw("SET")) {
      p.expectKw("NOT");
      p.expectKw("NULL");
      const onConflict = parseOnConf(p);
      action = onConflict
        ? { kind: "setNotNull", column, onConflict }
        : { kind: "setNotNull", column };
    } else {
      p.expectKw("DROP");
      p.expectKw("NOT");
      p.expectKw("NULL");
      action = { kind: "dropNotNull", column };
    }
  } else if (p.isKw("DROP") && p.peek().kw === "CONSTRAINT") {
    p.advance();
    p.advance();
    action = { kind: "dropConstraint", name: p.nm() };
  } else if (p.eatKw("ADD")) {
    p.eatKw("COLUMN");
    const start = p.tok.start;
    const column = parseColumnDef(p);
    action = { kind: "addColumn", column, text: p.sql.slice(start, p.prev.end) };
  } else if (p.eatKw("DROP")) {
    p.eatKw("COLUMN");
    action = { kind: "dropColumn", column: p.nm() };
  } else {
    throw p.syntaxError();
  }
  const out: Body = { kind: "alterTable", table: name, action };
  if (schema !== undefined) out.schema = schema;
  return out;
}
