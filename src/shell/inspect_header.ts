/**
 * `.dbinfo`: the database header fields with sqlite3's labels, and schema counts.
 * @module
 */

import { PageSource, readSchema } from "./page_source.ts";
import { DotResult, type Shell } from "./shell.ts";

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

const FIELDS: [string, number][] = [
  ["file change counter:", 24],
  ["database page count:", 28],
  ["freelist page count:", 36],
  ["schema cookie:", 40],
  ["schema format:", 44],
  ["default cache size:", 48],
  ["autovacuum top root:", 52],
  ["incremental vacuum:", 64],
  ["text encoding:", 56],
  ["user version:", 60],
  ["application id:", 68],
  ["software version:", 96],
];

const ENCODINGS: Record<number, string> = { 1: " (utf8)", 2: " (utf16le)", 3: " (utf16be)" };

/** The `.dbinfo` report of the database file at `path` (as of its last commit, WAL included). */
export function dbinfoText(path: string): string {
  const src = new PageSource(path);
  try {
    const h = src.header();
    const row = (label: string, v: number | string) => `${label.padEnd(20)} ${v}\n`;
    let text = row("database page size:", src.pageSize);
    text += row("write format:", h[18]);
    text += row("read format:", h[19]);
    text += row("reserved bytes:", h[20]);
    for (const [label, off] of FIELDS) {
      const v = be32(h, off);
      text += row(label, off === 56 ? `${v}${ENCODINGS[v] ?? ""}` : v);
    }
    const schema = readSchema(src);
    const count = (t: string) => schema.filter((e) => e.type === t).length;
    text += row("number of tables:", count("table"));
    text += row("number of indexes:", count("index"));
    text += row("number of triggers:", count("trigger"));
    text += row("number of views:", count("view"));
    let size = 0;
    for (const e of schema) size += e.sql === null ? 0 : new TextEncoder().encode(e.sql).length;
    text += row("schema size:", size);
    return text;
  } finally {
    src.close();
  }
}

/** The file the inspectors look at, or an error printed and undefined for a memory database. */
export function inspectedFile(shell: Shell, command: string): string | undefined {
  if (shell.dbPath === "" || shell.dbPath === ":memory:") {
    shell.error(`Error: .${command} needs a database file (the current database is in memory)`);
    return undefined;
  }
  return shell.dbPath;
}

/** `.dbinfo` */
export function dbinfoCommand(shell: Shell): DotResult {
  const path = inspectedFile(shell, "dbinfo");
  if (!path) return DotResult.ERROR;
  shell.session; // opening creates the file, as sqlite3 does on first use
  shell.out.write(dbinfoText(path));
  return DotResult.OK;
}
