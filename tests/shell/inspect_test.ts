/**
 * The inspectors on files written by SQLite itself (node:sqlite): .dbinfo fields, the page
 * map, b-tree shape, WAL frames (with a torn frame), the journal report.
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { btreeText, pageMap, pagesText } from "../../src/shell/inspect_pages.ts";
import { dbinfoText } from "../../src/shell/inspect_header.ts";
import { journalFilesText } from "../../src/shell/inspect_journal.ts";
import { walText } from "../../src/shell/inspect_wal.ts";
import { PageSource, readSchema } from "../../src/shell/page_source.ts";
import { parseWalFile } from "../../src/shell/wal_file.ts";
import { runOurs } from "./helpers.ts";

function makeDb(path: string, wal: boolean): DatabaseSync {
  const db = new DatabaseSync(path);
  if (wal) db.exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;");
  db.exec("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t(b);");
  const ins = db.prepare("INSERT INTO t(b) VALUES (?)");
  db.exec("BEGIN");
  for (let i = 0; i < 400; i++) ins.run(`row ${i} ${"x".repeat(i % 50)}`);
  ins.run("big".repeat(3000)); // spills to overflow pages
  db.exec("COMMIT");
  return db;
}

Deno.test("dbinfo, pages and btree on a file written by SQLite", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/a.db`;
    const db = makeDb(path, false);
    db.exec("DELETE FROM t WHERE a % 3 = 0"); // frees pages onto the freelist? maybe not
    db.exec("CREATE TABLE gone(x); INSERT INTO gone VALUES (randomblob(20000)); DROP TABLE gone;");
    const freelist = Number(
      (db.prepare("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count,
    );
    const pageCount = Number(
      (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count,
    );
    db.close();
    const info = dbinfoText(path);
    assertStringIncludes(info, "database page size:  4096\n");
    assertStringIncludes(info, `database page count: ${pageCount}\n`);
    assertStringIncludes(info, `freelist page count: ${freelist}\n`);
    assertStringIncludes(info, "text encoding:       1 (utf8)\n");
    assertStringIncludes(info, "number of tables:    1\n");
    assertStringIncludes(info, "number of indexes:   1\n");

    const src = new PageSource(path);
    try {
      const map = pageMap(src);
      // Every page is accounted for, exactly as integrity_check demands.
      for (let p = 1; p <= pageCount; p++) assert(map.has(p), `page ${p} unaccounted for`);
      const uses = [...map.values()];
      assertEquals(uses.filter((u) => u.startsWith("freelist")).length, freelist);
      assert(uses.some((u) => u === "overflow of table t"));
      assert(!uses.some((u) => u.includes("ALSO")));
      assertEquals(readSchema(src).map((e) => e.name), ["t", "tb"]);
    } finally {
      src.close();
    }
    const tree = btreeText(path, "t");
    assertMatch(tree, /^table t: root page 2, depth 2, \d+ page\(s\)\n/);
    assertMatch(tree, /level 0: 1 interior page\(s\)/);
    assertMatch(tree, /overflow: [1-9]\d* page\(s\) for 1 cell\(s\)/);
    assertMatch(btreeText(path, "tb"), /^index tb: root page 3/);
    assertStringIncludes(pagesText(path), `${pageCount} page(s) of 4096 bytes`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("wal: frames, commits, salts, checksums and the end of the valid log", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/w.db`;
    const db = makeDb(path, true);
    db.exec("INSERT INTO t(b) VALUES ('second commit')");
    const walBytes = Deno.readFileSync(path + "-wal");
    const wal = parseWalFile(walBytes);
    assert(wal.header !== null && wal.header.checksumOk);
    assert(wal.commits >= 2, `commits ${wal.commits}`);
    assertEquals(wal.validFrames, wal.frames.length);
    assert(wal.frames.every((f) => f.checksumOk && f.saltOk && f.commit !== null));
    const lastCommit = wal.frames[wal.frames.length - 1];
    assert(lastCommit.dbSize > 0);
    assertEquals(lastCommit.commit, wal.commits);

    // The page source sees the newest pages: the schema lives only in the WAL so far.
    const src = new PageSource(path);
    try {
      assertEquals(src.pageCount, wal.dbSize);
      assertEquals(readSchema(src).map((e) => e.name), ["t", "tb"]);
    } finally {
      src.close();
    }
    // Tear the last frame: the valid log ends at the commit before it.
    const torn = walBytes.slice();
    torn[lastCommit.offset + 24 + 100] ^= 0xff;
    const wal2 = parseWalFile(torn);
    assertEquals(wal2.commits, wal.commits - 1);
    assert(!wal2.frames[wal2.frames.length - 1].checksumOk);
    assertEquals(wal2.frames[wal2.frames.length - 1].commit, null);
    assertMatch(
      walText(path),
      new RegExp(`valid log: ${wal.validFrames} frame\\(s\\) in ${wal.commits} commit`),
    );
    Deno.copyFileSync(path, `${dir}/c.db`);
    Deno.writeFileSync(`${dir}/c.db-wal`, torn);
    assertMatch(walText(`${dir}/c.db`), /frame\(s\) after the end are ignored\n$/);
    db.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("journal: a hot rollback journal is reported", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/j.db`;
    makeDb(path, false).close();
    assertStringIncludes(journalFilesText(path), "rollback journal: none\n");
    const header = new Uint8Array(512);
    header.set([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, 0, 0, 0, 1]);
    Deno.writeFileSync(path + "-journal", header);
    assertStringIncludes(journalFilesText(path), "HOT (header ok, 1 page record(s))");
    Deno.writeFileSync(path + "-journal", new Uint8Array(512));
    assertStringIncludes(journalFilesText(path), "(not hot)");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the inspectors as dot-commands", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/d.db`;
    makeDb(path, false).close();
    const r = await runOurs([path], ".dbinfo\n.btree tb\n.pages\n.journal\n.wal\n.btree nosuch\n");
    assertStringIncludes(r.out, "database page size:  4096\n");
    assertStringIncludes(r.out, "index tb: root page 3");
    assertStringIncludes(r.out, "     1  table leaf of sqlite_schema (+ database header)\n");
    assertStringIncludes(r.out, "journal mode: delete\n");
    assertStringIncludes(r.out, "no WAL file");
    assertEquals(r.err, "Error: no such table or index: nosuch\n");
    assertEquals(r.code, 1);
    const mem = await runOurs([], ".pages\n");
    assertStringIncludes(mem.err, "needs a database file");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
