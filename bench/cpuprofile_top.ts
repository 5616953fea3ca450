/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`): the functions with the most
 * self time, and with the most total (inclusive) time, each with its share of the profile.
 *
 * ```sh
 * deno run --allow-read bench/cpuprofile_top.ts profile.cpuprofile [top=25] [ops]
 * ```
 * With `ops` (the operation count the workload printed) it also prints µs per operation.
 *
 * @module
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, opsArg] = Deno.args;
const top = Number(topArg ?? 25);
const ops = opsArg === undefined ? 0 : Number(opsArg);
const profile: Profile = JSON.parse(Deno.readTextFileSync(file));

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

function label(f: CallFrame): string {
  // Paths relative to the repository when they are ours; engine internals keep their names.
  const where = f.url.replace(/^file:\/\/.*?\/(?=(src|bench)\/|mod\.ts)/, "");
  return `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  all += dt;
  let id: number | undefined = profile.samples[i];
  const leaf = label(byId.get(id)!.callFrame);
  self.set(leaf, (self.get(leaf) ?? 0) + dt);
  const seen = new Set<string>();
  while (id !== undefined) {
    const l = label(byId.get(id)!.callFrame);
    if (!seen.has(l)) {
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
    id = parent.get(id);
  }
}

function print(title: string, m: Map<string, number>): void {
  console.log(`\n${title} (profile ${(all / 1000).toFixed(0)} ms)`);
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) {
    const pct = (100 * us / all).toFixed(1).padStart(5);
    const per = ops > 0 ? `  ${(us / ops).toFixed(3).padStart(9)} µs/op` : "";
    console.log(`${pct}%  ${(us / 1000).toFixed(0).padStart(6)} ms${per}  ${name}`);
  }
}

print("self time", self);
print("total time", total);
