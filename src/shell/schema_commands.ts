/**
 * `.tables`, `.indexes`, `.schema` and `.dump`: read sqlite_schema and print what sqlite3
 * prints.
 * @module
 */

import type { SqlValue } from "../record/value.ts";
import { likeRegExp } from "./dot_args.ts";
import { sqlLiteral } from "./render.ts";
import { quoteIdent } from "./settings.ts";
import { DotResult, type Shell } from "./shell.ts";
import { isComplete } from "./sql_complete.ts";

/** One row of sqlite_schema. */
export interface SchemaRow {
  /** table, index, view or trigger. */
  type: string;
  /** Object name. */
  name: string;
  /** Table the object belongs to. */
  tblName: string;
  /** Root page (0 for views and triggers). */
  rootpage: number;
  /** CREATE text (null for automatic indexes). */
  sql: string | null;
}

/** The rows of sqlite_schema in rowid order. */
export function schemaRows(shell: Shell): SchemaRow[] {
  const rows = shell.session.query(
    "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema",
  );
  return rows.map((r) => ({
    type: String(r[0] ?? ""),
    name: String(r[1] ?? ""),
    tblName: String(r[2] ?? ""),
    rootpage: Number(r[3] ?? 0),
    sql: r[4] === null ? null : String(r[4]),
  }));
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Prints names in columns, as `.tables` does (80 characters wide, filled down then across). */
export function printColumns(shell: Shell, names: string[]): void {
  if (names.length === 0) return;
  const maxlen = Math.max(...names.map((n) => n.length));
  const nPrintCol = Math.max(1, Math.floor(80 / (maxlen + 2)));
  const nPrintRow = Math.ceil(names.length / nPrintCol);
  let text = "";
  for (let i = 0; i < nPrintRow; i++) {
    for (let j = i; j < names.length; j += nPrintRow) {
      text += (j < nPrintRow ? "" : "  ") + names[j].padEnd(maxlen);
    }
    text += "\n";
  }
  shell.out.write(text);
}

/** `.tables ?PATTERN?` */
export function tablesCommand(shell: Shell, args: string[]): DotResult {
  const like = args[1] !== undefined ? likeRegExp(args[1]) : undefined;
  const names = schemaRows(shell)
    .filter((r) => (r.type === "table" || r.type === "view") && !/^sqlite_/i.test(r.name))
    .map((r) => r.name)
    .filter((n) => !like || like.test(n))
    .sort(byteOrder);
  printColumns(shell, names);
  return DotResult.OK;
}

/** `.indexes ?TABLE?` */
export function indexesCommand(shell: Shell, args: string[]): DotResult {
  if (args.length > 2) {
    shell.error("Usage: .indexes ?LIKE-PATTERN?");
    return DotResult.ERROR;
  }
  const like = args[1] !== undefined ? likeRegExp(args[1]) : undefined;
  const names = schemaRows(shell)
    .filter((r) => r.type === "index" && (!like || like.test(r.tblName)))
    .map((r) => r.name)
    .sort(byteOrder);
  printColumns(shell, names);
  return DotResult.OK;
}

/** printSchemaLine: closes a trailing comment, and quoted CREATE TABLE names get IF NOT EXISTS. */
export function schemaLine(sql: string, tail: string): string {
  let z = sql;
  if (tail.startsWith(";") && (z.includes("/*") || z.includes("--"))) {
    for (const term of ["", "*/", "\n"]) {
      if (isComplete(z + term + ";")) {
        z = z + term;
        break;
      }
    }
  }
  if (/^CREATE TABLE ['"]/.test(z)) return `CREATE TABLE IF NOT EXISTS ${z.slice(13)}${tail}`;
  return z + tail;
}

/** `.schema ?PATTERN?` */
export function schemaCommand(shell: Shell, args: string[]): DotResult {
  const pattern = args.slice(1).find((a) => !a.startsWith("-"));
  const like = pattern !== undefined ? likeRegExp(pattern) : undefined;
  let text = "";
  for (const r of schemaRows(shell)) {
    if (r.sql === null) continue;
    if (like && !like.test(r.tblName)) continue;
    text += schemaLine(r.sql, ";\n");
  }
  shell.out.write(text);
  return DotResult.OK;
}

/** `.dump ?TABLE?` */
export function dumpCommand(shell: Shell, args: string[]): DotResult {
  const patterns = args.slice(1).filter((a) => !a.startsWith("-")).map((p) => likeRegExp(p));
  // sqlite3 3.40 matches a .dump argument against the object's name (so `.dump t` leaves
  // out t's indexes).
  const matches = (name: string) => patterns.length === 0 || patterns.some((re) => re.test(name));
  const out = shell.out;
  let errors = 0;
  out.write("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
  const rows = schemaRows(shell);
  const tables = rows.filter((r) => r.type === "table" && r.sql !== null && matches(r.name));
  tables.sort((a, b) =>
    Number(a.name === "sqlite_sequence") - Number(b.name === "sqlite_sequence")
  );
  for (const t of tables) {
    const sql = t.sql!;
    if (t.name === "sqlite_sequence") out.write("DELETE FROM sqlite_sequence;\n");
    else if (/^sqlite_stat1$/i.test(t.name)) out.write("ANALYZE sqlite_schema;\n");
    else if (/^sqlite_/i.test(t.name)) continue;
    else out.write(schemaLine(sql, ";\n"));
    try {
      const data: SqlValue[][] = shell.session.query(`SELECT * FROM ${quoteIdent(t.name)}`);
      const target = quoteIdent(t.name);
      for (const row of data) {
        out.write(
          `INSERT INTO ${target} VALUES(${row.map((v) => sqlLiteral(v, true)).join(",")});\n`,
        );
      }
    } catch (e) {
      errors++;
      out.write(`/****** ${(e as Error).message} ******/\n`);
    }
  }
  for (const r of rows) {
    if (r.sql === null || r.type === "table" || !matches(r.name)) continue;
    out.write(schemaLine(r.sql, ";\n"));
  }
  out.write(errors > 0 ? "ROLLBACK; -- due to errors\n" : "COMMIT;\n");
  return DotResult.OK;
}
