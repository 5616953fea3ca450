/**
 * A small to-do list: prepared statements, a transaction with BEGIN/COMMIT, an index.
 *
 * ```sh
 * deno run --allow-read --allow-write examples/todo_app.ts [todo.db]
 * ```
 * Afterwards `sqlite3 todo.db "PRAGMA integrity_check"` prints `ok`.
 * @module
 */

import { Database, SqliteError } from "../mod.ts";

const path = Deno.args[0] ?? "todo.db";
const db = new Database(path);
try {
  db.exec(`CREATE TABLE IF NOT EXISTS todos(
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    due TEXT,
    done INTEGER NOT NULL DEFAULT 0
  )`);
  db.exec("CREATE INDEX IF NOT EXISTS todos_due ON todos(due)");

  const add = db.prepare("INSERT INTO todos(title, due) VALUES (?, ?)");
  const finish = db.prepare("UPDATE todos SET done = 1 WHERE id = ?");
  const open = db.prepare("SELECT id, title, due FROM todos WHERE done = 0 ORDER BY due, id");
  const count = db.prepare("SELECT count(*) AS n, sum(done) AS done FROM todos");

  // Several inserts in one transaction: all of them or none, and one fsync instead of many.
  db.exec("BEGIN");
  try {
    const first = add.run("Write the report", "2025-03-01");
    add.run("Review pull requests", "2025-02-20");
    add.run("Book train tickets", "2025-02-25");
    finish.run(first.lastInsertRowid);
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }

  // A failing statement inside a transaction undoes only itself.
  db.exec("BEGIN");
  try {
    add.run(null, "2025-01-01"); // NOT NULL constraint
  } catch (e) {
    if (!(e instanceof SqliteError) || e.code !== "SQLITE_CONSTRAINT_NOTNULL") throw e;
    console.log(`rejected: ${e.message}`);
  }
  db.exec("COMMIT");

  console.log("Open to-dos, soonest first:");
  for (const row of open.iterate()) console.log(`  #${row.id} ${row.title} (due ${row.due})`);
  const { n, done } = count.get()!;
  console.log(`${n} to-dos, ${done} done`);
} finally {
  db.close();
}
