/**
 * Runs one benchmark workload on tsqlite alone, in a loop, for CPU profiling:
 *
 * ```sh
 * deno run --cpu-prof --cpu-prof-dir=/tmp/prof --allow-read --allow-write --allow-env \
 *   bench/profile_workload.ts point-rowid [seconds]
 * deno run --allow-read bench/cpuprofile_top.ts /tmp/prof/*.cpuprofile
 * ```
 *
 * With `--io`, file operations go through a {@link CountingVfs} and their count and time
 * per operation are printed (this adds a little time per call). `--memo-size` also answers
 * the file size from memory (a what-if: the gain of not calling fstat per statement).
 *
 * Workloads: point-rowid, point-text, point-index, range, scan-objects, scan-aggregate,
 * insert, open, checkpoint. The operation count printed at the end turns profile
 * milliseconds into cost per row or lookup.
 *
 * @module
 */
import {
  fixture,
  grpOf,
  keyOf,
  openOurs,
  payloadOf,
  randomIds,
  SCHEMA,
  SYNCHRONOUS,
} from "./fixtures.ts";
import { CountingVfs } from "./counting_vfs.ts";

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [workload, secondsArg] = Deno.args.filter((a) => !a.startsWith("--"));
const seconds = Number(secondsArg ?? 5);
const memoSize = flags.includes("--memo-size");
const vfs = flags.includes("--io") || memoSize ? new CountingVfs(undefined, memoSize) : undefined;
const open = (path: string) => openOurs(path, SYNCHRONOUS, vfs);
// Databases the workloads write go here, fresh each run, so reruns never collide.
const scratch = Deno.makeTempDirSync({ prefix: "tsqlite_profile_" });
globalThis.addEventListener("unload", () => Deno.removeSync(scratch, { recursive: true }));
const N = 100_000;

/** Sets up a workload; returns one operation and the rows it touches. */
function prepare(name: string): { op: () => void; rowsPerOp: number } {
  switch (name) {
    case "point-rowid":
    case "point-text":
    case "point-index": {
      const db = open(fixture(N));
      const ids = randomIds(N);
      let i = 0;
      if (name === "point-rowid") {
        const s = db.prepare("SELECT * FROM t WHERE id = ?");
        return { op: () => void s.get(ids[i++ & 4095]), rowsPerOp: 1 };
      }
      if (name === "point-text") {
        const keys = Array.from(ids, keyOf);
        const s = db.prepare("SELECT * FROM kv WHERE key = ?");
        return { op: () => void s.get(keys[i++ & 4095]), rowsPerOp: 1 };
      }
      const s = db.prepare("SELECT * FROM t WHERE grp = ?");
      return { op: () => void s.get(grpOf(ids[i++ & 4095], N)), rowsPerOp: 1 };
    }
    case "range": {
      const db = open(fixture(N));
      const starts = randomIds(N - 100);
      const s = db.prepare("SELECT * FROM t WHERE id >= ? AND id < ?");
      let i = 0;
      return {
        op: () => {
          const a = starts[i++ & 4095];
          s.all(a, a + 100);
        },
        rowsPerOp: 100,
      };
    }
    case "scan-objects": {
      const s = open(fixture(N)).prepare("SELECT * FROM t");
      return { op: () => void s.all(), rowsPerOp: N };
    }
    case "scan-aggregate": {
      const s = open(fixture(N)).prepare(
        "SELECT count(*) AS c, sum(grp) AS s, max(length(payload)) AS m FROM t",
      );
      return { op: () => void s.all(), rowsPerOp: N };
    }
    case "insert": {
      let files = 0;
      const n = 30_000;
      return {
        op: () => {
          const path = `${scratch}/insert_${files++}.db`;
          const db = open(path);
          db.exec(SCHEMA);
          const ins = db.prepare("INSERT INTO t(id, grp, payload) VALUES (?, ?, ?)");
          db.exec("BEGIN");
          for (let i = 1; i <= n; i++) ins.run(i, grpOf(i, n), payloadOf(i));
          db.exec("COMMIT");
          db.close();
          for (const f of [path, `${path}-wal`, `${path}-shm`]) {
            try {
              Deno.removeSync(f);
            } catch {
              // absent
            }
          }
        },
        rowsPerOp: n,
      };
    }
    case "open": {
      const path = fixture(200_000, 400);
      return {
        op: () => {
          const db = open(path);
          db.prepare("SELECT * FROM t WHERE id = ?").get(100_007);
          db.close();
        },
        rowsPerOp: 1,
      };
    }
    case "checkpoint": {
      const db = open(`${scratch}/checkpoint.db`);
      db.exec("PRAGMA wal_autocheckpoint=0");
      db.exec("CREATE TABLE c(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT NOT NULL)");
      const ins = db.prepare("INSERT INTO c(id, v, pad) VALUES (?, 0, ?)");
      db.exec("BEGIN");
      for (let i = 1; i <= 1000; i++) ins.run(i, "x".repeat(3500));
      db.exec("COMMIT");
      const update = db.prepare("UPDATE c SET v = v + 1");
      const ckpt = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)");
      return {
        op: () => {
          update.run();
          ckpt.get();
        },
        rowsPerOp: 1000,
      };
    }
    default:
      throw new Error(`unknown workload ${name}`);
  }
}

const { op, rowsPerOp } = prepare(workload);
for (let i = 0; i < 3; i++) op(); // warm up before timing
vfs?.reset();
let ops = 0;
const t0 = performance.now();
const end = t0 + seconds * 1000;
while (performance.now() < end) {
  op();
  ops++;
}
const ms = performance.now() - t0;
console.log(
  `${workload}: ${ops} ops in ${ms.toFixed(0)} ms; ${(ms * 1000 / ops).toFixed(2)} µs/op, ` +
    `${(ms * 1e6 / (ops * rowsPerOp)).toFixed(1)} ns/row (${rowsPerOp} rows/op)`,
);
if (vfs) console.log(vfs.report(ops));
