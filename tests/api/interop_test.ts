/**
 * Files made by SQLite (node:sqlite) read back by us row for row, by scan and by key; our
 * writes onto them keep SQLite's integrity_check at ok.
 */
import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";
import { normalize, sqliteIntegrity, sqliteRows, tempPath } from "./helpers.ts";

function makeSqliteFile(pageSize: number): string {
  const path = tempPath(`sqlite_${pageSize}.db`);
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA page_size=${pageSize}`);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)");
  db.exec("CREATE TABLE u(code TEXT PRIMARY KEY, qty INT UNIQUE, note)");
  db.exec("CREATE INDEX t_name ON t(name)");
  db.exec("CREATE INDEX t_score_desc ON t(score DESC, name)");
  const ins = db.prepare("INSERT INTO t(name, score, data) VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let i = 0; i < 3000; i++) {
    const big = i % 97 === 0 ? 20000 + i : i % 13;
    ins.run(`name-${(i * 7919) % 3001}`, (i % 50) / 4, new Uint8Array(big).fill(i & 0xff));
  }
  const insU = db.prepare("INSERT INTO u VALUES (?, ?, ?)");
  for (let i = 0; i < 500; i++) insU.run(`c${i}`, i * 3, i % 2 ? null : "x".repeat(i));
  db.exec("COMMIT");
  db.exec("DELETE FROM t WHERE id % 3 = 0"); // leaves free pages
  db.exec("INSERT INTO t(id, name, score) VALUES (9007199254740993, 'big', 1.0)");
  db.exec("INSERT INTO t(id, name, score) VALUES (-5, 'neg', -2.5)");
  db.close();
  return path;
}

for (const pageSize of [512, 1024, 4096, 65536]) {
  Deno.test(`reads a SQLite-made file (page size ${pageSize}) and writes onto it`, () => {
    const path = makeSqliteFile(pageSize);
    const expected = sqliteRows(path, "SELECT id, name, score, data FROM t ORDER BY id");
    const expectedU = sqliteRows(path, "SELECT * FROM u ORDER BY rowid");
    const db = new Database(path);
    assertEquals(db.prepare("SELECT id, name, score, data FROM t").all(), expected);
    assertEquals(db.prepare("SELECT * FROM u").all(), expectedU);
    for (const row of expected.filter((_, i) => i % 37 === 0)) {
      assertEquals(
        db.prepare("SELECT id, name, score, data FROM t WHERE id = ?").get(row.id as number),
        row,
      );
      const byName = db.prepare("SELECT id FROM t WHERE name = ?").all(row.name as string);
      assertEquals(
        byName.map((r) => r.id),
        expected.filter((e) => e.name === row.name).map((e) => e.id),
      );
    }
    assertEquals(db.prepare("SELECT note FROM u WHERE code = ?").get("c42"), {
      note: "x".repeat(42),
    });
    assertEquals(db.prepare("SELECT code FROM u WHERE qty = ?").get(300), { code: "c100" });
    assertEquals(db.prepare("PRAGMA integrity_check").values(), [["ok"]]);

    // Write onto it: inserts that reuse the freelist, updates, deletes.
    db.exec("BEGIN");
    const ins = db.prepare("INSERT INTO t(name, score, data) VALUES (?, ?, ?)");
    for (let i = 0; i < 500; i++) ins.run(`new-${i}`, i / 3, new Uint8Array(i * 11));
    db.exec("DELETE FROM t WHERE id BETWEEN 100 AND 400");
    db.exec("UPDATE t SET name = 'renamed' WHERE id > 2000 AND id < 2100");
    db.prepare("INSERT INTO u VALUES (?, ?, ?)").run("zz", 100000, "tail");
    db.exec("COMMIT");
    const ours = db.prepare("SELECT id, name, score, data FROM t").all();
    db.close();
    assertEquals(sqliteIntegrity(path), ["ok"]);
    assertEquals(
      sqliteRows(path, "SELECT id, name, score, data FROM t ORDER BY id"),
      ours.map((r) => normalize({ ...r })),
    );
  });
}
