/**
 * Runs the parser over every SQL statement of the sqllogictest corpus in
 * /work/shared/sqllogictest: statements SQLite accepts must parse, and
 * `statement error` records must fail the same way node:sqlite's parser does.
 */

import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { parseOne } from "../../src/sql/parser.ts";

const ROOT = "/work/shared/sqllogictest";

interface Record {
  sql: string;
  expectOk: boolean;
  where: string;
}

function listTests(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...listTests(path));
    else if (e.name.endsWith(".test")) out.push(path);
  }
  return out.sort();
}

/** Extracts the SQL of statement/query records meant for SQLite. */
function records(path: string): Record[] {
  const text = Deno.readTextFileSync(path).replaceAll("\r\n", "\n");
  const out: Record[] = [];
  const seen = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => !l.startsWith("#") && l.trim() !== "");
    let skip = false;
    while (lines.length > 0 && /^(skipif|onlyif) /.test(lines[0])) {
      const [cond, engine] = lines.shift()!.split(/\s+/);
      if ((cond === "onlyif") !== (engine === "sqlite")) skip = true;
    }
    if (skip || lines.length === 0) continue;
    if (lines[0] === "halt") break;
    const head = lines[0].split(/\s+/);
    let sqlLines: string[];
    if (head[0] === "statement") {
      sqlLines = lines.slice(1);
    } else if (head[0] === "query") {
      const sep = lines.indexOf("----");
      sqlLines = lines.slice(1, sep < 0 ? undefined : sep);
    } else {
      continue;
    }
    const sql = sqlLines.join("\n");
    if (sql === "" || seen.has(sql)) continue;
    seen.add(sql);
    out.push({ sql, expectOk: head[1] !== "error", where: `${path}: ${sql.slice(0, 80)}` });
  }
  return out;
}

function isSyntaxClass(message: string): boolean {
  return /^near ".*": syntax error$|^incomplete input$|^unrecognized token: /s.test(message);
}

function ourError(sql: string): string | null {
  try {
    let offset = 0;
    for (;;) {
      const { stmt, end } = parseOne(sql, offset);
      if (stmt === null) return null;
      offset = end;
    }
  } catch (e) {
    return (e as Error).message;
  }
}

Deno.test({
  name: "sqllogictest: every statement SQLite accepts parses",
  ignore: (() => {
    try {
      return !Deno.statSync(ROOT).isDirectory;
    } catch {
      return true;
    }
  })(),
  fn() {
    const db = new DatabaseSync(":memory:");
    const failures: string[] = [];
    let count = 0;
    for (const file of listTests(ROOT)) {
      for (const r of records(file)) {
        count++;
        const ours = ourError(r.sql);
        if (r.expectOk) {
          if (ours !== null && isSyntaxClass(ours)) failures.push(`${r.where} -> ${ours}`);
          continue;
        }
        // An error record: only syntax errors are the parser's business.
        let theirs: string | null = null;
        try {
          db.prepare(r.sql);
        } catch (e) {
          theirs = (e as Error).message;
        }
        if (theirs !== null && isSyntaxClass(theirs)) {
          if (ours !== theirs) failures.push(`${r.where} -> ours ${ours}, sqlite ${theirs}`);
        } else if (ours !== null && isSyntaxClass(ours)) {
          failures.push(`${r.where} -> ours ${ours}, sqlite ${theirs}`);
        }
      }
    }
    db.close();
    console.log(`${count} distinct statements checked`);
    if (failures.length > 0) {
      console.log(
        `${failures.length} of ${count} failed; first ones:\n` + failures.slice(0, 20).join("\n"),
      );
    }
    assertEquals(failures.length, 0);
    if (count < 1000) throw new Error(`only ${count} statements found`);
  },
});
