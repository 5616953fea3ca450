/**
 * SQL text ends at its first NUL character, as SQLite's C-string API reads it: compared with
 * node:sqlite statement by statement.
 */
import { assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";

function outcome(run: () => unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(run()));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

Deno.test("SQL text ends at the first NUL, as in SQLite", () => {
  const ours = new Database(":memory:");
  const theirs = new DatabaseSync(":memory:");
  const setup = "CREATE TABLE t(x); INSERT INTO t VALUES (1);\0 INSERT INTO t VALUES (2)";
  ours.exec(setup);
  theirs.exec(setup);
  for (
    const sql of [
      "SELECT count(*) AS c FROM t",
      "SELECT 1\0 garbage",
      "SELECT 'a\0b'",
      "SELECT x FROM t WHERE x = 1 -- \0 OR x = 2",
      "SELECT 1; \0 SELECT 2",
      "SELECT \0",
    ]
  ) {
    assertEquals(
      outcome(() => ours.prepare(sql).all()),
      outcome(() => theirs.prepare(sql).all()),
      JSON.stringify(sql),
    );
  }
  ours.close();
  theirs.close();
});
