/**
 * Durable one-row commits, tsqlite against node:sqlite, interleaved in blocks of 100 so both
 * meet the same disk weather (fsync latency on a virtual machine drifts over seconds, which
 * `deno bench`, timing one engine after the other, sees as run-to-run spread). Prints the
 * median, p90, p99 and mean per engine.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env bench/commit_ab.ts [FULL|NORMAL|OFF] [blocks=40] [wal|delete]
 * ```
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { Database } from "../mod.ts";

const sync = Deno.args[0] ?? "FULL";
const blocks = Number(Deno.args[1] ?? 40);
const mode = Deno.args[2] ?? "wal";
const dir = Deno.makeTempDirSync({ prefix: "tsqlite_commit_ab_" });

interface Inserter {
  run(v: string): unknown;
}

function setup(db: { exec(sql: string): void; prepare(sql: string): Inserter }): Inserter {
  db.exec(`PRAGMA journal_mode=${mode}; PRAGMA synchronous=${sync}`);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
  return db.prepare("INSERT INTO t(v) VALUES (?)");
}

const engines: [string, Inserter][] = [
  ["node:sqlite", setup(new DatabaseSync(`${dir}/node.db`))],
  ["tsqlite", setup(new Database(`${dir}/ours.db`))],
];
const times: number[][] = engines.map(() => []);
let n = 0;
for (let b = 0; b < blocks + 2; b++) {
  for (let e = 0; e < engines.length; e++) {
    const ins = engines[e][1];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      ins.run(`row ${n++}`);
      if (b >= 2) times[e].push(performance.now() - t);
    }
  }
}
const us = (ms: number) => (ms * 1000).toFixed(1).padStart(7);
console.log(`one-row commits, ${mode}, synchronous=${sync}, ${blocks * 100} per engine (µs)`);
console.log("engine          median     p90     p99    mean");
const stats = times.map((t) => {
  const s = [...t].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return {
    median: s[s.length >> 1],
    p90: s[Math.floor(s.length * 0.9)],
    p99: s[Math.floor(s.length * 0.99)],
    mean,
  };
});
engines.forEach(([name], e) => {
  const x = stats[e];
  console.log(`${name.padEnd(12)} ${us(x.median)} ${us(x.p90)} ${us(x.p99)} ${us(x.mean)}`);
});
console.log(
  `ratio        ${(stats[1].median / stats[0].median).toFixed(2).padStart(7)} ` +
    `${"".padStart(7)} ${"".padStart(7)} ${(stats[1].mean / stats[0].mean).toFixed(2).padStart(7)}`,
);
Deno.removeSync(dir, { recursive: true });
