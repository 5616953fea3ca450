import { assertEquals, assertThrows } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database, SqliteError } from "../../mod.ts";

function tempFile(name = "t.db"): string {
  return Deno.makeTempDirSync({ prefix: "tsqlite_api_" }) + "/" + name;
}

Deno.test("the issue's quick start works and SQLite agrees with the file", () => {
  const path = tempFile();
  const db = new Database(path);
  db.exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)");
  db.exec("CREATE INDEX users_email ON users(email)");
  const add = db.prepare("INSERT INTO users(name, email) VALUES (?, ?)");
  const { lastInsertRowid, changes } = add.run("Ada", "ada@example.org");
  assertEquals(changes, 1);
  assertEquals(lastInsertRowid, 1);
  assertEquals(db.prepare("SELECT * FROM users WHERE id = ?").get(lastInsertRowid), {
    id: 1,
    name: "Ada",
    email: "ada@example.org",
  });
  assertEquals(db.prepare("SELECT id FROM users WHERE email = ?").all("ada@example.org"), [
    { id: 1 },
  ]);
  db.close();
  db.close(); // safe twice

  const oracle = new DatabaseSync(path);
  assertEquals(oracle.prepare("PRAGMA integrity_check").all().map((r) => r.integrity_check), [
    "ok",
  ]);
  assertEquals({ ...oracle.prepare("SELECT * FROM users").get() }, {
    id: 1,
    name: "Ada",
    email: "ada@example.org",
  });
  assertEquals(
    oracle.prepare("SELECT name FROM sqlite_schema ORDER BY name").all().map((r) => r.name),
    ["users", "users_email"],
  );
  oracle.close();
});

Deno.test("constraint errors carry SQLite's codes and messages", () => {
  using db = new Database(":memory:");
  db.exec("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE)");
  db.prepare("INSERT INTO users(name, email) VALUES (?, ?)").run("Ada", "a@x");
  const dup = assertThrows(
    () => db.prepare("INSERT INTO users(name, email) VALUES (?, ?)").run("Bob", "a@x"),
    SqliteError,
  );
  assertEquals(dup.code, "SQLITE_CONSTRAINT_UNIQUE");
  assertEquals(dup.errcode, 2067);
  assertEquals(dup.message, "UNIQUE constraint failed: users.email");
  const nn = assertThrows(
    () => db.prepare("INSERT INTO users(email) VALUES (?)").run("b@x"),
    SqliteError,
  );
  assertEquals(nn.code, "SQLITE_CONSTRAINT_NOTNULL");
  assertEquals(nn.message, "NOT NULL constraint failed: users.name");
  const missing = assertThrows(() => db.prepare("SELECT * FROM nope"), SqliteError);
  assertEquals(missing.message, "no such table: nope");
  assertEquals(missing.code, "SQLITE_ERROR");
  const syntax = assertThrows(() => db.exec("SELEC 1"), SqliteError);
  assertEquals(syntax.message, 'near "SELEC": syntax error');
});
