/**
 * Quick start: open a database file, create a table and an index, insert, look rows up
 * by key, close. Run with `deno task demo` (writes ./quickstart.db) or
 * `deno run --allow-read --allow-write examples/quickstart.ts [FILE]`.
 */
import { Database } from "../mod.ts";

const path = Deno.args[0] ?? "quickstart.db";
using db = new Database(path); // creates the file when it is missing

db.exec(`CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT
)`);
db.exec("CREATE INDEX IF NOT EXISTS users_email ON users(email)");

const add = db.prepare("INSERT INTO users(name, email) VALUES (?, ?)");
const { lastInsertRowid } = add.run("Ada", "ada@example.org");
add.run("Grace", "grace@example.org");

console.log("by id:", db.prepare("SELECT * FROM users WHERE id = ?").get(lastInsertRowid));
console.log(
  "by email:",
  db.prepare("SELECT id, name FROM users WHERE email = ?").all("grace@example.org"),
);
console.log("rows in users:", db.prepare("SELECT id FROM users").all().length);
console.log(`wrote ${path}; check it with: sqlite3 ${path} "PRAGMA integrity_check"`);
