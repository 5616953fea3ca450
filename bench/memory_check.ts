/**
 * Resident memory of tsqlite querying a 1M-row database (about 150 MB or more on disk) with
 * the default page cache: point selects by rowid, TEXT key and index, 100-row ranges and
 * one full scan, sampling `Deno.memoryUsage().rss` as it goes. Exits 1 when the peak
 * reaches the limit (150 MB).
 *
 * The fixture is built by node:sqlite in a child process so that SQLite's own allocations
 * never count against this process.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env --allow-run bench/memory_check.ts [rows]
 * ```
 *
 * @module
 */
import { Database } from "../mod.ts";

const LIMIT_MB = 150;
const MB = 1024 * 1024;

if (Deno.args[0] === "--build") {
  // Child: build the fixture and print its path. Imported here only, so that node:sqlite
  // and sql.js never load into the measuring process.
  const { fixture } = await import("./fixtures.ts");
  console.log(fixture(Number(Deno.args[1])));
  Deno.exit(0);
}

const rows = Number(Deno.args[0] ?? 1_000_000);
const dir = Deno.makeTempDirSync({ prefix: "tsqlite_memcheck_" });
try {
  const built = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      import.meta.filename!,
      "--build",
      String(rows),
    ],
    env: { TSQLITE_BENCH_DIR: dir, TSQLITE_BENCH_JOURNAL: "delete" },
    stderr: "inherit",
  }).outputSync();
  if (!built.success) throw new Error("fixture build failed");
  const path = new TextDecoder().decode(built.stdout).trim();
  const fileMb = Deno.statSync(path).size / MB;

  let peak = 0;
  const sample = () => {
    const rss = Deno.memoryUsage().rss;
    if (rss > peak) peak = rss;
    return rss;
  };
  const report = (what: string) => {
    sample();
    const m = Deno.memoryUsage();
    const f = (v: number) => `${(v / MB).toFixed(1)} MB`;
    console.log(
      `${what.padEnd(24)} rss ${f(m.rss)}, heap used ${f(m.heapUsed)} of ${f(m.heapTotal)}, ` +
        `external ${f(m.external)}`,
    );
  };
  const atStart = sample();
  const db = new Database(path);
  const byId = db.prepare("SELECT * FROM t WHERE id = ?");
  const byKey = db.prepare("SELECT * FROM kv WHERE key = ?");
  const byGrp = db.prepare("SELECT * FROM t WHERE grp = ?");
  const range = db.prepare("SELECT * FROM t WHERE id >= ? AND id < ?");
  const scan = db.prepare("SELECT id, grp, payload FROM t");

  let x = 42;
  const rand = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return 1 + (x % rows);
  };
  const phases: [string, number, () => void][] = [
    ["point by rowid", 20_000, () => byId.get(rand())],
    ["point by TEXT key", 20_000, () => byKey.get(`key-${rand().toString().padStart(9, "0")}`)],
    ["point by index", 20_000, () => byGrp.get((rand() * 7919) % rows)],
    ["range of 100", 2_000, () => {
      const a = Math.min(rand(), rows - 100);
      range.all(a, a + 100);
    }],
  ];
  const t0 = performance.now();
  for (const [name, count, op] of phases) {
    for (let i = 0; i < count; i++) {
      op();
      if ((i & 255) === 0) sample();
    }
    report(`${name} x${count}`);
  }
  let scanned = 0;
  for (const _ of scan.iterate()) {
    if ((++scanned & 4095) === 0) sample();
  }
  if (scanned !== rows) throw new Error(`full scan saw ${scanned} rows, not ${rows}`);
  report("full scan x1");
  db.close();
  const secs = (performance.now() - t0) / 1000;

  const peakMb = peak / MB;
  console.log(
    `rows ${rows}, file ${fileMb.toFixed(1)} MB, rss at start ${(atStart / MB).toFixed(1)} MB, ` +
      `peak rss ${peakMb.toFixed(1)} MB (limit ${LIMIT_MB} MB), queries took ${secs.toFixed(1)} s`,
  );
  if (peakMb >= LIMIT_MB) {
    console.error(`FAIL: peak resident memory ${peakMb.toFixed(1)} MB >= ${LIMIT_MB} MB`);
    Deno.exitCode = 1;
  }
} finally {
  Deno.removeSync(dir, { recursive: true });
}
