/**
 * Inspects any SQLite database file (one written by sqlite3 too): its header, schema, what
 * each page is used for, the shape of every b-tree, and the state of its WAL and journal.
 * It reads the file directly and never writes to it.
 *
 * ```sh
 * deno run --allow-read --allow-write examples/inspect.ts some.db
 * ```
 * @module
 */

import { dbinfoText } from "../src/shell/inspect_header.ts";
import { journalFilesText } from "../src/shell/inspect_journal.ts";
import { btreeText, pagesText } from "../src/shell/inspect_pages.ts";
import { walText } from "../src/shell/inspect_wal.ts";
import { PageSource, readSchema } from "../src/shell/page_source.ts";

const path = Deno.args[0];
if (!path) {
  console.error("usage: deno run --allow-read --allow-write examples/inspect.ts FILE");
  Deno.exit(1);
}

const section = (title: string) => console.log(`\n== ${title} ==`);

section("header");
console.log(dbinfoText(path).trimEnd());

section("schema");
const src = new PageSource(path);
const schema = readSchema(src);
src.close();
for (const e of schema) {
  console.log(`${e.type} ${e.name} (root ${e.root})${e.sql ? `: ${e.sql}` : ""}`);
}

section("b-trees");
console.log(btreeText(path, "sqlite_schema").trimEnd());
for (const e of schema) if (e.root > 0) console.log(btreeText(path, e.name).trimEnd());

section("pages");
console.log(pagesText(path).trimEnd());

section("WAL and journal");
console.log(walText(path).trimEnd());
console.log(journalFilesText(path).trimEnd());
