/**
 * `.import FILE TABLE`: loads CSV (or text split by the current separators) into a table,
 * creating it from the header row when it does not exist, all in one transaction. Large
 * files show a progress bar on a terminal's stderr.
 * @module
 */

import type { SqlValue } from "../record/value.ts";
import { errorMessage } from "./session.ts";
import { DotResult, type Shell } from "./shell.ts";

/** Files at least this big get a progress bar (when stderr is a terminal). */
export const PROGRESS_THRESHOLD = 1 << 20;

/** One parsed record and the line it started on. */
export interface CsvRecord {
  /** The fields. */
  fields: string[];
  /** 1-based line number of the record's start. */
  line: number;
}

/**
 * Parses CSV as sqlite3's csv_read_one_field does: fields separated by `colSep`, records by
 * `rowSep` (a `\r\n` also ends a record when rowSep is `\n`), `"` quoting with `""` for a
 * quote. Calls `progress(offset)` now and then.
 */
export function* parseCsv(
  text: string,
  colSep = ",",
  rowSep = "\n",
  progress?: (offset: number) => void,
): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  let nextReport = 1 << 16;
  while (i < n) {
    const fields: string[] = [];
    const start = line;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) break;
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === "\n") line++;
          field += ch;
          i++;
        }
        // Text after the closing quote up to the separator belongs to the field.
        while (i < n && !text.startsWith(colSep, i) && !atRowEnd(text, i, rowSep)) {
          field += text[i++];
        }
      } else {
        while (i < n && !text.startsWith(colSep, i) && !atRowEnd(text, i, rowSep)) {
          field += text[i++];
        }
      }
      fields.push(field);
      if (i < n && text.startsWith(colSep, i)) {
        i += colSep.length;
        continue;
      }
      if (i < n) {
        const len = text.startsWith("\r\n", i) && rowSep === "\n" ? 2 : rowSep.length;
        i += len;
        line++;
      }
      break;
    }
    if (progress && i >= nextReport) {
      progress(i);
      nextReport = i + (1 << 16);
    }
    yield { fields, line: start };
  }
}

function atRowEnd(text: string, i: number, rowSep: string): boolean {
  return text.startsWith(rowSep, i) || (rowSep === "\n" && text.startsWith("\r\n", i));
}

/** A progress bar line: `\r[#####-----]  50%`. */
export function progressBar(done: number, total: number, width = 40): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  return `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${
    String(Math.floor(frac * 100)).padStart(3)
  }%`;
}

function isTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** `.import ?--csv? ?--skip N? FILE TABLE` */
export function importCsv(shell: Shell, args: string[]): DotResult {
  let csv = shell.settings.mode === "csv";
  let skip = 0;
  const rest: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i].replace(/^--?/, "-");
    if (a === "-csv") csv = true;
    else if (a === "-skip") skip = Number.parseInt(args[++i] ?? "0", 10) || 0;
    else if (a === "-v" || a === "-ascii") continue;
    else rest.push(args[i]);
  }
  if (rest.length !== 2) {
    shell.error("Usage: .import FILE TABLE");
    return DotResult.ERROR;
  }
  const [file, table] = rest;
  const colSep = csv ? "," : shell.settings.colSep;
  const rowSep = csv ? "\n" : shell.settings.rowSep;
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch {
    shell.error(`Error: cannot open "${file}"`);
    return DotResult.ERROR;
  }
  const session = shell.session;
  const qTable = `"${table.replaceAll('"', '""')}"`;
  const showProgress = text.length >= PROGRESS_THRESHOLD && isTerminal();
  const progress = showProgress
    ? (off: number) => {
      shell.err.write(progressBar(off, text.length));
      shell.err.flush();
    }
    : undefined;
  const records = parseCsv(text, colSep, rowSep, progress);
  for (let k = 0; k < skip; k++) if (records.next().done) break;
  let nCol: number;
  try {
    const exists = session.query(
      `SELECT count(*) FROM sqlite_schema WHERE type='table' AND name=${
        "'" + table.replaceAll("'", "''") + "'"
      } COLLATE NOCASE`,
    )[0]?.[0] as number;
    if (!exists) {
      const first = records.next();
      if (first.done) return DotResult.OK;
      const cols = first.value.fields.map((f) => `"${f.replaceAll('"', '""')}" TEXT`);
      session.query(`CREATE TABLE ${qTable}(\n${cols.join(", ")})`);
    }
    const step = session.prepare(`SELECT * FROM ${qTable}`, 0);
    nCol = step ? step.columns.length : 0;
  } catch (e) {
    shell.error(`Error: ${errorMessage(e)}`);
    return DotResult.ERROR;
  }
  const marks = new Array(nCol).fill("?").join(",");
  const ownTxn = !session.conn.inTransaction;
  let errors = 0;
  try {
    const insert = session.prepare(`INSERT INTO ${qTable} VALUES(${marks})`, 0)!;
    if (ownTxn) session.query("BEGIN");
    for (const rec of records) {
      const f = rec.fields;
      if (f.length === 1 && f[0] === "" && nCol > 1) continue;
      if (f.length < nCol) {
        shell.error(
          `${file}:${rec.line}: expected ${nCol} columns but found ${f.length}` +
            " - filling the rest with NULL",
        );
      } else if (f.length > nCol) {
        shell.error(
          `${file}:${rec.line}: expected ${nCol} columns but found ${f.length} - extras ignored`,
        );
      }
      const values: SqlValue[] = [];
      for (let c = 0; c < nCol; c++) values.push(c < f.length ? f[c] : null);
      try {
        for (const _ of session.run(insert.stmt, values)) { /* no rows */ }
      } catch (e) {
        errors++;
        shell.error(`${file}:${rec.line}: INSERT failed: ${errorMessage(e)}`);
      }
    }
    if (ownTxn) session.query("COMMIT");
  } catch (e) {
    if (ownTxn && session.conn.inTransaction) session.query("ROLLBACK");
    shell.error(`Error: ${errorMessage(e)}`);
    return DotResult.ERROR;
  } finally {
    if (showProgress) {
      shell.err.write(progressBar(1, 1) + "\n");
      shell.err.flush();
    }
  }
  return errors > 0 ? DotResult.ERROR : DotResult.OK;
}
