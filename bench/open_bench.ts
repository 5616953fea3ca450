/**
 * Opening a database of about 100 MB and reading one row by rowid, then closing it: the
 * cost of a cold connection (header, schema, first descent) independent of file size.
 * node:sqlite is the baseline; sql.js must read the whole file into memory, which is the
 * price of its design and is shown as such.
 *
 * @module
 */
import {
  type BenchDb,
  fixture,
  JOURNAL_MODE,
  loadSqlJs,
  openNode,
  openOurs,
  openSqlJs,
} from "./fixtures.ts";

const ROWS = 200_000;
const path = fixture(ROWS, 400);
const mb = Math.round(Deno.statSync(path).size / 1e6);
const SQL = await loadSqlJs();
const group = `open a ${mb} MB database and read one row (${JOURNAL_MODE})`;
const id = ROWS / 2 + 7;

const engines: [string, () => BenchDb][] = [
  ["node:sqlite", () => openNode(path)],
  ["tsqlite", () => openOurs(path)],
  ["sql.js", () => openSqlJs(SQL, path)],
];
engines.forEach(([name, open], e) => {
  Deno.bench({
    name: `${name}: ${group}`,
    group,
    baseline: e === 0,
    fn: () => {
      const db = open();
      try {
        const row = db.prepare("SELECT * FROM t WHERE id = ?").get(id);
        if (row?.id !== id) throw new Error("row not found");
      } finally {
        db.close();
      }
    },
  });
});
