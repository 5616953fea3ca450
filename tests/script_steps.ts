/**
 * Helpers of the differential lock scripts (tests/api/write_first_test.ts,
 * tests/review_session3_test.ts): each runs the same statements on node:sqlite and on
 * tsqlite through two connections and compares what every step returned.
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** What a script needs of a connection (tsqlite's Database or node:sqlite's DatabaseSync). */
export interface ScriptDb {
  exec(sql: string): void;
  close(): void;
}

/** A step runner recording "name: ok" or "name: <error message>" into `out`. */
export function stepper(out: string[]): (who: ScriptDb, name: string, sql: string) => void {
  return (who, name, sql) => {
    try {
      who.exec(sql);
      out.push(`${name}: ok`);
    } catch (e) {
      out.push(`${name}: ${(e as Error).message}`);
    }
  };
}

/** Column x of table t in order, as JSON, read by node:sqlite once the script's connections closed. */
export function columnX(path: string): string {
  const s = new DatabaseSync(path);
  try {
    return JSON.stringify(s.prepare("SELECT x FROM t ORDER BY x").all().map((r) => r.x));
  } finally {
    s.close();
  }
}

/**
 * Runs a two-connection script: `setup` on connection a of a fresh database, then `body` with
 * a, b and a step runner; returns the steps' outcomes and, with `readBack`, last, column x of
 * t after both closed.
 */
export function twoConnectionScript<T extends ScriptDb>(
  open: (path: string) => T,
  setup: string,
  body: (a: T, b: T, step: (who: ScriptDb, name: string, sql: string) => void) => void,
  readBack = true,
): string[] {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/s.db`;
    const a = open(path);
    a.exec(setup);
    const b = open(path);
    const out: string[] = [];
    body(a, b, stepper(out));
    a.close();
    b.close();
    if (readBack) out.push(columnX(path));
    return out;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
