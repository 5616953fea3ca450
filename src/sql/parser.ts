/**
 * The SQL parser's entry points.
 *
 * `parse` turns a script into statements; `parseOne` parses the statement at an
 * offset and reports where the next one starts, so `exec()` can run statements
 * one at a time and `prepare()` can take the first and know the tail.
 * @module
 */

import { SqliteError } from "../errors.ts";
import type { Statement } from "./ast.ts";
import { Parser } from "./parser_core.ts";
import { parseStatement } from "./parse_stmt.ts";
import { Tok } from "./tokens.ts";

/** The result of {@link parseOne}. */
export interface ParseOneResult {
  /** The statement, or null when only whitespace, comments and `;` remain. */
  stmt: Statement | null;
  /** Offset just past the statement's terminating `;` (or the end of the input). */
  end: number;
}

/**
 * Parses the first statement at or after `offset` in `sql`.
 *
 * Empty statements (`;;`) are skipped. Throws SqliteError(SQLITE_ERROR) with
 * SQLite's message on a syntax error.
 */
export function parseOne(sql: string, offset = 0): ParseOneResult {
  try {
    return parseOneUnguarded(sql, offset);
  } catch (e) {
    // The nesting budget should stop deep input first; this guards a deep caller stack.
    if (e instanceof RangeError) throw new SqliteError("SQLITE_ERROR", "Recursion limit");
    throw e;
  }
}

function parseOneUnguarded(sql: string, offset: number): ParseOneResult {
  const p = new Parser(sql, offset);
  while (p.is(Tok.SEMI)) p.advance();
  if (p.is(Tok.EOF)) return { stmt: null, end: sql.length };
  const stmt = parseStatement(p);
  if (p.is(Tok.SEMI) || p.is(Tok.EOF)) p.finishStatement();
  if (p.is(Tok.SEMI)) return { stmt, end: p.tok.end };
  if (p.is(Tok.EOF)) return { stmt, end: sql.length };
  throw p.syntaxError();
}

/** Parses a whole script into its statements (empty statements are skipped). */
export function parse(sql: string): Statement[] {
  const out: Statement[] = [];
  let offset = 0;
  for (;;) {
    const { stmt, end } = parseOne(sql, offset);
    if (stmt === null) return out;
    out.push(stmt);
    offset = end;
  }
}
