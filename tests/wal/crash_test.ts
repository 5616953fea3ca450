/**
 * Power loss at every write and sync of WAL-mode (and, for comparison, rollback-mode)
 * workloads; see crash_harness.ts. `TSQLITE_CRASH_SCALE` (default 1) enlarges the
 * workloads and the number of images per crash point for the long run.
 */
import { assert } from "@std/assert";
import { crashEnumerate, workloads } from "./crash_harness.ts";

const scale = Number(Deno.env.get("TSQLITE_CRASH_SCALE") ?? "1");
const seeds = 3 * scale;

for (const mode of ["wal", "delete"] as const) {
  for (const w of workloads(mode, scale)) {
    Deno.test(`crash: ${w.name}`, () => {
      const s = crashEnumerate(w, { seeds, recoverEvery: mode === "wal" ? 5 : 11 });
      console.log(
        `${w.name}: ${s.points} crash points x ${seeds} images = ${s.images}, ` +
          `${s.recoveries} re-crashed recoveries, ${s.outcomes} distinct outcomes, 0 failures`,
      );
      assert(s.images === s.points * seeds);
    });
  }
}
