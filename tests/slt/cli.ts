/**
 * Runs sqllogictest scripts and reports pass rates.
 *
 * ```sh
 * deno run --allow-read tests/slt/cli.ts [options] [paths...]
 * ```
 * Paths are files or directories (searched for `*.test`); the default is the shared corpus
 * `../shared/sqllogictest` next to the repository. Options:
 * - `--verbose`: print each failing record with what was expected and what came back;
 * - `--max-records N`: run at most N records of each file;
 * - `--stop-on-fail`: stop at the first failing record;
 * - `--json`: print a machine-readable report instead of text;
 * - `--engine tsqlite|node:sqlite`: the engine (default tsqlite; node:sqlite checks the runner);
 * - `--time-limit MS`: a record slower than this fails (default 5000);
 * - `--top N`: how many failure reasons to list (default 25).
 * @module
 */

import { ENGINES } from "./engine.ts";
import { formatFileLine, formatSummary, relativeTo, summaryJson } from "./report.ts";
import {
  DEFAULT_TIME_LIMIT_MS,
  listTestFiles,
  runFile,
  type SltFailure,
  type SltFileResult,
  summarize,
} from "./runner.ts";

const DEFAULT_ROOT = decodeURIComponent(
  new URL("../../../shared/sqllogictest", import.meta.url).pathname,
);

interface CliOptions {
  paths: string[];
  verbose: boolean;
  maxRecords?: number;
  stopOnFail: boolean;
  json: boolean;
  engine: string;
  timeLimitMs: number;
  top: number;
}

function usage(msg: string): never {
  console.error(`${msg}
usage: deno run --allow-read tests/slt/cli.ts [--verbose] [--max-records N] [--stop-on-fail]
       [--json] [--engine tsqlite|node:sqlite] [--time-limit MS] [--top N] [paths...]`);
  Deno.exit(2);
}

function parseArgs(args: string[]): CliOptions {
  const o: CliOptions = {
    paths: [],
    verbose: false,
    stopOnFail: false,
    json: false,
    engine: "tsqlite",
    timeLimitMs: DEFAULT_TIME_LIMIT_MS,
    top: 25,
  };
  const num = (i: number): number => {
    const n = Number(args[i]);
    if (args[i] === undefined || !Number.isInteger(n) || n < 0) {
      usage(`${args[i - 1]} needs a number`);
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--verbose" || a === "-v") o.verbose = true;
    else if (a === "--stop-on-fail") o.stopOnFail = true;
    else if (a === "--json") o.json = true;
    else if (a === "--max-records") o.maxRecords = num(++i);
    else if (a === "--time-limit") o.timeLimitMs = num(++i);
    else if (a === "--top") o.top = num(++i);
    else if (a === "--engine") {
      o.engine = args[++i] ?? "";
      if (!(o.engine in ENGINES)) {
        usage(`unknown engine '${o.engine}' (${Object.keys(ENGINES).join(", ")})`);
      }
    } else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else o.paths.push(a);
  }
  return o;
}

/** The longest directory path shared by all `files` (names are shown relative to it). */
function commonDirectory(files: string[]): string {
  if (files.length === 0) return "";
  let parts = files[0].split("/").slice(0, -1);
  for (const f of files) {
    const fp = f.split("/").slice(0, -1);
    let i = 0;
    while (i < parts.length && i < fp.length && parts[i] === fp[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join("/");
}

function printFailure(root: string, f: SltFailure): void {
  const lines = [`FAIL ${relativeTo(root, f.file)}:${f.line}: ${f.reason}`];
  for (const l of f.sql.split("\n")) lines.push(`  | ${l}`);
  if (f.expected.length > 0 || f.got.length > 0) {
    const max = 40;
    const show = (xs: string[]) =>
      xs.length > max ? [...xs.slice(0, max), `... (${xs.length} values)`] : xs;
    lines.push(`  expected: ${show(f.expected).join(" ")}`);
    lines.push(`  got:      ${show(f.got).join(" ")}`);
  }
  console.log(lines.join("\n"));
}

function main(): void {
  const o = parseArgs(Deno.args);
  const roots = o.paths.length > 0 ? o.paths : [DEFAULT_ROOT];
  const files: string[] = [];
  for (const p of roots) {
    try {
      files.push(...listTestFiles(p));
    } catch (e) {
      usage(`cannot read ${p}: ${(e as Error).message}`);
    }
  }
  const root = o.paths.length === 0 ? DEFAULT_ROOT : commonDirectory(files);
  const factory = ENGINES[o.engine];
  const results: SltFileResult[] = [];
  let stopped = false;
  for (const file of files) {
    if (stopped) break;
    const r = runFile(file, factory, {
      maxRecords: o.maxRecords,
      stopOnFail: o.stopOnFail,
      timeLimitMs: o.timeLimitMs,
      onFailure: o.verbose && !o.json ? (f) => printFailure(root, f) : undefined,
    });
    results.push(r);
    stopped = r.stopped;
    if (!o.json) console.log(formatFileLine(r, relativeTo(root, file)));
  }
  const summary = summarize(results);
  if (o.json) console.log(JSON.stringify(summaryJson(root, o.engine, summary, o.top), null, 2));
  else console.log(formatSummary(root, summary, o.top));
}

if (import.meta.main) main();
