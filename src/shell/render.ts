/**
 * Result rows in the sqlite3 shell's output modes, byte for byte as sqlite3 3.40 prints
 * them (shell.c's shell_callback and exec_prepared_stmt_columnar).
 * @module
 */

import { Real, type SqlValue } from "../record/value.ts";
import type { Output } from "./output.ts";
import { realText15, realTextLongDouble } from "./real_format.ts";
import { isColumnar, quoteChar, type Settings } from "./settings.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** C strings end at the first NUL: sqlite3 prints text with `%s`. */
function cstr(s: string): string {
  const i = s.indexOf("\0");
  return i < 0 ? s : s.slice(0, i);
}

function cbytes(b: Uint8Array): Uint8Array {
  const i = b.indexOf(0);
  return i < 0 ? b : b.subarray(0, i);
}

function isRealValue(v: SqlValue): v is number | Real {
  return v instanceof Real || (typeof v === "number" && !Number.isInteger(v));
}

/** `sqlite3_column_text()` of a value; blobs stay bytes. Null for NULL. */
export function columnText(v: SqlValue): string | Uint8Array | null {
  if (v === null) return null;
  if (typeof v === "string") return cstr(v);
  if (v instanceof Uint8Array) return cbytes(v);
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Real) return realText15(v.value);
  return Number.isInteger(v) ? String(v) : realText15(v);
}

/** A value's text as a JS string (blobs decoded as UTF-8). */
export function displayText(v: SqlValue, nullValue: string): string {
  const t = columnText(v);
  if (t === null) return nullValue;
  return typeof t === "string" ? t : decoder.decode(t);
}

function realLiteral(r: number, integralAsInt: boolean): string {
  if (r === Infinity) return "1e999";
  if (r === -Infinity) return "-1e999";
  if (integralAsInt && Number.isInteger(r) && Math.abs(r) < 9.2e18) {
    return (r === 0 && Object.is(r, -0) ? "0" : BigInt(r).toString()) + ".0";
  }
  return realTextLongDouble(r, 20);
}

/** A value as an SQL literal, the way insert and quote modes (and .dump) print it. */
export function sqlLiteral(v: SqlValue, insertMode: boolean): string {
  if (v === null) return "NULL";
  if (typeof v === "string") return insertMode ? quoteEscaped(cstr(v)) : quoteText(cstr(v));
  if (v instanceof Uint8Array) return "X'" + hex(v) + "'";
  if (typeof v === "bigint") return v.toString();
  if (isRealValue(v)) return realLiteral(v instanceof Real ? v.value : v, insertMode);
  return String(v);
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, "0");
  return s;
}

/** 'text' with quotes doubled (output_quoted_string). */
export function quoteText(s: string): string {
  return "'" + s.replaceAll("'", "''") + "'";
}

function unusedString(z: string, a: string, b: string): string {
  if (!z.includes(a)) return a;
  if (!z.includes(b)) return b;
  for (let i = 0;; i++) {
    const c = `(${a}${i})`;
    if (!z.includes(c)) return c;
  }
}

/** output_quoted_escaped_string: newlines and carriage returns become replace(..., char(10)). */
export function quoteEscaped(z: string): string {
  if (!z.includes("\n") && !z.includes("\r")) return quoteText(z);
  const hasNl = z.includes("\n");
  const hasCr = z.includes("\r");
  const nl = hasNl ? unusedString(z, "\\n", "\\012") : "";
  const cr = hasCr ? unusedString(z, "\\r", "\\015") : "";
  let out = (hasNl ? "replace(" : "") + (hasCr ? "replace(" : "") + "'";
  for (const ch of z) {
    if (ch === "'") out += "''";
    else if (ch === "\n") out += nl;
    else if (ch === "\r") out += cr;
    else out += ch;
  }
  out += "'";
  if (hasCr) out += `,'${cr}',char(13))`;
  if (hasNl) out += `,'${nl}',char(10))`;
  return out;
}

function needsCsvQuote(c: number): boolean {
  return c < 0x20 || c === 0x20 || c === 0x22 || c === 0x27 || c >= 0x7f;
}

function csvField(s: Settings, z: string | Uint8Array | null): string | Uint8Array {
  if (z === null) return s.nullValue;
  const text = typeof z === "string" ? z : decoder.decode(z);
  let quote = text.length === 0;
  for (let i = 0; !quote && i < text.length; i++) quote = needsCsvQuote(text.charCodeAt(i));
  if (quote || (s.colSep.length > 0 && text.includes(s.colSep))) {
    return '"' + text.replaceAll('"', '""') + '"';
  }
  return z;
}

function jsonString(z: string | Uint8Array): string {
  const text = typeof z === "string" ? z : decoder.decode(z);
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const c = text.charCodeAt(i);
    if (ch === "\\" || ch === '"') out += "\\" + ch;
    else if (c <= 0x1f) {
      switch (c) {
        case 8:
          out += "\\b";
          break;
        case 12:
          out += "\\f";
          break;
        case 10:
          out += "\\n";
          break;
        case 13:
          out += "\\r";
          break;
        case 9:
          out += "\\t";
          break;
        default:
          out += "\\u" + c.toString(16).padStart(4, "0");
      }
    } else out += ch;
  }
  return out + '"';
}

function jsonValue(v: SqlValue): string {
  if (v === null) return "null";
  if (typeof v === "string") return jsonString(cstr(v));
  if (v instanceof Uint8Array) return jsonString(v);
  if (isRealValue(v)) return realLiteral(v instanceof Real ? v.value : v, false);
  return String(v);
}

function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/**
 * Prints one statement's result. Rows are consumed as they come for the streaming modes;
 * the columnar modes collect them first. If the row source throws, what was produced so far
 * is printed (as sqlite3 does) and the error is rethrown.
 */
export function renderRows(
  out: Output,
  s: Settings,
  columns: readonly string[],
  rows: Iterable<SqlValue[]>,
): void {
  if (isColumnar(s.mode)) {
    renderColumnar(out, s, columns, rows);
    return;
  }
  let cnt = 0;
  try {
    for (const row of rows) {
      renderRow(out, s, columns, row, cnt++);
    }
  } finally {
    if (s.mode === "json" && cnt > 0) out.write("]\n");
  }
}

function renderRow(
  out: Output,
  s: Settings,
  cols: readonly string[],
  row: SqlValue[],
  cnt: number,
): void {
  const n = cols.length;
  switch (s.mode) {
    case "line": {
      let w = 5;
      for (const c of cols) w = Math.max(w, utf8Length(c));
      if (cnt > 0) out.write(s.rowSep);
      for (let i = 0; i < n; i++) {
        out.write(" ".repeat(Math.max(0, w - utf8Length(cols[i]))) + cols[i] + " = ");
        const t = columnText(row[i]);
        out.write(t === null ? s.nullValue : t);
        out.write(s.rowSep);
      }
      return;
    }
    case "csv": {
      if (cnt === 0 && s.showHeader) {
        for (let i = 0; i < n; i++) {
          out.write(csvField(s, cols[i]));
          if (i < n - 1) out.write(s.colSep);
        }
        out.write(s.rowSep);
      }
      if (n > 0) {
        for (let i = 0; i < n; i++) {
          out.write(csvField(s, columnText(row[i])));
          if (i < n - 1) out.write(s.colSep);
        }
        out.write(s.rowSep);
      }
      return;
    }
    case "json": {
      out.write(cnt === 0 ? "[{" : ",\n{");
      let line = "";
      for (let i = 0; i < n; i++) {
        line += jsonString(cols[i]) + ":" + jsonValue(row[i]);
        if (i < n - 1) line += ",";
      }
      out.write(line + "}");
      return;
    }
    case "insert": {
      let line = "INSERT INTO " + s.destTable;
      if (s.showHeader) {
        line += "(" + cols.map((c) => quoteChar(c) ? `"${c.replaceAll('"', '""')}"` : c).join(",") +
          ")";
      }
      for (let i = 0; i < n; i++) line += (i > 0 ? "," : " VALUES(") + sqlLiteral(row[i], true);
      out.write(line + ");\n");
      return;
    }
    case "quote": {
      if (cnt === 0 && s.showHeader) {
        out.write(cols.map((c) => quoteText(c)).join(s.colSep) + s.rowSep);
      }
      out.write(row.map((v) => sqlLiteral(v, false)).join(s.colSep) + s.rowSep);
      return;
    }
    default: {
      // list, tabs, ascii
      if (cnt === 0 && s.showHeader) {
        for (let i = 0; i < n; i++) out.write(cols[i] + (i === n - 1 ? s.rowSep : s.colSep));
      }
      for (let i = 0; i < n; i++) {
        const t = columnText(row[i]);
        out.write(t === null ? s.nullValue : t);
        out.write(i < n - 1 ? s.colSep : s.rowSep);
      }
    }
  }
}

/** Number of characters (code points), as sqlite3's strlenChar counts them. */
function charLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/**
 * sqlite3's translateForDisplayAndDup: the part of `z` that fits in `width` characters on
 * one line (tabs expanded, a control character ends the line), and the rest, if any.
 */
function splitForDisplay(z: string, width: number): { head: string; tail: string | null } {
  const max = width === 0 ? 1000000 : Math.abs(width);
  let i = 0;
  let n = 0;
  let head = "";
  while (n < max && i < z.length) {
    const c = z.charCodeAt(i);
    if (c >= 0x20) {
      n++;
      const cp = z.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      head += z.slice(i, i + len);
      i += len;
      continue;
    }
    if (c === 9) {
      do {
        n++;
        head += " ";
      } while ((n & 7) !== 0 && n < max);
      i++;
      continue;
    }
    break;
  }
  let tail: string | null;
  if (i >= z.length) tail = null;
  else if (n >= max && z.charCodeAt(i) >= 0x20) tail = z.slice(i);
  else if (z[i] === "\r" && z[i + 1] === "\n") tail = i + 2 < z.length ? z.slice(i + 2) : null;
  else if (i + 1 >= z.length) tail = null;
  else tail = z.slice(i + 1);
  return { head, tail };
}

/** utf8_width_print: pads (or right-aligns, for negative w) to |w| characters, truncating. */
function widthPrint(w: number, z: string): string {
  const aw = Math.abs(w);
  const n = charLen(z);
  if (n >= aw) {
    if (aw === 0) return "";
    let count = 0;
    let i = 0;
    while (i < z.length && count < aw) {
      const cp = z.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      count++;
    }
    return z.slice(0, i);
  }
  return w < 0 ? " ".repeat(aw - n) + z : z + " ".repeat(aw - n);
}

const BOX = {
  h: "\u2500",
  v: "\u2502",
  tl: "\u250c",
  tm: "\u252c",
  tr: "\u2510",
  ml: "\u251c",
  mm: "\u253c",
  mr: "\u2524",
  bl: "\u2514",
  bm: "\u2534",
  br: "\u2518",
};

function renderColumnar(
  out: Output,
  s: Settings,
  columns: readonly string[],
  rows: Iterable<SqlValue[]>,
): void {
  const nCol = columns.length;
  const widthOf = (i: number) => s.widths[i] ?? 0;
  const data: string[] = [];
  const rowDiv: boolean[] = [];
  let multiLine = false;
  let nRow = 0;
  let failure: unknown = undefined;
  let failed = false;
  try {
    for (const row of rows) {
      if (nRow === 0) {
        for (let i = 0; i < nCol; i++) data.push(splitForDisplay(columns[i], widthOf(i)).head);
      }
      let pending: (string | null)[] = row.map((v) => displayText(v, s.nullValue));
      for (;;) {
        rowDiv[nRow] = true;
        nRow++;
        const next: (string | null)[] = [];
        let more = false;
        for (let i = 0; i < nCol; i++) {
          const z = pending[i] ?? "";
          const { head, tail } = splitForDisplay(z, widthOf(i));
          data.push(head);
          next.push(tail);
          if (tail !== null) more = true;
        }
        if (!more) break;
        rowDiv[nRow - 1] = false;
        multiLine = true;
        pending = next;
      }
    }
  } catch (e) {
    failed = true;
    failure = e;
  }
  if (nRow > 0 && nCol > 0) layout(out, s, nCol, nRow, data, rowDiv, multiLine);
  if (failed) throw failure;
}

function layout(
  out: Output,
  s: Settings,
  nCol: number,
  nRow: number,
  data: string[],
  rowDiv: boolean[],
  multiLine: boolean,
): void {
  const actual: number[] = [];
  for (let i = 0; i < nCol; i++) actual.push(Math.abs(s.widths[i] ?? 0));
  const nTotal = nCol * (nRow + 1);
  for (let i = 0; i < nTotal; i++) {
    const j = i % nCol;
    const n = charLen(data[i]);
    if (n > actual[j]) actual[j] = n;
  }
  const signed = (j: number) => ((s.widths[j] ?? 0) < 0 ? -actual[j] : actual[j]);
  const centered = (j: number) => {
    const z = data[j];
    const n = charLen(z);
    const w = actual[j];
    return " ".repeat(Math.max(0, Math.floor((w - n) / 2))) + z +
      " ".repeat(Math.max(0, Math.floor((w - n + 1) / 2)));
  };
  const rowSepLine = (corner: string) =>
    corner + actual.map((w) => "-".repeat(w + 2)).join(corner) + corner + "\n";
  const boxLine = (l: string, m: string, r: string) =>
    l + actual.map((w) => BOX.h.repeat(w + 2)).join(m) + r + "\n";
  let text = "";
  let colSep = "  ";
  let rowSep = "\n";
  switch (s.mode) {
    case "column":
      if (s.showHeader) {
        for (let i = 0; i < nCol; i++) {
          text += widthPrint(signed(i), data[i]) + (i === nCol - 1 ? "\n" : "  ");
        }
        for (let i = 0; i < nCol; i++) {
          text += "-".repeat(actual[i]) + (i === nCol - 1 ? "\n" : "  ");
        }
      }
      break;
    case "table":
      colSep = " | ";
      rowSep = " |\n";
      text += rowSepLine("+") + "| ";
      for (let i = 0; i < nCol; i++) text += centered(i) + (i === nCol - 1 ? " |\n" : " | ");
      text += rowSepLine("+");
      break;
    case "markdown":
      colSep = " | ";
      rowSep = " |\n";
      text += "| ";
      for (let i = 0; i < nCol; i++) text += centered(i) + (i === nCol - 1 ? " |\n" : " | ");
      text += rowSepLine("|");
      break;
    default: // box
      colSep = ` ${BOX.v} `;
      rowSep = ` ${BOX.v}\n`;
      text += boxLine(BOX.tl, BOX.tm, BOX.tr) + BOX.v + " ";
      for (let i = 0; i < nCol; i++) {
        text += centered(i) + (i === nCol - 1 ? ` ${BOX.v}\n` : ` ${BOX.v} `);
      }
      text += boxLine(BOX.ml, BOX.mm, BOX.mr);
  }
  for (let i = nCol, j = 0; i < nTotal; i++, j++) {
    if (j === 0 && s.mode !== "column") text += s.mode === "box" ? BOX.v + " " : "| ";
    text += widthPrint(signed(j), data[i]);
    if (j === nCol - 1) {
      text += rowSep;
      if (multiLine && rowDiv[Math.floor(i / nCol) - 1] && i + 1 < nTotal) {
        if (s.mode === "table") text += rowSepLine("+");
        else if (s.mode === "box") text += boxLine(BOX.ml, BOX.mm, BOX.mr);
        else if (s.mode === "column") text += "\n";
      }
      j = -1;
    } else {
      text += colSep;
    }
    if (text.length > 32768) {
      out.write(text);
      text = "";
    }
  }
  if (s.mode === "table") text += rowSepLine("+");
  else if (s.mode === "box") text += boxLine(BOX.bl, BOX.bm, BOX.br);
  out.write(text);
}
