/**
 * The shell's display and behaviour settings (sqlite3's ShellState fields), with the same
 * defaults and the same side effects of `.mode` on separators and headers.
 * @module
 */

import { KEYWORDS } from "../sql/tokens.ts";

/** Output modes. */
export const MODES = [
  "ascii",
  "box",
  "column",
  "csv",
  "insert",
  "json",
  "line",
  "list",
  "markdown",
  "quote",
  "table",
  "tabs",
] as const;

/** An output mode name. */
export type Mode = typeof MODES[number];

/** The settings the dot-commands change. */
export interface Settings {
  /** The output mode (tabs is list with a tab separator; reported as "list"). */
  mode: Mode;
  /** Print column names. */
  showHeader: boolean;
  /** `.headers` (or -header/-noheader) was used: `.mode column` no longer turns headers on. */
  headerSet: boolean;
  /** Column separator for list, csv, quote and ascii modes. */
  colSep: string;
  /** Row separator. */
  rowSep: string;
  /** Text shown for NULL. */
  nullValue: string;
  /** Column widths from `.width` (0: automatic, negative: right-aligned). */
  widths: number[];
  /** Table name used by insert mode (already quoted when it needs to be). */
  destTable: string;
  /** Print run times (`.timer`). */
  timer: boolean;
  /** Print change counts (`.changes`). */
  changes: boolean;
  /** Stop at the first error (`.bail`). */
  bail: boolean;
  /** Echo each command before running it (`.echo`). */
  echo: boolean;
}

/** sqlite3's defaults. */
export function defaultSettings(): Settings {
  return {
    mode: "list",
    showHeader: false,
    headerSet: false,
    colSep: "|",
    rowSep: "\n",
    nullValue: "",
    widths: [],
    destTable: '"table"',
    timer: false,
    changes: false,
    bail: false,
    echo: false,
  };
}

/** True for the modes that lay out a whole result at once. */
export function isColumnar(mode: Mode): boolean {
  return mode === "column" || mode === "box" || mode === "table" || mode === "markdown";
}

/** The quote character an identifier needs in generated SQL (`"`), or "" (sqlite3's quoteChar). */
export function quoteChar(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return '"';
  return KEYWORDS.has(name.toUpperCase()) ? '"' : "";
}

/** `name` quoted with `"` when it needs it. */
export function quoteIdent(name: string): string {
  return quoteChar(name) ? `"${name.replaceAll('"', '""')}"` : name;
}

/**
 * Applies `.mode NAME [TABLE]` as sqlite3 does: list/csv/tabs/quote/ascii/line set the
 * separators; column turns headers on unless `.headers` was used. Returns an error message
 * for an unknown mode.
 */
export function setMode(s: Settings, name: string, table?: string): string | undefined {
  const n = name.toLowerCase();
  const found = MODES.find((m) => m.startsWith(n));
  if (!found || n.length === 0) {
    return "Error: mode should be one of: ascii box column csv html insert json line list " +
      "markdown qbox quote table tabs tcl";
  }
  switch (found) {
    case "list":
      s.colSep = "|";
      s.rowSep = "\n";
      break;
    case "csv":
      s.colSep = ",";
      s.rowSep = "\r\n";
      break;
    case "tabs":
      s.colSep = "\t";
      break;
    case "quote":
      s.colSep = ",";
      s.rowSep = "\n";
      break;
    case "ascii":
      s.colSep = "\x1f";
      s.rowSep = "\x1e";
      break;
    case "line":
      s.rowSep = "\n";
      break;
    case "insert":
      s.destTable = quoteIdent(table ?? "table");
      break;
    case "column":
      if (!s.headerSet) s.showHeader = true;
      break;
    default:
      break;
  }
  s.mode = found;
  return undefined;
}
