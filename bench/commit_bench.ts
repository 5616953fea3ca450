/**
 * Durable single-row commits (synchronous=FULL) in WAL and rollback-journal mode, tsqlite
 * against node:sqlite with the same settings. Run with `deno task bench` or
 * `deno bench --allow-read --allow-write --allow-env bench/commit_bench.ts`.
 */
import { DatabaseSync } from "node:sqlite";
import { Database } from "../mod.ts";

const dir = Deno.makeTempDirSync({ prefix: "tsqlite_bench_" });
let files = 0;

interface Target {
  exec(sql: string): void;
  insert(i: number): void;
}

function ours(mode: string): Target {
  const db = new Database(`${dir}/ours${files++}.db`);
  db.exec(`PRAGMA journal_mode=${mode}; PRAGMA synchronous=FULL`);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
  return { exec: (sql) => db.exec(sql), insert: (i) => ins.run(`row ${i}`) };
}

function sqlite(mode: string): Target {
  const db = new DatabaseSync(`${dir}/sqlite${files++}.db`);
  db.exec(`PRAGMA journal_mode=${mode}; PRAGMA synchronous=FULL`);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
  return { exec: (sql) => db.exec(sql), insert: (i) => ins.run(`row ${i}`) };
}

for (const mode of ["wal", "delete"]) {
  const theirs = sqlite(mode);
  const mine = ours(mode);
  let i = 0;
  Deno.bench({
    name: `node:sqlite ${mode} commit (synchronous=FULL)`,
    group: `commit-${mode}`,
    baseline: true,
    fn: () => theirs.insert(i++),
  });
  Deno.bench({
    name: `tsqlite ${mode} commit (synchronous=FULL)`,
    group: `commit-${mode}`,
    fn: () => mine.insert(i++),
  });
}

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // best effort
  }
});
