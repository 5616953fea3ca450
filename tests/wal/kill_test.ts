/**
 * Real processes: a Deno child commits in a loop, printing each acknowledged commit, and is
 * killed with SIGKILL at a random moment. Every acknowledged commit must be there and the
 * in-flight one all or nothing, for us and for SQLite reading the files the child left;
 * both with our engine and with node:sqlite as the child, in WAL and rollback mode.
 */
import { assert, assertEquals } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { Database } from "../../mod.ts";

const CHILD = new URL("./kill_child.ts", import.meta.url).pathname;
/** Spawning children needs --allow-run (`deno task test` grants it). */
const canRun = Deno.permissions.querySync({ name: "run" }).state === "granted";

async function runAndKill(
  path: string,
  mode: string,
  engine: string,
  acks: number,
): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, path, mode, engine],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  const dec = new TextDecoder();
  let text = "";
  let last = 0;
  while (last < acks) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value);
    const m = [...text.matchAll(/ack (\d+)\n/g)];
    if (m.length > 0) last = Number(m.at(-1)![1]);
  }
  child.kill("SIGKILL");
  // Whatever it printed before dying was acknowledged too.
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value);
  }
  await child.status;
  await child.stderr.cancel();
  const m = [...text.matchAll(/ack (\d+)\n/g)];
  return m.length > 0 ? Number(m.at(-1)![1]) : 0;
}

/** Checks rows (id, batch) against the acknowledged count; returns the batches present. */
function check(rows: { id: number; batch: number }[], acked: number, who: string): number {
  const byBatch = new Map<number, number>();
  for (const r of rows) byBatch.set(r.batch, (byBatch.get(r.batch) ?? 0) + 1);
  const expected = (n: number, upto: number) => {
    // Batch n lost row n*10+4 when batch n+5 (a multiple of 7) committed.
    return 5 - ((n + 5) % 7 === 0 && n + 5 <= upto ? 1 : 0);
  };
  const present = Math.max(0, ...byBatch.keys());
  assert(
    present === acked || present === acked + 1,
    `${who}: batches up to ${present}, acked ${acked}`,
  );
  for (let n = 1; n <= present; n++) {
    assertEquals(byBatch.get(n), expected(n, present), `${who}: batch ${n} (acked ${acked})`);
  }
  return present;
}

function copyFiles(from: string, toDir: string): string {
  Deno.mkdirSync(toDir);
  for (const suffix of ["", "-wal", "-journal"]) {
    try {
      Deno.copyFileSync(from + suffix, toDir + "/k.db" + suffix);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return toDir + "/k.db";
}

for (const engine of ["ours", "sqlite"]) {
  for (const mode of ["wal", "delete"]) {
    Deno.test({
      name: `kill -9 a ${engine} writer in ${mode} mode; both engines recover`,
      ignore: !canRun,
      fn: async () => {
        for (const acks of [3, 17, 41]) {
          const dir = Deno.makeTempDirSync({ prefix: "tsqlite_kill_" });
          const path = dir + "/k.db";
          const acked = await runAndKill(path, mode, engine, acks);
          assert(acked >= acks, `child acknowledged only ${acked}`);
          if (mode === "wal") assert(Deno.statSync(path + "-wal").size > 0, "a live WAL was left");
          const theirsPath = copyFiles(path, dir + "/sqlite");
          const ours = new Database(path);
          assertEquals(ours.prepare("PRAGMA integrity_check").values(), [["ok"]]);
          const mine = check(
            ours.prepare("SELECT id, batch FROM t").all() as { id: number; batch: number }[],
            acked,
            "ours",
          );
          ours.close();
          const s = new DatabaseSync(theirsPath);
          assertEquals(s.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
          const theirs = check(
            s.prepare("SELECT id, batch FROM t").all() as { id: number; batch: number }[],
            acked,
            "sqlite",
          );
          s.close();
          assertEquals(mine, theirs, "both engines recover the same commits");
          Deno.removeSync(dir, { recursive: true });
        }
      },
    });
  }
}
