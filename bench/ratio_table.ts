/**
 * Runs the benchmark suite several times (default 3) and prints, per group, the median over
 * the runs of (engine time / node:sqlite time), with the issue-6 target where there is one.
 * Each run is a separate `deno bench --json` process, so every ratio compares two engines
 * measured in the same process and run.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env --allow-run bench/ratio_table.ts \
 *   [--runs=3] [--json-dir=DIR] [files...]
 * ```
 * Extra `deno bench` flags go after `--` (e.g. `-- --no-check`). TSQLITE_BENCH_LARGE=1 in
 * the environment adds the 1M-row variants.
 *
 * @module
 */

interface BenchResult {
  origin: string;
  group: string | null;
  name: string;
  baseline: boolean;
  results: { ok?: { avg: number; n: number } }[];
}

const args = [...Deno.args];
const dash = args.indexOf("--");
const extra = dash >= 0 ? args.splice(dash).slice(1) : [];
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const runs = Number(opt("runs") ?? 3);
const jsonDir = opt("json-dir");
if (jsonDir) Deno.mkdirSync(jsonDir, { recursive: true });
const files = args.filter((a) => !a.startsWith("--"));
if (files.length === 0) files.push(new URL(".", import.meta.url).pathname);

/** Issue 6's targets (our time / node:sqlite's), by the start of the group name. */
const TARGETS: [string, number][] = [
  ["point select", 1.0],
  ["range of", 1.0],
  ["full scan", 1.0],
  ["bulk insert", 1.5],
  ["commit-wal", 1.1],
];

function target(group: string): string {
  return TARGETS.find(([p]) => group.startsWith(p))?.[1].toFixed(1) ?? "-";
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** engine -> group -> ratios (one per run); group -> baseline times. */
const ratios = new Map<string, Map<string, number[]>>();
const baseTimes = new Map<string, number[]>();
const groupsInOrder: string[] = [];

for (let run = 0; run < runs; run++) {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["bench", "--json", "--allow-read", "--allow-write", "--allow-env", ...extra, ...files],
    stdout: "piped",
    stderr: "inherit",
  }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  if (jsonDir) Deno.writeTextFileSync(`${jsonDir}/run${run + 1}.json`, text);
  if (!out.success) throw new Error(`deno bench failed in run ${run + 1}`);
  const benches: BenchResult[] = JSON.parse(text).benches;
  const base = new Map<string, number>();
  for (const b of benches) {
    const avg = b.results[0]?.ok?.avg;
    if (b.group && b.baseline && avg !== undefined) base.set(b.group, avg);
  }
  for (const b of benches) {
    const avg = b.results[0]?.ok?.avg;
    if (!b.group || avg === undefined || !base.has(b.group)) continue;
    if (!groupsInOrder.includes(b.group)) groupsInOrder.push(b.group);
    if (b.baseline) {
      baseTimes.set(b.group, [...(baseTimes.get(b.group) ?? []), avg]);
      continue;
    }
    const engine = b.name.split(":")[0].replace(/ .*/, "");
    const byGroup = ratios.get(engine) ?? new Map<string, number[]>();
    byGroup.set(b.group, [...(byGroup.get(b.group) ?? []), avg / base.get(b.group)!]);
    ratios.set(engine, byGroup);
  }
  console.error(`run ${run + 1}/${runs} done`);
}

const engines = [...ratios.keys()];
const fmtTime = (ns: number) =>
  ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(2)} µs`;
console.log(
  `| group | node:sqlite (median) | ${engines.map((e) => `${e} / node:sqlite`).join(" | ")} ` +
    `| target |`,
);
console.log(`|${" --- |".repeat(engines.length + 3)}`);
for (const g of groupsInOrder) {
  const cells = engines.map((e) => {
    const r = ratios.get(e)?.get(g);
    return r ? `${median(r).toFixed(2)} (${r.map((x) => x.toFixed(2)).join(", ")})` : "-";
  });
  console.log(
    `| ${g} | ${fmtTime(median(baseTimes.get(g) ?? [NaN]))} | ${cells.join(" | ")} | ` +
      `${target(g)} |`,
  );
}
