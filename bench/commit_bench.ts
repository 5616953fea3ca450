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

/**
 * Commits each engine makes before it is timed: past its first checkpoint (from then on the
 * log is overwritten in place, not grown) and, for tsqlite, past the JIT's tiering up of the
 * commit path (the first few hundred commits include compile stalls of 0.5-8 ms). Without it
 * `deno bench` times from the 70th commit on and the mean carries both start-up effects.
 */
const WARMUP = 1500;

for (const mode of ["wal", "delete"]) {
  const theirs = sqlite(mode);
  const mine = ours(mode);
  let i = 0;
  Deno.bench({
    name: `node:sqlite ${mode} commit (synchronous=FULL)`,
    group: `commit-${mode}`,
    baseline: true,
    warmup: WARMUP,
    fn: () => theirs.insert(i++),
  });
  Deno.bench({
    name: `tsqlite ${mode} commit (synchronous=FULL)`,
    group: `commit-${mode}`,
    warmup: WARMUP,
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
