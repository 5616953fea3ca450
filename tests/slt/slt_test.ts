/**
 * CI gate on the sqllogictest corpus in ../shared/sqllogictest: a subset of files runs on
 * tsqlite, and each file's pass rate must not fall below its floor. The same subset runs on
 * node:sqlite (SQLite itself), where every record must pass: that proves the runner.
 *
 * Raising a floor: run `deno task slt <file>` (or `deno run --allow-read tests/slt/cli.ts
 * <file>`), and set the file's floor to the pass rate it prints, rounded down to one
 * decimal. Raise floors whenever the engine learns something; never lower one without
 * knowing why a record stopped passing.
 */

import { assert, assertEquals } from "@std/assert";
import { type EngineFactory, nodeSqliteEngine, tsqliteEngine } from "./engine.ts";
import { passRate, runFile, type SltFileResult } from "./runner.ts";

const ROOT = decodeURIComponent(new URL("../../../shared/sqllogictest/", import.meta.url).pathname);

/** Files of the subset and their floors (pass rate in percent), measured 2026-11-25. */
const FLOORS: Record<string, number> = {
  "evidence/in1.test": 100,
  "evidence/in2.test": 100,
  "evidence/slt_lang_aggfunc.test": 100,
  "evidence/slt_lang_createtrigger.test": 23.0,
  "evidence/slt_lang_createview.test": 69.5,
  "evidence/slt_lang_dropindex.test": 100,
  "evidence/slt_lang_droptable.test": 100,
  "evidence/slt_lang_droptrigger.test": 75.0,
  "evidence/slt_lang_dropview.test": 61.5,
  "evidence/slt_lang_reindex.test": 85.7,
  "evidence/slt_lang_replace.test": 100,
  "evidence/slt_lang_update.test": 100,
  "index/between/1/slt_good_0.test": 100,
  "index/delete/1/slt_good_0.test": 100,
  "index/random/100/slt_good_0.test": 100,
  "index/orderby/100/slt_good_0.test": 100,
  "select1.test": 100,
  "select2.test": 100,
  "select3.test": 100,
};

function runSubset(factory: EngineFactory): Map<string, SltFileResult> {
  try {
    Deno.statSync(ROOT);
  } catch {
    throw new Error(`the sqllogictest corpus is missing: expected it at ${ROOT}`);
  }
  const out = new Map<string, SltFileResult>();
  for (const file of Object.keys(FLOORS)) out.set(file, runFile(ROOT + file, factory));
  return out;
}

Deno.test("sqllogictest: node:sqlite passes every record of the subset (the runner is right)", () => {
  for (const [file, r] of runSubset(nodeSqliteEngine)) {
    assert(r.run > 0, `${file}: no records ran`);
    assertEquals(
      r.failed,
      0,
      `${file}: ${[...r.reasons].map(([k, n]) => `${n}x ${k}`).join("; ")}`,
    );
  }
});

Deno.test("sqllogictest: tsqlite pass rates stay at or above their floors", () => {
  const below: string[] = [];
  const raise: string[] = [];
  for (const [file, r] of runSubset(tsqliteEngine)) {
    const rate = passRate(r);
    const floor = FLOORS[file];
    if (rate < floor) {
      const top = [...r.reasons].sort((a, b) => b[1] - a[1]).slice(0, 3);
      below.push(
        `${file}: ${rate.toFixed(2)}% < floor ${floor}% (${r.passed}/${r.run}); top reasons: ` +
          top.map(([k, n]) => `${n}x ${k}`).join("; "),
      );
    } else if (rate - floor >= 1) {
      raise.push(`${file}: ${Math.floor(rate * 10) / 10}`);
    }
  }
  if (raise.length > 0) {
    console.log(`sqllogictest floors that can be raised:\n  ${raise.join("\n  ")}`);
  }
  assertEquals(below, []);
});
