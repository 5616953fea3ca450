/**
 * The "^--- error here" context sqlite3 prints under a parse error. SQLite reports the
 * byte offset of the offending token (sqlite3_error_offset); our engine's errors carry no
 * offset, so it is recovered from the message and the statement's tokens.
 * @module
 */

import { parseOne } from "../sql/parser.ts";
import { dequote, tokenize } from "../sql/lexer.ts";
import { Tok } from "../sql/tokens.ts";

/** The offset in `sql` of the token the error `message` is about, or -1 when unknown. */
export function errorOffset(sql: string, message: string): number {
  let m = /^near "([\s\S]*)": syntax error$/.exec(message);
  if (m) return syntaxErrorOffset(sql, message, m[1]);
  m = /^unrecognized token: "([\s\S]*)"$/.exec(message);
  if (m) return sql.indexOf(m[1]);
  m = /^(?:no such column|ambiguous column name): (.*)$/.exec(message);
  if (m) return nameOffset(sql, m[1].split("."), false);
  m = /^(?:no such function: (.*)|wrong number of arguments to function (.*)\(\))$/.exec(message);
  if (m) return nameOffset(sql, [m[1] ?? m[2]], true);
  return -1;
}

function tokensOf(sql: string) {
  try {
    return tokenize(sql);
  } catch {
    return [];
  }
}

/**
 * The syntax error is at the occurrence E of the token text for which parsing the text
 * before E fails differently (or not at all) while every later prefix fails the same way.
 */
function syntaxErrorOffset(sql: string, message: string, text: string): number {
  const starts = tokensOf(sql).filter((t) => sql.slice(t.start, t.end) === text).map((t) =>
    t.start
  );
  if (text === "" || starts.length === 0) return -1;
  for (let k = starts.length - 1; k >= 0; k--) {
    let same = false;
    try {
      parseOne(sql.slice(0, starts[k]));
    } catch (e) {
      same = e instanceof Error && e.message === message;
    }
    if (!same) return starts[k];
  }
  return starts[0];
}

function nameOffset(sql: string, parts: string[], call: boolean): number {
  const toks = tokensOf(sql);
  const eq = (i: number, name: string) =>
    toks[i]?.type === Tok.ID &&
    dequote(sql.slice(toks[i].start, toks[i].end)).toLowerCase() === name.toLowerCase();
  for (let i = 0; i < toks.length; i++) {
    let ok = true;
    for (let p = 0; p < parts.length && ok; p++) {
      ok = eq(i + 2 * p, parts[p]) && (p === 0 || toks[i + 2 * p - 1]?.type === Tok.DOT);
    }
    if (ok && call) ok = toks[i + 1]?.type === Tok.LP;
    if (ok && !call && parts.length === 1) ok = toks[i - 1]?.type !== Tok.DOT;
    if (ok) return toks[i].start;
  }
  return -1;
}

/** shell_error_context: the statement's first 78 characters and a marker under the offset. */
export function errorContext(sql: string, offset: number): string {
  if (offset < 0) return "";
  let z = sql;
  let off = offset;
  while (off > 50) {
    off--;
    z = z.slice(1);
  }
  const code = z.slice(0, 78).replace(/\s/g, " ");
  if (off < 25) return `\n  ${code}\n  ${" ".repeat(off)}^--- error here`;
  return `\n  ${code}\n  ${" ".repeat(off - 14)}error here ---^`;
}
